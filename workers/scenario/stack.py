"""The running service around a scenario: broker, fresh topics, both sandboxes and every worker,
each a real process, isolated from other runs by a topic prefix and its own data directory.

The sandboxes run scripted and naive (SCENARIOS.md): they do only what the steps say and
deduplicate nothing, so any double the service causes shows up in RESULT.json.
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from workers.infra import local_kafka
from workers.infra.settings import Settings, load_settings
from workers.infra.topic_admin import apply_topics
from workers.infra.topic_map import load_topic_map
from workers.registry import WORKERS

SCENARIO_WORKERS = ("case-processor", "settlement", "m3-gateway", "partner-gateway", "m3-ingress")


LISTEN_PORTS = range(20000, 32000)
"""Below Linux's ephemeral range (32768-60999). A client that keeps connecting to a port nobody
listens on — a webhook sender while the gateway restarts, Kafka clients while the broker
restarts — can be given that very port as its own source port and connect to itself, which
then holds the port so the restarted server cannot bind it (seen in the fault run)."""


def free_port() -> int:
    return free_port_block(1)


def free_port_block(size: int) -> int:
    """A base port with `size` consecutive free ports above it, outside the ephemeral range."""
    rng = random.SystemRandom()
    for _ in range(200):
        base = rng.randrange(LISTEN_PORTS.start, LISTEN_PORTS.stop - size)
        holders: list[socket.socket] = []
        try:
            for offset in range(size):
                sock = socket.socket()
                holders.append(sock)
                sock.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for sock in holders:
                sock.close()
    raise RuntimeError("no block of free ports found")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path


@dataclass
class Stack:
    """Everything one run started; `stop()` ends it all (also on errors and Ctrl-C)."""

    settings: Settings
    run_dir: Path
    partners: tuple[str, ...]
    m3_url: str = ""
    partner_url: str = ""
    ingress_token: str = ""
    secrets_file: Path | None = None
    processes: list[Process] = field(default_factory=list)
    broker: Settings | None = None
    """Whose broker this is (`local_kafka.down/up(stack.broker)` restarts it)."""
    commands: dict[str, tuple[list[str], dict[str, str] | None]] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    """More DCS_* settings for every worker (e.g. shorter HTTP timeouts in a fault run)."""

    def worker_url(self, worker: str) -> str:
        return f"http://127.0.0.1:{self.settings.web_port_base + WORKERS[worker].port_offset}"

    def process(self, name: str) -> Process:
        return next(p for p in self.processes if p.name == name)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill one worker or sandbox outright (a crash, not a shutdown); `restart` brings it back."""
        process = self.process(name)
        if process.popen.poll() is None:
            process.popen.send_signal(sig)
        process.popen.wait()

    def restart(self, name: str) -> None:
        """Start a killed (or crashed) worker again with the same command and environment."""
        process = self.process(name)
        self.processes.remove(process)
        command, env = self.commands[name]
        _spawn(self, name, command, env=env)

    def stop(self) -> None:
        for process in self.processes:
            if process.popen.poll() is None:
                process.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes:
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()
        self.processes.clear()


def start_stack(name: str, partners: tuple[str, ...], base_dir: Path, *, partner_mode: str = "scripted",
                naive: bool = True, seed: int = 0, kind: str = "scn", partner_fast: bool = True,
                broker: dict[str, object] | None = None) -> Stack:
    """Start (or reuse) the broker, provision fresh topics and start both sandboxes.

    Workers start separately (`start_workers`), once the caller has applied the configuration
    and set the clock, so no worker ever acts on a half-configured run. ``broker`` overrides
    where the local broker lives (data_dir, ports): a run that restarts its broker gets its own.
    """
    broker = broker or {}
    base = load_settings(profile="test", **broker)
    local_kafka.up(base)
    prefix = f"{kind}-{name[:20]}-{uuid.uuid4().hex[:8]}."
    run_dir = base_dir / prefix.rstrip(".")
    run_dir.mkdir(parents=True, exist_ok=True)
    ports = {k: v for k, v in broker.items() if k != "data_dir"}
    settings = load_settings(profile="test", topic_prefix=prefix, data_dir=run_dir / "data",
                             web_port_base=free_port_block(len(WORKERS)), **ports)
    apply_topics(settings, load_topic_map())
    stack = Stack(settings=settings, run_dir=run_dir, partners=partners, ingress_token=secrets.token_urlsafe(24),
                  broker=base)
    try:
        _start_sandboxes(stack, partner_mode, naive, seed, partner_fast)
    except BaseException:
        stack.stop()
        raise
    return stack


def start_workers(stack: Stack, workers: tuple[str, ...] = SCENARIO_WORKERS) -> None:
    try:
        for worker in workers:
            _spawn(stack, worker, [sys.executable, "-m", "workers.cli.main", "worker", worker,
                                   "--log-format", "json"], env=_worker_env(stack))
        _wait_ready(stack, workers)
    except BaseException:
        stack.stop()
        raise


def _start_sandboxes(stack: Stack, partner_mode: str, naive: bool, seed: int, partner_fast: bool) -> None:
    token_file = stack.run_dir / "ingress.token"
    token_file.write_text(stack.ingress_token)
    token_file.chmod(0o600)
    m3_port, partner_port = free_port(), free_port()
    ingress = f"{stack.worker_url('m3-ingress')}/ingress/m3/events"
    naive_flag = ["--naive"] if naive else []
    _spawn(stack, "m3-sandbox", [sys.executable, "-m", "sandbox.m3", "--port", str(m3_port), "--fast",
                                 "--ingress-url", ingress, "--ingress-token-file", str(token_file),
                                 "--ionapi-out", str(stack.run_dir / "m3.ionapi"), "--seed", str(seed), *naive_flag])
    stack.secrets_file = stack.run_dir / "partner-secrets.json"
    webhook = f"{stack.worker_url('partner-gateway')}/webhooks/partners/{{partner}}"
    _spawn(stack, "partner-sandbox", [sys.executable, "-m", "sandbox.partner", "--port", str(partner_port),
                                      "--partners", ",".join(stack.partners), "--webhook-url", webhook,
                                      "--secrets-file", str(stack.secrets_file), "--mode", partner_mode,
                                      *(["--fast"] if partner_fast else []), "--seed", str(seed), *naive_flag])
    stack.m3_url, stack.partner_url = f"http://127.0.0.1:{m3_port}", f"http://127.0.0.1:{partner_port}"
    _wait_http(stack, f"{stack.m3_url}/_sandbox/health", "m3-sandbox")
    _wait_http(stack, f"{stack.partner_url}/_sandbox/health", "partner-sandbox")


def _worker_env(stack: Stack) -> dict[str, str]:
    settings = stack.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("DCS_")}
    env.update({
        "DCS_PROFILE": "test", "DCS_TOPIC_PREFIX": settings.topic_prefix, "DCS_DATA_DIR": str(settings.data_dir),
        "DCS_WEB_PORT_BASE": str(settings.web_port_base), "DCS_M3_IONAPI_FILE": str(stack.run_dir / "m3.ionapi"),
        "DCS_M3_INGRESS_TOKEN_FILE": str(stack.run_dir / "ingress.token"),
        "DCS_PARTNER_URLS": ",".join(f"{p}={stack.partner_url}/{p}/api/v1" for p in stack.partners),
        "DCS_PARTNER_SECRETS_FILE": str(stack.secrets_file), "DCS_PARTNER_POLL_INTERVAL_S": "0",
        "DCS_LOCAL_BROKER_PORT": str(settings.local_broker_port),
        "DCS_LOCAL_CONTROLLER_PORT": str(settings.local_controller_port),
    })
    env.update(stack.extra_env)
    if not settings.uses_local_broker:
        env["KAFKA_BOOTSTRAP_SERVERS"] = settings.bootstrap
    return env


def _spawn(stack: Stack, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
    stack.commands[name] = (command, env)
    log = stack.run_dir / f"{name}.log"
    handle = log.open("ab")
    popen = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=env, start_new_session=True, cwd=str(Path(__file__).resolve().parents[2]))
    stack.processes.append(Process(name, popen, log))


def _wait_http(stack: Stack, url: str, name: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _check_alive(stack)
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer at {url} within {timeout:.0f}s")


def _wait_ready(stack: Stack, workers, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    waiting = set(workers)
    while waiting and time.monotonic() < deadline:
        _check_alive(stack)
        for worker in list(waiting):
            try:
                if httpx.get(f"{stack.worker_url(worker)}/health", timeout=2).status_code == 200:
                    waiting.discard(worker)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    if waiting:
        raise RuntimeError(f"workers not ready within {timeout:.0f}s: {', '.join(sorted(waiting))} "
                           f"(logs in {stack.run_dir})")


def _check_alive(stack: Stack) -> None:
    for process in stack.processes:
        if process.popen.poll() is not None:
            tail = "\n".join(process.log.read_text(errors="replace").splitlines()[-25:])
            raise RuntimeError(f"{process.name} exited with {process.popen.returncode}:\n{tail}")
