"""Both Kafka clients authenticated over SASL_PLAINTEXT (PLAIN), against a second local broker.

The session's broker is not touched: this module starts its own (own data dir, free ports, a
SASL_PLAINTEXT client listener, PLAINTEXT only for the controller and inter-broker listeners)
and stops it at the end, also when a test fails. Only settings change: the same code paths
(`kafka_clients`) give kafka-python (admin, topic I/O, configuration) and faust/aiokafka (the
case processor) their credentials.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import date

import pytest
import yaml
from pydantic import SecretStr

from contracts import new_message
from workers.case_processor.agent import build
from workers.config_events.clock import set_business_date
from workers.config_events.store import apply_configuration
from workers.infra import local_kafka
from workers.infra.kafka_clients import aiokafka_options, kafka_python_options
from workers.infra.settings import REPO_ROOT, Settings, load_settings
from workers.infra.topic_admin import apply_topics
from workers.infra.topic_io import publish, read_to_end
from workers.infra.topic_map import load_topic_map
from workers.scenario.stack import free_port

pytestmark = pytest.mark.integration

USER = "dcs-worker"
CONFIG = yaml.safe_load((REPO_ROOT / "examples" / "config.yaml").read_text())


def _distinct_free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


@pytest.fixture(scope="module")
def sasl_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings that reach a broker of this module only, authenticated as USER (password from a file)."""
    home = tmp_path_factory.mktemp("sasl-broker")
    password = secrets.token_urlsafe(18)
    password_file = home / "sasl.password"
    password_file.write_text(password + "\n")
    password_file.chmod(0o600)
    client_port, controller_port, internal_port = _distinct_free_ports(3)
    settings = load_settings(
        profile="test", KAFKA_BOOTSTRAP_SERVERS=None, data_dir=home / "data",
        local_broker_port=client_port, local_controller_port=controller_port,
        security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username=USER,
        sasl_password_file=password_file)
    assert settings.uses_local_broker and local_kafka.BrokerPaths.of(settings).home != \
        local_kafka.BrokerPaths.of(load_settings(profile="test")).home
    listener = local_kafka.SaslPlainListener({USER: password}, internal_port=internal_port)
    try:
        local_kafka.up(settings, timeout=60, sasl=listener, heap="512m")
        yield settings
    finally:
        local_kafka.down(settings, timeout=15)  # this broker's pid file only (its own data dir)
        shutil.rmtree(home, ignore_errors=True)  # broker data, its properties (JAAS) and the password file


def with_prefix(settings: Settings) -> Settings:
    return settings.model_copy(update={"topic_prefix": f"sasl{uuid.uuid4().hex[:8]}."})


def test_the_listener_config_keeps_the_default_broker_unchanged(tmp_path):
    default = load_settings(profile="test", data_dir=tmp_path)
    paths = local_kafka.BrokerPaths.of(default)
    plain = local_kafka.server_properties(default, paths)
    assert "listeners=PLAINTEXT://127.0.0.1:" in plain and "sasl" not in plain.lower()
    sasl = local_kafka.server_properties(default, paths, local_kafka.SaslPlainListener({"u": "p"}, 40000))
    assert "listener.name.sasl_plaintext.plain.sasl.jaas.config=" in sasl and 'user_u="p"' in sasl
    assert "inter.broker.listener.name=BROKER" in sasl
    with pytest.raises(ValueError, match="quote"):
        local_kafka.SaslPlainListener({"u": 'p"; user_x="y'}, 40000)


def test_admin_and_kafka_python_clients_work_with_the_right_credentials(sasl_broker: Settings) -> None:
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewTopic

    options = kafka_python_options(sasl_broker)
    assert options["security_protocol"] == "SASL_PLAINTEXT" and options["sasl_plain_username"] == USER
    topic = f"sasl-check-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(**options, client_id="dcs-sasl-test")
    try:
        admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
        assert topic in admin.list_topics()
        assert admin.describe_cluster()["brokers"]
    finally:
        admin.close()

    producer = KafkaProducer(**options, acks="all")
    try:
        for n in range(3):
            producer.send(topic, key=b"k", value=f"m{n}".encode()).get(timeout=20)
    finally:
        producer.close()
    consumer = KafkaConsumer(**options, group_id=None, enable_auto_commit=False, consumer_timeout_ms=10_000)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        values = []
        for record in consumer:
            values.append(record.value)
            if len(values) == 3:
                break
    finally:
        consumer.close()
    assert values == [b"m0", b"m1", b"m2"]


async def test_a_wrong_password_is_refused_by_the_broker(sasl_broker: Settings) -> None:
    from aiokafka.conn import create_conn
    from aiokafka.errors import SaslAuthenticationFailed
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaTimeoutError

    wrong = sasl_broker.model_copy(update={"sasl_password": SecretStr("not-the-password"), "sasl_password_file": None})

    # aiokafka (what faust uses) names the failure: SASL_AUTHENTICATION_FAILED (error 58).
    options = aiokafka_options(wrong)
    host, port = options.pop("bootstrap_servers").split(":")
    started = time.monotonic()
    with pytest.raises(SaslAuthenticationFailed, match="Invalid username or password"):
        connection = await asyncio.wait_for(create_conn(host, int(port), **options), timeout=15)
        connection.close()
    assert time.monotonic() - started < 15

    # kafka-python 3.0.12 sees the broker close the connection after the failed SaslAuthenticate
    # and reports a bootstrap that never succeeds; the same client with the right password works.
    started = time.monotonic()
    with pytest.raises(KafkaTimeoutError, match="Unable to bootstrap"):
        await asyncio.to_thread(KafkaAdminClient, **kafka_python_options(wrong), bootstrap_timeout_ms=4000,
                                client_id="dcs-sasl-wrong")
    assert time.monotonic() - started < 15
    assert await asyncio.to_thread(_broker_answers, sasl_broker)


def _broker_answers(settings: Settings) -> bool:
    from workers.infra.broker_probe import broker_is_ready

    return broker_is_ready(settings, timeout=3.0)


def overdue(invoice: str):
    return new_message("ledger.invoice_overdue", {
        "company": "100", "division": "001", "invoice": invoice, "year": 2025, "customer": "100002",
        "invoice_date": date(2025, 12, 10), "due_date": date(2025, 12, 24), "amount": "4046.00",
        "open_amount": "4046.00", "currency": "NOK", "reminder_rule": "CR1", "reminders_sent": 2,
        "debtor": {"name": "Kunde AS", "org_no": "923609016", "private": False,
                   "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"},
                   "collection_blocked": False}}, source="test")


async def test_the_case_processor_runs_authenticated_over_sasl(sasl_broker: Settings) -> None:
    settings = with_prefix(sasl_broker)
    await asyncio.to_thread(apply_topics, settings, load_topic_map())
    await asyncio.to_thread(apply_configuration, settings, CONFIG, "test")
    await asyncio.to_thread(set_business_date, settings, date(2026, 2, 20))

    app = build(settings, in_memory_tables=True)
    assert app.conf.broker_credentials is not None  # faust got the SASL credentials
    app.finalize()
    await app.start()
    try:
        await asyncio.to_thread(publish, settings, [("ledger.overdue", overdue("5001"))])
        deadline = asyncio.get_running_loop().time() + 45
        while True:
            events = await asyncio.to_thread(lambda: [r.envelope("case.events") for r in
                                                      read_to_end(settings, "case.events")])
            if events:
                break
            assert asyncio.get_running_loop().time() < deadline, "no case event over SASL in time"
            await asyncio.sleep(0.3)
        assert [(e.case_id, e.type) for e in events] == [("100/001/5001/2025", "case.handed_over")]
        commands = [r.envelope("partner.commands") for r in
                    await asyncio.to_thread(lambda: list(read_to_end(settings, "partner.commands")))]
        assert [c.type for c in commands] == ["partner.register_case"]
    finally:
        await app.stop()
