"""``dcs topics apply [--dry-run] [--prefix P]``: provision topics.yaml onto the cluster."""

from __future__ import annotations


def register(groups) -> None:
    parser = groups.add_parser("topics", help="provision and check the topics of topics.yaml")
    actions = parser.add_subparsers(dest="action", required=True)
    apply = actions.add_parser("apply", help="create missing topics and report drift (idempotent)")
    apply.add_argument("--dry-run", action="store_true", help="only report what would be created")
    apply.add_argument("--prefix", default=None, help="topic name prefix (default: settings topic_prefix)")
    apply.set_defaults(handler=_apply)


def _apply(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from workers.infra.settings import load_settings
    from workers.infra.topic_admin import apply_topics
    from workers.infra.topic_map import load_topic_map

    reports = apply_topics(load_settings(), load_topic_map(), prefix=args.prefix, dry_run=args.dry_run)
    table = Table(title="topics" + (" (dry run)" if args.dry_run else ""))
    for column in ("topic", "action", "differences"):
        table.add_column(column)
    for report in reports:
        action = "would create" if args.dry_run and report.action == "create" else report.action
        table.add_row(report.topic, action, "; ".join(report.differences))
    Console().print(table)
    drift = sum(report.action == "drift" for report in reports)
    created = sum(report.action == "create" for report in reports)
    print(f"{created} {'to create' if args.dry_run else 'created'}, {drift} drifted, {len(reports)} declared")
    return 3 if drift else 0
