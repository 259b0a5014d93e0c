"""How much a load holds and how often it shows progress (``TSUR_BATCH_SIZE`` and the like): handed to the loader
by its caller, the defaults being the settings' defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dashboard.settings import Settings


@dataclass(frozen=True)
class LoadLimits:
    batch_size: int = 20_000  # rows read, validated and written at a time
    max_text_chars: int = 10_000  # a longer text is cut to this and marked «… [обрезано]»
    rollup_checkpoint_seconds: float = 60.0  # the rollups of the days written so far are rebuilt this often
    load_memory_rows: int = 20_000_000  # rows kept in memory to build the rollups without reading them back

    @classmethod
    def of(cls, settings: Settings) -> LoadLimits:
        return cls(
            settings.batch_size, settings.max_text_chars, settings.rollup_checkpoint_seconds, settings.load_memory_rows
        )


DEFAULT_LIMITS = LoadLimits()
