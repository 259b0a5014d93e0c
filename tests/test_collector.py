"""A serving process leaves start-up's objects out of every collection (run in a child: the freeze is for good)."""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import gc
from dashboard.runtime.collector import YOUNG_THRESHOLD, settle_for_serving

start_up = [[i] for i in range(50_000)]  # what start-up built and keeps
settle_for_serving()
later = [[i] for i in range(10)]
tracked = {id(o) for o in gc.get_objects()}
assert not any(id(o) in tracked for o in start_up[:1000]), "start-up objects still walked by the collector"
assert all(id(o) in tracked for o in later), "objects made after start-up are not collected"
assert gc.get_freeze_count() >= len(start_up)
assert gc.get_threshold()[0] == YOUNG_THRESHOLD
cycle = []
cycle.append(cycle)
del cycle
assert gc.collect() >= 1, "garbage made after start-up is not freed"
print("ok")
"""


def test_start_up_objects_are_frozen_and_later_garbage_is_still_freed():
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
