"""``python -m sandbox.partner --port P --partners INTRUM,SVEA [--webhook-url URL] …``.

Runs until interrupted. Secrets come from ``--secrets-file`` (created with random secrets when
missing, so the gateway can read the same file) or are the documented development secrets.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path

from sandbox.partner.credentials import load_or_create
from sandbox.partner.server import PartnerSandbox
from sandbox.partner.settings import ModeSettings

log = logging.getLogger("sandbox.partner")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.partner", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--partners", default="INTRUM,SVEA", help="comma-separated partner ids")
    parser.add_argument("--webhook-url", help="POST target; {partner} is replaced by the id")
    parser.add_argument("--secrets-file", type=Path)
    parser.add_argument("--mode", choices=("scripted", "autonomous"), default="autonomous")
    parser.add_argument("--naive", action="store_true", help="deduplicate nothing")
    parser.add_argument("--fast", action="store_true", help="short ticks and webhook backoff")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    partners = [p.strip() for p in args.partners.split(",") if p.strip()]
    secrets = load_or_create(args.secrets_file, partners)
    if args.secrets_file is None:
        log.warning("no --secrets-file: using the well-known development secrets")
    mode = ModeSettings(mode=args.mode, naive=args.naive, fast=args.fast, seed=args.seed)
    sandbox = PartnerSandbox(secrets, webhook_url=args.webhook_url, mode=mode)
    await sandbox.start(args.host, args.port)
    log.info(
        "partner sandbox for %s listening on %s (%s%s)",
        ",".join(partners),
        sandbox.url,
        mode.mode,
        ", naive" if mode.naive else "",
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await sandbox.stop()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
