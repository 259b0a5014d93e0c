"""Readers: CSV (any delimiter, UTF-8/UTF-8-BOM/cp1251), Excel, JSON, JSON Lines, Open311 GeoReport v2.

Each reader yields chunks of raw records: a DataFrame of strings plus a ``__row__`` column with the
row number a person would see in the file (header = row 1), and a list of (row, reason) for rows
that could not even be split into fields.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard.loader.errors import LoadError

FORMATS = ("csv", "xlsx", "json", "jsonl", "open311")
ROW = "__row__"


BLANK = object()  # an empty line of JSON Lines: counted in the numbering, holding no record


@dataclass(frozen=True)
class Unreadable:
    """An item of a batch of records that could not be read as one (a line of JSON Lines that is no JSON)."""

    raw: str
    reason: str


@dataclass
class RawChunk:
    frame: pd.DataFrame
    broken: list[tuple[int, str, str]] = field(default_factory=list)  # (row, raw, reason detail)
    bytes_read: int = 0


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    head = path.open("rb").read(4096).lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"["):
        return "open311" if b"service_request_id" in head else "json"
    if head.startswith(b"{"):
        first_line = head.split(b"\n", 1)[0].strip()
        try:
            json.loads(first_line)
            return "jsonl"
        except ValueError:
            return "json"
    return "csv"


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel «Unicode text») or cp1251."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if sample.count(b"\x00") * 10 > len(sample):  # binary; a stray NUL in a text is no reason to refuse a file
        raise LoadError("файл не похож на текст: неизвестная кодировка или двоичные данные (нужен UTF-8 или cp1251)")
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # a multi-byte character may be cut at the end of the sample
        if exc.start >= len(sample) - 3:
            return "utf-8"
    try:
        sample.decode("cp1251")
    except UnicodeDecodeError as exc:
        raise LoadError("кодировка не распознана: ожидается UTF-8 или Windows-1251 (cp1251)") from exc
    return "cp1251"


def read_chunks(path: Path, fmt: str, chunk_size: int) -> Iterator[RawChunk]:
    if not path.exists():
        raise LoadError(f"файл не найден: {path}")
    if path.stat().st_size == 0:
        raise LoadError(f"файл пуст: {path}")
    if fmt == "csv":
        yield from _csv_chunks(path, chunk_size)
    elif fmt == "xlsx":
        yield from _xlsx_chunks(path, chunk_size)
    elif fmt == "jsonl":
        yield from _jsonl_chunks(path, chunk_size)
    elif fmt in ("json", "open311"):
        yield from _json_chunks(path, chunk_size)
    else:
        raise LoadError(f"неизвестный формат: {fmt}; допустимы {', '.join(FORMATS)}")


def _csv_chunks(path: Path, chunk_size: int) -> Iterator[RawChunk]:
    with path.open("rb") as fh:
        sample = fh.read(256 * 1024)
    encoding = detect_encoding(sample)
    text_sample = sample.decode(encoding, errors="ignore")
    try:
        delimiter = csv.Sniffer().sniff(text_sample.split("\n", 50)[0] + "\n", delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    # NUL is never data (and PostgreSQL cannot store it): dropped as bytes, where it cannot be part of a character
    counter = _CountingReader(path.open("rb", buffering=0), drop_nul=not encoding.startswith("utf-16"))
    with io.TextIOWrapper(io.BufferedReader(counter), encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration as exc:
            raise LoadError(f"файл пуст: {path}") from exc
        except (UnicodeDecodeError, csv.Error) as exc:
            raise LoadError(f"не удалось прочитать заголовок CSV: {exc}") from exc
        width = len(header)
        rows: list[list[str]] = []
        numbers: list[int] = []
        broken: list[tuple[int, str, str]] = []
        record = 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                raise LoadError(f"файл не в кодировке {encoding}: {exc}") from exc
            except csv.Error as exc:
                record += 1
                broken.append((record, "", str(exc)))
                continue
            record += 1
            if not values or (len(values) == 1 and not values[0].strip()):
                continue
            if len(values) != width:
                broken.append((record, delimiter.join(values), f"{len(values)} полей вместо {width}"))
                continue
            rows.append(values)
            numbers.append(record)
            if len(rows) >= chunk_size:
                yield RawChunk(_frame(header, rows, numbers), broken, counter.count)
                rows, numbers, broken = [], [], []
        if rows or broken:
            yield RawChunk(_frame(header, rows, numbers), broken, counter.count)


class _CountingReader(io.RawIOBase):
    """Counts the bytes read so a progress bar can show how far through the file the loader is."""

    def __init__(self, raw: io.RawIOBase, drop_nul: bool = False) -> None:
        self.raw = raw
        self.count = 0
        self.drop_nul = drop_nul

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer) or 0
        self.count += n
        if self.drop_nul and n:
            view = memoryview(buffer)
            block = view[:n].tobytes()
            if b"\x00" in block:
                data = block.replace(b"\x00", b"")
                if not data:  # a block of nothing but NULs: read on
                    return self.readinto(buffer)
                view[: len(data)] = data
                return len(data)
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


def _frame(header: list[str], rows: list[list[str]], numbers: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=_unique(header), dtype=object)
    frame[ROW] = numbers
    return frame


def _unique(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for name in header:
        name = name or "column"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        result.append(name)
    return result


def _xlsx_chunks(path: Path, chunk_size: int) -> Iterator[RawChunk]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise LoadError(f"не удалось открыть Excel-файл: {exc}") from exc
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(iterator)]
    except StopIteration as exc:
        raise LoadError(f"файл пуст: {path}") from exc
    rows, numbers = [], []
    for number, values in enumerate(iterator, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        rows.append([_cell(v) for v in values[: len(header)]] + [""] * (len(header) - len(values)))
        numbers.append(number)
        if len(rows) >= chunk_size:
            yield RawChunk(_frame(header, rows, numbers))
            rows, numbers = [], []
    workbook.close()
    if rows:
        yield RawChunk(_frame(header, rows, numbers))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _records_frame(records: list[dict], numbers: list[int]) -> pd.DataFrame:
    """Records as a frame of strings, each value turned to text on its own before pandas sees it: a column of
    numbers with a gap would otherwise become floats (external id 1001 stored as «1001.0», a 17-digit id rounded)."""
    frame = pd.DataFrame.from_records([{key: _text(value) for key, value in r.items()} for r in records])
    frame = frame.astype(object).where(frame.notna(), "")
    frame[ROW] = numbers
    return frame


def _text(value: object) -> str:
    if value is None:
        return ""
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, ensure_ascii=False)
        if isinstance(value, dict | list)
        else str(value)
    )
    return text.replace("\x00", "")  # NUL is never data (and PostgreSQL cannot store it)


def _jsonl_chunks(path: Path, chunk_size: int) -> Iterator[RawChunk]:
    with path.open("r", encoding="utf-8-sig", errors="strict") as fh:
        records, numbers, broken = [], [], []
        try:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except ValueError as exc:
                    broken.append((number, line.strip()[:2000], f"неверный JSON: {exc.msg}"))
                    continue
                if not isinstance(value, dict):
                    broken.append((number, line.strip()[:2000], "строка не является JSON-объектом"))
                    continue
                records.append(value)
                numbers.append(number)
                if len(records) >= chunk_size:
                    yield RawChunk(_records_frame(records, numbers), broken)
                    records, numbers, broken = [], [], []
        except UnicodeDecodeError as exc:
            raise LoadError(f"JSON Lines должен быть в UTF-8: {exc}") from exc
    if records or broken:
        yield RawChunk(_records_frame(records, numbers) if records else pd.DataFrame({ROW: []}), broken)


def _json_chunks(path: Path, chunk_size: int) -> Iterator[RawChunk]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise LoadError(f"JSON должен быть в UTF-8: {exc}") from exc
    except ValueError as exc:
        raise LoadError(f"файл не является корректным JSON: {exc}") from exc
    yield from records_chunks(json_items(data), chunk_size)


def json_items(data: object) -> list:
    """The list of messages in a JSON document: the document itself, or its ``messages``/``items``/``data``/
    ``requests``/``results`` list."""
    if isinstance(data, dict):
        for key in ("messages", "items", "data", "requests", "results"):
            if isinstance(data.get(key), list):
                return data[key]
        raise LoadError("в JSON нет списка сообщений (ожидается массив или поле messages/items/data)")
    if not isinstance(data, list):
        raise LoadError("в JSON нет списка сообщений")
    return data


def records_chunks(items: list, chunk_size: int) -> Iterator[RawChunk]:
    """Chunks of JSON records, each numbered as it stands in ``items`` (from 1; ``BLANK`` places count but hold
    nothing: a JSON Lines file's empty lines); an item that is no object, is ``Unreadable`` or cannot be stored (a lone
    surrogate, nesting too deep to write back) is a broken row with that number."""
    broken = []
    records, numbers = [], []
    for number, item in enumerate(items, start=1):
        if item is BLANK:
            continue
        if isinstance(item, Unreadable):
            broken.append((number, item.raw[:2000], item.reason))
            continue
        problem = _unstorable(item)
        if problem:
            broken.append((number, _shown(item), problem))
            continue
        records.append(item)
        numbers.append(number)
        if len(records) >= chunk_size:
            yield RawChunk(_records_frame(records, numbers), broken)
            records, numbers, broken = [], [], []
    if records or broken:
        yield RawChunk(_records_frame(records, numbers) if records else pd.DataFrame({ROW: []}), broken)


def _unstorable(item: object) -> str | None:
    """Why a record cannot be loaded, if it cannot."""
    if not isinstance(item, dict):
        return "элемент не является объектом"
    try:
        json.dumps(item, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return "недопустимые символы: одиночный суррогат UTF-16"
    except (RecursionError, ValueError):
        return "вложенность слишком глубока"
    return None


def _shown(item: object) -> str:
    """A refused item as text for its record (whatever it holds)."""
    try:
        return json.dumps(item, ensure_ascii=True)[:2000]
    except (RecursionError, ValueError):
        return repr(type(item))


def open311_defaults() -> dict[str, dict[str, str]]:
    """Column names and values of Open311 GeoReport v2 ``requests.json`` mapped onto the contract."""
    return {
        "columns": {
            "external_id": "service_request_id",
            "created_at": "requested_datetime",
            "status": "status",
            "sector": "service_code",
            "topic": "service_name",
            "text": "description",
            "lat": "lat",
            "lon": "long",
            "agency": "agency_responsible",
            "municipality": "address",
            "resolved_at": "__open311_resolved_at",
        },
        "values": {"status": {"open": "new", "closed": "resolved"}},
    }


def prepare_open311(frame: pd.DataFrame) -> pd.DataFrame:
    """Open311 has no separate resolution time: a closed request was resolved at updated_datetime."""
    if "updated_datetime" in frame and "status" in frame:
        closed = frame["status"].astype(str).str.lower().eq("closed")
        frame["__open311_resolved_at"] = frame["updated_datetime"].where(closed, "")
    return frame
