"""Turning an admin's mapping into a `Configuration`, or into messages a person can act on.

Pydantic's own errors speak of "Input should be a valid string" at `('divisions', 1, '[key]')`;
an admin needs `divisions.1: ... quote it` instead. Every problem names its key as a dotted path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from workers.domain.configuration.model import MIN_DAYS_TAGS, Configuration


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(top level)'}: {self.message}"


class ConfigurationError(ValueError):
    """An invalid configuration; `problems` lists each bad key, the message says them all."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def load_configuration(data: Mapping[str, Any]) -> Configuration:
    if not isinstance(data, Mapping):
        raise ConfigurationError([Problem("", "the configuration must be a mapping of keys")])
    try:
        return Configuration.model_validate(dict(data))
    except ValidationError as error:
        raise ConfigurationError(_problems(error)) from None


def _problems(error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for detail in error.errors():
        if detail["type"] == "configuration_reference":
            problems.extend(Problem(path, msg) for path, msg in detail["ctx"]["problems"])
        else:
            problems.append(Problem(_dotted(detail["loc"]), _message(detail)))
    return problems


def _dotted(loc: tuple[Any, ...]) -> str:
    path = ""
    for i, part in enumerate(loc):
        if part == "[key]" or (i and loc[i - 1] == "min_days_overdue" and part in MIN_DAYS_TAGS):
            continue
        if isinstance(part, int) and _is_list(loc[:i]):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _is_list(parent: tuple[Any, ...]) -> bool:
    """Top-level `reminder_rules` is a mapping; a partner's `reminder_rules` is a list."""
    return (len(parent) > 1 and parent[-1] in _LISTS) or parent == ("blocking_collection_codes",)


_LISTS = frozenset({"reminder_rules", "settlement_functions"})


def _message(detail: dict[str, Any]) -> str:
    kind, value = detail["type"], detail.get("input")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "string_type" and "[key]" in detail["loc"]:
        return f"key {value!r} must be text; quote it (an unquoted 001 reads as the number 1)"
    if kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'expected text, got the number {value!r}; quote it, e.g. "{value}"'
    if kind == "value_error":
        return str(detail["ctx"]["error"])
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of keys, got {value!r}"
    return f"{detail['msg']} (got {value!r})"
