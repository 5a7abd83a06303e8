"""``dcs dlq list [--topic T] | show REF | replay REF… [--all --topic T]``: dead letters.

REF is `source-topic:partition:offset`. Replay writes the kept raw bytes back onto the source
topic under the original key, for re-processing after the cause was fixed; consumers are
idempotent, so a re-driven message that did get through earlier changes nothing. A letter whose
bytes were truncated (above 64 KiB) cannot be re-driven and is refused.
"""

from __future__ import annotations

import json


def register(groups) -> None:
    parser = groups.add_parser("dlq", help="inspect and re-drive dead letters")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="every dead letter (once per bad source record)")
    listing.add_argument("--topic", help="only letters of this source topic (logical name)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)
    show = actions.add_parser("show", help="one dead letter with its raw bytes")
    show.add_argument("ref", help="source-topic:partition:offset")
    show.set_defaults(handler=_show)
    replay = actions.add_parser("replay", help="write dead letters back onto their source topic")
    replay.add_argument("refs", nargs="*", help="source-topic:partition:offset …")
    replay.add_argument("--all", action="store_true", help="every letter (of --topic, if given)")
    replay.add_argument("--topic")
    replay.set_defaults(handler=_replay)


def _letters(topic=None):
    from workers.infra.settings import load_settings
    from workers.projections.dead_letters import dead_letters

    return load_settings(), dead_letters(load_settings(), topic)


def _list(args) -> int:
    from rich.console import Console
    from rich.table import Table

    _, letters = _letters(args.topic)
    if args.json:
        print(json.dumps([{"ref": s.ref, **s.letter.model_dump(mode="json", exclude={"raw_base64"})}
                          for s in letters], indent=2))
        return 0
    table = Table(title=f"{len(letters)} dead letter(s)")
    for column in ("ref", "failed at (UTC)", "bytes", "error"):
        table.add_column(column, overflow="fold")
    for stored in letters:
        letter = stored.letter
        table.add_row(stored.ref, letter.failed_at.strftime("%Y-%m-%d %H:%M:%S"),
                      f"{letter.raw_length}{' (truncated)' if letter.truncated else ''}", letter.error[:200])
    Console(width=160).print(table)
    return 0


def _find(letters, ref):
    from workers.cli.main import UserFacingError

    for stored in letters:
        if stored.ref == ref:
            return stored
    raise UserFacingError(f"no dead letter {ref} (see dcs dlq list)")


def _show(args) -> int:
    _, letters = _letters()
    stored = _find(letters, args.ref)
    letter = stored.letter
    print(json.dumps({"ref": stored.ref, **letter.model_dump(mode="json", exclude={"raw_base64"})}, indent=2))
    print("raw bytes:", letter.raw()[:4000].decode("utf-8", "replace"))
    return 0


def _replay(args) -> int:
    from workers.cli.main import UserFacingError
    from workers.infra.topic_io import publish_raw

    settings, letters = _letters(args.topic)
    chosen = letters if args.all else [_find(letters, ref) for ref in args.refs]
    if not chosen:
        raise UserFacingError("nothing to replay: name letters or use --all", exit_code=2)
    for stored in chosen:
        if stored.undecodable:
            print(f"skipped {stored.ref}: the record on the dead-letter topic is not a dead letter itself")
            continue
        if stored.letter.truncated:
            print(f"skipped {stored.ref}: its bytes were truncated, only length and hash were kept")
            continue
        key = stored.letter.key.encode() if stored.letter.key is not None else None
        publish_raw(settings, stored.source, key, stored.letter.raw())
        print(f"re-driven {stored.ref} onto {stored.source}")
    return 0
