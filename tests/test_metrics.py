"""Formatting of figures."""

from dashboard import formatting as fmt


def test_russian_number_formatting():
    assert fmt.number(1234567) == "1\u00a0234\u00a0567"
    assert fmt.share(0.958) == "95,8\u00a0%"
    assert fmt.hours(0.5) == "30\u00a0мин"
    assert fmt.hours(4.43) == "4,4\u00a0ч"
    assert fmt.hours(50) == "2,1\u00a0сут"
    assert fmt.change(-3.7) == "−3,7\u00a0%"
    assert fmt.number(None) == "—"
