"""``dcs demo``: bring the local stack up and report what is ready.

Today this starts the broker, provisions every topic of topics.yaml under the ``demo.`` prefix
and reports readiness; the case lifecycle issue turns it into the simulated month.
"""

from __future__ import annotations

import time


def register(groups) -> None:
    parser = groups.add_parser("demo", help="start the local stack and report readiness")
    parser.add_argument("--prefix", default="demo.", help="topic prefix for the demo run")
    parser.set_defaults(handler=_demo)


def _demo(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from workers.cli.main import UserFacingError
    from workers.infra import local_kafka
    from workers.infra.settings import load_settings
    from workers.infra.topic_admin import apply_topics
    from workers.infra.topic_map import load_topic_map

    console = Console()
    settings = load_settings(topic_prefix=args.prefix)
    started = time.monotonic()
    with console.status("starting Kafka (the first run downloads it from Maven Central)…"):
        try:
            bootstrap = local_kafka.up(settings)
        except local_kafka.BrokerError as error:
            raise UserFacingError(str(error)) from error
    console.print(f"[green]✓[/] Kafka answers at {bootstrap} ({time.monotonic() - started:.1f}s)")
    topic_map = load_topic_map()
    reports = apply_topics(settings, topic_map)
    table = Table(title=f"topics under prefix '{args.prefix}'")
    for column in ("topic", "partitions", "cleanup", "retention", "key", "state"):
        table.add_column(column)
    for report in reports:
        spec = topic_map.topics[report.topic.removeprefix(args.prefix)]
        table.add_row(report.topic, str(spec.partitions), spec.cleanup_policy, spec.retention, spec.key,
                      report.action if not report.differences else "; ".join(report.differences))
    console.print(table)
    console.print(f"[green]✓[/] {len(reports)} topics provisioned; stop the broker with [bold]dcs kafka down[/]")
    return 0
