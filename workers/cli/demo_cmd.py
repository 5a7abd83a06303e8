"""``dcs demo``: the whole service on a sample group for a simulated month, then a summary.

Starts the broker (if needed), fresh topics, both sandboxes (the partner autonomous) and every
worker as processes; plays the month day by day with progress; prints the summary; stops all
it started on exit or Ctrl-C, leaving logs and the event log (case-events.jsonl) to inspect.
"""

from __future__ import annotations

import json
from pathlib import Path


def register(groups) -> None:
    parser = groups.add_parser("demo", help="run the service on a sample group for a simulated month")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seconds-per-day", type=float, default=1.5)
    parser.add_argument("--runs-dir", type=Path, default=None)
    parser.add_argument("--keep-running", action="store_true",
                        help="after the summary, keep the service up (e.g. for dcs reconcile) until Ctrl-C")
    parser.set_defaults(handler=_demo)


def _demo(args) -> int:
    import random
    import time

    import httpx
    from rich.console import Console
    from rich.progress import Progress

    from workers.demo.month import load_world, play_month
    from workers.demo.summary import render
    from workers.infra import local_kafka
    from workers.infra.settings import load_settings
    from workers.projections.replay import log_events
    from workers.scenario.stack import start_stack, start_workers

    console = Console()
    base = load_settings()
    broker_was_running = bool(local_kafka.running_pid(local_kafka.BrokerPaths.of(base))) or not base.uses_local_broker
    rng = random.Random(args.seed)
    with console.status("starting Kafka, the M3 and partner sandboxes and the workers…"):
        stack = start_stack("month", ("INTRUM", "SVEA"), args.runs_dir or base.data_dir / "demo",
                            partner_mode="autonomous", naive=False, seed=args.seed, kind="demo",
                            partner_fast=False)
    try:
        with console.status("loading the sample group (3 divisions, 2 partners, 50 customers, 200 invoices)…"):
            config, group = load_world(stack, rng)
            start_workers(stack)
        console.print(f"[green]✓[/] service up — topics [bold]{stack.settings.topic_prefix}*[/], logs in {stack.run_dir}")
        with Progress(console=console) as progress:
            task = progress.add_task("simulated month", total=args.days)

            def on_day(day, log):
                progress.update(task, advance=1, description=f"{day}  overdue sent {log.overdue_sent}, "
                                f"payments {log.payments}, credits {log.credits}")

            log = play_month(stack, config, group, rng, args.days, on_day, args.seconds_per_day)
        with console.status("letting the partner finish its last settlements…"):
            time.sleep(max(5.0, args.seconds_per_day * 4))
        events = log_events(stack.settings)
        (stack.run_dir / "case-events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
        m3 = httpx.get(f"{stack.m3_url}/_sandbox/state", timeout=30).json()
        partners = httpx.get(f"{stack.partner_url}/_sandbox/state", timeout=30).json()
        console.rule(f"Summary — {len(log.days)} days, division 011 unpaused on {log.unpaused_on}")
        render(console, events, m3, partners)
        console.print(f"\nEvent log: {stack.run_dir / 'case-events.jsonl'} ({len(events)} events); worker and "
                      f"sandbox logs: {stack.run_dir}/*.log\nWith the broker up: "
                      f"[bold]DCS_TOPIC_PREFIX={stack.settings.topic_prefix} dcs cases list[/]")
        if args.keep_running:
            env = f"DCS_TOPIC_PREFIX={stack.settings.topic_prefix}"
            console.print("The service keeps running; in another shell:\n"
                          f"  [bold]dcs reconcile --run {stack.run_dir}[/]   three-way check of M3, partners, log\n"
                          f"  [bold]{env} dcs replay --m3-url {stack.m3_url}[/]   rebuild from case.events, diff\n"
                          f"  [bold]{env} dcs dlq list[/]   dead letters of every topic\n"
                          "Ctrl-C stops it.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    finally:
        stack.stop()
        if not broker_was_running:
            local_kafka.down(base)
    return 0
