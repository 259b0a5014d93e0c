"""DataFrames from SQL result rows.

``pd.DataFrame(rows)`` on SQLAlchemy ``Row`` objects probes each row for namedtuple attributes, and every probe
raises and catches an exception inside SQLAlchemy: 50 000 rows take ~1 s. Plain tuples take ~40 ms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd


def rows_frame(rows: Iterable[Sequence], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(row) for row in rows], columns=columns)


def counts_frame(rows: Sequence[Sequence], key: str, counts: list[str]) -> pd.DataFrame:
    """Rows of (key, count…) as a frame indexed by the key with the counts in one int64 block: the cube's wide
    rows (a histogram is 60 columns) build ~6× faster than through tuples and per-column dtype inference."""
    index = pd.Index([row[0] for row in rows], dtype=object, name=key)
    values = np.array([row[1:] for row in rows], dtype=np.int64).reshape(len(rows), len(counts))
    return pd.DataFrame(values, index=index, columns=counts)
