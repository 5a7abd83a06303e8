"""One `dcs bench` run: phases in order, each isolated under the run's topic prefix, then cleanup.

Per N: the raw baseline, the case processor (a fresh worker process and fresh topics), and the
replay projection over the case events that processor wrote; that N's topics are deleted right
after, so a 100k run does not sit on disk while the next one runs. Then, if asked, a profiled
processor run, the broker's own latency, and the whole service (end to end, then latency at a
fixed offered load). Every topic is named `bench-<run>-…` and all are deleted at the end, also
after a failure or Ctrl-C.
"""

from __future__ import annotations

import os
import platform
import shutil
import traceback
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workers.bench import baseline, processor, replay_speed, service_phase
from workers.bench.stats import projected_seconds, ratio
from workers.infra import local_kafka
from workers.infra.settings import load_settings
from workers.infra.topic_admin import delete_prefixed_topics

PROJECTED_CASES = 1_300_000


@dataclass(frozen=True)
class Options:
    mode: str
    sizes: tuple[int, ...]
    e2e_n: int
    latency_rate: float
    latency_seconds: float
    profile: bool
    output: Path


def run(options: Options, say=print) -> dict[str, Any]:
    base = load_settings(profile="test")
    local_kafka.up(base)
    run_id = uuid.uuid4().hex[:8]
    root = f"bench-{run_id}-"
    logs = options.output.with_suffix("")
    results: dict[str, Any] = {"meta": _meta(base.bootstrap, root, logs), "options": asdict(options),
                               "baseline": [], "processor": [], "replay": []}
    try:
        _phases(results, base, root, run_id, logs, options, say)
    finally:
        deleted = delete_prefixed_topics(base, root)
        say(f"deleted {deleted} bench topics ({root}*)")
        for data in logs.glob("**/data"):
            shutil.rmtree(data, ignore_errors=True)
    largest = max(results["processor"], key=lambda p: p["n"], default=None)
    e2e = results.get("end_to_end") or {}
    results["projection"] = {"cases": PROJECTED_CASES,
                             "processor_s": projected_seconds(PROJECTED_CASES, largest and largest["per_s"]),
                             "end_to_end_s": projected_seconds(PROJECTED_CASES, e2e.get("per_s"))}
    results["ratio"] = largest and largest.get("ratio")
    results["cpu_ratio"] = largest and largest.get("cpu_ratio")
    results["meta"] |= {"finished": _now(), "load_avg_end": os.getloadavg()}
    return results


def _phases(results: dict[str, Any], base, root: str, run_id: str, logs: Path, options: Options, say) -> None:
    """Every phase in order; a failure ends the run but keeps what was measured (in `error`)."""
    try:
        for n in options.sizes:
            _scale_point(results, root, logs, n, say)
        if options.profile:
            say(f"profiling the case processor (N={options.sizes[0]:,}, an extra run) …")
            prefix = f"{root}prof."
            results["profile"] = processor.measure(prefix, logs / "profile", options.sizes[0], profile=True,
                                                   report=say).profile
            delete_prefixed_topics(base, prefix)
        if options.e2e_n or options.latency_seconds:
            service_phase.run(results, base, root, run_id, logs, options, say)
    except Exception as error:  # noqa: BLE001 — reported with what was measured before it
        results["error"] = "".join(traceback.format_exception(error))[-4000:]
        say(f"[red]bench phase failed:[/] {type(error).__name__}: {error}")


def _scale_point(results: dict[str, Any], root: str, logs: Path, n: int, say) -> None:
    settings = load_settings(profile="test")
    say(f"N={n:,}: raw aiokafka baseline …")
    base = baseline.measure(settings, f"{root}b{n}.", n).as_dict()
    results["baseline"].append(base)
    say(f"N={n:,}: case processor (pre-loaded backlog, one worker process) …")
    prefix = f"{root}p{n}."
    result = processor.measure(prefix, logs / f"processor-{n}", n, report=say).as_dict()
    result |= {"baseline_per_s": base["consume_produce_per_s"],
               "ratio": ratio(result["per_s"], base["consume_produce_per_s"]),
               "disk_mib": _disk_mib(settings, prefix, logs / f"processor-{n}")}
    cpu = (result["memory"].get("case-processor") or {}).get("cpu_s_after_mark")
    result["cpu_ratio"] = ratio(base["consume_produce_cpu_us"], cpu and cpu / n * 1e6)
    results["processor"].append(result)
    say(f"N={n:,}: replay projection over the case events …")
    replayed = replay_speed.measure(load_settings(profile="test", topic_prefix=prefix))
    replayed |= {"consume_only_per_s": base["consume_only_per_s"],
                 "ratio": ratio(replayed["per_s"], base["consume_only_per_s"])}
    results["replay"].append(replayed)
    delete_prefixed_topics(settings, f"{root}b{n}.")
    delete_prefixed_topics(settings, prefix)


def _disk_mib(settings, prefix: str, run_dir: Path) -> dict[str, float | None]:
    """What a processor phase left on disk: its topics on the local broker (None for a remote
    cluster) and the worker's RocksDB table; `--help` of `dcs bench --huge` is sized from this."""
    def size(paths) -> float:
        # allocated blocks, not st_size: Kafka's index files are sparse, preallocated at 10 MiB each
        return round(sum(f.stat().st_blocks * 512 for p in paths for f in p.rglob("*") if f.is_file()) / 2**20, 1)

    kafka = size(local_kafka.BrokerPaths.of(settings).data.glob(f"{prefix}*")) if settings.uses_local_broker else None
    return {"kafka": kafka, "rocksdb": size([run_dir / "data"])}


def _meta(bootstrap: str, root: str, logs: Path) -> dict[str, Any]:
    return {"started": _now(), "host": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "bootstrap": bootstrap, "topic_prefix": root, "logs": str(logs), "load_avg_start": os.getloadavg()}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def timestamped_output(directory: Path) -> Path:
    return directory / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
