"""Seeded fault injection for the gateway in front of M3 (fault mode of `/_sandbox/mode`).

Every decision draws the same four numbers from one `random.Random(seed)`, whatever branch is
taken, so a given seed and call sequence always produce the same faults. Kinds:
- `error_rate`: share of calls answered 500/502/503 before M3 sees them;
- `timeout_rate`: share of calls whose answer comes only after `timeout_seconds` (longer than
  a client's timeout). With `timeout_after_processing` (default) M3 did the work and the answer
  is lost — the "uncertain" failure; otherwise nothing was done and a 504 follows the wait.
  A delayed request is never processed late, so no double appears that a client could not see;
- `errors_in_200_rate`: share of MI calls failing inside HTTP 200 ("record locked") untouched;
- `outages`: windows `{"start": s, "end": s}` in seconds after the mode was set: every call 503;
- `early_token_expiry`: tokens die this many seconds after issue, whatever `expires_in` said.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class FaultSettings:
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 5.0
    timeout_after_processing: bool = True
    errors_in_200_rate: float = 0.0
    outages: list[tuple[float, float]] = field(default_factory=list)
    early_token_expiry: float | None = None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "FaultSettings":
        unknown = set(body) - {f for f in cls.__dataclass_fields__} - {"seed"}
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        rates = {k: float(body.get(k, 0.0)) for k in ("error_rate", "timeout_rate", "errors_in_200_rate")}
        for name, rate in rates.items():
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        outages = [(float(w["start"]), float(w["end"])) for w in body.get("outages", [])]
        early = body.get("early_token_expiry")
        return cls(**rates, timeout_seconds=float(body.get("timeout_seconds", 5.0)),
                   timeout_after_processing=bool(body.get("timeout_after_processing", True)),
                   outages=outages, early_token_expiry=None if early is None else float(early))


@dataclass(frozen=True)
class Decision:
    outage: bool = False
    error_status: int | None = None
    timeout: bool = False
    error_in_200: bool = False


class FaultInjector:
    def __init__(self, seed: int, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.settings = FaultSettings()
        self._rng = random.Random(seed)
        self._since = clock()
        self.injected: dict[str, int] = {}

    def configure(self, settings: FaultSettings, seed: int | None = None) -> None:
        self.settings = settings
        self._since = self._clock()
        if seed is not None:
            self._rng = random.Random(seed)

    def decide(self, mi_call: bool = True) -> Decision:
        s = self.settings
        draws = [self._rng.random() for _ in range(4)]
        elapsed = self._clock() - self._since
        if any(start <= elapsed < end for start, end in s.outages):
            return self._count(Decision(outage=True), "outage")
        if draws[0] < s.error_rate:
            return self._count(Decision(error_status=(500, 502, 503)[int(draws[1] * 3)]), "5xx")
        if draws[2] < s.timeout_rate:
            return self._count(Decision(timeout=True), "timeout")
        if mi_call and draws[3] < s.errors_in_200_rate:
            return self._count(Decision(error_in_200=True), "error_in_200")
        return Decision()

    def _count(self, decision: Decision, kind: str) -> Decision:
        self.injected[kind] = self.injected.get(kind, 0) + 1
        return decision
