"""Playing scenario steps through the sandboxes' real interfaces (never by calling our code).

M3 steps go to the M3 sandbox, which books and then tells the service the way M3 does (CMS049
events to the ingress). Partner steps go to the partner sandbox, which answers, signs webhooks
and serves its API to the partner gateway. Configuration and clock changes go through the same
functions as `dcs config apply` and `dcs clock`.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from workers.config_events.clock import set_business_date
from workers.config_events.store import apply_configuration
from workers.infra.topic_io import publish_raw
from workers.scenario.loading import Step
from workers.scenario.stack import Stack

ACTOR = "scenario-runner"


@dataclass
class Player:
    stack: Stack
    clock: dt.date
    rejected: list[dict[str, Any]] = field(default_factory=list)
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))

    def move_clock(self, to: dt.date) -> None:
        if to > self.clock:
            self.clock = to
            set_business_date(self.stack.settings, to)

    def play(self, step: Step) -> None:
        body = step.body
        if getattr(body, "date", None) is not None:
            self.move_clock(body.date)
        getattr(self, "_" + step.kind.replace(".", "_"))(step)

    # ---- M3 -------------------------------------------------------------------------------
    def _m3_overdue(self, step: Step) -> None:
        b = step.body
        self._post(f"{self.stack.m3_url}/_sandbox/overdue", {
            "division": b.division, "invoice": b.invoice, "year": b.year, "reminders": b.reminders,
            "last_reminder": b.last_reminder.isoformat() if b.last_reminder else None})

    def _m3_payment(self, step: Step, kind: str = "payment") -> None:
        b = step.body
        self._post(f"{self.stack.m3_url}/_sandbox/postings", {
            "division": b.division, "invoice": b.invoice, "year": b.year, "kind": kind, "amount": str(b.amount),
            "function": b.function, "date": (b.date or self.clock).isoformat()})

    def _m3_credit(self, step: Step) -> None:
        self._m3_payment(step, kind="credit")

    # ---- partner --------------------------------------------------------------------------
    def _partner_admin(self, partner: str, action: str, payload: dict[str, Any]) -> None:
        self._post(f"{self.stack.partner_url}/_sandbox/{partner}/{action}", payload)

    def _event_time(self, step: Step) -> str:
        """The partner's event time: the business date plus the step's order (SCENARIOS.md)."""
        start = dt.datetime.combine(self.clock, dt.time(8, 0), tzinfo=dt.UTC)
        return (start + dt.timedelta(seconds=step.index)).isoformat()

    def _invoice_ref(self, b: Any) -> dict[str, Any]:
        ref: dict[str, Any] = {"invoice": b.invoice}
        if b.division:
            ref["division"] = b.division
        if b.year:
            ref["year"] = b.year
        return ref

    def _partner_receipt(self, step: Step) -> None:
        b = step.body
        self._partner_admin(b.partner, "receipt", {**self._invoice_ref(b), "case_no": b.case_no,
                                                   "at": self._event_time(step)})

    def _partner_rejection(self, step: Step) -> None:
        b = step.body
        self._partner_admin(b.partner, "rejection", {**self._invoice_ref(b), "reason": b.reason,
                                                     "at": self._event_time(step)})

    def _partner_status(self, step: Step) -> None:
        b = step.body
        at = b.at.isoformat() if b.at else self._event_time(step)
        payload = {"case_no": b.case_no, "status": b.status, "at": at}
        if b.sub_status:
            payload["sub_status"] = b.sub_status
        self._partner_admin(b.partner, "status", payload)

    def _partner_settlement(self, step: Step) -> None:
        b = step.body
        lines = [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in line.model_dump(exclude_none=True).items()}
                 for line in b.lines]
        payload: dict[str, Any] = {"settlement": b.settlement, "date": (b.date or self.clock).isoformat(),
                                   "lines": lines}
        if b.currency:
            payload["currency"] = b.currency
        self._partner_admin(b.partner, "settlement", payload)

    # ---- configuration, clock, bad input ----------------------------------------------------
    def _config_change(self, step: Step) -> None:
        apply_configuration(self.stack.settings, step.body, actor=ACTOR)

    def _advance(self, step: Step) -> None:
        self.move_clock(self.clock + dt.timedelta(days=step.body))

    def _m3_raw(self, step: Step) -> None:
        b = step.body
        headers = {"Authorization": f"Bearer {self.stack.ingress_token}"} if b.token else {}
        self._raw(f"{self.stack.worker_url('m3-ingress')}/ingress/m3/{b.endpoint}", b.body, headers)

    def _partner_raw(self, step: Step) -> None:
        from workers.adapters.partner.webhooks import sign

        b = step.body
        content = _bytes(b.body)
        headers = {"Content-Type": "application/json", "X-Partner-Id": b.partner}
        if b.sign:
            secrets = json.loads(self.stack.secrets_file.read_text()) if self.stack.secrets_file else {}
            secret = secrets.get(b.partner, {}).get("webhook_secret", "")
            headers["X-Signature"] = sign(secret.encode(), content, int(time.time()))
        self._raw(f"{self.stack.worker_url('partner-gateway')}/webhooks/partners/{b.partner}", content, headers)

    def _topic_raw(self, step: Step) -> None:
        b = step.body
        publish_raw(self.stack.settings, b.topic, b.key.encode() if b.key is not None else None,
                    None if b.value is None else _bytes(b.value))

    # ---- HTTP -------------------------------------------------------------------------------
    def _post(self, url: str, payload: dict[str, Any]) -> None:
        response = self.http.post(url, json=payload)
        if response.status_code >= 300:
            raise StepFailed(f"{url} answered {response.status_code}: {response.text[:500]}")

    def _raw(self, url: str, body: Any, headers: dict[str, str]) -> None:
        response = self.http.post(url, content=_bytes(body), headers=headers)
        if response.status_code >= 400:
            reason = response.text[:500]
            self.rejected.append({"endpoint": url.split("/", 3)[-1], "status": response.status_code, "reason": reason})


class StepFailed(RuntimeError):
    """A sandbox refused a scripted step (e.g. an invoice the M3 data does not have)."""


def _bytes(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body, default=str).encode()
