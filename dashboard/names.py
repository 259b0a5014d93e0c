"""Tolerant normalisation of Russian place and catalogue names.

«г. Чебоксары», «город Чебоксары», «ЧЕБОКСАРЫ» → «чебоксары»;
«Цивильский район», «Цивильский муниципальный округ», «Цивильский р-н» → «цивильский».
City names and district adjectives stay distinct («чебоксары» ≠ «чебоксарский»).
"""

from __future__ import annotations

import re

_SUFFIXES = (
    "муниципальный округ",
    "муниципальный район",
    "городской округ",
    "муниципальное образование",
    "район",
    "округ",
    "р-н",
    "мо",
)
_PREFIXES = ("город ", "г. ", "г ", "гор. ", "городской округ ", "го ")
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[«»\"'()]")


def normalize(text: str) -> str:
    """Lower-case, ё→е, collapse spaces and strip quotes."""
    value = _PUNCT.sub(" ", str(text)).replace("ё", "е").replace("Ё", "Е").lower()
    value = value.replace("—", "-").replace("–", "-")
    return _SPACES.sub(" ", value).strip(" .,;")


def place_key(text: str) -> str:
    """Key for matching a municipality name regardless of its status words."""
    value = normalize(text)
    value = re.sub(r"^г\.(?=\S)", "г. ", value)
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if value.startswith(prefix):
                value = value[len(prefix) :].strip()
                changed = True
        for suffix in _SUFFIXES:
            if value.endswith(" " + suffix):
                value = value[: -len(suffix) - 1].strip()
                changed = True
    return value
