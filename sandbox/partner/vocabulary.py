"""The sandbox partner's own status words, and how our canonical statuses are spelled in them.

A real partner reports statuses in its own language (Intrum's portal: "Inkasso",
"Innsigelse", "Forliksråd" …). The sandbox does the same so that our adapter's status mapping
is exercised for real; admin endpoints take canonical names (as scenario files do) and the
partner API only ever speaks these raw words.
"""

from __future__ import annotations

from types import MappingProxyType

RAW_BY_CANONICAL = MappingProxyType(
    {
        "registered": "REGISTRERT",
        "acknowledged": "MOTTATT",
        "reminder": "VARSEL",
        "collection": "INKASSO",
        "dispute": "INNSIGELSE",
        "conciliation_board": "FORLIKSRAD",
        "legal": "RETTSLIG",
        "closed_unsettled": "AVSLUTTET_UOPPGJORT",
        "closed_settled": "AVSLUTTET_OPPGJORT",
        "rejected": "AVVIST",
    }
)
CANONICAL_BY_RAW = MappingProxyType({raw: canonical for canonical, raw in RAW_BY_CANONICAL.items()})

SCRIPTABLE = frozenset(RAW_BY_CANONICAL) - {"registered", "rejected"}
"""Statuses the admin ``status`` endpoint accepts (receipt and rejection have their own)."""

CLOSED_RAW = frozenset({RAW_BY_CANONICAL["closed_unsettled"], RAW_BY_CANONICAL["closed_settled"]})


def canonical_of(raw: str) -> str | None:
    """None for a raw word outside the vocabulary (scenarios may script such words)."""
    return CANONICAL_BY_RAW.get(raw)
