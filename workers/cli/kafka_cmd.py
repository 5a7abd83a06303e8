"""``dcs kafka up | down | status``: the local single-node broker (or the configured cluster)."""

from __future__ import annotations

import json


def register(groups) -> None:
    parser = groups.add_parser("kafka", help="start, stop or inspect the local Kafka broker")
    actions = parser.add_subparsers(dest="action", required=True)
    for name, handler, text in (
        ("up", _up, "fetch Kafka (first time), start the broker and wait until it answers"),
        ("down", _down, "stop the local broker"),
        ("status", _status, "show whether the broker answers a metadata request"),
    ):
        actions.add_parser(name, help=text).set_defaults(handler=handler)


def _up(_args) -> int:
    from workers.cli.main import UserFacingError
    from workers.infra import local_kafka
    from workers.infra.settings import load_settings

    settings = load_settings()
    try:
        bootstrap = local_kafka.up(settings)
    except local_kafka.BrokerError as error:
        raise UserFacingError(str(error)) from error
    where = "local broker" if settings.uses_local_broker else "KAFKA_BOOTSTRAP_SERVERS"
    print(f"kafka ready at {bootstrap} ({where})")
    return 0


def _down(_args) -> int:
    from workers.infra import local_kafka
    from workers.infra.settings import load_settings

    settings = load_settings()
    if not settings.uses_local_broker:
        print("KAFKA_BOOTSTRAP_SERVERS is set: that cluster is not ours to stop")
        return 0
    print("kafka stopped" if local_kafka.down(settings) else "kafka was not running")
    return 0


def _status(_args) -> int:
    from workers.infra import local_kafka
    from workers.infra.settings import load_settings

    state = local_kafka.status(load_settings())
    print(json.dumps(state, indent=2))
    return 0 if state["ready"] else 1
