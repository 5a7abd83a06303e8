"""The testcontainers path for developers who have Docker, guarded: on machines without a Docker
engine (like CI here) constructing a container raises, so we ask the engine first."""

from __future__ import annotations

import os
import socket


def docker_engine_available(timeout: float = 0.5) -> bool:
    """True when a Docker engine answers on DOCKER_HOST or the default unix socket."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        return False
    path = host.removeprefix("unix://")
    if not os.path.exists(path):
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
            status_line = sock.recv(64).split(b"\r\n", 1)[0]
            return status_line.startswith(b"HTTP/1.") and b" 200" in status_line
    except OSError:
        return False


def kafka_container_bootstrap() -> tuple[str, object]:
    """Start apache/kafka with testcontainers; returns (bootstrap, container). Docker only."""
    from testcontainers.kafka import KafkaContainer

    container = KafkaContainer("apache/kafka:4.0.2").with_kraft()
    container.start()
    return container.get_bootstrap_server(), container
