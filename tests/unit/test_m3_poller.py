"""The ARS200MI poller: one record M3 cannot answer now must not cost the whole pass."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from workers.adapters.m3 import M3RecordLocked
from workers.infra.health import WorkerHealth
from workers.m3_ingress import poller as poller_module
from workers.m3_ingress.poller import Poller


class Record(SimpleNamespace):
    def case_id(self, company: str) -> str:
        return f"{company}/001/{self.invoice}/2026"


class Reception:
    def __init__(self, locked: set[str]) -> None:
        self.codes = SimpleNamespace(kind=lambda record: "invoice")
        self.locked = locked

    async def translate(self, record, configuration, customers):
        if record.invoice in self.locked:
            self.locked.discard(record.invoice)
            raise M3RecordLocked("Record is being changed by another job", program="CRS610MI", code="XLK0001")
        return ("overdue", record.invoice)


class Publisher:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def publish(self, messages) -> None:
        self.sent += [invoice for invoice, _ in messages]


async def test_a_locked_customer_defers_its_invoice_to_the_next_pass_and_the_others_go_now(monkeypatch) -> None:
    records = [Record(invoice=n, company="100", reminders=2, last_reminder_date=date(2026, 2, 1)) for n in ("1", "2")]
    reader = SimpleNamespace(list_invoices=lambda division, open_only: _async(records))
    m3 = SimpleNamespace(reader=lambda company: reader)
    view = SimpleNamespace(configuration=SimpleNamespace(company="100", divisions={"001": None}))
    monkeypatch.setattr(poller_module, "InvoiceOverdue", tuple)
    monkeypatch.setattr(poller_module, "overdue_event_id", lambda case_id, reminders, last: case_id.split("/")[2])
    monkeypatch.setattr(poller_module, "message_for", lambda translated: (translated[1], SimpleNamespace(event_id=translated[1])))
    publisher, health = Publisher(), WorkerHealth("m3-ingress")
    poller = Poller(("001",), view, m3, Reception(locked={"1"}), publisher, health)

    first = await poller.poll_once()
    assert (first.deferred, publisher.sent) == (1, ["2"])
    second = await poller.poll_once()
    assert second.deferred == 0 and publisher.sent == ["2", "1"]
    assert health.counters["m3_poll_deferred"] == 1


async def _async(value):
    return value
