"""Single-use tokens for the server's own headless Chromium, which opens a page (the briefing) as the user who asked
for its PDF.

A token is signed (the server's secret) and names the account, the page it opens — path and query, nothing else —
and a random nonce; it is good for ``RENDER_SECONDS``, and only once: the nonce's digest is stored when the token is
issued and deleted when it is presented (one ``DELETE``, atomic on both stores, whichever worker process gets it).
A token presented again, for another page, or after its time is refused — and spent either way.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine, delete, insert

from dashboard.store.schema import render_tokens

RENDER_SECONDS = 120  # life of a token: Chromium opens the page within seconds of its issue
PARAMETER = "render_token"  # the query parameter that carries it


def page(path: str, pairs: list[tuple[str, str]]) -> str:
    """The page a token is bound to: the path and the query's pairs in a canonical order, the token left out."""
    kept = sorted((key, value) for key, value in pairs if key != PARAMETER)
    return path + ("?" + urlencode(kept) if kept else "")


def page_of(path: str, query: str) -> str:
    """:func:`page` of a raw query string."""
    return page(path, parse_qsl(query, keep_blank_values=True))


class RenderTokens:
    def __init__(self, engine: Engine, secret: str) -> None:
        self.engine = engine
        self.signer = URLSafeTimedSerializer(secret, salt="tsur-render-page")

    def issue(self, account: list[int], target: str) -> str:
        """A token for ``account`` (its id and session version) to open ``target`` (a :func:`page`) once within
        RENDER_SECONDS."""
        nonce = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(delete(render_tokens).where(render_tokens.c.expires_at < now))  # the never-used ones
            expires = now + timedelta(seconds=RENDER_SECONDS)
            conn.execute(insert(render_tokens).values(digest=_digest(nonce), expires_at=expires))
        return self.signer.dumps([account, target, nonce])

    def redeem(self, token: str, target: str) -> list[int] | None:
        """The account the token was issued to, if it is genuine, in time, for ``target`` and not spent before;
        else None. Spent either way."""
        try:
            account, issued_for, nonce = self.signer.loads(token, max_age=RENDER_SECONDS)
        except (BadSignature, ValueError, TypeError):
            return None
        with self.engine.begin() as conn:
            spent = conn.execute(delete(render_tokens).where(render_tokens.c.digest == _digest(nonce))).rowcount
        return account if spent == 1 and issued_for == target else None


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()
