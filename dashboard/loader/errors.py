"""Rejection reasons (stable codes for the rejected table) and fatal read errors."""

from __future__ import annotations

MAX_VALUE_SHOWN = 200  # characters of an offending value kept in a reason
REASONS: dict[str, str] = {
    "bad_row": "строка не разобрана: {detail}",
    "missing_external_id": "нет идентификатора сообщения (external_id)",
    "unknown_source": "неизвестный канал: «{value}»",
    "foreign_source": "канал «{value}» не из тех, что может писать эта учётная запись",
    "bad_created_at": "дата создания не распознана или не в порядке дат своего поля: «{value}»",
    "future_date": "дата создания в будущем: «{value}»",
    "bad_first_response_at": "дата первого ответа не распознана или не в порядке дат своего поля: «{value}»",
    "bad_resolved_at": "дата решения не распознана или не в порядке дат своего поля: «{value}»",
    "answer_before_question": "ответ раньше обращения: ответ {value}",
    "resolved_before_created": "решение раньше обращения: {value}",
    "unknown_status": "неизвестный статус: «{value}»",
    "unknown_sector": "отрасль не распознана: «{value}»",
    "bad_coordinates": "координаты не распознаны или вне допустимого диапазона: «{value}»",
    "point_outside_region": "точка вне границ региона: {value}",
    "unknown_municipality": "муниципалитет не распознан: «{value}»",
    "duplicate_in_file": "повтор в файле: та же пара (source, external_id) встречается ниже",
}

# Contradictions in rows that load: counted and shown with examples in the load's summary; the rule that decided is
# in the text (docs: README «Загрузка своей выгрузки»).
NOTES: dict[str, str] = {
    "name_disagrees_with_point": "название муниципалитета расходится с точкой — засчитано по названию",
    "placed_by_point": "название муниципалитета не узнано — место взято по точке",
    "resolved_without_time": "статус «решено» без даты решения — время решения неизвестно",
    "answer_after_resolution": "первый ответ позже решения — принят как записан",
    "answered_same_day": "ответ указан датой без времени в день обращения — принят как «в тот же день» (0 ч)",
    "resolved_same_day": "решение указано датой без времени в день обращения — принято как «в тот же день» (0 ч)",
}


class LoadStopped(Exception):
    """Raised by a load's progress callback between two batches to stop it (``tsur watch`` on SIGTERM): the batches
    written stay, the run is recorded as interrupted."""


class LoadError(Exception):
    """The file cannot be read at all (missing, empty, wrong format, no recognisable columns)."""
