"""Session-wide test fixtures: one real Kafka broker for the whole session, isolated topic names
per test, and a per-suite timing summary (unit / integration / e2e)."""

from __future__ import annotations

import os
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator

import pytest

from workers.infra import local_kafka
from workers.infra.docker_engine import docker_engine_available, kafka_container_bootstrap
from workers.infra.settings import Settings, load_settings
from workers.infra.topic_admin import apply_topics, delete_prefixed_topics
from workers.infra.topic_map import load_topic_map


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """The real broker: KAFKA_BOOTSTRAP_SERVERS if set, else the local one (started if needed,
    and stopped again at the end only if this session started it). Never skipped: a broker that
    cannot start fails the tests that need it."""
    if os.environ.get("DCS_TEST_KAFKA") == "testcontainers" and docker_engine_available():
        yield from _kafka_in_a_container()
        return
    settings = load_settings(profile="test")
    already_running = settings.uses_local_broker and local_kafka.running_pid(local_kafka.BrokerPaths.of(settings))
    bootstrap = local_kafka.up(settings)
    yield bootstrap
    if settings.uses_local_broker and not already_running:
        local_kafka.down(settings)


def _kafka_in_a_container() -> Iterator[str]:
    """The Docker path (DCS_TEST_KAFKA=testcontainers, only where an engine answers)."""
    bootstrap, container = kafka_container_bootstrap()
    os.environ["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
    try:
        yield bootstrap
    finally:
        os.environ.pop("KAFKA_BOOTSTRAP_SERVERS", None)
        container.stop()  # type: ignore[attr-defined]


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def kafka_settings(kafka_bootstrap: str, topic_prefix: str, tmp_path) -> Iterator[Settings]:
    """Settings of a test with its own topics (all of topics.yaml, provisioned) and data dir;
    the topics are deleted afterwards so a long session does not pile up partitions."""
    settings = load_settings(profile="test", topic_prefix=topic_prefix, data_dir=tmp_path / "data")
    apply_topics(settings, load_topic_map())
    yield settings
    delete_prefixed_topics(settings, topic_prefix)


@pytest.fixture(autouse=True)
def _drop_topics_of_the_test(request, topic_prefix: str) -> Iterator[None]:
    """Tests that provision topics by prefix themselves get them removed too."""
    yield
    if "kafka_bootstrap" in request.fixturenames and "kafka_settings" not in request.fixturenames:
        delete_prefixed_topics(load_settings(profile="test"), topic_prefix)


_suite_seconds: dict[str, float] = defaultdict(float)
_suite_counts: dict[str, int] = defaultdict(int)


def _suite_of(nodeid: str) -> str:
    parts = nodeid.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "tests" else "other"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = time.perf_counter()
    yield
    suite = _suite_of(item.nodeid)
    _suite_seconds[suite] += time.perf_counter() - started
    _suite_counts[suite] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    if not _suite_seconds:
        return
    terminalreporter.section("time per suite")
    for suite in sorted(_suite_seconds):
        terminalreporter.write_line(f"{suite:<12} {_suite_counts[suite]:>4} tests  {_suite_seconds[suite]:8.1f}s")


def pytest_addoption(parser) -> None:
    group = parser.getgroup("fault", "the crash/outage fault run (tests/fault)")
    group.addoption("--fault-invoices", type=int, default=int(os.environ.get("DCS_FAULT_INVOICES", "2000")),
                    help="invoices in the fault run (default 2000; e.g. 20000 for the long run)")
    group.addoption("--fault-seed", type=int, default=None,
                    help="replay a fault run's randomness (the seed it printed); default: a fresh seed")
