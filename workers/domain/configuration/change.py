"""`config.change` steps: a partial configuration laid over the current one.

An admin writes only what changes (`divisions: {"001": {paused: true}}`), so mappings merge
key by key, to any depth; anything else — a list, a number, a string — replaces the old value
whole, because merging two lists of reminder rules has no obvious meaning.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any


def merge_change(base: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    """Returns a new mapping; neither input is modified."""
    merged = copy.deepcopy(dict(base))
    for key, value in change.items():
        old = merged.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = merge_change(old, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
