"""Bad input everywhere, against the real service: random bytes and near-misses on every topic a
worker consumes and at every HTTP endpoint, before and after good messages, and every good
message still goes through.

One stack for the module (broker, both sandboxes, every worker as a process, like `dcs scenario
run`; the world of `tests/scenarios/bad-input.yaml` plus invoices for the fuzz). Each hypothesis
example, with fresh invoices and cases of its own:

- on every consumed topic: junk keyed like the good message (so it sits in the same partition,
  before it), a good message, junk after (any key); good messages are either sent straight to
  the topic or caused by an HTTP request (the M3 sandbox's CMS049 event, a canonical ingress
  post, the partner sandbox's signed webhook), which then also passes the junk on the topics
  downstream (`partner.commands`, `m3.commands`, `m3.outcomes`, `partner.feed-reads`, ...);
- at the M3 ingress (four routes): junk with the right token (400/413/422), without or with a
  wrong token (401); at the partner webhook: no, wrong, replayed or future signatures (401), an
  unknown partner (404), junk signed correctly (400/413). Each answer is checked at once: 4xx
  with a reason, never 2xx, never 5xx.

At the end (one wait for all examples): every good message had its effect (a case event caused
by it, a partner case, an M3 outcome, a statement counted, the configuration and the business
date applied), every junk record on a topic with a dead-letter topic is in it with reason,
topic, partition, offset, key and the bytes (truncated above 64 KiB with length and SHA-256),
no good message was dead-lettered, the refused HTTP requests produced nothing, and every worker
still answers /health with 200.

`partner.feed-reads` has no dead-letter topic by design (topics.yaml): junk there is skipped.
Junk on `config` and `clock` is dead-lettered by the workers' live views (every worker reads them;
a record is written to `config.dlq` / `clock.dlq` once, with an event id derived from where it was).
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from contracts import MAX_RAW_BYTES, MESSAGE_TYPES, Envelope, decode, encode, message_key, new_message
from workers.adapters.partner.webhooks import sign
from workers.domain.configuration import load_configuration
from workers.domain.configuration.storage import entities
from workers.infra.kafka_clients import kafka_python_options
from workers.infra.topic_admin import delete_prefixed_topics
from workers.infra.topic_io import read_to_end
from workers.infra.topic_map import load_topic_map
from workers.projections.dead_letters import dead_letters
from workers.scenario.loading import parse_scenario
from workers.scenario.runner import _load_world
from workers.scenario.stack import SCENARIO_WORKERS, Stack, start_stack, start_workers

pytestmark = pytest.mark.e2e

SCENARIO = Path(__file__).parents[1] / "scenarios" / "bad-input.yaml"
EXAMPLES = 15
CAPACITY = 3 * EXAMPLES  # invoices loaded per kind: hypothesis never runs more examples than max_examples
COMPANY, DIVISION, PARTNER, YEAR = "100", "001", "INTRUM", 2025
CUSTOMER = "100002"
SOURCE = "fuzz-test"
TOPIC_MAP = load_topic_map()
WORKER_CONSUMERS = {"case-processor", "settlement-splitter", "settlement-aggregator", "m3-gateway",
                    "partner-gateway", "all-workers"}
CONSUMED = sorted(name for name, spec in TOPIC_MAP.topics.items() if set(spec.consumers) & WORKER_CONSUMERS)
WITH_DLQ = {name for name in CONSUMED if TOPIC_MAP.topics[name].dead_letters}
COMPACTED = {name for name in CONSUMED if TOPIC_MAP.topics[name].cleanup_policy == "compact"}
INGRESS_ROUTES = ("/ingress/m3/overdue", "/ingress/m3/payments", "/ingress/m3/events", "/ingress/m3")
DEBTOR = {"name": "Kunde AS", "org_no": "923609016", "private": False,
          "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"},
          "collection_blocked": False}


# ---- the stack ----------------------------------------------------------------------------------

def _invoice(division: str, number: str) -> dict[str, Any]:
    return {"division": division, "customer": CUSTOMER, "invoice": number, "year": YEAR,
            "invoice_date": date(2025, 12, 10), "due_date": date(2025, 12, 24), "amount": "800.00",
            "currency": "NOK", "kid": number}


def a_invoice(i: int) -> str:
    """Overdue via the M3 sandbox (CMS049 → ingress), registered, then the partner's receipt."""
    return f"1900{i:03d}"


def m_invoice(i: int) -> str:
    """Target of a reminder stop sent straight to m3.commands."""
    return f"1910{i:03d}"


def c_invoice(i: int) -> str:
    """In a division linked by a configuration change of the same example."""
    return f"1920{i:03d}"


def c_division(i: int) -> str:
    return f"9{i:02d}"


@dataclass
class World:
    stack: Stack
    config: dict[str, Any]
    start: date
    secrets: dict[str, dict[str, str]]
    producer: Any
    http: httpx.Client
    expect: Expectations
    examples: int = 0
    clock: date | None = None
    cms049_template: dict[str, Any] | None = None

    @property
    def settings(self):
        return self.stack.settings

    def send(self, topic: str, key: bytes | None, value: bytes | None) -> tuple[int, int]:
        meta = self.producer.send(self.settings.topic(topic), key=key, value=value).get(timeout=30)
        return meta.partition, meta.offset

    def health(self, worker: str) -> httpx.Response:
        return self.http.get(f"{self.stack.worker_url(worker)}/health")

    def counters(self, worker: str) -> dict[str, int]:
        """The worker's counters, from its Prometheus /metrics (`dcs_<name>_total{...} N`)."""
        token = getattr(self.stack, "metrics_token", None)
        answer = self.http.get(f"{self.stack.worker_url(worker)}/metrics",
                               headers={"Authorization": f"Bearer {token}"} if token else {})
        assert answer.status_code == 200, f"{worker} /metrics: {answer.status_code}"
        found = {}
        for line in answer.text.splitlines():
            name, value = line.partition("{")[0].strip(), line.rsplit(" ", 1)[-1]
            if name.startswith("dcs_") and name.endswith("_total"):
                found[name.removeprefix("dcs_").removesuffix("_total")] = int(float(value))
        return found


@pytest.fixture(scope="module")
def world(kafka_bootstrap, tmp_path_factory):
    from kafka import KafkaProducer

    data = yaml.safe_load(SCENARIO.read_text())
    data.update(scenario="fuzz-every-input", steps=[], expect={})
    data["m3"]["invoices"] = [_invoice(DIVISION, f(i)) for i in range(CAPACITY) for f in (a_invoice, m_invoice)] + [
        _invoice(c_division(i), c_invoice(i)) for i in range(CAPACITY)]
    scenario = parse_scenario(data)
    stack = start_stack(scenario.name, tuple(sorted(scenario.config["partners"])),
                        tmp_path_factory.mktemp("fuzz"), kind="fz")
    producer = http = None
    try:
        _load_world(stack, scenario)
        start_workers(stack)
        producer = KafkaProducer(**kafka_python_options(stack.settings), acks="all", linger_ms=0,
                                 max_request_size=4 * 1024 * 1024)
        http = httpx.Client(timeout=60)
        secrets = json.loads(stack.secrets_file.read_text()) if stack.secrets_file else {}
        yield World(stack, scenario.config, scenario.start, secrets, producer, http, Expectations(),
                    clock=scenario.start)
    finally:
        if producer is not None:
            producer.close(timeout=10)
        if http is not None:
            http.close()
        stack.stop()
        delete_prefixed_topics(stack.settings, stack.settings.topic_prefix)


# ---- what must have happened --------------------------------------------------------------------

@dataclass(frozen=True)
class Junk:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass
class Expectations:
    junk: list[Junk] = field(default_factory=list)
    caused: dict[str, tuple[str, str]] = field(default_factory=dict)
    """good event id → (case id, case event type it must cause)"""
    case_events: set[tuple[str, str]] = field(default_factory=set)
    """(case id, case event type) that must be on case.events"""
    skips: dict[str, str] = field(default_factory=dict)
    """case id → the eligibility rule its recorded skip must name (valid input, not a dead letter)"""
    outcomes: set[str] = field(default_factory=set)
    """event ids of m3 commands that must have an ok outcome"""
    partner_cases: dict[str, str | None] = field(default_factory=dict)
    """our reference → the case number it must have at the partner (None: just registered)"""
    rechecks: int = 0
    settlements: int = 0
    statements: int = 0
    ingress_cases: set[str] = field(default_factory=set)
    """case ids the m3 ingress may have published (everything else it published came from junk)"""
    http_refusals: int = 0

    def missing(self, world: World) -> list[str]:
        events = [decode("case.events", r.value) for r in read_to_end(world.settings, "case.events")]
        by_cause = {(str(e.causation_id), e.case_id, e.type) for e in events}
        seen = {(e.case_id, e.type) for e in events}
        missing = [f"no {kind} for {case} caused by {cause}" for cause, (case, kind) in self.caused.items()
                   if (cause, case, kind) not in by_cause]
        missing += [f"no {kind} for {case}" for case, kind in sorted(self.case_events - seen)]
        rules = {e.case_id: e.payload.rule for e in events if e.type == "case.invoice_skipped"}
        missing += [f"{case} skipped by {rules.get(case)}, not {rule}" for case, rule in sorted(self.skips.items())
                    if rules.get(case) != rule]
        reported = [o for r in read_to_end(world.settings, "m3.outcomes")
                    if (o := _decoded("m3.outcomes", r.value)) is not None]
        outcomes = {str(o.payload.command_id) for o in reported}
        ok = {str(o.payload.command_id) for o in reported if o.payload.ok}
        missing += [f"no outcome of m3 command {c}" for c in sorted(self.outcomes - outcomes)]
        missing += [f"m3 command {c} failed" for c in sorted((self.outcomes & outcomes) - ok)]
        partner = world.http.get(f"{world.stack.partner_url}/_sandbox/state").json()
        held = {c["reference"]: c["case_no"] for c in partner["partners"][PARTNER]["cases"]}
        for reference, case_no in sorted(self.partner_cases.items()):
            if reference not in held:
                missing.append(f"no case {reference} at {PARTNER}")
            elif case_no is not None and held[reference] != case_no:
                missing.append(f"case {reference} at {PARTNER} has case number {held[reference]}, not {case_no}")
        processor = world.counters("case-processor")
        if processor.get("in_case_rechecks", 0) != self.rechecks:
            missing.append(f"case-processor decided {processor.get('in_case_rechecks', 0)} rechecks, not {self.rechecks}")
        settlement = world.counters("settlement")
        for counter, wanted in (("settlements", self.settlements), ("statements_requested", self.statements)):
            if settlement.get(counter, 0) != wanted:
                missing.append(f"settlement counted {settlement.get(counter, 0)} {counter}, not {wanted}")
        for worker in ("case-processor", "partner-gateway"):
            today = world.health(worker).json()["business_date"]
            if today != world.clock.isoformat():
                missing.append(f"{worker} acts on {today}, not the business date {world.clock}")
        return missing


def _decoded(topic: str, value: bytes | None) -> Envelope | None:
    try:
        return decode(topic, value)  # type: ignore[arg-type]
    except ValueError:
        return None


# ---- junk -----------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
BAD_NUMBERS = (b"NaN", b"Infinity", b"-Infinity", b"1e400", b"4046.5", b'"NaN"', b'"Infinity"', b'"1e400"',
               b'"1.001"', b'"12,50"', b"1" + b"0" * 30, b"true", b"[]")
_SPLICE = "\u2063SPLICE\u2063"


def _money_paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _money_paths(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _money_paths(v, (*path, i))]
    if isinstance(node, str) and _looks_like_money(node):
        return [path]
    return []


def _looks_like_money(text: str) -> bool:
    whole, dot, cents = text.lstrip("-").partition(".")
    return bool(dot) and whole.isdigit() and len(cents) == 2 and cents.isdigit()


def _with(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> bytes:
    """``data`` with ``path`` set to ``value``; bytes are spliced in as raw JSON text."""
    copied = copy.deepcopy(data)
    node: Any = copied
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = _SPLICE if isinstance(value, bytes) else value
    text = json.dumps(copied).encode()
    return text.replace(json.dumps(_SPLICE).encode(), value) if isinstance(value, bytes) else text


@st.composite
def near_miss(draw: Callable, good: dict[str, Any], unsigned: tuple[tuple[Any, ...], ...] = ()) -> bytes:
    """The good envelope (or HTTP body), spoiled in one way that no contract accepts."""
    envelope = "payload" in good and "type" in good
    kinds = ["bad-number", "truncated", "padding"] + (["negative"] if unsigned else []) + (
        ["unknown-type", "foreign-type", "bad-version", "bad-event-id", "garbage-payload", "extra-field",
         "missing-field", "naive-time"] if envelope else ["wrong-type", "extra-field-top"])
    kind = draw(st.sampled_from(kinds))
    raw = json.dumps(good).encode()
    money = _money_paths(good)
    if kind == "bad-number" and money:
        return _with(good, draw(st.sampled_from(money)), draw(st.sampled_from(BAD_NUMBERS)))
    if kind == "negative":
        return _with(good, draw(st.sampled_from(unsigned)), "-5.00")
    if kind == "padding":
        where = ("payload", "padding") if envelope else ("padding",)
        return _with(good, where, "x" * draw(st.integers(MAX_RAW_BYTES - 1000, MAX_RAW_BYTES + 20_000)))
    if kind == "unknown-type":
        return _with(good, ("type",), "fuzz." + draw(st.text("abcdefgh_", min_size=1, max_size=10)))
    if kind == "foreign-type":
        return _with(good, ("type",), draw(st.sampled_from(["case.handed_over", "dead_letter", "clock.tick"])))
    if kind == "bad-version":
        return _with(good, ("schema_version",), draw(st.sampled_from([0, -1, 99, "2", 1.5, True, None, b"NaN"])))
    if kind == "bad-event-id":
        return _with(good, ("event_id",), draw(st.sampled_from([42, "not-a-uuid", None, [], b"1e400"])))
    if kind == "garbage-payload":
        return _with(good, ("payload",), draw(JSON_VALUES))
    if kind == "extra-field":
        return _with(good, ("payload", "fuzz_" + draw(st.text("xyz", max_size=4))), draw(JSON_VALUES))
    if kind == "missing-field":
        copied = copy.deepcopy(good)
        del copied[draw(st.sampled_from(["event_id", "type", "occurred_at", "source", "payload"]))]
        return json.dumps(copied).encode()
    if kind == "naive-time":
        return _with(good, ("occurred_at",), "2026-02-20T10:00:00")
    if kind == "wrong-type":
        field_name = draw(st.sampled_from(sorted(good)))
        return _with(good, (field_name,), {"wrong": [True]})
    if kind == "extra-field-top":
        return _with(good, ("fuzz_" + draw(st.text("xyz", max_size=4)),), draw(JSON_VALUES))
    return raw[: draw(st.integers(1, len(raw) - 1))]  # truncated (and bad-number without money)


def junk(good: dict[str, Any], unsigned: tuple[tuple[Any, ...], ...] = (), *, tombstones: bool = True):
    """Random bytes, random JSON, big garbage, near-misses of the good message, tombstones."""
    choices = [
        st.binary(max_size=256),
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
        st.builds(lambda b, n: bytes([b]) * n, st.integers(0, 255), st.integers(MAX_RAW_BYTES + 1, MAX_RAW_BYTES + 9000)),
        near_miss(good, unsigned),
        near_miss(good, unsigned),
    ]
    if tombstones:
        choices.append(st.none())
    return st.one_of(*choices)


def big_garbage(seed: int) -> bytes:
    return hashlib.sha256(str(seed).encode()).digest() * ((MAX_RAW_BYTES + 7000) // 32)


# ---- one example ---------------------------------------------------------------------------------

def on_topic(world: World, data: st.DataObject, topic: str, good: list[tuple[bytes | None, bytes]],
             unsigned: tuple[tuple[Any, ...], ...] = (), *, before_key: bytes | None = None,
             template: Envelope | None = None) -> None:
    """Junk keyed like the first good message, the good messages, then junk under any key.

    Without good messages (they come later, caused by an HTTP request), ``before_key`` is the key
    they will have and ``template`` a message like them for the near-misses."""
    spoiled = json.loads(good[0][1]) if good else json.loads(encode(topic, template)) if template else {}
    key = good[0][0] if good else before_key
    tombstones = topic not in COMPACTED
    befores = data.draw(st.lists(junk(spoiled, unsigned, tombstones=tombstones), min_size=1, max_size=2),
                        label=f"{topic} junk before")
    if world.examples == 0:
        befores.append(big_garbage(len(world.expect.junk)))
    for value in befores:
        world.expect.junk.append(Junk(topic, *world.send(topic, key, value), key, value))
    for good_key, value in good:
        world.send(topic, good_key, value)
    after_keys = st.binary(min_size=1, max_size=24) if not tombstones else st.one_of(
        st.none(), st.just(key), st.binary(min_size=1, max_size=24))
    afters = data.draw(st.lists(st.tuples(after_keys, junk(spoiled, unsigned, tombstones=tombstones)), max_size=1),
                       label=f"{topic} junk after")
    for after_key, value in afters:
        after_key = b"tombstone" if after_key is None and value is None else after_key  # Kafka needs one
        world.expect.junk.append(Junk(topic, *world.send(topic, after_key, value), after_key, value))


def message(type_: str, payload: dict[str, Any], **routing: Any) -> Envelope:
    """A message from a JSON-shaped payload (dates and money as strings, as on the wire)."""
    model = MESSAGE_TYPES[type_].model
    return new_message(type_, model.model_validate_json(json.dumps(payload)), source=SOURCE, **routing)


def good_one(topic: str, envelope: Envelope) -> tuple[bytes | None, bytes]:
    return message_key(envelope), encode(topic, envelope)


def case(invoice: str, division: str = DIVISION) -> str:
    return f"{COMPANY}/{division}/{invoice}/{YEAR}"


def overdue_payload(division: str, invoice: str, amount: str = "800.00") -> dict[str, Any]:
    return {"company": COMPANY, "division": division, "invoice": invoice, "year": YEAR, "customer": CUSTOMER,
            "invoice_date": "2025-12-10", "due_date": "2025-12-24", "amount": amount, "open_amount": amount,
            "currency": "NOK", "reminder_rule": "CR1", "reminders_sent": 2, "last_reminder_date": "2026-01-21",
            "debtor": DEBTOR}


def register_command(reference: str, invoice: str) -> Envelope:
    return message("partner.register_case", {
        "partner": PARTNER, "our_reference": reference, "partner_customer_no": "K84307", "customer": CUSTOMER,
        "debtor": DEBTOR, "invoice": invoice, "invoice_date": "2025-12-10", "due_date": "2025-12-24",
        "original_amount": "800.00", "open_amount": "800.00", "currency": "NOK", "reminders_sent": 2})


def reminder_stop(invoice: str) -> Envelope:
    return message("m3.set_reminder_stop", {"company": COMPANY, "division": DIVISION, "invoice": invoice,
                                            "year": YEAR, "code": 1, "stopped_by": PARTNER,
                                            "stop_date": "2026-02-20"})


def play(world: World, data: st.DataObject) -> None:
    i = world.examples
    note(f"example {i}")
    expect = world.expect
    tag = f"FZ{i}"

    # 1. an overdue invoice through the M3 sandbox: CMS049 → /ingress/m3/events → ledger.overdue →
    #    case processor → partner.commands + m3.commands → both gateways → m3.outcomes.
    a_case = case(a_invoice(i))
    like_a = {
        "ledger.overdue": message("ledger.invoice_overdue", overdue_payload(DIVISION, a_invoice(i))),
        "partner.commands": register_command(a_case, a_invoice(i)),
        "m3.commands": reminder_stop(a_invoice(i)),
        "m3.outcomes": message("m3.command_outcome", {"command_id": str(uuid.uuid4()), "ok": True,
                                                      "command_type": "m3.set_reminder_stop"}, case_id=a_case),
    }
    for topic, template in like_a.items():
        on_topic(world, data, topic, [], before_key=a_case.encode(), template=template)
    answer = world.http.post(f"{world.stack.m3_url}/_sandbox/overdue", json={
        "division": DIVISION, "invoice": a_invoice(i), "year": YEAR, "reminders": 2, "last_reminder": "2026-01-21"})
    assert answer.status_code == 200 and answer.json()["delivery"] == "delivered", answer.text
    world.cms049_template = world.cms049_template or answer.json()["event"]
    expect.ingress_cases.add(a_case)
    expect.case_events.add((a_case, "case.handed_over"))
    expect.partner_cases.setdefault(a_case, None)

    # 2. straight onto each topic of the case processor, the settlement worker and the gateways
    pay = message("m3.posting_booked", {
        "company": COMPANY, "division": DIVISION, "invoice": f"{tag}P", "year": YEAR, "kind": "payment",
        "amount": "10.00", "function": "AB10-001", "booking_date": "2026-02-20", "open_amount_after": "790.00",
        "currency": "NOK", "posting_id": f"{tag}-P"})
    expect.caused[str(pay.event_id)] = (pay.case_id, "case.posting_recorded")
    on_topic(world, data, "m3.payments", [good_one("m3.payments", pay)], (("payload", "amount"),))

    skip = message("ledger.invoice_overdue", overdue_payload("077", f"{tag}K"))
    credit = message("ledger.invoice_overdue", overdue_payload(DIVISION, f"{tag}C", "-800.00"))
    expect.caused[str(skip.event_id)] = (skip.case_id, "case.invoice_skipped")
    expect.caused[str(credit.event_id)] = (credit.case_id, "case.invoice_skipped")
    expect.skips.update({skip.case_id: "division_unlinked", credit.case_id: "credit_item"})
    on_topic(world, data, "ledger.overdue", [good_one("ledger.overdue", skip)], (("payload", "reminders_sent"),))
    on_topic(world, data, "ledger.overdue", [good_one("ledger.overdue", credit)])

    status = message("partner.status_changed", {
        "partner": PARTNER, "case_no": f"{tag}-S", "status": "collection", "raw_status": "INKASSO",
        "at": "2026-02-20T08:00:00+00:00"}, case_id=case(f"{tag}S"))
    expect.caused[str(status.event_id)] = (status.case_id, "case.status_ignored")
    on_topic(world, data, "partner.case-status", [good_one("partner.case-status", status)])

    line = message("settlement.line_submitted", {
        "settlement_id": f"{PARTNER}/{tag}-L", "partner": PARTNER, "settlement_date": "2026-02-20", "line_no": 1,
        "line_count": 1, "currency": "NOK",
        "line": {"case_no": f"{tag}-L", "case_id": case(f"{tag}L"), "principal": "10.00", "payout": "10.00"}})
    expect.caused[str(line.event_id)] = (line.case_id, "case.settlement_discrepancy")
    on_topic(world, data, "settlement.lines", [good_one("settlement.lines", line)],
             (("payload", "line", "principal"),))

    outcome = message("m3.command_outcome", {
        "command_id": str(uuid.uuid4()), "command_type": "m3.set_case_info", "ok": False, "permanent": True,
        "detail": "fuzz: refused"}, case_id=case(f"{tag}O"))
    expect.caused[str(outcome.event_id)] = (outcome.case_id, "case.command_failed")
    on_topic(world, data, "m3.outcomes", [good_one("m3.outcomes", outcome)])

    recheck = message("case.recheck_due", {"trigger": "clock", "business_date": "2026-02-20", "config_version": 0},
                      case_id=case(f"{tag}R"))
    expect.rechecks += 1
    on_topic(world, data, "case.rechecks", [good_one("case.rechecks", recheck)], (("payload", "config_version"),))

    remittance = message("partner.settlement_received", {
        "partner": PARTNER, "settlement_id": f"{PARTNER}/{tag}-R", "settlement_date": "2026-02-20",
        "currency": "NOK", "lines": [{"case_no": f"{tag}-RL", "case_id": case(f"{tag}RL"), "principal": "10.00"}]})
    expect.settlements += 1
    expect.statements += 1  # its one line is a discrepancy, so the settlement completes without a statement
    expect.case_events.add((case(f"{tag}RL"), "case.settlement_discrepancy"))
    on_topic(world, data, "partner.remittance", [good_one("partner.remittance", remittance)],
             (("payload", "lines", 0, "principal"),))

    settlement = f"{PARTNER}/{tag}-D"
    expected = message("settlement.expected", {"settlement_id": settlement, "partner": PARTNER,
                                               "settlement_date": "2026-02-20", "line_count": 1, "currency": "NOK"})
    decided = message("settlement.line_decided", {"settlement_id": settlement, "line_no": 1,
                                                  "case_id": case(f"{tag}D"), "division": DIVISION,
                                                  "accepted": False, "reason": "fuzz: not ours"})
    expect.statements += 1
    on_topic(world, data, "settlement.decisions",
             [good_one("settlement.decisions", expected), good_one("settlement.decisions", decided)])

    register = register_command(case(f"{tag}G"), f"{tag}G")
    expect.partner_cases[register.case_id] = None
    on_topic(world, data, "partner.commands", [good_one("partner.commands", register)],
             (("payload", "open_amount"),))

    stop = reminder_stop(m_invoice(i))
    expect.outcomes.add(str(stop.event_id))
    on_topic(world, data, "m3.commands", [good_one("m3.commands", stop)], (("payload", "code"),))

    # 3. the configuration links a new division; an invoice of it is then handed over
    division = c_division(i)
    changed = copy.deepcopy(world.config)
    changed["divisions"][division] = {**changed["divisions"][DIVISION], "name": f"Fuzz {division}",
                                      "partner_customer_no": f"K{division}"}
    value = entities(load_configuration(changed))[("division", division)]
    link = message("config.entity_set", {"kind": "division", "entity_id": division, "value": value})
    on_topic(world, data, "config", [good_one("config", link)])
    world.config = changed
    wait_for(lambda: world.health("case-processor").json()["config_version"] >= _end(world, "config"),
             "the case processor to read the configuration change")
    c_overdue = message("ledger.invoice_overdue", overdue_payload(division, c_invoice(i)))
    expect.caused[str(c_overdue.event_id)] = (c_overdue.case_id, "case.handed_over")
    expect.partner_cases[c_overdue.case_id] = None
    on_topic(world, data, "ledger.overdue", [good_one("ledger.overdue", c_overdue)])

    # 4. the business date moves on
    world.clock = world.clock + timedelta(days=1)
    tick = message("clock.business_date_set", {"business_date": world.clock.isoformat()})
    on_topic(world, data, "clock", [good_one("clock", tick)])

    # 5. HTTP: junk at every route of the M3 ingress and at the partner webhook
    ingress_junk(world, data)
    webhook_junk(world, data)

    # 6. good requests at the canonical ingress routes
    posted = post_ingress(world, "/ingress/m3/payments", {
        "division": DIVISION, "invoice": f"{tag}Q", "year": YEAR, "kind": "credit", "amount": "5.00",
        "function": "AB10-020", "booking_date": "2026-02-20", "open_amount_after": "795.00", "currency": "NOK",
        "posting_id": f"{tag}-Q"})
    expect.caused[posted] = (case(f"{tag}Q"), "case.posting_recorded")
    posted = post_ingress(world, "/ingress/m3/overdue", overdue_payload("078", f"{tag}U"))
    expect.caused[posted] = (case(f"{tag}U", "078"), "case.invoice_skipped")
    expect.skips[case(f"{tag}U", "078")] = "division_unlinked"

    # 7. the partner's receipt for the invoice of step 1 comes as a signed webhook → feed read
    wait_for(lambda: a_case in partner_references(world), f"{PARTNER} to hold the case {a_case}")
    on_topic(world, data, "partner.feed-reads", [], before_key=PARTNER.encode(), template=message(
        "partner.feed_read_requested", {"partner": PARTNER, "request_id": "fuzz", "origin": "poll"}))
    on_topic(world, data, "partner.case-status", [], before_key=a_case.encode(), template=message(
        "partner.registration_accepted", {"partner": PARTNER, "case_no": f"{tag}-A", "our_reference": a_case,
                                          "at": "2026-02-20T08:00:00+00:00"}))
    receipt = world.http.post(f"{world.stack.partner_url}/_sandbox/{PARTNER}/receipt",
                              json={"reference": a_case, "case_no": f"{tag}-A"})
    assert receipt.status_code == 200, receipt.text
    expect.partner_cases[a_case] = f"{tag}-A"
    expect.case_events.add((a_case, "case.registration_accepted"))
    world.examples += 1


def post_ingress(world: World, route: str, payload: dict[str, Any]) -> str:
    answer = world.http.post(f"{world.stack.worker_url('m3-ingress')}{route}", json=payload,
                             headers={"Authorization": f"Bearer {world.stack.ingress_token}"})
    assert answer.status_code == 202, answer.text
    [accepted] = answer.json()["accepted"]
    world.expect.ingress_cases.add(accepted["case_id"])
    return accepted["event_id"]


def partner_references(world: World) -> set[str]:
    state = world.http.get(f"{world.stack.partner_url}/_sandbox/state").json()
    return {c["reference"] for c in state["partners"][PARTNER]["cases"]}


def _end(world: World, topic: str) -> int:
    last = -1
    for record in read_to_end(world.settings, topic):
        last = record.offset
    return last + 1


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


# ---- HTTP junk ------------------------------------------------------------------------------------

def refused(world: World, label: str, answer: httpx.Response, allowed: set[int], *, plain: bool = False) -> None:
    """A refusal: the expected 4xx with a JSON reason (``plain``: a text one); never 2xx or 5xx."""
    world.expect.http_refusals += 1
    assert answer.status_code in allowed, f"{label}: {answer.status_code} {answer.text[:300]}"
    try:
        reason = answer.json().get("error")
    except ValueError:
        reason = answer.text if plain else None
    assert isinstance(reason, str) and reason.strip(), f"{label}: no reason in {answer.text[:300]!r}"


def ingress_bodies(world: World):
    canonical = overdue_payload(DIVISION, "19999")
    posting = {"division": DIVISION, "invoice": "19998", "year": YEAR, "kind": "payment", "amount": "1.00",
               "function": "AB10-001", "booking_date": "2026-02-20", "open_amount_after": "1.00",
               "currency": "NOK", "posting_id": "fuzz-never"}
    choices = [st.binary(max_size=256), JSON_VALUES.map(lambda v: json.dumps(v).encode()),
               near_miss(canonical, (("reminders_sent",),)), near_miss(posting, (("amount",),))]
    if world.cms049_template is not None:
        fields = world.cms049_template["fields"]
        amounts = tuple(("fields", k) for k in fields if k.endswith(("CUAM", "OCUA")))
        event = copy.deepcopy(world.cms049_template)
        choices.append(st.sampled_from(amounts).flatmap(lambda path: st.sampled_from(
            ["NaN", "Infinity", "1e400", "-1e400", "1.001", "12,50", ""]).map(lambda bad: _with(event, path, bad))))
    return st.one_of(*choices)


BAD_AUTH = [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Bearer wrong-token", "token-without-scheme"]


def ingress_junk(world: World, data: st.DataObject) -> None:
    base = world.stack.worker_url("m3-ingress")
    good = {"Authorization": f"Bearer {world.stack.ingress_token}"}
    for route in INGRESS_ROUTES:
        body = data.draw(ingress_bodies(world), label=f"{route} body")
        answer = world.http.post(f"{base}{route}", content=body, headers=good)
        refused(world, f"{route} junk with the token", answer, {400, 413, 422})
        auth = data.draw(st.sampled_from(BAD_AUTH + [f"Bearer {world.stack.ingress_token}x"]), label="auth")
        headers = {} if auth is None else {"Authorization": auth}
        answer = world.http.post(f"{base}{route}", content=body, headers=headers)
        refused(world, f"{route} junk with authorization {auth!r}", answer, {401})
    if world.examples == 0:
        huge = b"[" + b"1," * (1024 * 1024 // 2) + b"1]"
        refused(world, "oversized body", world.http.post(f"{base}/ingress/m3/overdue", content=huge, headers=good),
                {413})
        refused(world, "oversized body without a token", world.http.post(f"{base}/ingress/m3/events", content=huge),
                {401})
        chunked = (huge[n:n + 65536] for n in range(0, len(huge), 65536))  # no Content-Length: cut off at the limit
        refused(world, "oversized chunked body", world.http.post(f"{base}/ingress/m3/payments", content=chunked,
                                                                 headers=good), {413})


MAX_WEBHOOK_BYTES = 64 * 1024
NOTIFICATION = {"message_id": "fuzz-never", "partner": PARTNER, "type": "case.updated", "reference": "x"}


def bad_notifications():
    """Bodies that are no valid notification for PARTNER (a valid one, signed, would be a 200)."""
    spoiled = [{**NOTIFICATION, "type": "case.deleted"}, {**NOTIFICATION, "partner": "SVEA"},
               {**NOTIFICATION, "message_id": 42}, {**NOTIFICATION, "occurred_at": "yesterday"},
               {k: v for k, v in NOTIFICATION.items() if k != "message_id"}]
    whole = json.dumps(NOTIFICATION).encode()
    return st.one_of(
        st.binary(max_size=256),
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
        st.sampled_from(spoiled).map(lambda n: json.dumps(n).encode()),
        st.integers(1, len(whole) - 1).map(lambda n: whole[:n]),
        st.integers(MAX_WEBHOOK_BYTES - 100, MAX_WEBHOOK_BYTES + 100).map(lambda n: b"[" + b" " * n + b"]"),
    )


def webhook_junk(world: World, data: st.DataObject) -> None:
    secret = world.secrets[PARTNER]["webhook_secret"]
    known = set(world.config["partners"])
    url = world.stack.worker_url("partner-gateway") + "/webhooks/partners/{}"
    body = data.draw(bad_notifications(), label="webhook body")
    now = int(time.time())
    stranger = data.draw(st.from_regex(r"[A-Z][A-Z0-9_]{1,11}", fullmatch=True).filter(lambda p: p not in known),
                         label="unknown partner")
    variants: list[tuple[str, str, dict[str, str], bytes, set[int]]] = [
        ("unknown partner", stranger, {"X-Signature": sign(secret, body, now)}, body, {404}),
        ("no signature", PARTNER, {}, body, {401}),
        ("wrong secret", PARTNER, {"X-Signature": sign(secret + "x", body, now)}, body, {401}),
        ("replayed (old timestamp)", PARTNER, {"X-Signature": sign(secret, body, now - 3600)}, body, {401}),
        ("from the future", PARTNER, {"X-Signature": sign(secret, body, now + 3600)}, body, {401}),
        ("signature of another body", PARTNER, {"X-Signature": sign(secret, body + b" ", now)}, body, {401}),
        ("malformed signature", PARTNER, {"X-Signature": data.draw(st.text(
            st.characters(min_codepoint=32, max_codepoint=126), max_size=40), label="signature header")}, body, {401}),
        ("signed junk", PARTNER, {"X-Signature": sign(secret, body, now)}, body, {400, 413}),
    ]
    if world.examples == 0:
        big = b"{" + b" " * (64 * 1024) + b"}"
        variants.append(("signed oversized", PARTNER, {"X-Signature": sign(secret, big, now)}, big, {413}))
        # above aiohttp's own 1 MiB limit too: the gateway checks Content-Length before reading, so it is
        # still our JSON answer, not aiohttp's plain-text one
        huge = b"[" + b" " * (2 * 1024 * 1024) + b"]"
        answer = world.http.post(url.format(PARTNER), content=huge, headers={"X-Signature": sign(secret, huge, now)})
        refused(world, "webhook signed, above 1 MiB", answer, {413})
    for label, partner, headers, content, allowed in variants:
        if partner in known and len(content) > MAX_WEBHOOK_BYTES:
            allowed = {413}  # the size is checked before the signature
        answer = world.http.post(url.format(partner), content=content,
                                 headers={"Content-Type": "application/json", **headers})
        refused(world, f"webhook {label}", answer, allowed)


# ---- the test -----------------------------------------------------------------------------------

def test_random_bytes_everywhere_between_good_messages(world: World) -> None:
    assert set(CONSUMED) == {"ledger.overdue", "m3.payments", "partner.case-status", "partner.remittance",
                             "partner.feed-reads", "settlement.lines", "settlement.decisions", "case.rechecks",
                             "partner.commands", "m3.commands", "m3.outcomes", "config", "clock"}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(data=st.data())
    def example(data: st.DataObject) -> None:
        play(world, data)

    example()
    expect = world.expect
    fuzzed = {j.topic for j in expect.junk}
    assert fuzzed == set(CONSUMED), f"topics without junk: {set(CONSUMED) - fuzzed}"

    missing: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        missing = expect.missing(world)
        if not missing:
            break
        time.sleep(1.0)
    assert missing == [], f"{len(missing)} good messages without effect, e.g. {missing[:10]}"

    _every_junk_record_is_a_dead_letter(world)
    _refused_requests_published_nothing(world)
    print(f"{world.examples} examples: {len(expect.junk)} junk records on {len(fuzzed)} topics, "
          f"{expect.http_refusals} refused HTTP requests, {len(expect.caused) + len(expect.case_events)} "
          f"case events, {len(expect.outcomes)} M3 outcomes, {len(expect.partner_cases)} partner cases checked")
    for worker in SCENARIO_WORKERS:
        assert world.health(worker).status_code == 200, worker
    assert [p.name for p in world.stack.processes if p.popen.poll() is not None] == []


def _every_junk_record_is_a_dead_letter(world: World) -> None:
    letters = {(s.source, s.letter.partition, s.letter.offset): s.letter for s in dead_letters(world.settings)
               if s.letter.source_topic.startswith(world.settings.topic_prefix)}
    expected = [j for j in world.expect.junk if j.topic in WITH_DLQ]
    assert len(expected) >= 10 * EXAMPLES
    problems = []
    for j in expected:
        letter = letters.get((j.topic, j.partition, j.offset))
        value = j.value or b""
        if letter is None:
            problems.append(f"{j.topic}:{j.partition}:{j.offset} not dead-lettered")
            continue
        kept = (letter.source_topic, letter.key, letter.raw_length, letter.raw_sha256, letter.truncated, letter.raw())
        wanted = (world.settings.topic(j.topic), None if j.key is None else j.key.decode("utf-8", "replace"),
                  len(value), hashlib.sha256(value).hexdigest(), len(value) > MAX_RAW_BYTES, value[:MAX_RAW_BYTES])
        if kept != wanted or not letter.error.strip():
            problems.append(f"{j.topic}:{j.partition}:{j.offset} dead letter differs: {letter.error[:200]}")
    assert problems == [], problems[:10]
    assert any(j.value and len(j.value) > MAX_RAW_BYTES for j in expected), "no oversized record was sent"
    junk_refs = {(j.topic, j.partition, j.offset) for j in world.expect.junk}
    good_dead = sorted(ref for ref in letters if ref[0] in CONSUMED and ref not in junk_refs)
    assert good_dead == [], f"good messages were dead-lettered: {good_dead[:5]}"


def _refused_requests_published_nothing(world: World) -> None:
    """The m3 ingress published only for the good requests; the 4xx ones left no trace."""
    assert world.expect.http_refusals >= 16 * EXAMPLES
    published = set()
    for topic in ("ledger.overdue", "m3.payments"):
        for record in read_to_end(world.settings, topic):
            envelope = _decoded(topic, record.value)
            if envelope is not None and envelope.source == "m3-ingress":
                published.add(envelope.case_id)
    assert published == world.expect.ingress_cases


def test_junk_on_config_and_clock_is_dead_lettered(world: World) -> None:
    sent = [(topic, *world.send(topic, b"fuzz/junk", b"{not json")) for topic in ("config", "clock")]
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        letters = {(s.source, s.letter.partition, s.letter.offset) for s in dead_letters(world.settings)}
        if all(ref in letters for ref in sent):
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"not dead-lettered: {sent}")
    for topic, partition, offset in sent:  # every worker reads them: any copies are one message
        ref = f"{world.settings.topic(topic)}:{partition}:{offset}".encode()
        copies = {decode(f"{topic}.dlq", r.value).event_id for r in read_to_end(world.settings, f"{topic}.dlq")
                  if r.key == ref}
        assert len(copies) == 1, f"{ref!r}: {len(copies)} different dead letters"
