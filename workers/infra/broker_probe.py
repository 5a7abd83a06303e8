"""Readiness = an admin metadata request succeeds (not a log line, not an open port)."""

from __future__ import annotations

import logging

from workers.infra.kafka_clients import kafka_python_options
from workers.infra.settings import Settings


def broker_is_ready(settings: Settings, timeout: float = 5.0) -> bool:
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    quiet = logging.getLogger("kafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        admin = KafkaAdminClient(
            **kafka_python_options(settings),
            request_timeout_ms=int(timeout * 1000),
            bootstrap_timeout_ms=int(timeout * 1000),
            client_id="dcs-readiness",
        )
        try:
            return bool(admin.describe_cluster().get("brokers"))
        finally:
            admin.close()
    except (KafkaError, OSError, ValueError):  # not (yet) reachable
        return False
    finally:
        quiet.setLevel(level)
