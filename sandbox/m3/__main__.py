"""`python -m sandbox.m3 --port P [--ingress-url URL --ingress-token-file F]`: run the M3 sandbox.

Prints one line "M3 sandbox listening on URL" when ready and serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from pathlib import Path

from sandbox.m3 import loading
from sandbox.m3.app import base_url, start
from sandbox.m3.ionapi_file import write_ionapi
from sandbox.m3.state import SandboxState, TenantCredentials


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m sandbox.m3", description="Infor M3 tenant simulator")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--ingress-url", help="where CMS049 FSLEDG events are POSTed")
    p.add_argument("--ingress-token-file", type=Path, help="file holding the bearer token for the ingress")
    p.add_argument("--ionapi-out", type=Path, help="write a matching .ionapi file here")
    p.add_argument("--tenant", default=TenantCredentials.ti)
    p.add_argument("--load", type=Path, help="JSON file in /_sandbox/load format")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--token-ttl", type=float, default=7200.0)
    p.add_argument("--naive", action="store_true")
    p.add_argument("--fast", action="store_true")
    return p.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    tenant = TenantCredentials(ti=args.tenant, ci=f"{args.tenant}~dcs-sandbox-client",
                               saak=f"{args.tenant}#dcs-service-account")
    state = SandboxState(tenant=tenant, seed=args.seed, token_ttl=args.token_ttl,
                         naive=args.naive, fast=args.fast)
    token = args.ingress_token_file.read_text(encoding="utf-8").strip() if args.ingress_token_file else None
    state.ingress.configure(args.ingress_url, token)
    if args.load:
        loading.load(state, json.loads(args.load.read_text(encoding="utf-8")))
    runner = await start(args.port, state, args.host)
    url = base_url(runner)
    if args.ionapi_out:
        write_ionapi(args.ionapi_out, tenant, url)
    print(f"M3 sandbox listening on {url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
