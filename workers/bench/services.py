"""Starting the service's own processes for a phase: settings, topics, world, workers.

Reuses the scenario stack (workers/scenario/stack.py): the same environment conventions
(`DCS_PROFILE=test`, a topic prefix, a data directory and web ports per run) and the same
`python -m workers.cli.main worker NAME` processes, so the bench measures what is deployed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx

from workers.infra.settings import Settings, load_settings
from workers.infra.topic_admin import apply_topics
from workers.infra.topic_map import load_topic_map
from workers.registry import WORKERS
from workers.scenario.stack import Stack, free_port_block


def phase_settings(prefix: str, run_dir: Path) -> Settings:
    """Settings of one isolated phase, with every topic of topics.yaml provisioned under `prefix`."""
    run_dir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(profile="test", topic_prefix=prefix, data_dir=run_dir / "data",
                             web_port_base=free_port_block(len(WORKERS)))
    apply_topics(settings, load_topic_map())
    return settings


def bare_stack(settings: Settings, run_dir: Path) -> Stack:
    """A stack without sandboxes, for workers that talk to Kafka only (the case processor)."""
    stack = Stack(settings=settings, run_dir=run_dir, partners=())
    stack.secrets_file = run_dir / "partner-secrets.json"
    return stack


def pids(stack: Stack) -> Callable[[], dict[str, int]]:
    return lambda: {process.name: process.popen.pid for process in list(stack.processes)}


def check_alive(stack: Stack) -> None:
    for process in stack.processes:
        if process.popen.poll() is not None:
            tail = "\n".join(process.log.read_text(errors="replace").splitlines()[-20:])
            raise RuntimeError(f"{process.name} exited with {process.popen.returncode}:\n{tail}")


def counters(stack: Stack, worker: str) -> dict[str, float]:
    """A worker's counters from its Prometheus `/metrics` (`dcs_<name>_total` → `<name>`)."""
    try:
        text = httpx.get(f"{stack.worker_url(worker)}/metrics", timeout=5).text
    except httpx.HTTPError:
        return {}
    return parse_counters(text)


def parse_counters(text: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.partition("{")[0].strip(), None, line.rpartition(" ")[2]
        if line.startswith("#") or not name.startswith("dcs_") or not name.endswith("_total"):
            continue
        try:
            found[name.removeprefix("dcs_").removesuffix("_total")] = float(value)
        except ValueError:
            continue
    return found


def wait_until(done: Callable[[], bool], stack: Stack, timeout_s: float, what: str,
               progress: Callable[[], str] | None = None, report: Callable[[str], None] = print,
               every_s: float = 10.0, poll_s: float = 0.2) -> float:
    """Poll `done` until true; fail when a process died or the time is up. Returns the moment."""
    deadline, next_report = time.monotonic() + timeout_s, time.monotonic() + every_s
    while not done():
        check_alive(stack)
        now = time.monotonic()
        if now > deadline:
            raise TimeoutError(f"{what} not done within {timeout_s:.0f}s"
                               + (f" ({progress()})" if progress else "") + f"; logs in {stack.run_dir}")
        if progress and now >= next_report:
            report(f"    {what}: {progress()}")
            next_report = now + every_s
        time.sleep(poll_s)
    return time.time()
