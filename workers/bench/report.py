"""What a person reads after `dcs bench`: tables (rich) on the terminal, everything in JSON.

The JSON holds every measured number, the options and the machine's load before and after (a
busy shared machine explains a bad run); the tables show the rates next to their baselines,
the latency percentiles, memory and CPU per worker, the targets with pass/miss and margin, and
the time 1.3 M cases would take at the measured rates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from workers.bench.stats import human_duration
from workers.bench.targets import evaluate


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def throughput_table(results: dict[str, Any]) -> Table:
    table = Table(title="Throughput (messages or cases per second; same run, same payload bytes)")
    for column in ("what", "N", "per s", "baseline", "ratio"):
        table.add_column(column, justify="right" if column != "what" else "left")
    for b in results.get("baseline", []):
        table.add_row("raw aiokafka consume→produce", f"{b['n']:,}", _rate(b["consume_produce_per_s"]), "", "")
        table.add_row("raw aiokafka consume-only", f"{b['n']:,}", _rate(b["consume_only_per_s"]), "", "")
    for p in results.get("processor", []):
        table.add_row("case processor (1 worker)", f"{p['n']:,}", _rate(p["per_s"]),
                      f"c→p {_rate(p.get('baseline_per_s'))}", _ratio(p.get("ratio")))
    e2e = results.get("end_to_end")
    if e2e:
        table.add_row("end to end (5 workers + sandboxes)", f"{e2e['n']:,}", _rate(e2e["per_s"]),
                      f"c→p {_rate(e2e.get('baseline_per_s'))}", _ratio(e2e.get("ratio")))
    for r in results.get("replay", []):
        table.add_row("replay projection (dcs replay)", f"{r['events']:,} ev", _rate(r["per_s"]),
                      f"c-only {_rate(r.get('consume_only_per_s'))}", _ratio(r.get("ratio")))
    return table


def latency_table(latency: dict[str, Any]) -> Table:
    service = latency.get("service") or {}
    rate = service.get("rate") or latency["broker"]["rate"]
    achieved = service.get("achieved_ingress_per_s")
    title = f"Latency (ms) at {rate:g}/s offered" + (f", {achieved:,.0f}/s achieved ingress" if achieved else "")
    table = Table(title=title)
    for column in ("path", "count", "p50", "p95", "p99", "max"):
        table.add_column(column, justify="right" if column != "path" else "left")
    rows = [("broker produce→consume (raw)", latency["broker"])]
    if service:
        rows += [("ingress → partner registration", service["to_partner_registration"]),
                 ("ingress → M3 reminder stop", service["to_m3_update"])]
    calm = latency.get("below_capacity")
    if calm:
        rows += [(f"at {calm['rate']:g}/s: ingress → partner registration", calm["to_partner_registration"]),
                 (f"at {calm['rate']:g}/s: ingress → M3 reminder stop", calm["to_m3_update"])]
    for name, summary in rows:
        table.add_row(name, str(summary.get("count", 0)),
                      *(f"{summary[key]:,.1f}" if key in summary else "—" for key in ("p50", "p95", "p99", "max")))
    return table


def resources_table(results: dict[str, Any]) -> Table:
    table = Table(title="Processes: peak RSS, and CPU from ready to done (start-up left out)")
    for column in ("phase", "cases", "process", "peak RSS MiB", "CPU s", "CPU ms/case"):
        table.add_column(column, justify="left" if column in ("phase", "process") else "right")
    phases = [("processor", p) for p in results.get("processor", [])]
    if results.get("service_resources"):
        phases.append(("service", results["service_resources"]))
    for phase, data in phases:
        cases = data["n"]
        for process, usage in (data.get("memory") or {}).items():
            work = usage.get("cpu_s_after_mark", usage.get("cpu_s", 0))
            table.add_row(phase, f"{cases:,}", process, f"{usage['peak_rss_mib']:,.0f}", f"{work:.1f}",
                          f"{1000 * work / cases:.2f}" if cases else "—")
    return table


def render(results: dict[str, Any], console: Console) -> None:
    if results.get("error"):
        console.print(f"[red]the run stopped early:[/] {results['error'].strip().splitlines()[-1]}")
    console.print(throughput_table(results))
    for p in results.get("processor", []):
        cpu = (p.get("memory") or {}).get("case-processor", {}).get("cpu_s_after_mark")
        base = next((b for b in results.get("baseline", []) if b["n"] == p["n"]), {})
        if cpu and base.get("consume_produce_cpu_us") and p.get("cpu_ratio"):
            console.print(f"N={p['n']:,}: CPU per case {1e6 * cpu / p['n']:,.0f} µs in the case processor vs "
                          f"{base['consume_produce_cpu_us']:,.0f} µs per message in the raw loop: CPU ratio "
                          f"{p['cpu_ratio']:.3f} (steadier than the rate ratio on a shared machine)")
    if results.get("latency"):
        console.print(latency_table(results["latency"]))
    console.print(resources_table(results))
    for target in evaluate(results):
        colour = {"pass": "green", "miss": "red"}.get(target.verdict, "yellow")
        measured = "—" if target.measured is None else f"{target.measured:.3f}"
        limit = ("≥ " if target.better == "higher" else "≤ ") + f"{target.limit:g}"
        console.print(f"[{colour}]{target.verdict.upper():4}[/] {target.name}: {measured} (target {limit}; "
                      f"{target.margin}; {target.detail})")
    projection = results.get("projection") or {}
    if projection:
        console.print(f"1.3 M cases at the measured rates: case processor "
                      f"{human_duration(projection.get('processor_s'))}, end to end "
                      f"{human_duration(projection.get('end_to_end_s'))}")
    profile = results.get("profile")
    if profile and "self" in profile:
        console.print(f"profile of the case processor: {profile['samples']} samples over {profile['seconds']} s, "
                      f"Python thread busy {profile['busy_percent']} %; most own time:")
        for row in profile["self"][:8]:
            console.print(f"  {row['percent']:5.1f} %  {row['function']}")
        console.print("  … and on the stack (own + callees):")
        for row in profile["total"][:10]:
            console.print(f"  {row['percent']:5.1f} %  {row['function']}")


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    results = results | {"targets": [t.as_dict() for t in evaluate(results)]}
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
