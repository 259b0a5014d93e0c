"""Pieces every page uses to be read without eyes or a mouse (docs/accessibility.md)."""

from __future__ import annotations

from dash import html

from dashboard.i18n import t

CONTENT = "content"  # the id of every page's main content: the skip link's target


def skip_link(lang: str) -> html.A:
    """«Перейти к содержимому»: the first stop of the keyboard, seen only when focused (style.css ``.skip-link``)."""
    return html.A(t("skip_to_content", lang), href=f"#{CONTENT}", className="skip-link")


def hidden_label(text: str, for_id: str) -> html.Label:
    """A control's name for screen readers where the page shows none (a switch whose options speak for it to the
    eye); assets/a11y.js names the control's group by it."""
    return html.Label(text, htmlFor=for_id, className="sr-only")
