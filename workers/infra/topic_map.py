"""topics.yaml as typed data: the single registry of topic names the whole code base reads."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workers.infra.settings import REPO_ROOT

TOPICS_FILE = REPO_ROOT / "topics.yaml"
_RETENTION = re.compile(r"^(?:(\d+)([dh])|forever)$")


class TopicSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    partitions: int = Field(ge=1)
    cleanup_policy: Literal["delete", "compact"]
    retention: str
    key: str
    contracts: tuple[str, ...]
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    dead_letters: str | None = None

    @field_validator("retention")
    @classmethod
    def _retention_format(cls, value: str) -> str:
        if not _RETENTION.match(value):
            raise ValueError("retention must look like '30d', '12h' or 'forever'")
        return value

    @property
    def retention_ms(self) -> int:
        match = _RETENTION.match(self.retention)
        assert match
        if self.retention == "forever":
            return -1
        unit = 86_400_000 if match.group(2) == "d" else 3_600_000
        return int(match.group(1)) * unit

    @property
    def configs(self) -> dict[str, str]:
        """The topic configs we own; anything else on the cluster is the operator's business."""
        return {"cleanup.policy": self.cleanup_policy, "retention.ms": str(self.retention_ms)}


class TopicMap(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    replication_factor: int = Field(ge=1)
    topics: dict[str, TopicSpec]

    def __getitem__(self, name: str) -> TopicSpec:
        return self.topics[name]

    def consumed(self) -> list[TopicSpec]:
        return [spec for spec in self.topics.values() if not spec.name.endswith(".dlq")]


class TopicMapError(ValueError):
    """topics.yaml is malformed or inconsistent; the message names the topic and key."""


def parse_topic_map(raw: dict) -> TopicMap:
    defaults = raw.get("defaults", {})
    try:
        topics = {
            name: TopicSpec(name=name, **{"partitions": defaults.get("partitions", 1), **(body or {})})
            for name, body in (raw.get("topics") or {}).items()
        }
        topic_map = TopicMap(replication_factor=defaults.get("replication_factor", 1), topics=topics)
    except ValidationError as error:
        raise TopicMapError(str(error)) from error
    for spec in topic_map.topics.values():
        if spec.dead_letters and spec.dead_letters not in topic_map.topics:
            raise TopicMapError(f"topics.{spec.name}.dead_letters: {spec.dead_letters} is not declared")
    return topic_map


@lru_cache(maxsize=4)
def load_topic_map(path: Path = TOPICS_FILE) -> TopicMap:
    return parse_topic_map(yaml.safe_load(path.read_text()))
