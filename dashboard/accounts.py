"""Accounts: passwords (argon2id), API / wall-screen tokens (stored as SHA-256), roles and sectors."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, insert, select, update
from zxcvbn import zxcvbn

from dashboard.access import ROLES, SCOPED_ROLES, Principal
from dashboard.catalog import SOURCES
from dashboard.store.schema import user_sectors, user_sources, users

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MIN_STRENGTH = 3  # zxcvbn's score 0–4: 3 — "safely unguessable", about 10¹⁰ guesses
MAX_NAME = 64  # users.name
TOKEN_ROLES = ("wall", "feed")  # accounts of machines: a token, no password, never a message's text
# new accounts' names: what is safe in an address, a log line, a shell and a page alike (older names keep working)
NAME = re.compile(rf"[a-z0-9][a-z0-9._-]{{0,{MAX_NAME - 1}}}")
HASHER = PasswordHasher()  # argon2id, the library's current recommended parameters
# verifying against this keeps an unknown name as slow as a wrong password (no user enumeration by timing)
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """An account operation that cannot be done as asked (message for the user)."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    sectors: tuple[str, ...]
    sources: tuple[str, ...]  # a feed account's channels
    disabled: bool
    has_password: bool
    has_token: bool
    created_at: datetime
    last_login_at: datetime | None

    def public(self) -> dict:
        """The account as JSON without secrets (the API's and the CLI's listing)."""
        return {
            "name": self.name,
            "role": self.role,
            "sectors": list(self.sectors),
            "sources": list(self.sources),
            "disabled": self.disabled,
            "token": self.has_token,
            "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None,
        }


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "tsur_" + secrets.token_urlsafe(32)


def add_user(
    engine: Engine,
    name: str,
    role: str,
    password: str | None = None,
    sectors: tuple[str, ...] = (),
    known_sectors: Collection[str] = (),
    sources: tuple[str, ...] = (),
) -> str | None:
    """Create an account; returns the token of a wall screen or a feed (shown once), None for other roles.
    ``sectors`` must be codes of ``known_sectors``, the deployment's catalogue (``Region.catalog``): the store's table
    of sectors keeps every catalogue it was ever set up with. A feed writes only its ``sources`` (one at least)."""
    if not NAME.fullmatch(name):
        raise AccountError(
            f"имя: от 1 до {MAX_NAME} знаков — строчные латинские буквы, цифры и . _ - (первый знак — буква или цифра)"
        )
    if role not in ROLES:
        raise AccountError(f"роль {role!r} неизвестна; допустимы: {', '.join(ROLES)}")
    sectors = tuple(dict.fromkeys(sectors))
    unknown = [code for code in sectors if code not in set(known_sectors)]
    if unknown:
        raise AccountError(f"неизвестная отрасль: {', '.join(unknown)}")
    if sectors and role not in SCOPED_ROLES:
        raise AccountError(f"отрасли задаются только ролям {', '.join(SCOPED_ROLES)}")
    if role == "minister" and not sectors:
        raise AccountError("министру нужна хотя бы одна отрасль: --sector КОД")
    sources = tuple(dict.fromkeys(sources))
    if sources and role != "feed":
        raise AccountError("каналы задаются только роли feed")
    if role == "feed" and not sources:
        raise AccountError(f"каналу нужен хотя бы один источник: --source КОД ({', '.join(SOURCES)})")
    unknown = [code for code in sources if code not in SOURCES]
    if unknown:
        raise AccountError(f"неизвестный источник: {', '.join(unknown)}; допустимы: {', '.join(SOURCES)}")
    by_token = role in TOKEN_ROLES
    if not by_token:
        _check_password(password, name)
    elif password:
        raise AccountError("у экрана и канала нет пароля: они входят по токену")
    token = new_token() if by_token else None
    with engine.begin() as conn:
        if conn.execute(select(users.c.id).where(users.c.name == name)).first():
            raise AccountError(f"пользователь {name} уже есть")
        user_id = conn.execute(
            insert(users).values(
                name=name,
                role=role,
                password_hash=HASHER.hash(password) if password else None,
                token_hash=token_digest(token) if token else None,
                disabled=False,
                created_at=datetime.now(UTC),
            )
        ).inserted_primary_key[0]
        if sectors:
            conn.execute(insert(user_sectors), [{"user_id": user_id, "sector": code} for code in sectors])
        if sources:
            conn.execute(insert(user_sources), [{"user_id": user_id, "source": code} for code in sources])
    return token


def _check_password(password: str | None, name: str) -> None:
    """Refuses a password that is short, holds the account's name or is easy to guess (zxcvbn: its lists of common
    passwords, words and names, keyboard rows, repeats, sequences and dates; a score under MIN_STRENGTH)."""
    if not password or len(password) < MIN_PASSWORD:
        raise AccountError(f"пароль не короче {MIN_PASSWORD} символов")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"пароль не длиннее {MAX_PASSWORD} символов")
    if len(name) >= 3 and name.casefold() in password.casefold():
        raise AccountError("пароль не должен содержать имя учётной записи")
    # zxcvbn reads at most 72 characters; a longer passphrase is judged by its start
    found = zxcvbn(password[:72], user_inputs=[name])
    if found["score"] < MIN_STRENGTH:
        raise AccountError(f"пароль легко подобрать: {_weakness(found['sequence'])}; возьмите фразу из нескольких слов")


WEAKNESSES = {  # zxcvbn's pattern (or dictionary) of the weak part → what to tell the user
    "passwords": "это распространённый пароль или его вариант",
    "user_inputs": "в нём имя учётной записи",
    "repeat": "повторы одних и тех же знаков",
    "sequence": "последовательность знаков (abc, 123)",
    "spatial": "ряд соседних клавиш",
    "date": "дата",
}


def _weakness(sequence: list[dict]) -> str:
    """The first weak part zxcvbn found, in words (words of a dictionary and too short a password otherwise)."""
    for match in sequence:
        reason = WEAKNESSES.get(match.get("dictionary_name", "")) or WEAKNESSES.get(match["pattern"])
        if reason:
            return reason
    return "словарные слова или слишком мало случайного"


def set_password(engine: Engine, name: str, password: str) -> None:
    """A new password; every session and the API / wall token of the account end (a reset of its credentials)."""
    _check_password(password, name)
    _revoke(engine, name, password_hash=HASHER.hash(password), token_hash=None)


def issue_token(engine: Engine, name: str) -> str:
    """A new API / wall token for the account, shown once; the previous one and every open session end."""
    token = new_token()
    _revoke(engine, name, token_hash=token_digest(token))
    return token


def set_disabled(engine: Engine, name: str, disabled: bool = True) -> None:
    """Disabling ends every session and the token; enabling revives neither (a new token: ``issue_token``)."""
    _revoke(engine, name, disabled=disabled, token_hash=None)


def end_sessions(engine: Engine, name: str) -> None:
    """Every open session of the account ends at its next request, in every worker (sign-out)."""
    _revoke(engine, name)


def _revoke(engine: Engine, name: str, **values: object) -> None:
    """An update of the account that also raises its session version: the sessions begun before it end."""
    with engine.begin() as conn:
        changed = update(users).where(users.c.name == name).values(session_version=users.c.session_version + 1)
        if not conn.execute(changed.values(**values)).rowcount:
            raise AccountError(f"нет пользователя {name}")


def delete_user(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        user_id = conn.execute(select(users.c.id).where(users.c.name == name)).scalar()
        if user_id is None:
            raise AccountError(f"нет пользователя {name}")
        conn.execute(delete(user_sectors).where(user_sectors.c.user_id == user_id))
        conn.execute(delete(user_sources).where(user_sources.c.user_id == user_id))
        conn.execute(delete(users).where(users.c.id == user_id))


def list_users(engine: Engine) -> list[Account]:
    with engine.connect() as conn:
        rows = conn.execute(select(users).order_by(users.c.name)).all()
        scoped = _sectors_by_user(conn)
        channels = _sources_by_user(conn)
    return [
        Account(
            name=r.name,
            role=r.role,
            sectors=scoped.get(r.id, ()),
            sources=channels.get(r.id, ()),
            disabled=bool(r.disabled),
            has_password=r.password_hash is not None,
            has_token=r.token_hash is not None,
            created_at=r.created_at,
            last_login_at=r.last_login_at,
        )
        for r in rows
    ]


def _sectors_by_user(conn, user_id: int | None = None) -> dict[int, tuple[str, ...]]:
    query = select(user_sectors.c.user_id, user_sectors.c.sector).order_by(user_sectors.c.sector)
    if user_id is not None:
        query = query.where(user_sectors.c.user_id == user_id)
    found: dict[int, tuple[str, ...]] = {}
    for uid, sector in conn.execute(query):
        found[uid] = (*found.get(uid, ()), sector)
    return found


def _sources_by_user(conn, user_id: int | None = None) -> dict[int, tuple[str, ...]]:
    query = select(user_sources.c.user_id, user_sources.c.source).order_by(user_sources.c.source)
    if user_id is not None:
        query = query.where(user_sources.c.user_id == user_id)
    found: dict[int, tuple[str, ...]] = {}
    for uid, source in conn.execute(query):
        found[uid] = (*found.get(uid, ()), source)
    return found


def principal(engine: Engine, name: str, hide_texts: bool = False) -> Principal | None:
    """The active account of that name as a principal; None if it does not exist or is disabled."""
    return _principal(engine, users.c.name == name, hide_texts)


def session_principal(engine: Engine, account_id: int, version: int, hide_texts: bool = False) -> Principal | None:
    """The principal of a session begun at ``version`` of the account; None once the account was disabled, deleted
    or its sessions were ended since (its version moved on)."""
    return _principal(engine, (users.c.id == account_id) & (users.c.session_version == version), hide_texts)


def _principal(engine: Engine, where, hide_texts: bool) -> Principal | None:
    """One read (it runs on every request of a session): the active account and its sectors, a row per sector."""
    query = (
        select(users.c.id, users.c.name, users.c.role, users.c.session_version, user_sectors.c.sector)
        .select_from(users.outerjoin(user_sectors, user_sectors.c.user_id == users.c.id))
        .where(where, ~users.c.disabled)
        .order_by(user_sectors.c.sector)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        if not rows:
            return None
        row, sectors = rows[0], tuple(r.sector for r in rows if r.sector is not None)
        sources = _sources_by_user(conn, row.id).get(row.id, ()) if row.role == "feed" else ()
    texts = row.role not in TOKEN_ROLES and not hide_texts
    return Principal(
        row.name, row.role, sectors, texts, account_id=row.id, session_version=row.session_version, sources=sources
    )


def check_password(engine: Engine, name: str, password: str, hide_texts: bool = False) -> Principal | None:
    """The principal if the name and password match an active account; the same work is done either way."""
    with engine.connect() as conn:
        row = conn.execute(
            select(users.c.id, users.c.password_hash).where(users.c.name == name, ~users.c.disabled)
        ).first()
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    try:
        HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.password_hash:
        return None
    with engine.begin() as conn:
        values: dict[str, object] = {"last_login_at": datetime.now(UTC)}
        if HASHER.check_needs_rehash(stored):
            values["password_hash"] = HASHER.hash(password)
        conn.execute(update(users).where(users.c.id == row.id).values(**values))
    return principal(engine, name, hide_texts)


def check_token(engine: Engine, token: str, hide_texts: bool = False) -> Principal | None:
    """The principal whose token this is (tokens are random, so a digest lookup is enough)."""
    if not token or len(token) > 200:
        return None
    with engine.connect() as conn:
        name = conn.execute(
            select(users.c.name).where(users.c.token_hash == token_digest(token), ~users.c.disabled)
        ).scalar()
    return principal(engine, name, hide_texts) if name else None
