"""Carry one command through: pick the partner's client, call it until it answers, publish.

Three kinds of failure, three behaviours. Transient (outage, timeouts, a secret being
rotated): wait it out, the offset stays put (retrying.py). Permanent for this command (an
unknown partner, a 4xx the partner will repeat): a registration gets a rejection with the
reason, so the case processor and M3 see it; a payment or close request is logged and
counted, never crashing the partition. The answers are published before the command counts as
done, so a crash in between re-runs it, and the re-run looks before it writes.
"""

from __future__ import annotations

from typing import Any

from contracts import Envelope
from workers.adapters.partner import PartnerRequestError
from workers.infra.health import WorkerHealth
from workers.infra.logs import get_logger
from workers.partner_gateway.clients import PartnerClients
from workers.partner_gateway.commands import Handled, perform, rejection
from workers.partner_gateway.connection import UnknownPartner
from workers.partner_gateway.options import GatewayOptions
from workers.partner_gateway.publishing import NotAcknowledged, Publisher
from workers.partner_gateway.retrying import until_done

log = get_logger(__name__)
ANSWERS_TOPIC = "partner.case-status"


class CommandRunner:
    def __init__(self, clients: PartnerClients, publisher: Publisher, health: WorkerHealth,
                 options: GatewayOptions) -> None:
        self.clients = clients
        self.publisher = publisher
        self.health = health
        self.options = options

    async def run(self, command: Envelope[Any]) -> Handled:
        payload = command.payload
        what = {"command": command.type, "case_id": command.case_id, "partner": payload.partner}

        async def attempt() -> Handled:
            return await perform(self.clients.get(payload.partner), command)

        try:
            handled = await until_done(attempt, health=self.health, policy=self.options.command_retry, what=what)
        except UnknownPartner as error:
            handled = self._permanent(command, "unknown_partner", str(error))
        except PartnerRequestError as error:
            handled = self._permanent(command, "failed", str(error))
        outgoing = [(ANSWERS_TOPIC, message) for message in handled.outputs]
        await until_done(lambda: self.publisher.publish(outgoing), health=self.health,
                         policy=self.options.command_retry, what={**what, "step": "publish"},
                         transient=(NotAcknowledged,))
        self.health.count(f"command_{handled.outcome}")
        if handled.outcome == "refused":
            self.health.count("commands_failed")
        log.debug("command_handled", **what, outcome=handled.outcome,
                 **({"reason": handled.reason[:300]} if handled.reason else {}))
        return handled

    def _permanent(self, command: Envelope[Any], outcome: str, reason: str) -> Handled:
        self.health.count("commands_failed")
        log.error("command_failed_permanently", command=command.type, case_id=command.case_id,
                  outcome=outcome, reason=reason[:300])
        if command.type == "partner.register_case":
            return rejection(command, reason)
        return Handled(outcome, reason=reason)
