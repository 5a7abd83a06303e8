"""``dcs contracts export DIR``: JSON Schema of every message, for M3/MEC mappers and partners."""

from __future__ import annotations

from pathlib import Path


def register(groups) -> None:
    parser = groups.add_parser("contracts", help="message contracts")
    actions = parser.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write one JSON Schema per message type into DIR")
    export.add_argument("directory", type=Path)
    export.set_defaults(handler=_export)


def _export(args) -> int:
    from contracts.json_schema import export_json_schemas

    written = export_json_schemas(args.directory)
    print(f"wrote {len(written)} schemas to {args.directory}")
    return 0
