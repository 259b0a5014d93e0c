"""Who is asking and what they may see: the principal of a request and the sector scoping rule.

The rule is applied in one place, :class:`dashboard.service.DashboardService`, which every page, Dash callback,
export and API route reads its data through — so a request crafted by hand meets the same rule as the UI. Who the
principal of a web request is, the web layer says (web/principal.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from dashboard.i18n import t

if TYPE_CHECKING:
    from dashboard.catalog import SectorCatalog
    from dashboard.filters import Filters

# operator: the centre's operator (reads all, records decisions); feed: an integration that only writes messages
ROLES = ("admin", "head", "operator", "minister", "wall", "feed")
SCOPED_ROLES = ("minister", "wall")  # roles that may be limited to sectors (a minister must be)


class AccessDenied(PermissionError):
    """The principal asked for data outside its scope (HTTP 403); ``sectors`` names the sectors refused, if any, so
    the answer can name them in the reader's language."""

    def __init__(self, message: str, sectors: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.sectors = sectors

    @classmethod
    def for_sectors(cls, codes: list[str]) -> AccessDenied:
        return cls(denied_message(codes, None), tuple(codes))

    def in_language(self, lang: str, names: SectorCatalog | None = None) -> str:
        """The refusal in ``lang``; a refused sector named by ``names`` (the service's catalogue) and its code."""
        return denied_message(list(self.sectors), names, lang) if self.sectors else str(self)


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    sectors: tuple[str, ...] = ()  # empty: every sector
    texts: bool = True  # may read message texts (masked); a wall screen never does
    account_id: int | None = None  # users.id; None for the development administrator
    session_version: int = 0  # users.session_version when the principal was read (a session must match it)
    sources: tuple[str, ...] = ()  # a feed account's channels: the only ones it may write

    @property
    def restricted(self) -> bool:
        return bool(self.sectors)

    def may_see_sector(self, code: str) -> bool:
        return not self.sectors or code in self.sectors


def denied_message(codes: list[str], names: SectorCatalog | None, lang: str = "ru") -> str:
    """«нет доступа к отрасли: Дороги (roads)» — the name a person knows and the code in the address (the code
    alone without a catalogue)."""
    if names is None:
        return t("no_access_sector", lang, names=", ".join(codes))
    return t("no_access_sector", lang, names=", ".join(f"{names.name_of(code, lang)} ({code})" for code in codes))


def scope(filters: Filters, principal: Principal | None) -> Filters:
    """Filters narrowed to the principal's sectors; AccessDenied if they name a sector outside them."""
    if principal is None or not principal.restricted:
        return filters
    outside = [code for code in filters.sectors if not principal.may_see_sector(code)]
    if outside:
        raise AccessDenied.for_sectors(outside)
    return filters if filters.sectors else replace(filters, sectors=principal.sectors)
