"""``dcs reconcile [--division D] [--partner P] [--m3-url URL] [--run DIR] [--format table|csv|json]
[--output FILE] [--no-progress]``: M3, the partners and case.events side by side, per division and
partner (docs/reconcile.md). Exit 0 when all three agree, 1 on any discrepancy, 2 when a system
cannot be read (an unread system must never pass for a clean one)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def register(groups) -> None:
    parser = groups.add_parser("reconcile", help="three-way reconciliation of M3, the partners and case.events")
    parser.add_argument("--division", help="only this division")
    parser.add_argument("--partner", help="only this partner")
    parser.add_argument("--m3-url", default=None, help="M3 (ION API gateway) URL, replacing the .ionapi file's")
    parser.add_argument("--run", type=Path, default=None,
                        help="a demo or scenario run directory (.data/demo/<run>): its topics, M3 and partners")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--output", type=Path, default=None, help="write the report here instead of stdout")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.set_defaults(handler=_reconcile)


def _reconcile(args) -> int:
    from workers.cli.main import UserFacingError
    from workers.infra.settings import load_settings
    from workers.reconciliation.compare import compare
    from workers.reconciliation.run_dir import NotARun, run_settings
    from workers.reconciliation.summary import summarise
    from workers.reconciliation.views import Request, Unreadable, gather

    try:
        settings = load_settings(**(run_settings(args.run) if args.run else {}))
    except NotARun as error:
        raise UserFacingError(str(error), exit_code=2) from None
    try:
        with _progress(args.no_progress) as track:
            views = gather(Request(settings, args.m3_url, args.division, args.partner), track)
    except Unreadable as error:
        raise UserFacingError(f"reconcile: {error}", exit_code=2) from None
    discrepancies = compare(views)
    _write(args.format, args.output, summarise(views, discrepancies), discrepancies)
    return 1 if discrepancies else 0


@contextmanager
def _progress(off: bool) -> Iterator:
    """A rich progress bar on stderr, one line per system read; none when off or not a terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from workers.reconciliation.views import no_progress

    console = Console(stderr=True)
    if off or not console.is_terminal:
        yield no_progress
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console,
                  transient=True) as progress:
        def track(label: str, total: int):
            task = progress.add_task(f"reading {label}", total=total)
            return lambda n: progress.advance(task, n)

        yield track


def _write(kind: str, output: Path | None, rows, discrepancies) -> None:
    from workers.reconciliation import report

    if kind == "table":
        if output is None:
            report.print_table(rows, discrepancies)
        else:
            with output.open("w", encoding="utf-8") as handle:
                report.print_table(rows, discrepancies, handle)
        return
    text = report.as_json(rows, discrepancies) if kind == "json" else report.as_csv(discrepancies)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
