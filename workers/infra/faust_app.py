"""The faust application factory every worker uses, so all workers share one set of Kafka habits.

At-least-once with idempotent processing (ARCHITECTURE §3): faust's exactly-once mode is not
used, and faust's offset commit is made strict (`faust_offsets`) so it never skips a message. Topics are declared as raw bytes and validated against our contracts by the agents, so a
malformed message becomes a dead letter instead of crashing a partition.
"""

from __future__ import annotations

from typing import Any

import faust

from workers.infra import faust_offsets
from workers.infra.kafka_clients import faust_broker_options
from workers.infra.settings import Settings
from workers.infra.topic_map import TopicMap, load_topic_map

_TEST_PROFILE: dict[str, Any] = {
    "broker_session_timeout": 6.0,
    "broker_heartbeat_interval": 1.0,
    "broker_commit_interval": 0.5,
    "broker_rebalance_timeout": 20.0,
    "broker_request_timeout": 30.0,
    "stream_wait_empty": False,
}
_PRODUCTION_PROFILE: dict[str, Any] = {
    "broker_session_timeout": 30.0,
    "broker_heartbeat_interval": 3.0,
    "broker_commit_interval": 2.8,
}


def create_app(
    worker: str,
    settings: Settings,
    *,
    web_port: int | None = None,
    in_memory_tables: bool = False,
    topic_map: TopicMap | None = None,
) -> faust.App:
    """A faust App named after the worker (and topic prefix, so isolated runs never share groups)."""
    topic_map = topic_map or load_topic_map()
    profile = _TEST_PROFILE if settings.profile == "test" else _PRODUCTION_PROFILE
    app_id = f"{settings.topic_prefix}dcs-{worker}"
    datadir = settings.data_dir / "faust" / app_id
    datadir.parent.mkdir(parents=True, exist_ok=True)
    faust_offsets.install()
    app = faust.App(
        app_id,
        **faust_broker_options(settings),
        **profile,
        datadir=str(datadir),
        store="memory://" if in_memory_tables else "rocksdb://",
        topic_partitions=topic_map.topics["ledger.overdue"].partitions,
        topic_replication_factor=topic_map.replication_factor,
        processing_guarantee="at_least_once",
        key_serializer="raw",
        value_serializer="raw",
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        web_enabled=web_port is not None,
        web_port=web_port or settings.web_port_base,
        web_host=settings.web_host,
        web_bind=settings.web_host,
        autodiscover=False,
        logging_config=None,
        loghandlers=[],
    )
    holes = faust_offsets.HoleWatch()

    @app.timer(interval=2.0)
    async def repair_offset_holes() -> None:
        """Re-read what a rebalance dropped (see faust_offsets): commits never skip it."""
        if app.consumer is not None:
            await holes.repair(app.consumer)

    return app


def raw_topic(app: faust.App, settings: Settings, logical_name: str, topic_map: TopicMap | None = None) -> Any:
    """A faust topic of bytes for a topics.yaml entry; faust never creates or changes ours."""
    spec = (topic_map or load_topic_map()).topics[logical_name]
    return app.topic(
        settings.topic(logical_name),
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=spec.partitions,
        internal=False,
    )


def declare_table_changelogs(app: faust.App, settings: Settings, topic_map: TopicMap | None = None) -> list[str]:
    """Create the changelog topics of the app's tables before the app starts (compacted, one
    partition per partition of the case-keyed topics).

    Faust would declare them itself at start, but a consumer that joins before the broker's
    metadata shows them assigns no changelog partitions and the first table write then fails
    with PartitionsMismatch. Creating them first removes that race. Idempotent.
    """
    from kafka import KafkaAdminClient

    from workers.infra.kafka_clients import kafka_python_options

    topic_map = topic_map or load_topic_map()
    partitions = topic_map.topics["ledger.overdue"].partitions
    names = [table.changelog_topic.get_topic_name() for table in app.tables.values()]
    if not names:
        return []
    admin = KafkaAdminClient(**kafka_python_options(settings), client_id="dcs-changelogs")
    try:
        missing = [name for name in names if name not in set(admin.list_topics())]
        if missing:
            admin.create_topics({name: {"num_partitions": partitions, "replication_factor": topic_map.replication_factor,
                                        "configs": {"cleanup.policy": "compact"}} for name in missing},
                                raise_errors=False, wait_for_metadata=True)
        return missing
    finally:
        admin.close()
