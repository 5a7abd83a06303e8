"""Each hosted partner's credentials: API key, OAuth client, webhook signing secret.

The gateway must hold the same secrets, so they live in one JSON file both sides read
(``{"INTRUM": {"api_key": …, "client_id": …, "client_secret": …, "webhook_secret": …}}``).
A missing file is created with random secrets (mode 0600); without a file the sandbox uses
well-known development secrets derived from the partner id. Secrets are never logged and
never served by any endpoint.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class PartnerSecrets:
    client_id: str
    api_key: str = field(repr=False)
    client_secret: str = field(repr=False)
    webhook_secret: str = field(repr=False)

    @classmethod
    def development(cls, partner: str) -> PartnerSecrets:
        slug = partner.lower()
        return cls(
            client_id=f"{slug}-client",
            api_key=f"{slug}-sandbox-api-key",
            client_secret=f"{slug}-sandbox-client-secret",
            webhook_secret=f"{slug}-sandbox-webhook-secret",
        )

    @classmethod
    def generate(cls, partner: str) -> PartnerSecrets:
        return cls(
            client_id=f"{partner.lower()}-client",
            api_key=secrets.token_urlsafe(24),
            client_secret=secrets.token_urlsafe(32),
            webhook_secret=secrets.token_urlsafe(32),
        )


def load_or_create(path: Path | None, partners: list[str]) -> dict[str, PartnerSecrets]:
    if path is None:
        return {p: PartnerSecrets.development(p) for p in partners}
    stored: dict[str, dict[str, str]] = {}
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    result = {}
    for partner in partners:
        entry = stored.get(partner)
        result[partner] = PartnerSecrets(**entry) if entry else PartnerSecrets.generate(partner)
    if set(result) - set(stored):
        path.parent.mkdir(parents=True, exist_ok=True)
        merged = {**stored, **{p: asdict(s) for p, s in result.items()}}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(merged, handle, indent=2)
    return result
