"""`--run DIR`: reconcile a `dcs demo` or scenario run without spelling out its settings.

A run's directory (`workers/scenario/stack.py`) already holds everything an operator would
otherwise have to look up: the topic prefix is the directory's name plus ".", `m3.ionapi` is
the M3 credentials file (pointing at the run's M3 sandbox), `partner-secrets.json` the partner
credentials, and the partner sandbox names its partners and URL in its ready line in
`partner-sandbox.log`. What the run does not hold comes from the environment as usual.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

READY_LINE = re.compile(r"partner sandbox for (\S+) listening on (https?://\S+)")


class NotARun(ValueError):
    """The directory is not a run directory; the message says what is missing."""


def run_settings(run: Path) -> dict[str, Any]:
    """Settings overrides for `load_settings` that point at the run in `run`."""
    if not (run / "ingress.token").is_file() and not (run / "m3.ionapi").is_file():
        raise NotARun(f"{run} is not a run directory (no m3.ionapi or ingress.token in it); "
                      "runs are under .data/demo/ and .data/scenarios/")
    overrides: dict[str, Any] = {"topic_prefix": f"{run.resolve().name}."}
    for key, name in (("m3_ionapi_file", "m3.ionapi"), ("partner_secrets_file", "partner-secrets.json")):
        if (run / name).is_file():
            overrides[key] = run / name
    urls = partner_urls(run / "partner-sandbox.log")
    if urls:
        overrides["partner_urls"] = urls
    return overrides


def partner_urls(log: Path) -> str:
    """`ID=URL/ID/api/v1,…` from the partner sandbox's last ready line; empty if there is none."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    found = READY_LINE.findall(text)
    if not found:
        return ""
    partners, url = found[-1]
    return ",".join(f"{partner}={url}/{partner}/api/v1" for partner in partners.split(",") if partner)
