"""The issue's targets, evaluated from a bench result: pass or miss, and by how much.

Each target is a ratio measured in the same run (so machine noise cancels as far as it can):
processor ≥ 25 % and end to end ≥ 10 % of the raw consume→produce loop, replay ≥ 50 % of the
raw consume-only loop, p99 ingress→partner registration ≤ 20× the broker's own p99 at the same
offered load, and the processor's peak memory at the largest N ≤ 1.5× its peak at the smallest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from workers.bench.stats import nearest, ratio


@dataclass(frozen=True)
class Target:
    name: str
    measured: float | None
    limit: float
    better: Literal["higher", "lower"]
    detail: str = ""

    @property
    def verdict(self) -> str:
        if self.measured is None:
            return "n/a"
        ok = self.measured >= self.limit if self.better == "higher" else self.measured <= self.limit
        return "pass" if ok else "miss"

    @property
    def margin(self) -> str:
        """How far from the limit, as a factor: "2.3× above the floor", "miss: 4.1× short"."""
        if self.measured is None:
            return "not measured"
        if not self.measured or not self.limit:
            return "—"
        factor = self.measured / self.limit if self.better == "higher" else self.limit / self.measured
        if self.verdict == "pass":
            return f"{factor:.2f}× the limit" if self.better == "higher" else f"{factor:.2f}× under the limit"
        return f"{1 / factor:.1f}× short" if self.better == "higher" else f"{1 / factor:.1f}× over"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"verdict": self.verdict, "margin": self.margin}


def baseline_at(results: dict[str, Any], n: int) -> dict[str, Any] | None:
    baselines = {b["n"]: b for b in results.get("baseline", [])}
    return baselines[nearest(list(baselines), n)] if baselines else None


def evaluate(results: dict[str, Any]) -> list[Target]:
    found: list[Target] = []
    processors = sorted(results.get("processor", []), key=lambda p: p["n"])
    if processors:
        largest = processors[-1]
        found.append(Target("processor ÷ consume→produce", largest.get("ratio"), 0.25, "higher",
                            f"N={largest['n']}"))
    e2e = results.get("end_to_end")
    if e2e:
        found.append(Target("end to end ÷ consume→produce", e2e.get("ratio"), 0.10, "higher", f"N={e2e['n']}"))
    replays = sorted(results.get("replay", []), key=lambda r: r["events"])
    if replays:
        found.append(Target("replay ÷ consume-only", replays[-1].get("ratio"), 0.50, "higher",
                            f"{replays[-1]['events']} events"))
    latency = results.get("latency") or {}
    if latency.get("service") and latency.get("broker"):
        service_p99 = latency["service"]["to_partner_registration"].get("p99")
        found.append(Target("p99 ingress→partner ÷ broker p99", ratio(service_p99, latency["broker"].get("p99")),
                            20.0, "lower", f"at {latency['service']['rate']:g}/s offered"))
    calm = latency.get("below_capacity")
    if calm and latency.get("broker"):  # informative: the path without a queue in front of it
        found.append(Target(f"(info) the same at {calm['rate']:g}/s, below saturation",
                            ratio(calm["to_partner_registration"].get("p99"), latency["broker"].get("p99")),
                            20.0, "lower", "broker p99 measured at the offered rate"))
    if len(processors) > 1 and processors[-1]["n"] >= 5 * processors[0]["n"]:
        small, large = (_peak(p) for p in (processors[0], processors[-1]))
        found.append(Target("peak RSS largest N ÷ smallest N", ratio(large, small), 1.5, "lower",
                            f"{processors[-1]['n']} vs {processors[0]['n']}"))
    return found


def _peak(processor: dict[str, Any]) -> float | None:
    return (processor.get("memory") or {}).get("case-processor", {}).get("peak_rss_mib")
