"""Small numbers are not headlines: shrinkage toward the region, the low-count flag, no change between tiny counts.

Reproduces `/?period=today` ranking Шумерлинский (2 messages) first per 10 000 residents, two municipalities ranked
first at 100 % overdue on 1–3 messages, and the API reporting +200 % for 1 → 3 messages.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.metrics import small_numbers as sn
from layouts.map_panel import ranking

places = st.lists(st.tuples(st.integers(0, 5_000), st.floats(1_000, 600_000)), min_size=3, max_size=40).filter(
    lambda rows: sum(c for c, _ in rows) > 0
)


@settings(max_examples=200, deadline=None)
@given(places)
def test_shrinkage_moves_every_rate_toward_the_region_and_never_past_it(rows):
    counts = np.array([c for c, _ in rows], dtype=float)
    people = np.array([p for _, p in rows])
    region = counts.sum() / people.sum()
    raw = counts / people
    adjusted = sn.shrunk_rates(counts, people)
    assert np.all(np.abs(adjusted - region) <= np.abs(raw - region) + 1e-12)
    assert np.all(np.sign(adjusted - region) * np.sign(raw - region) >= 0)  # never to the other side


def test_a_big_place_keeps_its_rate_and_a_small_one_is_drawn_to_the_region():
    # a capital of 500 000 with a real excess; 25 small places around the region's rate; one tiny place with 2
    counts = np.array([2_500] + [100] * 25 + [2], dtype=float)
    people = np.array([500_000] + [40_000] * 25 + [300], dtype=float)
    adjusted = sn.shrunk_rates(counts, people)
    raw = counts / people
    region = counts.sum() / people.sum()
    assert adjusted[0] == pytest.approx(raw[0], rel=0.01)  # the capital: its own rate
    assert abs(adjusted[-1] - region) < 0.2 * abs(raw[-1] - region)  # 2 of 300 residents: mostly the region's
    assert np.argmax(raw) == len(raw) - 1 and np.argmax(adjusted) == 0  # the tiny place no longer ranks first


def test_rates_without_a_population_stay_unknown_and_all_alike_pool_fully():
    adjusted = sn.shrunk_rates(np.array([3, 4, 5, 1]), np.array([10_000, 10_000, 10_000, np.nan]))
    assert np.isnan(adjusted[-1])
    assert adjusted[:3] == pytest.approx([4 / 10_000] * 3)  # no more spread than chance: the region's rate


def test_shares_on_few_messages_are_drawn_to_the_region():
    shares = sn.shrunk_shares(np.array([2, 1, 300, 0]), np.array([3, 1, 1_000, 0]), prior_share=0.05)
    assert shares[0] == pytest.approx((2 + 0.5) / 13)
    assert shares[1] == pytest.approx((1 + 0.5) / 11)  # «100 %» of one message is 14 %
    assert shares[2] == pytest.approx(300.5 / 1010, rel=1e-6)  # a big place keeps its share
    assert np.isnan(shares[3])


def test_no_percentage_change_between_two_tiny_counts():
    changes = sn.count_changes(np.array([3, 30, 12, 5, 9]), np.array([1, 10, 3, 0, 9]))
    assert np.isnan(changes[0])  # 1 → 3: not «+200 %»
    assert changes[1] == pytest.approx(200.0)
    assert changes[2] == pytest.approx(300.0)  # 3 → 12: one side is not tiny, the change is news
    assert np.isnan(changes[3])  # nothing before: no ratio
    assert np.isnan(changes[4])
    assert sn.count_change(3, 1) is None and sn.count_change(30, 10) == pytest.approx(200.0)


def test_the_ranking_lists_every_place_by_the_adjusted_rate_and_marks_few_messages():
    frame = pd.DataFrame(
        {
            "name": ["Чебоксары", "Шумерлинский", "Канаш"],
            "messages": [40, 2, 12],
            "low_count": [False, True, False],
            "per_10k": [0.8, 2.0, 0.6],
            "per_10k_adjusted": [0.79, 0.75, 0.62],
        },
        index=["97701000", "97657000", "97707000"],
    )
    listed = ranking(frame, "per_10k", [], "ru")
    items = listed.children[1].children
    assert [item.children[0].children for item in items] == ["Чебоксары", "Шумерлинский", "Канаш"]
    assert "low-count" in items[1].className and "low-count" not in items[0].className
    assert items[1].children[1].children == "0,8"  # the value it is ranked by, shown
    assert "с поправкой на малые числа" in listed.children[0].children
