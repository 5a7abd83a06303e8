"""Translate a partner's own status words into our canonical statuses (DOMAIN §2.2).

Every partner has its own vocabulary and it changes without notice, so the mapping is
configuration handed to the adapter, and a word nobody mapped is an error a person must see,
never a silent guess. The default mapping is the partner sandbox's vocabulary (Norwegian
words, as Intrum/Kredinor/Kravia portals show them).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

CANONICAL_STATUSES = frozenset(
    {
        "registered",
        "acknowledged",
        "reminder",
        "collection",
        "dispute",
        "conciliation_board",
        "legal",
        "closed_unsettled",
        "closed_settled",
        "rejected",
    }
)
"""DOMAIN §2.2's statuses plus ``registered`` (sent, no receipt) and ``rejected`` (refused)."""

DEFAULT_STATUS_MAPPING: Mapping[str, str] = MappingProxyType(
    {
        "REGISTRERT": "registered",
        "MOTTATT": "acknowledged",
        "VARSEL": "reminder",
        "INKASSO": "collection",
        "INNSIGELSE": "dispute",
        "FORLIKSRAD": "conciliation_board",
        "RETTSLIG": "legal",
        "AVSLUTTET_UOPPGJORT": "closed_unsettled",
        "AVSLUTTET_OPPGJORT": "closed_settled",
        "AVVIST": "rejected",
    }
)


class UnmappedStatusError(LookupError):
    """The partner reported a status word that the configured mapping does not know."""

    def __init__(self, partner: str, raw_status: str) -> None:
        self.partner = partner
        self.raw_status = raw_status
        super().__init__(
            f"partner {partner} reported status {raw_status!r}, which its status mapping "
            "does not map; add it to the partner's status_mapping configuration"
        )


def _normalise(raw: str) -> str:
    return raw.strip().upper()


class StatusMapping:
    """Raw partner status → canonical status, case-insensitive on the raw side."""

    def __init__(self, mapping: Mapping[str, str] | None = None, *, partner: str = "partner") -> None:
        source = DEFAULT_STATUS_MAPPING if mapping is None else mapping
        unknown = sorted({target for target in source.values() if target not in CANONICAL_STATUSES})
        if unknown:
            raise ValueError(f"status mapping targets unknown canonical statuses: {unknown}")
        self._partner = partner
        self._map = {_normalise(raw): target for raw, target in source.items()}

    @classmethod
    def default_with(cls, overrides: Mapping[str, str], *, partner: str = "partner") -> StatusMapping:
        """The sandbox vocabulary with a partner's extra or changed words on top."""
        return cls({**DEFAULT_STATUS_MAPPING, **overrides}, partner=partner)

    def to_canonical(self, raw_status: str) -> str:
        try:
            return self._map[_normalise(raw_status)]
        except KeyError:
            raise UnmappedStatusError(self._partner, raw_status) from None

    def try_canonical(self, raw_status: str) -> str | None:
        return self._map.get(_normalise(raw_status))

    def __contains__(self, raw_status: object) -> bool:
        return isinstance(raw_status, str) and _normalise(raw_status) in self._map
