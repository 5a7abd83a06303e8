"""A real single-node Apache Kafka (KRaft) for development, demos and CI, run from Maven jars.

``dcs kafka up`` fetches ``org.apache.kafka:kafka_2.13`` and its runtime dependencies through the
committed ``kafka/pom.xml`` into an ignored cache, formats KRaft storage once, starts the broker on
loopback with Java 17 and returns only when an admin metadata request succeeds. When
``KAFKA_BOOTSTRAP_SERVERS`` is set, that cluster is used and nothing is started.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from workers.infra.broker_probe import broker_is_ready
from workers.infra.settings import REPO_ROOT, Settings

POM = REPO_ROOT / "kafka" / "pom.xml"
LOG4J2 = REPO_ROOT / "kafka" / "log4j2.yaml"


class BrokerError(RuntimeError):
    """The local broker could not be fetched, started or reached; the message says why."""


@dataclass(frozen=True)
class BrokerPaths:
    lib: Path
    home: Path

    @classmethod
    def of(cls, settings: Settings) -> "BrokerPaths":
        return cls(lib=settings.cache_dir / "kafka-lib", home=settings.data_dir / "kafka")

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def properties(self) -> Path:
        return self.home / "server.properties"

    @property
    def pid_file(self) -> Path:
        return self.home / "broker.pid"

    @property
    def log(self) -> Path:
        return self.home / "broker.log"


@dataclass(frozen=True)
class SaslPlainListener:
    """A SASL_PLAINTEXT client listener with the PLAIN mechanism, for a broker started next to the
    default one (tests of authenticated clients). Clients use `settings.local_broker_port`;
    inter-broker traffic goes over a PLAINTEXT listener on `internal_port` (loopback only), the
    controller stays PLAINTEXT. `users` maps user names to passwords (JAAS `user_<name>`)."""

    users: Mapping[str, str]
    internal_port: int

    def __post_init__(self) -> None:
        if not self.users:
            raise ValueError("a SASL listener needs at least one user")
        for name, password in self.users.items():
            if not name or not set(name) <= _JAAS_NAME:
                raise ValueError(f"SASL user name {name!r}: letters, digits, '.', '_' and '-' only")
            if not password or set(password) & set('"\\;\n\r'):
                raise ValueError(f"the password of SASL user {name!r} is empty or has a quote, "
                                 "backslash, ';' or newline")

    def jaas_config(self) -> str:
        users = " ".join(f'user_{name}="{password}"' for name, password in self.users.items())
        return f"org.apache.kafka.common.security.plain.PlainLoginModule required {users};"


_JAAS_NAME = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def fetch_jars(paths: BrokerPaths) -> Path:
    """Resolve the broker jars with Maven once per pom version (a marker holds the pom's hash)."""
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()
    marker = paths.lib / ".pom-sha256"
    if marker.exists() and marker.read_text() == digest:
        return paths.lib
    if shutil.which("mvn") is None:
        raise BrokerError("Maven (mvn) is not on PATH; it is needed once to fetch the Kafka jars")
    staging = paths.lib.with_name(paths.lib.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    command = ["mvn", "-B", "-q", "-f", str(POM), "dependency:copy-dependencies",
               f"-DoutputDirectory={staging}", "-DincludeScope=runtime"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BrokerError(f"fetching Kafka from Maven Central failed:\n{result.stdout[-4000:]}{result.stderr[-4000:]}")
    shutil.rmtree(paths.lib, ignore_errors=True)
    staging.rename(paths.lib)
    marker.write_text(digest)
    return paths.lib


def server_properties(settings: Settings, paths: BrokerPaths, sasl: SaslPlainListener | None = None) -> str:
    port, cport = settings.local_broker_port, settings.local_controller_port
    lines = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"127.0.0.1:{cport}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(paths.data),
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "true",
        "log.cleaner.dedupe.buffer.size": str(32 * 1024 * 1024),
    }
    if sasl is not None:
        internal = sasl.internal_port
        lines |= {
            "listeners": f"SASL_PLAINTEXT://127.0.0.1:{port},BROKER://127.0.0.1:{internal},"
                         f"CONTROLLER://127.0.0.1:{cport}",
            "advertised.listeners": f"SASL_PLAINTEXT://127.0.0.1:{port},BROKER://127.0.0.1:{internal}",
            "inter.broker.listener.name": "BROKER",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,BROKER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
            "sasl.enabled.mechanisms": "PLAIN",
            "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "PLAIN",
            "listener.name.sasl_plaintext.plain.sasl.jaas.config": sasl.jaas_config(),
        }
    return "".join(f"{key}={value}\n" for key, value in lines.items())


def _java(lib: Path, main_class: str, *args: str, heap: str | None = None) -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise BrokerError("java is not on PATH; Kafka 4 needs Java 17")
    command = [java]
    if heap:
        command.append(f"-Xmx{heap}")
    command += [f"-Dlog4j2.configurationFile={LOG4J2}", "-cp", f"{lib}/*", main_class, *args]
    return command


def _format_storage(lib: Path, paths: BrokerPaths) -> None:
    if (paths.data / "meta.properties").exists():
        return
    cluster_id = "-"
    while cluster_id.startswith("-"):  # a leading dash would read as an option to kafka-storage
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    result = subprocess.run(
        _java(lib, "kafka.tools.StorageTool", "format", "--standalone", "-t", cluster_id,
              "-c", str(paths.properties)),
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise BrokerError(f"formatting KRaft storage failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")


def running_pid(paths: BrokerPaths) -> int | None:
    try:
        pid = int(paths.pid_file.read_text())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None


def up(settings: Settings, timeout: float = 90.0, *, sasl: SaslPlainListener | None = None,
       heap: str = "1g") -> str:
    """Start the local broker unless it (or an external cluster) already answers; return bootstrap.

    The broker's home is `settings.data_dir / "kafka"` and its ports are the settings' local
    ports, so another data dir and ports give a second broker next to the default one. With
    `sasl`, clients connect over SASL_PLAINTEXT/PLAIN (readiness is probed with the settings'
    own credentials)."""
    if not settings.uses_local_broker:
        if not broker_is_ready(settings, timeout=timeout):
            raise BrokerError(f"KAFKA_BOOTSTRAP_SERVERS={settings.bootstrap} does not answer a metadata request")
        return settings.bootstrap
    paths = BrokerPaths.of(settings)
    if running_pid(paths) and broker_is_ready(settings, timeout=timeout):
        return settings.bootstrap
    lib = fetch_jars(paths)
    paths.home.mkdir(parents=True, exist_ok=True)
    paths.properties.write_text(server_properties(settings, paths, sasl))
    if sasl is not None:
        paths.properties.chmod(0o600)  # it holds the JAAS user passwords
    _format_storage(lib, paths)
    with paths.log.open("ab") as log:
        process = subprocess.Popen(
            _java(lib, "kafka.Kafka", str(paths.properties), heap=heap),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=_raise_open_file_limit,
        )
    paths.pid_file.write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BrokerError(f"the broker exited with {process.returncode}; last log lines:\n{_tail(paths.log)}")
        if broker_is_ready(settings, timeout=2.0):
            return settings.bootstrap
        time.sleep(0.5)
    down(settings)
    raise BrokerError(f"the broker did not answer within {timeout:.0f}s; last log lines:\n{_tail(paths.log)}")


def down(settings: Settings, timeout: float = 30.0) -> bool:
    """Stop the local broker (SIGTERM, then SIGKILL after ``timeout``); True if one was running."""
    paths = BrokerPaths.of(settings)
    pid = running_pid(paths)
    if pid is None:
        paths.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not _stopped(paths, pid):
        time.sleep(0.2)
    if not _stopped(paths, pid):
        os.kill(pid, signal.SIGKILL)
    paths.pid_file.unlink(missing_ok=True)
    return True


def status(settings: Settings) -> dict[str, object]:
    paths = BrokerPaths.of(settings)
    return {
        "bootstrap": settings.bootstrap,
        "managed_locally": settings.uses_local_broker,
        "pid": running_pid(paths) if settings.uses_local_broker else None,
        "ready": broker_is_ready(settings, timeout=3.0),
        "log": str(paths.log) if settings.uses_local_broker else None,
    }


def _stopped(paths: BrokerPaths, pid: int) -> bool:
    """Whether the broker has exited. One this very process started (a test session, a fixture)
    stays a zombie that `os.kill(pid, 0)` still finds until its exit status is collected, and
    `down` would wait its whole timeout for a broker that stopped long ago; so collect it first."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child (`dcs kafka down` from another shell): nothing to collect
        pass
    return running_pid(paths) is None


def _raise_open_file_limit() -> None:
    """Every partition keeps segment files open; many test runs mean many partitions."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1_048_576
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
