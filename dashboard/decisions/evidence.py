"""A decision's evidence: the figures of its cell as the dashboard showed them at that moment, frozen.

Made on the server from the same tension result every page reads (never from numbers a client sends), and stored
with the decision as JSON: later loads change the figures, never the evidence a decision was taken on.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from dashboard.decisions.records import Cell, DecisionError
from dashboard.metrics.tension import TensionResult


def _number(value: object, digits: int = 1) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else round(number, digits)


def snapshot(result: TensionResult, cell: Cell, at: datetime, data_version: str) -> dict[str, Any]:
    """The cell's point (and its topic's rise, if named) in ``result``, the tension of ``cell``'s period."""
    points = result.points
    found = points[(points["sector"] == cell.sector) & (points["oktmo"] == cell.oktmo)]
    if found.empty:
        raise DecisionError(
            "в этой ячейке нет сообщений ни за период, ни до него: основанию не на чем стоять",
            "decision_err_empty_cell",
        )
    row = found.iloc[0]
    evidence: dict[str, Any] = {
        "period": {"from": cell.period_from.isoformat(), "to": cell.period_to.isoformat()},
        "messages": int(row["observed"]),
        "expected": _number(row["expected"]),
        "change_pct": _number(row["change_pct"]),
        "index": _number(row["index"]),
        "level": str(row["level"]),
        "overdue": int(row["overdue"]),
        "baseline": {"from": result.baseline[0].isoformat(), "to": result.baseline[1].isoformat()}
        if result.baseline
        else None,
        "taken_at": at.isoformat(),
        "data_version": data_version,
    }
    if cell.topic:
        topics = result.topics
        rose = topics[
            (topics["sector"] == cell.sector) & (topics["oktmo"] == cell.oktmo) & (topics["topic"] == cell.topic)
        ]
        evidence["topic"] = (
            {
                "name": cell.topic,
                "messages": int(rose.iloc[0]["period"]),
                "expected": _number(rose.iloc[0]["expected"]),
                "change_pct": _number(rose.iloc[0]["change_pct"]),
            }
            if not rose.empty
            else {"name": cell.topic, "messages": None, "expected": None, "change_pct": None}
        )
    return evidence
