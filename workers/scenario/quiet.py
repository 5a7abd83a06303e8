"""Waiting until the service is quiet: no lag, no command in flight, no retry or delivery pending.

Quiet means, at once: every worker's consumer group has committed up to the end of every topic
it reads (topics.yaml `consumers`), every worker reports nothing in flight or retrying and has
acted on the current clock and configuration, and neither sandbox has a delivery pending.
It must hold on several consecutive looks, so a chain reaction in progress is not mistaken
for rest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from workers.infra.kafka_clients import kafka_python_options
from workers.infra.topic_map import load_topic_map
from workers.scenario.stack import Stack

CONSUMER_TO_WORKER = {"case-processor": "case-processor", "settlement-splitter": "settlement",
                      "settlement-aggregator": "settlement", "m3-gateway": "m3-gateway",
                      "partner-gateway": "partner-gateway"}


class NotQuiet(RuntimeError):
    """The service did not come to rest in time; the message says what was still busy."""


@dataclass
class QuietWatch:
    stack: Stack
    workers: tuple[str, ...]

    def __post_init__(self) -> None:
        from kafka import KafkaAdminClient, KafkaConsumer

        options = kafka_python_options(self.stack.settings)
        self._admin = KafkaAdminClient(**options, client_id="dcs-scenario-quiet")
        self._consumer = KafkaConsumer(**options, group_id=None, enable_auto_commit=False)
        self._http = httpx.Client(timeout=10)
        topic_map = load_topic_map()
        self._reads: dict[str, list[str]] = {}
        for spec in topic_map.topics.values():
            for consumer in spec.consumers:
                worker = CONSUMER_TO_WORKER.get(consumer)
                if worker in self.workers:
                    self._reads.setdefault(worker, []).append(self.stack.settings.topic(spec.name))

    def close(self) -> None:
        self._admin.close()
        self._consumer.close()
        self._http.close()

    def wait(self, clock_date: str | None, config_offset: int, timeout: float = 90.0, looks: int = 3) -> None:
        deadline = time.monotonic() + timeout
        calm, reason = 0, "not checked"
        while time.monotonic() < deadline:
            reason = self.busy(clock_date, config_offset)
            calm = calm + 1 if reason is None else 0
            if calm >= looks:
                return
            time.sleep(0.25)
        raise NotQuiet(f"the service was still busy after {timeout:.0f}s: {reason}")

    def busy(self, clock_date: str | None, config_offset: int) -> str | None:
        """None when quiet, else the first thing found busy."""
        for worker in self.workers:
            try:
                health = self._http.get(f"{self.stack.worker_url(worker)}/health").json()
            except httpx.HTTPError:
                return f"{worker} does not answer (starting?)"
            if health.get("in_flight") or health.get("retrying"):
                return f"{worker}: {health.get('in_flight')} in flight, {health.get('retrying')} retrying"
            if worker == "case-processor" and (health.get("business_date") != clock_date
                                               or health.get("config_version", 0) < config_offset):
                return f"case-processor has not acted on clock {clock_date} / config offset {config_offset} yet"
        for worker, lag in self._lags().items():
            if lag:
                return f"{worker} lags by {lag}"
        partner = self._http.get(f"{self.stack.partner_url}/_sandbox/state").json()
        if partner.get("pending_webhooks"):
            return f"partner sandbox has {partner['pending_webhooks']} webhook(s) pending"
        self._http.post(f"{self.stack.m3_url}/_sandbox/drain")
        return None

    def _lags(self) -> dict[str, int]:
        """Per worker: messages on the topics it reads that its group has not committed yet."""
        from kafka import TopicPartition

        groups = {f"{self.stack.settings.topic_prefix}dcs-{worker}": worker for worker in self._reads}
        committed = self._admin.list_group_offsets({group: None for group in groups})
        lags = {}
        for group, worker in groups.items():
            partitions = [TopicPartition(t, p) for t in self._reads[worker]
                          for p in (self._consumer.partitions_for_topic(t) or ())]
            done = committed.get(group, {})
            lags[worker] = sum(max(0, end - (done[tp].offset if tp in done and done[tp].offset >= 0 else 0))
                               for tp, end in self._consumer.end_offsets(partitions).items())
        return lags
