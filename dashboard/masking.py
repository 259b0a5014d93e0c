"""Masking of personal data in message texts (phones, e-mails, personal names where detectable).

Masking happens on the server before a text leaves it (UI, API, exports); the UI additionally
escapes everything (Dash renders text, never HTML).
"""

from __future__ import annotations

import re

PHONE = re.compile(r"(?<!\d)(?:\+7|8)[\s\-]?\(?\d{3}\)?[\s\-]?\d{3}[\s\-]?\d{2}[\s\-]?\d{2}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CAP = r"[А-ЯЁ][а-яё]+"
# «Иванов Сергей Петрович», «Петрова Анна Викторовна»: a surname, a first name and a patronymic
FULL_NAME = re.compile(
    rf"\b{_CAP}(?:ов|ев|ин|ын|ский|цкий|ова|ева|ина|ына|ская|цкая)\s+{_CAP}\s+{_CAP}(?:вич|вна|ична|инична)\b"
)
# «Смирнова Елена», «Васильев Андрей» after a signature phrase
SIGNED = re.compile(rf"((?:С уважением|Подпись|Заявитель|Меня зовут|ФИО)[,:]?\s+){_CAP}(?:\s+{_CAP}){{1,2}}")


def mask(text: object) -> str:
    """Text with personal data replaced; empty for a missing text (None or NaN)."""
    if not isinstance(text, str) or not text:
        return ""
    text = PHONE.sub("+7 *** ***-**-**", text)
    text = EMAIL.sub("***@***", text)
    text = FULL_NAME.sub("[ФИО скрыто]", text)
    return SIGNED.sub(lambda m: m.group(1) + "[ФИО скрыто]", text)
