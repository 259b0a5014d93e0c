"""Command line: ``tsur init-db | check | load | watch | mapping | region | demo | stats | rollups | alerts | user |
decision | serve``."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn
from rich.table import Table
from sqlalchemy import func, select

from dashboard.catalog import SOURCES, STATUSES
from dashboard.loader.dates import format_lines
from dashboard.loader.dry_run import check_file
from dashboard.loader.errors import MAX_VALUE_SHOWN, NOTES, REASONS, LoadError
from dashboard.loader.ingest import LoadSummary, load_file, load_frame
from dashboard.loader.limits import LoadLimits
from dashboard.loader.mapping import values_lines
from dashboard.loader.readers import FORMATS
from dashboard.loader.reference import mapping_reference
from dashboard.loader.starter import starter_mapping
from dashboard.region import Region, region_of
from dashboard.runtime import fanout
from dashboard.settings import get_settings
from dashboard.store.db import Connections, get_engine, init_db
from dashboard.store.schema import messages, rejected_rows

app = typer.Typer(
    help="ЦУР: панель обращений граждан — загрузка данных и запуск.", no_args_is_help=True, add_completion=False
)
console = Console()
alerts_app = typer.Typer(help="Оповещения о новых критических точках напряжённости.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
WATCH_ALERTS_SECONDS = 300  # tsur watch checks alerts this often even when nothing loads (a silence needs no load)

user_app = typer.Typer(
    help="Учётные записи: роли admin, head, minister (отрасли), wall (экран по токену), feed (интеграция: только "
    "запись сообщений своих каналов по токену).",
    no_args_is_help=True,
)
app.add_typer(user_app, name="user")


def _region() -> Region:
    """The region of the settings (``TSUR_REGION``), with the catalogues they name."""
    return region_of(get_settings())


def _engine():
    """The settings' store, brought to the newest schema and seeded with the region and its catalogues (and the
    read threads its figures may use, as the app's)."""
    settings = get_settings()
    fanout.configure(settings.read_threads)
    engine = get_engine(settings.resolved_database_url, connections=Connections.of(settings))
    init_db(engine, _region())
    return engine


def _by_code_table(title: str, meaning: str, seen: str) -> Table:
    """A table of a load's rules by code: code, rows, what the rule means, what was seen."""
    table = Table(title=title)
    table.add_column("код")
    table.add_column("строк", justify="right")
    table.add_column(meaning)
    table.add_column(seen)
    return table


def _print_reasons(s: LoadSummary, stored: bool = True) -> None:
    """Every broken rule with its frequent values and the mapping lines that cure them; the notes."""
    if s.reasons:
        reasons = _by_code_table(
            "Причины отклонения (каждое нарушенное правило строки)", "что не так", "частые значения"
        )
        found = {}
        for code, count in s.reasons.most_common():
            frequent = s.frequent_values(code)
            shown = ", ".join(f"«{value}» ×{times}" for value, times in frequent)
            reasons.add_row(code, str(count), REASONS.get(code, code).split(":")[0], shown)
            found[code] = [value for value, _ in frequent if len(value) < MAX_VALUE_SHOWN]  # whole values only
        console.print(reasons)
        codes = {"source": list(SOURCES), "status": list(STATUSES), "sector": _region().catalog.sectors.codes}
        cures = values_lines(found, codes) + format_lines(found)
        if cures:
            console.print("В сопоставление, чтобы принять частые значения (выберите код):")
            for line in cures:
                console.print(line, markup=False, soft_wrap=True)  # whole lines, to copy
        if stored:
            console.print("Отклонённые строки с причинами: таблица rejected_rows (tsur stats --json).")
    if s.notes:
        notes = _by_code_table("Замечания: строки загружены, но противоречат себе", "что и как решено", "примеры")
        for code, count in s.notes.most_common():
            examples = "; ".join(value for value, _ in s.note_values.get(code, {}).most_common(3))
            notes.add_row(code, str(count), NOTES.get(code, code), examples)
        console.print(notes)


def _print_summary(s: LoadSummary) -> None:
    table = Table(title=f"Загрузка: {s.file}", show_header=False)
    table.add_row("формат", s.format)
    table.add_row("строк прочитано", f"{s.rows_total:,}".replace(",", " "))
    table.add_row("новых", f"{s.new:,}".replace(",", " "))
    table.add_row("обновлено", f"{s.updated:,}".replace(",", " "))
    table.add_row("без изменений", f"{s.unchanged:,}".replace(",", " "))
    table.add_row("отклонено", f"{s.rejected:,}".replace(",", " "))
    if s.truncated:
        table.add_row(
            "текстов обрезано", f"{s.truncated:,}".replace(",", " ") + f" (длиннее {get_settings().max_text_chars})"
        )
    table.add_row("время, с", f"{s.seconds:.1f}")
    console.print(table)
    _print_reasons(s)


@app.command("check")
def check_command(
    path: Annotated[Path, typer.Argument(help="Файл выгрузки: CSV, XLSX, JSON, JSONL, Open311 requests.json")],
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m", help="Файл сопоставления (TOML или YAML)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"auto или один из: {', '.join(FORMATS)}")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Итог в JSON")] = False,
) -> None:
    """Проверить выгрузку, ничего не записывая: формат, столбцы, что загрузится и что будет отклонено и почему."""
    try:
        dry = check_file(path, fmt, mapping, region=_region(), limits=LoadLimits.of(get_settings()))
    except LoadError as exc:
        if as_json:
            typer.echo(json.dumps({"file": str(path), "error": str(exc)}, ensure_ascii=False))
        else:
            console.print(f"[red]{exc}[/red]", markup=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(dry.as_dict(), ensure_ascii=False, indent=2, default=str))
        return
    s = dry.summary
    table = Table(title=f"Проверка (ничего не записано): {s.file}", show_header=False)
    table.add_row("формат", s.format)
    table.add_row("столбцы", ", ".join(f"{field} ← «{column}»" for field, column in dry.matched.items()))
    table.add_row("строк прочитано", f"{s.rows_total:,}".replace(",", " "))
    table.add_row("загрузится", f"{dry.would_load:,}".replace(",", " "))
    table.add_row("будет отклонено", f"{s.rejected:,}".replace(",", " "))
    console.print(table)
    _print_reasons(s, stored=False)
    if len(dry.preview):
        preview = Table(title="Первые строки, как они будут записаны")
        for column in dry.preview.columns:
            preview.add_column(column)
        for row in dry.preview.itertuples(index=False):
            preview.add_row(*("" if pd.isna(value) else str(value) for value in row))
        console.print(preview)


mapping_app = typer.Typer(help="Файлы сопоставления выгрузок.", no_args_is_help=True)
app.add_typer(mapping_app, name="mapping")


@mapping_app.command("init")
def mapping_init(
    path: Annotated[Path, typer.Argument(help="Файл выгрузки")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Куда записать сопоставление")] = Path("mapping.toml"),
    force: Annotated[bool, typer.Option("--force", help="Перезаписать существующий файл")] = False,
) -> None:
    """Написать начальное сопоставление по заголовкам и значениям выгрузки — для правки аналитиком."""
    if out.exists() and not force:
        console.print(f"[red]{out} уже есть[/red]; --force, чтобы перезаписать")
        raise typer.Exit(1)
    try:
        text = starter_mapping(path, _region())
    except LoadError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    out.write_text(text, encoding="utf-8")
    console.print(text, markup=False, soft_wrap=True)
    console.print(f"Записано: {out}. Проверьте и заполните «?», затем: tsur check {path} --mapping {out}")


@mapping_app.command("reference")
def mapping_reference_command() -> None:
    """Справочник сопоставления (поля, разделы, коды, причины отклонения) в Markdown — как в docs/loading.md."""
    typer.echo(mapping_reference())


region_app = typer.Typer(help="Регионы: папка с границами и численностью муниципалитетов.", no_args_is_help=True)
app.add_typer(region_app, name="region")


@region_app.command("init")
def region_init(
    region_id: Annotated[str, typer.Argument(help="Код региона латиницей: имя папки и значение TSUR_REGION")],
    boundaries: Annotated[Path, typer.Option("--boundaries", "-b", help="Границы муниципалитетов, GeoJSON (WGS84)")],
    population: Annotated[
        Path, typer.Option("--population", "-p", help="CSV: name, oktmo, population, population_year, …")
    ],
    name_ru: Annotated[str, typer.Option("--name-ru", help="Название региона по-русски")],
    name_en: Annotated[str, typer.Option("--name-en", help="Название по-английски")] = "",
    name_field: Annotated[
        str | None, typer.Option("--name-field", help="Свойство границы с названием (по умолчанию name_ru, name)")
    ] = None,
    timezone: Annotated[str, typer.Option("--timezone", help="Часовой пояс IANA")] = "Europe/Moscow",
    capital: Annotated[str, typer.Option("--capital", help="ОКТМО столицы (по умолчанию самый большой город)")] = "",
    tolerance: Annotated[float, typer.Option("--tolerance", help="Упрощение границ, градусы; 0 — без")] = 0.003,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Папка (по умолчанию TSUR_REGIONS_DIR/код)")] = None,
) -> None:
    """Собрать и проверить папку региона: границы упрощены, ОКТМО и численность присоединены, пробелы перечислены."""
    from zoneinfo import available_timezones

    from geo.build import build_region

    if timezone not in available_timezones():
        console.print(f"[red]часовой пояс «{timezone}» неизвестен[/red] (например Europe/Moscow, Europe/Samara)")
        raise typer.Exit(1)
    folder = out or get_settings().regions_dir / region_id
    report = build_region(
        region_id,
        boundaries,
        population,
        folder,
        name_ru=name_ru,
        name_en=name_en,
        timezone=timezone,
        capital=capital,
        name_field=name_field,
        tolerance=tolerance,
    )
    for error in report.errors:
        console.print(f"[red]ошибка:[/red] {error}", markup=True, highlight=False)
    if not report.ok:
        console.print(f"[red]Папка не записана[/red] (ошибок: {len(report.errors)}).")
        raise typer.Exit(1)
    for unit, lacks in report.missing.items():
        console.print(f"нет данных: {unit} — {', '.join(lacks)}", highlight=False)
    console.print(f"{report.units} муниципалитетов → {folder} (границы {report.kib} КиБ).")
    if report.missing:
        console.print(f"Без численности муниципалитет рисуется серым. Дополните {folder / 'municipalities.csv'}.")
    console.print(f"Дальше: TSUR_REGIONS_DIR={folder.parent} TSUR_REGION={region_id} tsur demo", highlight=False)


@app.command("init-db")
def init_db_command() -> None:
    """Создать или обновить схему базы данных и справочники (идемпотентно)."""
    engine = _engine()
    console.print(f"База готова: {engine.url.render_as_string(hide_password=True)}")


@app.command()
def load(
    files: Annotated[list[Path], typer.Argument(help="Файлы выгрузки: CSV, XLSX, JSON, JSONL, Open311 requests.json")],
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m", help="Файл сопоставления (TOML или YAML)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"auto или один из: {', '.join(FORMATS)}")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Итог в JSON")] = False,
) -> None:
    """Загрузить выгрузки обращений. Повторная загрузка того же файла ничего не удваивает."""
    if fmt != "auto" and fmt not in FORMATS:
        console.print(f"[red]Неизвестный формат {fmt}[/red]; допустимы: auto, {', '.join(FORMATS)}")
        raise typer.Exit(2)
    engine = _engine()
    failed, changed = False, False
    results = []
    for path in files:
        size = path.stat().st_size if path.exists() else 0
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[rows]} строк"),
            console=console,
            transient=True,
            disable=as_json or size < 5_000_000,
        ) as progress:
            task = progress.add_task(path.name, total=size or None, rows=0)
            try:
                summary = load_file(
                    path,
                    engine,
                    fmt,
                    mapping,
                    region=_region(),
                    progress=lambda rows, done, t=task: progress.update(t, completed=done or None, rows=rows),
                    limits=LoadLimits.of(get_settings()),
                )
            except LoadError as exc:
                failed = True
                if as_json:
                    results.append({"file": str(path), "error": str(exc)})
                else:
                    console.print(f"[red]Файл не загружен:[/red] {exc}")
                continue
        results.append(summary.as_dict()) if as_json else _print_summary(summary)
        changed = changed or bool(summary.new or summary.updated)
    if changed:  # new data may have made a point critical
        _check_alerts(engine, quiet=as_json)
    if as_json:
        typer.echo(json.dumps(results, ensure_ascii=False, indent=2))
    if failed:
        raise typer.Exit(1)


@app.command()
def watch(
    folders: Annotated[
        list[Path] | None,
        typer.Argument(help="Папки, куда кладутся выгрузки", exists=True, file_okay=False, dir_okay=True),
    ] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m", help="Файл сопоставления (TOML или YAML)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"auto или один из: {', '.join(FORMATS)}")] = "auto",
    interval: Annotated[float, typer.Option("--interval", help="Как часто смотреть в папки, с", min=0.1)] = 10.0,
    settle: Annotated[float, typer.Option("--settle", help="Секунд без изменений до чтения файла", min=0)] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="Загрузить то, что есть, и выйти")] = False,
    open311: Annotated[
        list[str] | None, typer.Option("--open311", help="Адрес requests.json сервера Open311 GeoReport v2")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Канал заявок Open311, если сопоставление его не задаёт")
    ] = None,
    overlap: Annotated[
        float,
        typer.Option(
            "--open311-overlap", help="Часов перечитывать до курсора (изменения заявок; не меньше 0,1)", min=0.1
        ),
    ] = 24.0,
    page_cap: Annotated[
        int, typer.Option("--open311-page-cap", help="Сколько заявок сервер отдаёт за запрос, не больше", min=2)
    ] = 1000,
    param: Annotated[
        list[str] | None, typer.Option("--open311-param", help="Параметр запроса КЛЮЧ=ЗНАЧЕНИЕ (jurisdiction_id…)")
    ] = None,
) -> None:
    """Следить за папками и загружать каждую новую или изменённую выгрузку — один раз по содержимому; файл, который
    нельзя загрузить, уходит в quarantine/ с отчётом. С --open311 — забирать новые и изменённые заявки сервера
    Open311 при каждом просмотре (курсор хранится в базе). Останавливается по SIGTERM между пакетами, ничего не
    теряя."""
    import logging
    import signal
    import time

    from dashboard.loader.mapping import Mapping
    from dashboard.loader.open311 import Open311Pull
    from dashboard.loader.watch import Watcher

    if fmt != "auto" and fmt not in FORMATS:
        console.print(f"[red]Неизвестный формат {fmt}[/red]; допустимы: auto, {', '.join(FORMATS)}")
        raise typer.Exit(2)
    if not folders and not open311:
        console.print("[red]Укажите папку или --open311 АДРЕС[/red]")
        raise typer.Exit(2)
    pairs = [item.partition("=") for item in param or ()]
    if any(not sep or not key for key, sep, _ in pairs):
        console.print("[red]--open311-param: КЛЮЧ=ЗНАЧЕНИЕ[/red]")
        raise typer.Exit(2)
    stated = Mapping.load(mapping)
    if open311 and source:
        stated = stated.merged({"defaults": {"source": source}})
    if open311 and not stated.defaults.get("source") and "source" not in stated.columns:
        console.print("[red]Заявкам Open311 нужен канал: --source КОД (pos, other, …) или source в сопоставлении[/red]")
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    engine = _engine()
    region, limits = _region(), LoadLimits.of(get_settings())
    pulls = [
        Open311Pull(
            url,
            engine,
            region,
            stated,
            limits,
            overlap=timedelta(hours=overlap),
            page_cap=page_cap,
            params={key: value for key, _, value in pairs},
        )
        for url in open311 or ()
    ]
    watcher = Watcher(engine, region, list(folders or ()), mapping, fmt, limits, settle, pulls=pulls)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: watcher.stop())
    quarantined = False

    checked = time.monotonic()

    def after(outcomes) -> None:
        nonlocal quarantined, checked
        quarantined = quarantined or any(o.action == "quarantined" for o in outcomes)
        loaded = any(o.summary and (o.summary.new or o.summary.updated) for o in outcomes)
        if loaded or time.monotonic() - checked >= WATCH_ALERTS_SECONDS:  # a channel falls silent with no load at all
            _check_alerts(engine, quiet=True)  # new data may also have made a point critical
            checked = time.monotonic()

    watched = [*map(str, folders or ()), *(open311 or ())]
    logging.getLogger("tsur.watch").info("слежу за %s (каждые %g с)", ", ".join(watched), interval)
    watcher.run(interval, once, after)
    if once and quarantined:
        raise typer.Exit(1)


@app.command()
def demo(
    count: Annotated[int, typer.Option("--messages", "-n", help="Сколько сообщений создать")] = 250_000,
    days: Annotated[int, typer.Option("--days", "-d", help="За сколько дней до сегодня")] = 365,
    seed: Annotated[int, typer.Option("--seed", help="Зерно генератора (повторяемость)")] = 7,
) -> None:
    """Создать правдоподобные демо-данные региона и загрузить их через проверки загрузчика."""
    from dashboard.loader.demo import generate

    region = _region()
    engine = _engine()
    with console.status("Генерация демо-данных…"):
        frame = generate(region, messages=count, days=days, seed=seed)
    with Progress(
        TextColumn("Загрузка"), BarColumn(), TimeElapsedColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task("demo", total=len(frame))
        summary = load_frame(
            frame,
            engine,
            f"demo(seed={seed})",
            region,
            progress=lambda rows, _b: progress.update(task, completed=rows),
            limits=LoadLimits.of(get_settings()),
        )
    _print_summary(summary)
    _check_alerts(engine)


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="Вывести JSON")] = False) -> None:
    """Сколько сообщений и отклонённых строк в базе, с разбивкой."""
    engine = _engine()
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(messages)).scalar() or 0
        rejected = conn.execute(select(func.count()).select_from(rejected_rows)).scalar() or 0
        by = {
            name: dict(conn.execute(select(col, func.count()).group_by(col).order_by(func.count().desc())).all())
            for name, col in (
                ("by_source", messages.c.source),
                ("by_sector", messages.c.sector),
                ("by_status", messages.c.status),
                ("by_municipality", messages.c.oktmo),
            )
        }
        reasons = dict(
            conn.execute(select(rejected_rows.c.reason_code, func.count()).group_by(rejected_rows.c.reason_code)).all()
        )
        span = conn.execute(select(func.min(messages.c.day), func.max(messages.c.day))).one()
    data = {
        "messages": int(total),
        "rejected": int(rejected),
        "first_day": str(span[0]) if span[0] else None,
        "last_day": str(span[1]) if span[1] else None,
        **by,
        "rejected_by_reason": reasons,
    }
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console.print(f"Сообщений: {total:,}".replace(",", " "), f"  отклонённых строк: {rejected:,}".replace(",", " "))
    console.print(f"Период: {data['first_day']} — {data['last_day']}")
    for name in ("by_source", "by_sector", "by_status"):
        console.print(name, by[name])


@app.command()
def rollups(full: Annotated[bool, typer.Option("--full", help="Перестроить все дни")] = False) -> None:
    """Перестроить агрегаты (после сбоя загрузки или смены SLA в настройках)."""
    from dashboard.store import rollups as rollup_module

    engine = _engine()
    tz = _region().timezone
    days = rollup_module.rebuild_all(engine, tz) if full else rollup_module.refresh(engine, tz)
    console.print(f"Перестроено дней: {days}")


def _check_alerts(engine, quiet: bool = False) -> None:
    from dashboard.reports import alerts

    report = alerts.check(engine, _region(), get_settings())
    if quiet:
        return
    console.print(
        f"Критических точек: {report.critical}, новых сегодня: {report.recorded}"
        + (f"; молчащих каналов: {report.silent}, новых: {report.silent_recorded}" if report.silent else "")
        + (f"; отправлено: {report.sent}" if get_settings().alert_webhook_url else "")
        + (f"; [red]не доставлено: {report.failed}[/red]" if report.failed else "")
    )
    for error in report.errors:
        console.print(f"  [red]{error}[/red]")


@alerts_app.command("check")
def alerts_check() -> None:
    """Найти новые критические точки (последние 7 дней) и отправить их на TSUR_ALERT_WEBHOOK_URL."""
    _check_alerts(_engine())


@alerts_app.command("list")
def alerts_list(
    days: Annotated[int, typer.Option("--days", help="За сколько последних дней")] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="Вывести JSON")] = False,
) -> None:
    """Записанные оповещения: день, отрасль, муниципалитет, индекс, причина, когда доставлено."""
    from datetime import date, timedelta

    from dashboard.reports import alerts

    frame = alerts.recent(_engine(), date.today() - timedelta(days=days - 1))
    if as_json:
        typer.echo(frame.to_json(orient="records", force_ascii=False, date_format="iso", indent=2))
        return
    table = Table(title="Оповещения")
    for column in ("день", "индекс", "причина", "доставлено"):
        table.add_column(column)
    for _, row in frame.iterrows():
        sent = "—" if row["sent_at"] is None or pd.isna(row["sent_at"]) else f"{row['sent_at']:%d.%m %H:%M}"
        table.add_row(f"{row['day']:%d.%m.%Y}", f"{row['index']:.0f}", row["reason"], sent)
    console.print(table)


def _account_call(action, *args):
    from dashboard.accounts import AccountError

    try:
        return action(_engine(), *args)
    except AccountError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def _show_token(name: str, token: str) -> None:
    console.print(f"Токен {name} (показан один раз, храните как пароль):")
    typer.echo(token)
    console.print(f"Экран: /wall?token=…  ·  API и запись (feed): Authorization: Bearer {token[:9]}…")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Имя для входа")],
    role: Annotated[str, typer.Option("--role", "-r", help="admin, head, minister, wall или feed")],
    password: Annotated[str | None, typer.Option("--password", "-p", help="Пароль (без него — спросить)")] = None,
    sector: Annotated[list[str] | None, typer.Option("--sector", "-s", help="Код отрасли (повторяется)")] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Канал, который пишет feed: vk, pos, … (повторяется)")
    ] = None,
) -> None:
    """Создать учётную запись; экрану (wall) и интеграции (feed) выдаётся токен вместо пароля."""
    from dashboard import accounts

    if role not in accounts.TOKEN_ROLES and password is None:
        password = typer.prompt("Пароль", hide_input=True, confirmation_prompt=True)
    known = _region().catalog.sectors.codes
    token = _account_call(accounts.add_user, name, role, password, tuple(sector or ()), known, tuple(source or ()))
    scope = ", ".join([*(sector or ()), *(source or ())])
    console.print(f"Создан {name} ({role}{': ' + scope if scope else ''})")
    if token:
        _show_token(name, token)


@user_app.command("list")
def user_list(as_json: Annotated[bool, typer.Option("--json", help="Вывести JSON")] = False) -> None:
    """Учётные записи: роль, отрасли, активна ли, есть ли токен, последний вход."""
    from dashboard import accounts

    found = accounts.list_users(_engine())
    if as_json:
        rows = [a.public() for a in found]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title="Пользователи")
    for column in ("имя", "роль", "отрасли / каналы", "состояние", "токен", "последний вход"):
        table.add_column(column)
    for a in found:
        table.add_row(
            a.name,
            a.role,
            ", ".join(a.sources) if a.role == "feed" else ", ".join(a.sectors) or "все",
            "отключён" if a.disabled else "активен",
            "есть" if a.has_token else "—",
            f"{a.last_login_at:%d.%m.%Y %H:%M}" if a.last_login_at else "—",
        )
    console.print(table)


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="Имя")]) -> None:
    """Отключить: вход, токен и открытые сессии перестают работать сразу (включение их не возвращает)."""
    from dashboard import accounts

    _account_call(accounts.set_disabled, name, True)
    console.print(f"{name} отключён")


@user_app.command("enable")
def user_enable(name: Annotated[str, typer.Argument(help="Имя")]) -> None:
    """Включить отключённую учётную запись (прежние сессии и токен не оживают: новый — tsur user token)."""
    from dashboard import accounts

    _account_call(accounts.set_disabled, name, False)
    console.print(f"{name} включён")


@user_app.command("password")
def user_password(
    name: Annotated[str, typer.Argument(help="Имя")],
    password: Annotated[str | None, typer.Option("--password", "-p", help="Новый пароль (без него — спросить)")] = None,
) -> None:
    """Сменить пароль; все сессии и токен учётной записи перестают работать."""
    from dashboard import accounts

    password = password or typer.prompt("Новый пароль", hide_input=True, confirmation_prompt=True)
    _account_call(accounts.set_password, name, password)
    console.print(f"Пароль {name} изменён")


@user_app.command("token")
def user_token(name: Annotated[str, typer.Argument(help="Имя")]) -> None:
    """Выдать новый токен (API: Authorization: Bearer; экран: /wall?token=); прежний и все сессии перестают работать."""
    from dashboard import accounts

    _show_token(name, _account_call(accounts.issue_token, name))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Адрес")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Порт")] = 8050,
    debug: Annotated[bool, typer.Option(help="Режим отладки Dash")] = False,
) -> None:
    """Запустить панель (сервер разработки; в эксплуатации — gunicorn app:server)."""
    from app import default_app

    settings = get_settings()
    dash_app = default_app()
    console.print(f"Панель: http://{host}:{port}/  (база: {settings.resolved_database_url})")
    dash_app.run(host=host, port=port, debug=debug)


decision_app = typer.Typer(
    help="Решения (поручения) по данным ЦУР: записать, сменить статус, список.", no_args_is_help=True
)
app.add_typer(decision_app, name="decision")


def _decisions():
    from dashboard.decisions.service import DecisionService
    from dashboard.service import DashboardService

    return DecisionService(DashboardService(_engine(), _region()), get_settings().decision_within_days)


def _day(value: str | None, option: str) -> date | None:
    from dashboard.filters import FilterError, parse_date

    try:
        return parse_date(value) if value else None
    except FilterError as exc:
        console.print(f"[red]{option}: {exc}[/red]")
        raise typer.Exit(2) from exc


@decision_app.command("add")
def decision_add(
    title: Annotated[str, typer.Option("--title", help="Что сделать")],
    agency: Annotated[str, typer.Option("--agency", help="Ответственное ведомство")],
    due: Annotated[str, typer.Option("--due", help="Срок, ГГГГ-ММ-ДД")],
    person: Annotated[str | None, typer.Option("--person", help="Ответственное лицо")] = None,
    sector: Annotated[str | None, typer.Option("--sector", help="Основание: отрасль")] = None,
    municipality: Annotated[str | None, typer.Option("--municipality", help="Основание: ОКТМО")] = None,
    topic: Annotated[str | None, typer.Option("--topic", help="Основание: тема")] = None,
    first: Annotated[str | None, typer.Option("--from", help="Период основания: с")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Период основания: по")] = None,
) -> None:
    """Записать решение; с --sector, --municipality и периодом — с основанием: цифры ячейки на этот момент."""
    from dashboard.decisions.records import DecisionError

    period_from, period_to, due_day = _day(first, "--from"), _day(last, "--to"), _day(due, "--due")
    if (period_from is None) != (period_to is None):
        console.print("[red]Период основания: --from и --to вместе[/red]")
        raise typer.Exit(2)
    decisions = _decisions()
    try:
        decision_id = decisions.record(
            title=title,
            agency=agency,
            due=due_day,
            person=person,
            sector=sector,
            oktmo=municipality,
            topic=topic,
            period=(period_from, period_to) if period_from and period_to else None,
        )
    except DecisionError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    found = decisions.get(decision_id)
    backing = "с основанием" if found.backed else "без основания в данных"
    console.print(f"Записано решение №{decision_id} ({backing}), срок {found.due:%d.%m.%Y}")


@decision_app.command("status")
def decision_status(
    decision_id: Annotated[int, typer.Argument(help="Номер решения")],
    status: Annotated[str, typer.Argument(help="assigned, in_progress, done или cancelled")],
) -> None:
    """Сменить статус решения (назначено → в работе → выполнено / отменено); изменение записывается в историю."""
    from dashboard.decisions.records import DecisionError

    try:
        _decisions().set_status(decision_id, status)
    except (DecisionError, LookupError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"Решение №{decision_id}: {status}")


@decision_app.command("list")
def decision_list(
    as_json: Annotated[bool, typer.Option("--json", help="Вывести JSON")] = False,
    status: Annotated[list[str] | None, typer.Option("--status", help="Только этот статус (повторяется)")] = None,
) -> None:
    """Решения, новые первыми: статус, срок, основание и эффект."""
    from dashboard.decisions.records import DecisionError

    decisions = _decisions()
    try:
        found = decisions.listed(statuses=tuple(status or ()))
    except DecisionError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    rows = [decisions.public(d) for d in found]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title="Решения")
    for column in ("№", "что", "ведомство", "срок", "статус", "основание", "эффект"):
        table.add_column(column)
    for row in rows:
        place = f"{row['sector_name']} · {row['municipality']}" if row["sector"] else "—"
        late = " (просрочено)" if row["overdue"] else ""
        effect = row["effect"]["text"] if row["effect"] else "—"
        table.add_row(str(row["id"]), row["title"], row["agency"], row["due"] + late, row["status"], place, effect)
    console.print(table)


if __name__ == "__main__":
    app()
