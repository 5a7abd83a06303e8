"""Everything one running sandbox holds: the partners' books, mode, faults, tokens, webhooks.

Handlers reach it through ``request.app[STATE]``. All mutation happens on the event loop
between awaits, so no locks are needed. ``view()`` is the scenario runner's window
(``GET /_sandbox/state``): held cases and rejections kept apart, because RESULT.json lists only
cases the partner holds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from functools import partial
from typing import Any

from aiohttp import web

from sandbox.partner.auth import TokenIssuer
from sandbox.partner.book import PartnerBook
from sandbox.partner.credentials import PartnerSecrets
from sandbox.partner.faults import FaultInjector
from sandbox.partner.settings import ModeSettings
from sandbox.partner.webhooks import WebhookDispatcher


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SandboxState:
    def __init__(
        self, secrets: dict[str, PartnerSecrets], webhook_url: str | None, mode: ModeSettings
    ) -> None:
        self.secrets = secrets
        self.issuer = TokenIssuer()
        self.mode = mode
        self.faults = FaultInjector(mode.fault, mode.seed)
        self.webhooks = WebhookDispatcher(
            {p: s.webhook_secret for p, s in secrets.items()},
            webhook_url,
            rng=random.Random(f"webhooks:{mode.seed}"),
            fast=mode.fast,
            duplicate_rate=mode.fault.duplicate_webhook_rate,
        )
        self.books = self._new_books()
        self.autopilot_rng = random.Random(f"autopilot:{mode.seed}")
        self._autopilot: asyncio.Task[None] | None = None

    def _new_books(self) -> dict[str, PartnerBook]:
        return {p: PartnerBook(p, utc_now, partial(self.webhooks.publish, p)) for p in self.secrets}

    def book(self, partner: str) -> PartnerBook | None:
        return self.books.get(partner)

    async def set_mode(self, mode: ModeSettings) -> None:
        self.mode = mode
        self.faults = FaultInjector(mode.fault, mode.seed)
        self.webhooks.rng = random.Random(f"webhooks:{mode.seed}")
        self.webhooks.fast = mode.fast
        self.webhooks.duplicate_rate = mode.fault.duplicate_webhook_rate
        self.autopilot_rng = random.Random(f"autopilot:{mode.seed}")
        await self.stop_autopilot()
        self.start_autopilot()

    def reset(self) -> None:
        self.books = self._new_books()
        self.webhooks.deliveries.clear()

    def start_autopilot(self) -> None:
        from sandbox.partner.autonomous import run_autopilot

        if self.mode.mode == "autonomous" and self._autopilot is None:
            self._autopilot = asyncio.get_running_loop().create_task(run_autopilot(self))

    async def stop_autopilot(self) -> None:
        task, self._autopilot = self._autopilot, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def view(self) -> dict[str, Any]:
        partners = {}
        for partner, book in self.books.items():
            partners[partner] = {
                "cases": [c.to_state() for c in book.held()],
                "rejections": [c.to_rejection() for c in book.claims if c.rejected],
                "settlements": [s.to_api() for s in book.settlements],
                "status_events": len(book.events),
                "webhooks": [d.to_state() for d in self.webhooks.deliveries if d.partner == partner],
            }
        return {
            "mode": self.mode.model_dump(),
            "webhook_url": self.webhooks.url,
            "pending_webhooks": self.webhooks.pending,
            "partners": partners,
        }


STATE = web.AppKey("partner_sandbox_state", SandboxState)
