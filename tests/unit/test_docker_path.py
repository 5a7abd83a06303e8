"""docker-compose.yml cannot run on machines without a Docker engine; keep it consistent anyway."""

from __future__ import annotations

import re

import yaml

from workers.infra.settings import REPO_ROOT


def test_compose_uses_the_same_kafka_and_settings_names_as_the_local_setup():
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    pom_version = re.search(r"<kafka.version>([^<]+)</kafka.version>", (REPO_ROOT / "kafka/pom.xml").read_text())
    assert pom_version
    kafka = compose["services"]["kafka"]
    assert kafka["image"] == f"apache/kafka:{pom_version.group(1)}"
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    topics = compose["services"]["topics"]
    assert topics["command"] == ["dcs", "topics", "apply"]
    assert topics["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert set(topics["environment"]) <= {"KAFKA_BOOTSTRAP_SERVERS", "DCS_DATA_DIR", "DCS_TOPIC_PREFIX",
                                          "DCS_METRICS_TOKEN_FILE"}


def test_compose_runs_every_worker_with_settings_the_settings_object_knows():
    from workers.infra.settings import Settings
    from workers.registry import WORKERS

    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    commands = {tuple(service.get("command", ())) for service in compose["services"].values()}
    for worker in WORKERS:
        assert ("dcs", "worker", worker) in commands, worker
    known = {f"DCS_{name.upper()}" for name in Settings.model_fields} | {"KAFKA_BOOTSTRAP_SERVERS"}
    for name, service in compose["services"].items():
        for variable in service.get("environment", {}):
            assert variable.startswith("KAFKA_") and name == "kafka" or variable in known, (name, variable)


def test_docker_guard_reports_no_engine_for_a_missing_socket(monkeypatch, tmp_path):
    from workers.infra.docker_engine import docker_engine_available

    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/absent.sock")
    assert docker_engine_available() is False
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    assert docker_engine_available() is False
