"""topics.yaml is the registry of names: it must parse, be consistent, and reject mistakes."""

from __future__ import annotations

import pytest

from workers.infra.topic_map import TopicMapError, load_topic_map, parse_topic_map

CASE_KEYED = ["ledger.overdue", "m3.payments", "partner.case-status", "case.events", "partner.commands",
              "m3.commands", "m3.outcomes", "settlement.lines"]


def test_every_architecture_topic_is_declared():
    topics = load_topic_map().topics
    for name in ["ledger.overdue", "m3.payments", "partner.case-status", "partner.remittance", "case.events",
                 "partner.commands", "m3.commands", "m3.outcomes", "config", "config.changes", "clock"]:
        assert name in topics, name


def test_every_consumed_topic_has_a_dead_letter_topic():
    topic_map = load_topic_map()
    for spec in topic_map.consumed():
        if spec.name in ("config.changes", "partner.feed-reads"):
            continue
        assert spec.dead_letters == f"{spec.name}.dlq", spec.name
        assert topic_map.topics[spec.dead_letters].contracts == ("dead_letter",)


def test_case_keyed_topics_are_co_partitioned():
    topic_map = load_topic_map()
    counts = {topic_map.topics[name].partitions for name in CASE_KEYED}
    assert len(counts) == 1
    assert all(topic_map.topics[name].key == "case_id" for name in CASE_KEYED if name != "m3.commands")


def test_compacted_views_and_long_retention():
    topics = load_topic_map().topics
    assert topics["config"].cleanup_policy == "compact" and topics["clock"].cleanup_policy == "compact"
    assert topics["case.events"].retention_ms == -1 and topics["config.changes"].retention_ms == -1
    assert topics["partner.commands"].retention_ms == 3 * 86_400_000


def _minimal(**overrides):
    body = {"cleanup_policy": "delete", "retention": "1d", "key": "case_id", "contracts": ["x"],
            "producers": ["a"], "consumers": ["b"]}
    body.update(overrides)
    return {"defaults": {"partitions": 3}, "topics": {"t": body}}


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"retention": "a week"}, "retention"),
        ({"cleanup_policy": "shred"}, "cleanup_policy"),
        ({"partitions": 0}, "partitions"),
        ({"colour": "blue"}, "colour"),
        ({"dead_letters": "t.dlq"}, "t.dlq"),
    ],
)
def test_bad_topic_map_names_the_key(overrides, fragment):
    with pytest.raises(TopicMapError, match=fragment):
        parse_topic_map(_minimal(**overrides))


def test_defaults_fill_partitions():
    assert parse_topic_map(_minimal())["t"].partitions == 3
