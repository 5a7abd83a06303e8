"""`dcs topics apply` against the real broker: creates, is idempotent, and reports drift."""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient

from workers.cli.main import main as dcs
from workers.infra.kafka_clients import kafka_python_options
from workers.infra.settings import load_settings
from workers.infra.topic_admin import apply_topics
from workers.infra.topic_map import load_topic_map

pytestmark = pytest.mark.integration


def test_apply_twice_changes_nothing_the_second_time(kafka_bootstrap, topic_prefix):
    settings = load_settings(profile="test", topic_prefix=topic_prefix)
    topic_map = load_topic_map()
    first = apply_topics(settings, topic_map)
    assert {r.action for r in first} == {"create"}
    assert len(first) == len(topic_map.topics)
    second = apply_topics(settings, topic_map)
    assert {r.action for r in second} == {"ok"}, [r for r in second if r.action != "ok"]
    admin = KafkaAdminClient(**kafka_python_options(settings))
    try:
        described = {t["name"]: len(t["partitions"]) for t in admin.describe_topics([f"{topic_prefix}case.events"])}
    finally:
        admin.close()
    assert described == {f"{topic_prefix}case.events": topic_map.topics["case.events"].partitions}


def test_drifted_partition_count_and_config_are_reported(kafka_bootstrap, topic_prefix):
    settings = load_settings(profile="test", topic_prefix=topic_prefix)
    admin = KafkaAdminClient(**kafka_python_options(settings))
    try:
        admin.create_topics({f"{topic_prefix}ledger.overdue": {"num_partitions": 2, "replication_factor": 1},
                             f"{topic_prefix}clock": {"num_partitions": 1, "replication_factor": 1,
                                                      "configs": {"cleanup.policy": "delete"}}},
                            wait_for_metadata=True)
    finally:
        admin.close()
    reports = {r.topic: r for r in apply_topics(settings, load_topic_map())}
    overdue = reports[f"{topic_prefix}ledger.overdue"]
    assert overdue.action == "drift"
    assert any("partitions: declared 6, cluster has 2" in d for d in overdue.differences)
    clock = reports[f"{topic_prefix}clock"]
    assert clock.action == "drift" and any("cleanup.policy" in d for d in clock.differences)
    assert reports[f"{topic_prefix}case.events"].action == "create"


def test_cli_dry_run_creates_nothing_and_exit_code_reports_drift(kafka_bootstrap, topic_prefix, capsys):
    assert dcs(["topics", "apply", "--dry-run", "--prefix", topic_prefix]) == 0
    assert "28 to create" in capsys.readouterr().out
    settings = load_settings(profile="test", topic_prefix=topic_prefix)
    assert {r.action for r in apply_topics(settings, load_topic_map(), dry_run=True)} == {"create"}
    assert dcs(["topics", "apply", "--prefix", topic_prefix]) == 0
    assert dcs(["topics", "apply", "--prefix", topic_prefix]) == 0
    assert "0 created, 0 drifted" in capsys.readouterr().out
