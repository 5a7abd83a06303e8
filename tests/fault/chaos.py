"""The chaos monkey of the fault run: SIGKILL workers at random moments, restart the broker once.

It also plays supervisor (systemd's Restart=always, Kubernetes' restart policy): a worker
that died on its own — e.g. while the broker was away — is started again and counted, so the
run shows whether the service survives crashes, not whether it never crashes.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from workers.infra import local_kafka
from workers.scenario.stack import Stack


@dataclass
class ChaosLog:
    kills: Counter = field(default_factory=Counter)
    crashes: Counter = field(default_factory=Counter)
    broker_restarts: int = 0
    moments: list[str] = field(default_factory=list)


class Chaos(threading.Thread):
    def __init__(self, stack: Stack, workers: tuple[str, ...], rng: random.Random, *,
                 pause_s: tuple[float, float] = (3.0, 9.0), down_s: tuple[float, float] = (0.0, 3.0),
                 broker_restart_after_s: float = 45.0) -> None:
        super().__init__(name="chaos", daemon=True)
        self.stack, self.workers, self.rng = stack, workers, rng
        self.pause_s, self.down_s = pause_s, down_s
        self.broker_restart_after_s = broker_restart_after_s
        self.log = ChaosLog()
        self._halt = threading.Event()
        self._begun = time.monotonic()
        self._lock = threading.Lock()

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self.revive()

    def until_each_killed(self, times: int, timeout_s: float) -> None:
        """Keep going until every worker has been killed `times` times (a short run still proves it)."""
        deadline = time.monotonic() + timeout_s
        while min(self.log.kills[w] for w in self.workers) < times and time.monotonic() < deadline:
            time.sleep(1.0)

    def run(self) -> None:
        queue: list[str] = []
        while not self._halt.wait(self.rng.uniform(*self.pause_s)):
            self.revive()
            if not self.log.broker_restarts and time.monotonic() - self._begun > self.broker_restart_after_s:
                self._restart_broker()
                continue
            if not queue:
                queue = list(self.workers)
                self.rng.shuffle(queue)
            self._kill_and_restart(queue.pop())

    def revive(self) -> None:
        """Restart every worker that is not running (killed by us or crashed by itself)."""
        with self._lock:
            for name in self.workers:
                process = self.stack.process(name)
                if process.popen.poll() is not None:
                    self.log.crashes[name] += 1
                    self._note(f"{name} had exited with {process.popen.returncode}; restarted")
                    self.stack.restart(name)

    def _kill_and_restart(self, name: str) -> None:
        with self._lock:
            self.stack.kill(name)
            self.log.kills[name] += 1
            self._note(f"SIGKILL {name}")
        time.sleep(self.rng.uniform(*self.down_s))
        with self._lock:
            self.stack.restart(name)

    def _restart_broker(self) -> None:
        assert self.stack.broker is not None
        self._note("broker down")
        local_kafka.down(self.stack.broker)
        time.sleep(self.rng.uniform(2.0, 6.0))
        local_kafka.up(self.stack.broker)
        self.log.broker_restarts += 1
        self._note("broker up")

    def _note(self, what: str) -> None:
        self.log.moments.append(f"{time.monotonic() - self._begun:7.1f}s {what}")
