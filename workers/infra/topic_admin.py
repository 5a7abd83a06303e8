"""Provision topics.yaml onto any cluster, idempotently, and report drift.

Missing topics are created; existing ones are compared (partition count, the configs we own)
and differences reported, never silently "fixed": shrinking partitions is impossible and
growing them moves keys between partitions, which is an operator's decision.
Faust's internal topics (changelogs, repartition, assignor) are not ours and are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from workers.infra.kafka_clients import kafka_python_options
from workers.infra.settings import Settings
from workers.infra.topic_map import TopicMap, TopicSpec

Action = Literal["create", "ok", "drift"]


@dataclass(frozen=True)
class TopicReport:
    topic: str
    action: Action
    differences: tuple[str, ...] = field(default=())


def apply_topics(
    settings: Settings, topic_map: TopicMap, *, prefix: str | None = None, dry_run: bool = False
) -> list[TopicReport]:
    """Create what is missing (unless ``dry_run``) and describe the rest; one report per topic."""
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource, ConfigResourceType

    prefix = settings.topic_prefix if prefix is None else prefix
    admin = KafkaAdminClient(**kafka_python_options(settings), client_id="dcs-topics")
    try:
        existing = set(admin.list_topics())
        wanted = {prefix + spec.name: spec for spec in topic_map.topics.values()}
        missing = {name: spec for name, spec in wanted.items() if name not in existing}
        if missing and not dry_run:
            admin.create_topics(
                {
                    name: {"num_partitions": spec.partitions,
                           "replication_factor": topic_map.replication_factor,
                           "configs": spec.configs}
                    for name, spec in missing.items()
                },
                wait_for_metadata=True,
            )
        present = sorted(set(wanted) - set(missing))
        partitions = {t["name"]: len(t["partitions"]) for t in admin.describe_topics(present)} if present else {}
        configs = _configs(admin, present, ConfigResource, ConfigResourceType) if present else {}
    finally:
        admin.close()
    reports = [TopicReport(name, "create") for name in sorted(missing)]
    for name in present:
        differences = _differences(wanted[name], partitions.get(name, 0), configs.get(name, {}))
        reports.append(TopicReport(name, "drift" if differences else "ok", differences))
    return sorted(reports, key=lambda report: report.topic)


def _configs(admin, names, ConfigResource, ConfigResourceType) -> dict[str, dict[str, str]]:
    keys = {"cleanup.policy": None, "retention.ms": None}
    resources = [ConfigResource(ConfigResourceType.TOPIC, name, configs=dict(keys)) for name in names]
    result = admin.describe_configs(resources, config_filter="all")
    values: dict[str, dict[str, str]] = {}
    for per_type in result.values():
        for name, entries in per_type.items():
            values[name] = {key: _value(entry) for key, entry in entries.items()}
    return values


def _value(entry) -> str:
    return str(entry.get("value") if isinstance(entry, dict) else entry)


def _differences(spec: TopicSpec, partitions: int, configs: dict[str, str]) -> tuple[str, ...]:
    found = []
    if partitions != spec.partitions:
        found.append(f"partitions: declared {spec.partitions}, cluster has {partitions}")
    for key, declared in spec.configs.items():
        actual = configs.get(key)
        if actual is not None and actual != declared:
            found.append(f"{key}: declared {declared}, cluster has {actual}")
    return tuple(found)


def delete_prefixed_topics(settings: Settings, prefix: str) -> int:
    """Remove every topic of an isolated run (ours and faust's internal ones) by its prefix."""
    from kafka import KafkaAdminClient

    if not prefix:
        raise ValueError("refusing to delete topics without a prefix")
    admin = KafkaAdminClient(**kafka_python_options(settings), client_id="dcs-topics-cleanup")
    try:
        doomed = [name for name in admin.list_topics() if name.startswith(prefix)]
        if doomed:
            admin.delete_topics(doomed, raise_errors=False)
        return len(doomed)
    finally:
        admin.close()
