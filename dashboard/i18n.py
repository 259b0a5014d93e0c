"""Interface texts: Russian first, English as the second language."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "title": {"ru": "ЦУР · обращения граждан", "en": "Regional management centre · citizens' messages"},
    "period": {"ru": "Период", "en": "Period"},
    "today": {"ru": "Сегодня", "en": "Today"},
    "7d": {"ru": "7 дней", "en": "7 days"},
    "30d": {"ru": "30 дней", "en": "30 days"},
    "quarter": {"ru": "Квартал", "en": "Quarter"},
    "year": {"ru": "Год", "en": "Year"},
    "custom": {"ru": "Свой период", "en": "Custom"},
    "sector": {"ru": "Отрасль", "en": "Sector"},
    "municipality": {"ru": "Муниципалитет", "en": "Municipality"},
    "source": {"ru": "Канал", "en": "Channel"},
    "all": {"ru": "Все", "en": "All"},
    "kpi_messages": {"ru": "Сообщений", "en": "Messages"},
    "kpi_answered": {"ru": "Доля отвеченных", "en": "Answered"},
    "kpi_median": {"ru": "Медиана первого ответа", "en": "Median first response"},
    "kpi_overdue": {"ru": "Просрочено сейчас", "en": "Overdue now"},
    "vs_previous": {"ru": "к предыдущему периоду", "en": "vs previous period"},
    "p90": {"ru": "90-й перцентиль", "en": "90th percentile"},
    "within_sla": {"ru": "в срок", "en": "within target"},
    "no_data": {"ru": "нет данных за период", "en": "no data for the period"},
    "db_down": {
        "ru": "База данных недоступна — показаны последние данные, повтор через минуту",
        "en": "Database unavailable — showing the last data, retrying in a minute",
    },
    "attribution": {
        "ru": "Границы: © участники OpenStreetMap, ODbL",
        "en": "Boundaries: © OpenStreetMap contributors, ODbL",
    },
    "select_all": {"ru": "Выбрать все", "en": "Select all"},
    "deselect_all": {"ru": "Снять выбор", "en": "Deselect all"},
    "search": {"ru": "Поиск", "en": "Search"},
    "nothing_found": {"ru": "Ничего не найдено", "en": "Nothing found"},
    "selected_count": {"ru": "выбрано: {num_selected}", "en": "{num_selected} selected"},
    "clear": {"ru": "Очистить", "en": "Clear"},
    "view_region": {"ru": "Регион", "en": "Region"},
    "view_federal": {"ru": "Россия", "en": "Russia"},
    "federal_ranking": {"ru": "Регионы с данными", "en": "Regions with data"},
    "federal_hint": {
        "ru": "Щёлкните по своему региону, чтобы открыть его муниципалитеты; регионы без данных — серые",
        "en": "Click your region to open its municipalities; regions without data are grey",
    },
    "open_dashboard": {"ru": "Открыть панель региона", "en": "Open the region's dashboard"},
    "map_title": {"ru": "Карта обращений", "en": "Message map"},
    "density": {"ru": "Точки (плотность)", "en": "Points (density)"},
    "ranking": {"ru": "Рейтинг муниципалитетов", "en": "Municipalities ranked"},
    "click_hint": {
        "ru": "Щёлкните по муниципалитету на карте или в списке, чтобы открыть его карточку",
        "en": "Click a municipality on the map or in the list to open its card",
    },
    "no_data_grey": {
        "ru": "Серым — нет данных (нет сообщений или численности населения)",
        "en": "Grey: no data (no messages or no population figure)",
    },
    "back_to_region": {"ru": "← Весь регион", "en": "← Whole region"},
    "population": {"ru": "Население", "en": "Population"},
    "no_population": {"ru": "нет данных", "en": "no data"},
    "here": {"ru": "Здесь", "en": "Here"},
    "region": {"ru": "Регион", "en": "Region"},
    "per_10k": {"ru": "На 10 000 жителей", "en": "Per 10,000 residents"},
    "overdue_share": {"ru": "Доля просроченных", "en": "Overdue share"},
    "trend": {"ru": "Динамика по дням", "en": "Daily trend"},
    "top_sectors": {"ru": "Главные отрасли", "en": "Top sectors"},
    "top_topics": {"ru": "Частые темы", "en": "Frequent topics"},
    "latest": {"ru": "Последние сообщения", "en": "Latest messages"},
    "period_label": {"ru": "{start} — {end}, {days} дн.", "en": "{start} — {end}, {days} days"},
}


def t(key: str, lang: str = "ru", **kwargs: object) -> str:
    text = TEXTS[key].get(lang) or TEXTS[key]["ru"]
    return text.format(**kwargs) if kwargs else text
