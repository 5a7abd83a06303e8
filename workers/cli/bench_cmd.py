"""``dcs bench [--quick | --huge] [--output FILE] [--min-ratio X] [--profile]``: throughput, latency,
replay speed and memory of the service as ratios to raw aiokafka loops measured in the same run
(docs/bench.md). Prints tables and ``ratio=<processor ÷ consume→produce>``; writes JSON and a PNG."""

from __future__ import annotations

import sys
from pathlib import Path

#: The CI regression floor for `ratio=`. Half the 25 % target (0.12) would fail today: the quick
#: ratio measured 0.023–0.035 on the 2-core machine (docs/bench.md). The floor sits at about half
#: the lowest of those, so a busy machine passes and a real regression (a log line or an fsync
#: per message, a blocking call, a second serialisation: each doubles the per-case cost) fails.
#: Raise it when the processor gets faster.
DEFAULT_MIN_RATIO = 0.01

MODES = {  # sizes (processor, baseline, replay), end-to-end N, latency seconds
    "quick": ((5_000,), 300, 0.0),
    "normal": ((10_000, 100_000), 5_000, 60.0),
    "huge": ((10_000, 100_000, 1_000_000), 10_000, 60.0),
}


def register(groups) -> None:
    parser = groups.add_parser(
        "bench", help="throughput, latency, replay speed and memory against a raw-client baseline",
        description="Measure the service against raw aiokafka loops on the same broker, in the same run: "
                    "case processor and end-to-end cases/s as a share of a consume→produce loop, replay "
                    "events/s as a share of a consume-only loop, latency percentiles next to the broker's "
                    "own, peak memory per worker against N. Normal run: N=10k and 100k, end to end 5k, "
                    "latency 200/s for 60 s (about 10 min on 2 cores). See docs/bench.md.")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true",
                      help="N=5k for baselines, case processor and replay, end to end at 300, no latency "
                           "(about a minute; under 3 min on a busy machine): the CI guard")
    size.add_argument("--huge", action="store_true",
                      help="adds N=1M (the processor alone takes about an hour at 300-450 cases/s) and end to end "
                           "at 10k; needs about 7 GB free disk for the broker's log (1M invoices, their "
                           "outputs and the raw loop's copies, ~5.6 GB while the 1M phase runs) and .data/bench")
    parser.add_argument("--output", type=Path, default=None,
                        help="JSON result (default .data/bench/<UTC timestamp>.json); the PNG goes beside it")
    parser.add_argument("--min-ratio", type=float, default=DEFAULT_MIN_RATIO,
                        help=f"exit 1 when ratio= is below this (default {DEFAULT_MIN_RATIO}: about half of today's quick "
                             "ratio; see docs/bench.md)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile the case processor with py-spy (an extra run) and list its hot spots")
    parser.add_argument("--sizes", type=lambda text: tuple(int(n) for n in text.split(",")), default=None,
                        help="override N for processor/baseline/replay, e.g. 5000,50000")
    parser.add_argument("--e2e-n", type=int, default=None, help="end-to-end N (0 = skip)")
    parser.add_argument("--latency-rate", type=float, default=200.0, help="offered invoices/s (default 200)")
    parser.add_argument("--latency-seconds", type=float, default=None,
                        help="seconds of offered load (default 60; quick: 0 = skip)")
    parser.set_defaults(handler=_bench)


def _bench(args) -> int:
    from rich.console import Console

    from workers.bench import plot, report, runner
    from workers.infra.settings import load_settings

    mode = "quick" if args.quick else "huge" if args.huge else "normal"
    sizes, e2e_n, seconds = MODES[mode]
    output = args.output or runner.timestamped_output(load_settings().data_dir / "bench")
    options = runner.Options(mode=mode, sizes=args.sizes or sizes, e2e_n=e2e_n if args.e2e_n is None else args.e2e_n,
                             latency_rate=args.latency_rate,
                             latency_seconds=seconds if args.latency_seconds is None else args.latency_seconds,
                             profile=args.profile, output=output)
    console = Console()
    if not console.is_terminal:  # piped or in CI: wide enough that the tables do not wrap
        console = Console(width=120)
    results = runner.run(options, say=lambda text: console.print(text, highlight=False))
    report.write_json(results, output)
    picture = plot.plot(results, output.with_suffix(".png"))
    report.render(results, console)
    console.print(f"results: {output}" + (f", plot: {picture}" if picture else ""))
    value = results.get("ratio")
    print(f"ratio={value:.3f}" if value is not None else "ratio=nan", flush=True)
    if results.get("cpu_ratio") is not None:
        print(f"cpu_ratio={results['cpu_ratio']:.3f}", flush=True)
    if results.get("error"):
        print(f"dcs bench: a phase failed (details in {output}):\n{results['error']}", file=sys.stderr, flush=True)
        return 2
    if value is None or value < args.min_ratio:
        print(f"dcs bench: ratio below the floor {args.min_ratio}", flush=True)
        return 1
    return 0
