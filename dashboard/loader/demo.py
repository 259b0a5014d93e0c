"""Realistic demo data: a year of citizens' messages for the configured region.

Volume follows population (the capital a little over-weighted), the weekly and daily rhythm,
seasonal sector patterns (heating in the cold season, roads in the spring thaw, waste in summer,
schools in September), per-channel response times with long tails, unanswered and overdue messages
and a few planted local incidents. Texts carry fake phones, e-mails and names so masking can be seen.
The records go through the loader's validation like any file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from dashboard.region import Region

SOURCES = np.array(["vk", "ok", "telegram", "pos", "gosuslugi_widget", "email", "phone"])
SOURCE_SHARE = np.array([0.34, 0.12, 0.14, 0.22, 0.08, 0.04, 0.06])
# median hours to the first answer and the log-normal spread (long tails) per channel
RESPONSE = {
    "vk": (2.5, 1.0),
    "ok": (3.5, 1.0),
    "telegram": (2.0, 1.0),
    "pos": (18.0, 0.9),
    "gosuslugi_widget": (16.0, 0.9),
    "email": (36.0, 0.8),
    "phone": (0.4, 1.2),
}
WEEKEND_FACTOR = {
    "vk": 0.8,
    "ok": 0.85,
    "telegram": 0.8,
    "pos": 0.55,
    "gosuslugi_widget": 0.55,
    "email": 0.35,
    "phone": 0.4,
}
HOUR_WEIGHTS = np.array(
    [
        0.4,
        0.25,
        0.15,
        0.1,
        0.1,
        0.2,
        0.5,
        1.0,
        1.6,
        2.0,
        2.1,
        2.0,
        1.8,
        1.9,
        1.9,
        1.8,
        1.7,
        1.7,
        1.8,
        1.9,
        1.8,
        1.5,
        1.1,
        0.7,
    ]
)

SECTOR_BASE = {
    "zhkh": 0.24,
    "roads": 0.12,
    "improvement": 0.12,
    "health": 0.09,
    "waste": 0.07,
    "transport": 0.07,
    "social": 0.06,
    "education": 0.05,
    "energy": 0.04,
    "gosuslugi": 0.04,
    "ecology": 0.03,
    "safety": 0.03,
    "other": 0.04,
}
# multiplicative seasonal factor by month (1..12)
SEASON = {
    "zhkh": [1.6, 1.5, 1.2, 0.9, 0.7, 0.7, 0.7, 0.8, 1.0, 1.6, 1.6, 1.7],
    "roads": [0.7, 0.8, 1.6, 2.0, 1.5, 1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.7],
    "waste": [0.8, 0.8, 0.9, 1.0, 1.2, 1.5, 1.6, 1.5, 1.1, 0.9, 0.8, 0.8],
    "education": [0.9, 0.9, 0.8, 0.8, 0.9, 0.7, 0.4, 1.0, 2.0, 1.1, 1.0, 0.9],
    "improvement": [1.5, 1.4, 1.1, 0.9, 1.0, 1.0, 1.0, 0.9, 0.8, 0.8, 1.0, 1.5],
    "energy": [1.1, 1.0, 0.9, 0.8, 0.9, 1.2, 1.3, 1.2, 0.9, 0.9, 1.0, 1.1],
}
TOPICS = {
    "zhkh": ["Отопление", "Горячая вода", "Протечка кровли", "Управляющая компания", "Капремонт"],
    "roads": ["Ямы на дорогах", "Тротуары", "Светофор", "Дорожная разметка"],
    "improvement": ["Уборка снега", "Освещение двора", "Детская площадка", "Благоустройство двора"],
    "health": ["Запись к врачу", "Очереди в поликлинике", "Лекарственное обеспечение", "Скорая помощь"],
    "waste": ["Вывоз мусора", "Переполненные контейнеры", "Несанкционированная свалка"],
    "transport": ["Расписание автобусов", "Маршрут отменён", "Состояние остановок"],
    "social": ["Выплаты на детей", "Пенсии", "Помощь многодетным"],
    "education": ["Запись в детский сад", "Школьное питание", "Ремонт школы"],
    "energy": ["Отключение электричества", "Газоснабжение"],
    "gosuslugi": ["Работа МФЦ", "Мобильная связь", "Интернет в деревне"],
    "ecology": ["Неприятный запах", "Вырубка деревьев", "Загрязнение реки"],
    "safety": ["Бродячие собаки", "Нарушение тишины"],
    "other": ["Другое"],
}
AGENCIES = {
    "zhkh": "Минстрой Чувашии",
    "roads": "Минтранс Чувашии",
    "improvement": "Администрация муниципалитета",
    "health": "Минздрав Чувашии",
    "waste": "Региональный оператор ТКО",
    "transport": "Минтранс Чувашии",
    "social": "Минтруд Чувашии",
    "education": "Минобразования Чувашии",
    "energy": "Минпромэнерго Чувашии",
    "gosuslugi": "Минцифры Чувашии",
    "ecology": "Минприроды Чувашии",
    "safety": "Администрация муниципалитета",
    "other": "Администрация Главы Чувашской Республики",
}
OPENINGS = ["Здравствуйте!", "Добрый день.", "Прошу помочь.", "Обращаюсь уже не первый раз.", "Уважаемые специалисты!"]
CLOSINGS = ["Примите меры.", "Когда это исправят?", "Прошу разобраться.", "Жду ответа.", "Сколько можно ждать?"]
NAMES = [
    "Иванов Сергей Петрович",
    "Петрова Анна Викторовна",
    "Николаев Олег Иванович",
    "Смирнова Елена",
    "Васильев Андрей",
    "Григорьева Марина Сергеевна",
]


@dataclass(frozen=True)
class Incident:
    municipality_index: int  # position in the region's table after sorting by population (0 = largest)
    sector: str
    topic: str
    days_ago: int
    length_days: int
    factor: float


INCIDENTS = (
    Incident(1, "zhkh", "Отопление", 4, 3, 6.0),  # heating failure in the second-largest town
    Incident(5, "roads", "Ямы на дорогах", 20, 6, 4.0),
    Incident(12, "waste", "Переполненные контейнеры", 9, 4, 5.0),
)


def _weights(region: Region) -> tuple[np.ndarray, np.ndarray]:
    table = region.municipalities
    population = table["population"].astype(float)
    fallback = population[table["kind"] != "city"].median()
    population = population.fillna(fallback)
    weight = population.to_numpy() * np.where(table["kind"].eq("city"), 1.15, 1.0)
    weight[table.index == region.capital] *= 1.3
    return table.index.to_numpy(), weight / weight.sum()


def _point_pools(region: Region, rng: np.random.Generator, per_unit: int = 400) -> dict[str, np.ndarray]:
    import json

    data = json.loads(region.boundaries_path.read_text(encoding="utf-8"))
    pools = {}
    for feature in data["features"]:
        geom = shape(feature["geometry"])
        minx, miny, maxx, maxy = geom.bounds
        found = np.empty((0, 2))
        while len(found) < per_unit:
            xs = rng.uniform(minx, maxx, per_unit * 4)
            ys = rng.uniform(miny, maxy, per_unit * 4)
            inside = shapely.contains_xy(geom, xs, ys)
            found = np.vstack([found, np.column_stack([xs[inside], ys[inside]])])
        pools[str(feature["id"])] = found[:per_unit]
    return pools


def _texts(rng: np.random.Generator, topics: np.ndarray, places: np.ndarray) -> list[str]:
    n = len(topics)
    opening = rng.integers(0, len(OPENINGS), n)
    closing = rng.integers(0, len(CLOSINGS), n)
    contact = rng.random(n)
    name = rng.integers(0, len(NAMES), n)
    phones = rng.integers(10**8, 10**9, n)
    out = []
    for i in range(n):
        tail = ""
        if contact[i] < 0.15:
            p = str(phones[i])
            tail = f" Мой телефон +7 (9{p[:2]}) {p[2:5]}-{p[5:7]}-{p[7:9]}."
        elif contact[i] < 0.22:
            tail = f" Пишите на user{phones[i] % 9973}@mail.ru."
        elif contact[i] < 0.30:
            tail = f" С уважением, {NAMES[name[i]]}."
        out.append(f"{OPENINGS[opening[i]]} {topics[i]} — {places[i]}. {CLOSINGS[closing[i]]}{tail}")
    return out


def generate(
    region: Region, messages: int = 200_000, days: int = 365, seed: int = 7, now: datetime | None = None
) -> pd.DataFrame:
    """Contract-shaped records (strings, as a file would give them)."""
    rng = np.random.default_rng(seed)
    now = (now or datetime.now(UTC)).astimezone(region.timezone)
    start = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    day_index = np.arange(days + 1)
    dates = pd.DatetimeIndex([start + timedelta(days=int(d)) for d in day_index])
    oktmo, unit_weight = _weights(region)
    sectors = np.array(list(SECTOR_BASE))
    base = np.array([SECTOR_BASE[s] for s in sectors])
    months = dates.month.to_numpy()
    season = np.ones((len(dates), len(sectors)))
    for j, s in enumerate(sectors):
        if s in SEASON:
            season[:, j] = np.array(SEASON[s])[months - 1]
    weekday = dates.day_of_week.to_numpy()
    day_weight = np.where(weekday >= 5, 0.7, 1.0) * (1 + 0.1 * rng.standard_normal(len(dates))).clip(0.6, 1.4)
    cell = day_weight[:, None, None] * unit_weight[None, :, None] * (base[None, None, :] * season[:, None, :])
    # planted incidents: a multiplicative spike on one cell for a few days
    order = np.argsort(-unit_weight)
    incident_topic = {}
    for inc in INCIDENTS:
        if inc.municipality_index >= len(order):
            continue
        u = order[inc.municipality_index]
        j = int(np.flatnonzero(sectors == inc.sector)[0])
        first = max(0, days - inc.days_ago)
        last = min(days, first + inc.length_days)
        cell[first:last, u, j] *= inc.factor
        incident_topic[(u, j)] = (first, last, inc.topic)
    probs = cell.ravel() / cell.sum()
    counts = rng.multinomial(messages, probs)
    flat = np.repeat(np.arange(probs.size), counts)
    d_idx, u_idx, s_idx = np.unravel_index(flat, cell.shape)
    n = len(flat)
    source = rng.choice(SOURCES, n, p=SOURCE_SHARE)
    # weekends: official channels get fewer messages; resample some of them to social networks
    weekend = weekday[d_idx] >= 5
    drop = weekend & (rng.random(n) > np.vectorize(WEEKEND_FACTOR.get)(source))
    source[drop] = rng.choice(["vk", "telegram"], int(drop.sum()))
    hour = rng.choice(24, n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    seconds = hour * 3600 + rng.integers(0, 3600, n)
    created = dates[d_idx] + pd.to_timedelta(seconds, unit="s")
    keep = created <= now
    # response times: log-normal per channel; slower on weekends; 3 % never answered
    med = np.vectorize(lambda s: RESPONSE[s][0])(source)
    sig = np.vectorize(lambda s: RESPONSE[s][1])(source)
    response_h = med * np.exp(sig * rng.standard_normal(n)) * np.where(weekend, 1.6, 1.0)
    never = rng.random(n) < 0.03
    first = created + pd.to_timedelta(response_h, unit="h")
    answered = (~never) & (first <= now)
    resolve_h = response_h + rng.gamma(2.0, 30.0, n)
    resolved_at = created + pd.to_timedelta(resolve_h, unit="h")
    resolved = answered & (resolved_at <= now) & (rng.random(n) < 0.8)
    rejected = answered & ~resolved & (rng.random(n) < 0.05)
    status = np.where(
        resolved,
        "resolved",
        np.where(
            rejected, "rejected", np.where(answered, "answered", np.where(rng.random(n) < 0.5, "in_progress", "new"))
        ),
    )
    topic = _topics(rng, sectors, s_idx)
    for (u, j), (first_day, last_day, name) in incident_topic.items():
        hit = (u_idx == u) & (s_idx == j) & (d_idx >= first_day) & (d_idx < last_day) & (rng.random(n) < 0.8)
        topic[hit] = name
    # coordinates for two thirds of the messages, a point inside the municipality
    pools = _point_pools(region, rng)
    has_point = rng.random(n) < 0.66
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    for u, code in enumerate(oktmo):
        mask = (u_idx == u) & has_point
        if mask.any():
            pick = pools[str(code)][rng.integers(0, len(pools[str(code)]), int(mask.sum()))]
            lon[mask], lat[mask] = pick[:, 0], pick[:, 1]
    names = region.municipalities["name"].to_numpy()
    # some exports name the municipality instead of giving the code
    municipality = np.where(rng.random(n) < 0.7, oktmo[u_idx], names[u_idx])
    fmt = "%Y-%m-%dT%H:%M:%S%z"
    frame = pd.DataFrame(
        {
            "external_id": [f"demo-{seed}-{i:08d}" for i in range(n)],
            "source": source,
            "created_at": created.strftime(fmt),
            "first_response_at": np.where(answered, first.strftime(fmt), ""),
            "resolved_at": np.where(resolved, resolved_at.strftime(fmt), ""),
            "status": status,
            "sector": sectors[s_idx],
            "topic": topic,
            "municipality": municipality,
            "lat": np.where(has_point, np.round(lat, 5).astype(str), ""),
            "lon": np.where(has_point, np.round(lon, 5).astype(str), ""),
            "text": _texts(rng, topic, names[u_idx]),
            "agency": np.vectorize(AGENCIES.get)(sectors[s_idx]),
        }
    )
    return frame[keep].sort_values("created_at", kind="stable").reset_index(drop=True)


def _topics(rng: np.random.Generator, sectors: np.ndarray, s_idx: np.ndarray) -> np.ndarray:
    out = np.empty(len(s_idx), dtype=object)
    for j, s in enumerate(sectors):
        mask = s_idx == j
        out[mask] = rng.choice(TOPICS[s], int(mask.sum()))
    return out
