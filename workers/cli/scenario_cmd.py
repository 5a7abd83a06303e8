"""``dcs scenario run FILE [--out RESULT.json] | validate FILE``: the black-box acceptance runs."""

from __future__ import annotations

from pathlib import Path


def register(groups) -> None:
    parser = groups.add_parser("scenario", help="run or validate a scenario file (SCENARIOS.md)")
    actions = parser.add_subparsers(dest="action", required=True)
    run = actions.add_parser("run", help="run FILE against real workers and sandboxes; exit 0/1/2")
    run.add_argument("file", type=Path)
    run.add_argument("--out", type=Path, default=None, help="where to write RESULT.json")
    run.add_argument("--runs-dir", type=Path, default=None, help="logs and data of runs (default .data/scenarios)")
    run.add_argument("--keep-topics", action="store_true",
                     help="keep the run's topics for inspection (dcs cases list with its prefix)")
    run.set_defaults(handler=_run)
    validate = actions.add_parser("validate", help="check FILE without running it; exit 0 or 2")
    validate.add_argument("file", type=Path)
    validate.set_defaults(handler=_validate)


def _load(path: Path):
    from workers.cli.main import UserFacingError
    from workers.scenario.loading import ScenarioError, load_scenario

    try:
        return load_scenario(path)
    except ScenarioError as error:
        raise UserFacingError(str(error), exit_code=2) from error


def _validate(args) -> int:
    scenario = _load(args.file)
    print(f"{args.file}: valid ({len(scenario.steps)} steps)")
    return 0


def _run(args) -> int:
    from rich.console import Console

    from workers.infra.settings import load_settings
    from workers.scenario.runner import run_scenario

    scenario = _load(args.file)
    console = Console(stderr=True)
    runs_dir = args.runs_dir or load_settings().data_dir / "scenarios"
    code, result = run_scenario(scenario, args.out, runs_dir, progress=lambda text: console.print(text),
                                keep_topics=args.keep_topics)
    failed = [c for c in result["checks"] if not c["held"]]
    for c in failed:
        console.print(f"[red]✗[/] {c['key']}: expected {c['expected']!r}, got {c['actual']!r}")
    console.print(f"{scenario.name}: {len(result['checks']) - len(failed)}/{len(result['checks'])} checks held"
                  + (f"; RESULT in {args.out}" if args.out else ""))
    return code
