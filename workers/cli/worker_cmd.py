"""``dcs worker NAME``: run one worker in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations


def register(groups) -> None:
    from workers.registry import WORKERS

    parser = groups.add_parser("worker", help="run one worker (case-processor, gateways, ingress, …)")
    parser.add_argument("name", choices=sorted(WORKERS))
    parser.add_argument("--web-port", type=int, default=None, help="health/metrics port (default: by worker)")
    parser.add_argument("--log-format", choices=("json", "console"), default="json")
    parser.add_argument("--log-level", default="INFO")
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    import faust

    from workers.infra.logs import configure_logging
    from workers.infra.settings import load_settings
    from workers.registry import build_worker, web_port

    configure_logging(args.log_format, args.log_level)
    settings = load_settings()
    try:
        app = build_worker(args.name, settings, web_port=args.web_port or web_port(args.name, settings))
    except (RuntimeError, ValueError, OSError) as error:
        from workers.cli.main import UserFacingError

        raise UserFacingError(f"{args.name} cannot start: {error}", exit_code=2) from error
    worker = faust.Worker(app, loglevel=args.log_level, logging_config=None, redirect_stdouts=False,
                          override_logging=False)
    worker.execute_from_commandline()
    return 0
