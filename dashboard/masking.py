"""Masking of personal data in free text (phones, e-mails, personal names where detectable).

Masking happens on the server before a text leaves it (UI, API, exports); the UI additionally escapes everything
(Dash renders text, never HTML). Message texts, topics and agencies all go through :func:`mask`.

Linear time by construction: every repetition is bounded (a word is at most 31 letters, a local part 64, a
domain label 63) and no repetition is nested inside an unbounded one; the patterns that could start anywhere in a
run of word characters (an e-mail's local part) may only start where the run does (a look-behind), so a run is
never rescanned from each of its positions. Suffixes are checked by look-behinds at a word's end instead of by
backtracking into it. ``benchmarks/bench_masking.py`` times adversarial texts (no spaces, digit runs, runs of
capitalised words, many '@') of 1 MB.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from dashboard.runtime import deadline

NAME_MASK = "[ФИО скрыто]"
EMAIL_MASK = "***@***"
PHONE_MASK = "+7 *** ***-**-**"  # a Russian number (10 or 11 digits)
LOCAL_PHONE_MASK = "***-**-**"  # a town's number without its code (62-34-56)
FOREIGN_PHONE_MASK = "+*** ***-**-**"
LONG_NUMBER_MASK = "[номер скрыт]"  # 12 digits and more: an ИНН, an account, a phone run together with more digits

# --- phones ------------------------------------------------------------------------------------------------------

# A run of digits with the separators phones are written with (spaces, hyphens, brackets), from a digit, '+' or '(':
# possessive, so it never gives characters back, and the search skips to the next such character in C. Dots are
# not separators (dates).
_NUMBER_RUN = re.compile(r"[\d+(][\d \t\u00a0()\-\u2010\u2013]{4,}+")
_DIGITS = re.compile(r"\d+")
_TRAILING = " \t\u00a0(-\u2010\u2013"


def _phone_mask(run: str) -> str | None:
    """The mask for a number run that is a phone number, None for any other number (a sum, a date, a year)."""
    groups = _DIGITS.findall(run)
    digits = sum(map(len, groups))
    if run.startswith("+"):
        if digits < 7:
            return None
        return PHONE_MASK if run.startswith("+7") else FOREIGN_PHONE_MASK
    if digits >= 10:
        return None if _thousands(run, groups) else PHONE_MASK if digits <= 11 else LONG_NUMBER_MASK
    local = len(groups) >= 3 and len(groups[0]) <= 3 and len(groups[-1]) == len(groups[-2]) == 2
    return LOCAL_PHONE_MASK if local and 5 <= digits <= 7 else None


def _thousands(run: str, groups: list[str]) -> bool:
    """A number written with spaces between thousands (1 500 000 000), not a phone."""
    spaced = all(ch.isdigit() or ch in " \u00a0" for ch in run)
    return spaced and len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def _phone(match: re.Match[str]) -> str:
    run = match.group()
    core = run.rstrip(_TRAILING)
    masked = _phone_mask(core)
    return run if masked is None else masked + run[len(core) :]


# --- e-mails -----------------------------------------------------------------------------------------------------

# The local part starts where its run of characters does (the look-behind after its first character), so a long
# run without '@' is read once, not from each of its positions; the search skips to candidates in C.
EMAIL = re.compile(r"[\w.+-](?<![\w.+-][\w.+-])[\w.+-]{0,63}+[ \t]?@[ \t]?[\w-]{1,63}+(?:\.[\w-]{1,63}+){1,8}+")
# ivan (at) mail.ru, ivan[at]mail[dot]ru, ivan собака mail.ru, ivan at mail dot ru: a Latin address only, so
# that «моя собака соседа» is not one
_AT_WORDS, _DOT_WORDS = r"(?i:at|собака|собачка)", r"(?i:dot|точка)"
_OPEN, _CLOSE = r"[(\[{<]", r"[)\]}>]"
_AT = rf"(?:[ \t]?{_OPEN}[ \t]?{_AT_WORDS}[ \t]?{_CLOSE}[ \t]?|[ \t]{_AT_WORDS}[ \t])"
_DOT = rf"(?:\.|[ \t]?{_OPEN}[ \t]?{_DOT_WORDS}[ \t]?{_CLOSE}[ \t]?|[ \t]{_DOT_WORDS}[ \t])"
_LATIN = "A-Za-z0-9"
SPELLED_EMAIL = re.compile(
    rf"[{_LATIN}._+-](?<![\w.+-][{_LATIN}._+-])[{_LATIN}._+-]{{0,63}}+{_AT}"
    rf"[{_LATIN}-]{{1,63}}+(?:{_DOT}[{_LATIN}-]{{1,63}}+){{1,8}}+(?!\w)"
)
_SPELLED_HINTS = ("at", "собак")  # in the lower-cased text: no spelled-out address without one of them

# --- names -------------------------------------------------------------------------------------------------------

_UP, _LOW = "А-ЯЁ", "а-яё"
_SEP = r"[ \t\u00a0]{1,3}+"
# the rest of a capitalised word or of one in capitals, whole (possessive: never given back), a double surname
# (Петров-Водкин) as one word
_REST = rf"(?:[{_LOW}]{{1,30}}+(?:-[{_UP}][{_LOW}]{{1,30}}+)?|[{_UP}]{{1,30}}+(?:-[{_UP}]{{1,30}}+)?)(?!\w)"
_WORD = rf"[{_UP}]{_REST}"
_FIRST = rf"[{_UP}](?<!\w[{_UP}]){_REST}"  # a word that starts a pattern: not the inside of another word


def _ends(last: str, *widths: tuple[str, ...]) -> str:
    """A word's ending in either case, checked by look-behinds at its end (nothing backtracks into the word): its
    last letter first (``last``, a character class: most words stop there), then the endings, one look-behind per
    width (each tuple holds endings of one width)."""
    each = "|".join(f"(?<=(?i:{'|'.join(endings)}))" for endings in widths)
    return f"(?<=(?i:{last}))(?:{each})"


_SURNAME_ENDS = _ends(
    "[вкнхцайеоиз]",
    ("[оеё]в", "[иыя]н", "[ую]к", "[ыи]х"),
    ("[оеё]ва", "[иы]на", "янц", "дзе"),
    ("[сц]кий", "[сц]кая", "[сц]кой", "енко"),
    ("швили",),
)
# Иванович, Ильич, Ивановна, Ильинична — and their cases (Ивановича, Ивановичу, Ивановной…)
_PATRONYMIC_ENDS = _ends("[чаыеуйм]", ("[вь]ич", "[вч]н[аыеу]"), ("[вь]ич[аеу]", "[вч]ной"), ("[вь]ичем",))


# a first name with a patronymic, a surname on either side or none: «Иванов Сергей Петрович», «Иван Иванович
# Иванов», «ИВАНОВ ИВАН ИВАНОВИЧ», «Анна Петровна»; each word is read once per start
WITH_PATRONYMIC = re.compile(
    rf"{_FIRST}{_SEP}{_WORD}"
    rf"(?:{_PATRONYMIC_ENDS}(?:{_SEP}{_WORD})?|{_SEP}{_WORD}{_PATRONYMIC_ENDS}(?:{_SEP}{_WORD})?)"
)
# «И.И. Иванов», «И. Иванов», «Иванов И.И.», «Иванов И.» — one initial only next to a surname-like word; a word
# before two initials goes with them («Обращается И.И. Иванов» loses a word rather than keep the surname)
_INITIALS_FIRST = rf"(?<![\w.][{_UP}])\. ?(?:[{_UP}]\. ?{_WORD}|{_WORD}{_SURNAME_ENDS})"
_WORD_FIRST = (
    rf"(?<!\w[{_UP}]){_REST}"
    rf"(?:{_SEP}[{_UP}]\. ?[{_UP}]\.(?!\w)(?: ?{_WORD})?|{_SURNAME_ENDS}{_SEP}[{_UP}]\.(?!\w))"
)
WITH_INITIALS = re.compile(rf"[{_UP}](?:{_INITIALS_FIRST}|{_WORD_FIRST})")
# names after a signature phrase: «С уважением, Смирнова Елена», «Меня зовут Андрей»
_SIGNATURES = ("с уважением", "подпись", "заявител", "меня зовут", "фио", "ф.и.о")
SIGNED = re.compile(
    r"((?i:с уважением|подпись|заявитель|заявительница|меня зовут|ф\.?и\.?о\.?)[,:]?[ \t]{0,3}\n?[ \t]{0,3})"
    rf"{_WORD}(?:{_SEP}{_WORD}){{0,2}}"
)
FIRST_NAMES = frozenset(
    line.strip()
    for line in (Path(__file__).resolve().parent / "defaults" / "first_names.txt").read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


def _trie(words: Iterable[str]) -> str:
    """A pattern matching exactly ``words`` (lower case), read as a trie: each letter is compared once."""
    root: dict = {}
    for word in words:
        node = root
        for letter in word:
            node = node.setdefault(letter, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [letter + pattern(child) for letter, child in sorted(node.items()) if letter]
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")" if branches else ""
        return f"(?:{body})?" if "" in node and body else body

    return pattern(root)


def _first_name(starts_pattern: bool) -> str:
    """A known first name, capitalised or in capitals, whole; ``starts_pattern``: not the inside of a word either.
    Each alternative begins with its capital letter, so the search skips to candidates in C."""
    by_letter: dict[str, list[str]] = {}
    for name in FIRST_NAMES:
        by_letter.setdefault(name[0], []).append(name[1:])
    start = r"(?<!\w.)" if starts_pattern else ""
    return (
        "(?:" + "|".join(f"{a.upper()}{start}(?i:{_trie(rest)})" for a, rest in sorted(by_letter.items())) + r")(?!\w)"
    )


# a surname-like word next to a known first name, either way round: «Смирнова Елена», «Андрей Васильев»
NAME_AFTER_SURNAME = re.compile(rf"{_FIRST}{_SURNAME_ENDS}{_SEP}{_first_name(False)}")
SURNAME_AFTER_NAME = re.compile(rf"{_first_name(True)}{_SEP}{_WORD}{_SURNAME_ENDS}")


# --- masking -----------------------------------------------------------------------------------------------------


def mask(text: object) -> str:
    """Text with personal data replaced; empty for a missing text (None or NaN)."""
    if not isinstance(text, str) or not text:
        return ""
    lower = text.lower()  # for the cheap checks that let a pass be skipped (substring search in C)
    if "@" in text:
        text = EMAIL.sub(EMAIL_MASK, text)
    if any(hint in lower for hint in _SPELLED_HINTS):
        text = SPELLED_EMAIL.sub(EMAIL_MASK, text)
    text = _NUMBER_RUN.sub(_phone, text)
    text = WITH_PATRONYMIC.sub(NAME_MASK, text)
    text = WITH_INITIALS.sub(NAME_MASK, text)
    if any(phrase in lower for phrase in _SIGNATURES):
        text = SIGNED.sub(lambda m: m.group(1) + NAME_MASK, text)
    text = NAME_AFTER_SURNAME.sub(NAME_MASK, text)
    return SURNAME_AFTER_NAME.sub(NAME_MASK, text)


def mask_column(values: pd.Series) -> pd.Series:
    """Each distinct text of a column masked once (topics and agencies repeat a few values); a missing value stays
    missing."""
    distinct = {}
    for value in values.dropna().unique():
        if isinstance(value, str):
            deadline.check()
            distinct[value] = mask(value)
    return values.map(lambda value: distinct.get(value, value) if isinstance(value, str) else value)


def mask_columns(frame: pd.DataFrame, *names: str) -> pd.DataFrame:
    """The frame with those of ``names`` it has masked (:func:`mask_column`)."""
    present = [name for name in names if name in frame.columns]
    return frame.assign(**{name: mask_column(frame[name]) for name in present}) if present else frame
