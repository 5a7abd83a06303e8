"""The PNG next to the JSON: throughput and memory against N, on log scales.

Rates of the raw loops, the case processor and replay on the left (so their ratios are the
vertical distances), the case processor's peak RSS on the right. Matplotlib with the Agg
backend: no display needed, CI-safe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot(results: dict[str, Any], path: Path) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    baselines = sorted(results.get("baseline", []), key=lambda b: b["n"])
    processors = sorted(results.get("processor", []), key=lambda p: p["n"])
    replays = sorted(results.get("replay", []), key=lambda r: r["events"])
    if not processors:
        return None
    figure, (rates, memory) = plt.subplots(1, 2, figsize=(11, 4.8))
    series = [
        ("raw consume→produce", [(b["n"], b["consume_produce_per_s"]) for b in baselines], "o--"),
        ("raw consume-only", [(b["n"], b["consume_only_per_s"]) for b in baselines], "s--"),
        ("case processor", [(p["n"], p["per_s"]) for p in processors], "o-"),
        ("replay projection", [(r["events"], r["per_s"]) for r in replays], "^-"),
    ]
    e2e = results.get("end_to_end")
    if e2e and e2e.get("per_s"):
        series.append(("end to end", [(e2e["n"], e2e["per_s"])], "D"))
    for label, points, style in series:
        points = [(n, rate) for n, rate in points if rate]
        if points:
            rates.plot(*zip(*points), style, label=label)
    rates.set(xscale="log", yscale="log", xlabel="N (invoices)", ylabel="per second", title="Throughput")
    rates.grid(True, which="both", alpha=0.3)
    rates.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False)
    peaks = [(p["n"], (p.get("memory") or {}).get("case-processor", {}).get("peak_rss_mib")) for p in processors]
    peaks = [(n, mib) for n, mib in peaks if mib]
    if peaks:
        memory.plot(*zip(*peaks), "o-", label="case processor peak RSS")
    memory.set(xscale="log", xlabel="N (invoices)", ylabel="MiB", title="Peak memory (RSS)")
    memory.set_ylim(bottom=0)
    memory.grid(True, which="both", alpha=0.3)
    memory.legend(fontsize=8)
    started = (results.get("meta") or {}).get("started", "")
    figure.suptitle(f"dcs bench {started}", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
