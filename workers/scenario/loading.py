"""Reading a scenario file: every problem is reported with the key it is at, nothing runs.

`load_scenario(path)` returns a `Scenario` or raises `ScenarioError` (exit code 2), whose
message lists each problem as `dotted.key: what is wrong`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from workers.domain.configuration import ConfigurationError, load_configuration, merge_change
from workers.scenario.expectations import Expectations
from workers.scenario.model import STEP_MODELS, M3Data

TOP_LEVEL = ("scenario", "start", "config", "m3", "steps", "expect")
ADVANCE = re.compile(r"^(\d+)d$")


class ScenarioError(ValueError):
    """An invalid scenario file; the message names every bad key."""


@dataclass(frozen=True)
class Step:
    index: int
    kind: str
    body: Any


@dataclass(frozen=True)
class Scenario:
    name: str
    start: date
    config: dict[str, Any]
    m3: M3Data
    steps: tuple[Step, ...]
    expect: Expectations
    path: Path | None = None


def load_scenario(path: Path) -> Scenario:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ScenarioError(f"{path}: {error}") from None
    return parse_scenario(data, path)


def parse_scenario(data: Any, path: Path | None = None) -> Scenario:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ScenarioError("the scenario file must be a mapping with keys " + ", ".join(TOP_LEVEL))
    problems += [f"{key}: unknown key (allowed: {', '.join(TOP_LEVEL)})" for key in data if key not in TOP_LEVEL]
    problems += [f"{key}: required" for key in ("scenario", "start", "config", "steps") if key not in data]
    name = data.get("scenario")
    if "scenario" in data and (not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name)):
        problems.append("scenario: a name of letters, digits, '.', '_' and '-'")
    start = data.get("start")
    if "start" in data and not isinstance(start, date):
        problems.append("start: a date like 2026-02-20")
    config = data.get("config") or {}
    problems += _config_problems("config", config)
    m3 = _model(M3Data, data.get("m3") or {}, "m3", problems)
    steps = _steps(data.get("steps"), config, problems)
    expect = _model(Expectations, data.get("expect") or {}, "expect", problems)
    if problems:
        raise ScenarioError("invalid scenario file" + (f" {path}" if path else "") + ":\n  " + "\n  ".join(problems))
    return Scenario(name, start, config, m3, tuple(steps), expect, path)  # type: ignore[arg-type]


def _model(model: type[BaseModel], data: Any, where: str, problems: list[str]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems += [f"{where}.{_path(e['loc'])}: {e['msg']}" for e in error.errors()]
        return None


def _path(loc: tuple[Any, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def _config_problems(where: str, config: Any) -> list[str]:
    if not isinstance(config, dict):
        return [f"{where}: a mapping"]
    try:
        load_configuration(config)
    except ConfigurationError as error:
        return [f"{where}.{problem.path}: {problem.message}" for problem in error.problems]
    return []


def _steps(raw: Any, config: dict[str, Any], problems: list[str]) -> list[Step]:
    if not isinstance(raw, list):
        problems.append("steps: a list of steps")
        return []
    steps: list[Step] = []
    running = dict(config)
    for index, item in enumerate(raw):
        where = f"steps[{index}]"
        if not isinstance(item, dict) or len(item) != 1:
            problems.append(f"{where}: each step is a mapping with exactly one of: {', '.join(STEP_MODELS)}")
            continue
        kind, body = next(iter(item.items()))
        if kind not in STEP_MODELS:
            problems.append(f"{where}.{kind}: unknown step (known: {', '.join(STEP_MODELS)})")
            continue
        if kind == "advance":
            if not isinstance(body, str) or not ADVANCE.match(body):
                problems.append(f"{where}.advance: days like '1d'")
                continue
            steps.append(Step(index, kind, int(ADVANCE.match(body).group(1))))  # type: ignore[union-attr]
        elif kind == "config.change":
            if not isinstance(body, dict):
                problems.append(f"{where}.config.change: a mapping merged over config")
                continue
            running = merge_change(running, body)
            found = _config_problems(f"{where}.config.change", running)
            problems += found
            steps.append(Step(index, kind, running))
        else:
            model = _model(STEP_MODELS[kind], body, f"{where}.{kind}", problems)  # type: ignore[arg-type]
            if model is not None:
                steps.append(Step(index, kind, model))
    return steps
