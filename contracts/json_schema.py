"""JSON Schema files for the people who produce or read our messages outside Python.

M3/MEC mappers and partners build messages by hand; a schema per message type (the envelope
with that payload) lets them validate before sending. ``dcs contracts export DIR`` calls this.
Schemas describe what we *accept* (validation mode), with the envelope's ``type`` pinned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contracts.envelope import Envelope
from contracts.registry import MESSAGE_TYPES, MessageType


def message_schema(kind: MessageType) -> dict[str, Any]:
    schema = kind.envelope_model.model_json_schema()
    schema["title"] = f"{kind.name} (schema version {kind.version})"
    schema["description"] = (kind.model.__doc__ or "").strip() or f"A {kind.name} message."
    schema["properties"]["type"] = {"const": kind.name, "title": "Type"}
    schema["properties"]["schema_version"] = {"const": kind.version, "title": "Schema Version"}
    return schema


def envelope_schema() -> dict[str, Any]:
    schema = Envelope.model_json_schema()
    schema.pop("$defs", None)
    schema["title"] = "Envelope"
    schema["description"] = (
        "The envelope of every message; the payload's shape depends on 'type', "
        "see <type>.schema.json."
    )
    schema["properties"]["payload"] = {"type": "object", "title": "Payload"}
    return schema


def export_json_schemas(directory: Path) -> list[Path]:
    """Write ``<type>.schema.json`` per message type plus ``envelope.schema.json``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    schemas = {"envelope": envelope_schema()}
    schemas.update({name: message_schema(kind) for name, kind in sorted(MESSAGE_TYPES.items())})
    written = []
    for name, schema in schemas.items():
        path = directory / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written
