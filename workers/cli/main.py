"""``dcs``: the one command-line entry point. Each command group lives in its own module and
registers itself here, so this file is the readable table of contents of what an operator can do."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from workers.cli import (
    bench_cmd,
    cases_cmd,
    clock_cmd,
    config_cmd,
    contracts_cmd,
    demo_cmd,
    dlq_cmd,
    kafka_cmd,
    reconcile_cmd,
    replay_cmd,
    scenario_cmd,
    settlements_cmd,
    topics_cmd,
    worker_cmd,
)

COMMAND_GROUPS = (
    kafka_cmd, topics_cmd, config_cmd, clock_cmd, worker_cmd, scenario_cmd, cases_cmd, settlements_cmd, dlq_cmd,
    replay_cmd, reconcile_cmd, contracts_cmd, demo_cmd, bench_cmd,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dcs",
        description="Debt Collection Service: M3 receivables to collection partners and back, over Kafka.",
    )
    groups = parser.add_subparsers(dest="group", required=True, metavar="COMMAND")
    for module in COMMAND_GROUPS:
        module.register(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except UserFacingError as error:
        print(f"dcs: {error}", file=sys.stderr)
        return error.exit_code


class UserFacingError(Exception):
    """An error whose message is the whole story for the person at the terminal."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


if __name__ == "__main__":
    sys.exit(main())
