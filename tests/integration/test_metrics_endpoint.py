"""A real worker (the case processor, in-process, real broker) with a metrics token: /metrics and
faust's table pages need it, /health stays open and minimal, and the consumer lag gauge follows
what is on the input topic and what the worker has committed."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
import yaml
from pydantic import SecretStr

from contracts import new_message
from workers.case_processor.agent import build
from workers.config_events.clock import set_business_date
from workers.config_events.store import apply_configuration
from workers.infra.settings import REPO_ROOT, Settings
from workers.infra.topic_io import publish, read_to_end
from workers.scenario.stack import free_port

pytestmark = pytest.mark.integration

TOKEN = secrets.token_urlsafe(24)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CONFIG = yaml.safe_load((REPO_ROOT / "examples" / "config.yaml").read_text())


def overdue(invoice: str):
    return new_message("ledger.invoice_overdue", {
        "company": "100", "division": "001", "invoice": invoice, "year": 2025, "customer": "100002",
        "invoice_date": date(2025, 12, 10), "due_date": date(2025, 12, 24), "amount": "4046.00",
        "open_amount": "4046.00", "currency": "NOK", "reminder_rule": "CR1", "reminders_sent": 2,
        "debtor": {"name": "Kunde AS", "org_no": "923609016", "private": False,
                   "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"},
                   "collection_blocked": False}}, source="test")


# ---- a small parser of the Prometheus text format (prometheus_client is not a dependency) ----------

SAMPLE = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$')
LABEL = re.compile(r'\s*(?P<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?P<value>(?:[^"\\]|\\.)*)"\s*(?:,|$)')


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


def parse_metrics(text: str) -> tuple[dict[str, str], list[Sample]]:
    """(type per family, samples); raises AssertionError on anything the text format does not allow."""
    types: dict[str, str] = {}
    helped: set[str] = set()
    samples: list[Sample] = []
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert name not in helped, f"second HELP for {name}"
            helped.add(name)
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped") and name not in types
            types[name] = kind
        else:
            match = SAMPLE.match(line)
            assert match, f"not a sample line: {line!r}"
            labels: dict[str, str] = {}
            raw, position = match.group("labels") or "", 0
            while position < len(raw):
                label = LABEL.match(raw, position)
                assert label, f"bad labels in {line!r}"
                labels[label.group("key")] = re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)),
                                                    label.group("value"))
                position = label.end()
            name = match.group("name")
            assert name in types, f"{name} has no TYPE line before it"
            key = (name, tuple(sorted(labels.items())))
            assert key not in seen, f"duplicate series {key}"
            seen.add(key)
            samples.append(Sample(name, labels, float(match.group("value"))))
    assert helped == set(types)
    return types, samples


# ---- the running worker -------------------------------------------------------------------------

@dataclass
class Running:
    settings: Settings
    app: Any
    http: httpx.AsyncClient

    async def metrics(self) -> list[Sample]:
        answer = await self.http.get("/metrics", headers=AUTH)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
        return parse_metrics(answer.text)[1]

    async def lags(self, logical_topic: str) -> dict[int, int]:
        topic = self.settings.topic(logical_topic)
        return {int(s.labels["partition"]): int(s.value) for s in await self.metrics()
                if s.name == "dcs_consumer_lag" and s.labels["topic"] == topic}


async def eventually(check, timeout: float = 40.0, what: str = "condition") -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        assert asyncio.get_running_loop().time() < deadline, f"{what} not reached in time"
        await asyncio.sleep(0.3)


@pytest.fixture
async def processor(kafka_settings: Settings) -> AsyncIterator[Running]:
    settings = kafka_settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    apply_configuration(settings, CONFIG, actor="test")
    set_business_date(settings, date(2026, 2, 20))
    port = free_port()
    app = build(settings, web_port=port, in_memory_tables=True)
    app.finalize()
    await app.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10.0) as http:
            running = Running(settings, app, http)

            async def ready() -> bool:
                return (await http.get("/health")).status_code == 200
            await eventually(ready, what="the processor being ready")
            yield running
    finally:
        await app.stop()


async def test_metrics_and_table_pages_need_the_token_and_health_stays_open(processor: Running) -> None:
    http = processor.http
    for path in ("/metrics", "/table/cases/"):
        missing = await http.get(path)
        assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer ")
        wrong = await http.get(path, headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401 and 'error="invalid_token"' in wrong.headers["www-authenticate"]
        assert TOKEN not in missing.text + wrong.text
        assert (await http.get(path, headers=AUTH)).status_code == 200

    health = await http.get("/health")
    assert health.status_code == 200
    assert set(health.json()) == {"worker", "ready", "in_flight", "retrying", "business_date", "config_version"}
    processor.app.case_health.ready = False
    try:
        assert (await http.get("/health")).status_code == 503
    finally:
        processor.app.case_health.ready = True

    samples = await processor.metrics()
    by_name = {s.name: s for s in samples if s.labels.get("worker") == "case_processor" and "topic" not in s.labels}
    assert by_name["dcs_worker_ready"].value == 1
    assert by_name["dcs_commands_in_flight"].value == 0 and by_name["dcs_commands_retrying"].value == 0
    assert by_name["dcs_commands_failed_total"].value == 0


async def test_consumer_lag_shows_unprocessed_messages_and_returns_to_zero(processor: Running) -> None:
    settings, consumer = processor.settings, processor.app.consumer
    topic = settings.topic("ledger.overdue")

    async def assigned() -> list[Any]:
        return sorted(tp for tp in consumer.assignment() if tp.topic == topic)
    partitions = await eventually(assigned, what="ledger.overdue being assigned")

    async def all_zero() -> bool:
        lags = await processor.lags("ledger.overdue")
        return len(lags) == len(partitions) and not any(lags.values())
    await eventually(all_zero, what="no lag before anything is published")

    consumer.pause_partitions(partitions)
    invoices = [f"70{n:02d}" for n in range(7)]
    await asyncio.to_thread(publish, settings, [("ledger.overdue", overdue(invoice)) for invoice in invoices])
    ends = await asyncio.to_thread(_end_offsets, settings, topic)
    assert sum(ends.values()) == len(invoices)

    async def lag_shows_them() -> dict[int, int] | None:
        lags = await processor.lags("ledger.overdue")
        return lags if sum(lags.values()) == len(invoices) else None
    lags = await eventually(lag_shows_them, timeout=15, what="the lag gauge showing the published messages")
    assert lags == ends  # per partition: the high-water mark minus nothing committed yet

    consumer.resume_partitions(partitions)
    await eventually(all_zero, what="the lag returning to zero after processing")
    handed_over = [r.envelope("case.events").type for r in await asyncio.to_thread(
        lambda: list(read_to_end(settings, "case.events")))]
    assert handed_over.count("case.handed_over") == len(invoices)
    counters = {s.name: s.value for s in await processor.metrics() if "topic" not in s.labels}
    assert counters["dcs_in_ledger_overdue_total"] == len(invoices)


def _end_offsets(settings: Settings, topic: str) -> dict[int, int]:
    from kafka import KafkaConsumer, TopicPartition

    from workers.infra.kafka_clients import kafka_python_options

    consumer = KafkaConsumer(**kafka_python_options(settings), group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return {tp.partition: end for tp, end in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()
