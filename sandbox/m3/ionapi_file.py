"""Writes a `.ionapi` credentials file that points a real ION API client at this sandbox.

Same keys a tenant admin downloads from ION API > Authorized Apps (ti, cn, ci, cs, iu, pu, oa,
ot, or, saak, sask, ...), so the adapter reads the sandbox's file exactly like a production one.
The file holds secrets: it is written with mode 0600.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sandbox.m3.state import TenantCredentials


def ionapi_content(tenant: TenantCredentials, base_url: str) -> dict[str, str]:
    base = base_url.rstrip("/")
    return {
        "ti": tenant.ti, "cn": "DCS M3 sandbox", "dt": "12", "ci": tenant.ci, "cs": tenant.cs,
        "iu": base, "pu": f"{base}/{tenant.ti}/as/", "oa": "authorization.oauth2",
        "ot": "token.oauth2", "or": "revoke_token.oauth2", "ev": "sandbox", "v": "1.0",
        "saak": tenant.saak, "sask": tenant.sask,
    }


def write_ionapi(path: str | Path, tenant: TenantCredentials, base_url: str) -> Path:
    target = Path(path)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(ionapi_content(tenant, base_url), fh, indent=2)
    return target
