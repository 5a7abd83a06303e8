"""Where a partner secret lives: an environment variable or a file, never the config itself.

Configuration (and the ``config`` topic, which keeps every change forever) names the place;
the secret is read when it is needed, so rotating it means replacing the file or variable and
nothing in the log ever holds it. ``repr`` shows the place, never the value.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


class MissingSecret(RuntimeError):
    """The named variable or file (or key inside it) does not exist."""


@dataclass(frozen=True)
class SecretRef:
    """``env`` = variable name, or ``file`` = path; ``key`` = dotted path into a JSON file.

    A plain file holds the secret alone (trailing newline ignored). A JSON file, such as the
    partner sandbox's secrets file, is read with ``key="INTRUM.client_secret"``.
    """

    env: str | None = None
    file: Path | str | None = None
    key: str | None = None

    def __post_init__(self) -> None:
        if (self.env is None) == (self.file is None):
            raise ValueError("a SecretRef names exactly one of env or file")

    def reveal(self) -> str:
        if self.env is not None:
            value = os.environ.get(self.env)
            if not value:
                raise MissingSecret(f"environment variable {self.env} is not set")
            return value
        path = Path(self.file)  # type: ignore[arg-type]
        try:
            text = _read(path)
        except OSError as exc:
            raise MissingSecret(f"cannot read secret file {path}: {exc.strerror}") from None
        if self.key is None:
            return text.strip()
        node: object = json.loads(text)
        for part in self.key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise MissingSecret(f"secret file {path} has no key {self.key}")
            node = node[part]
        if not isinstance(node, str) or not node:
            raise MissingSecret(f"secret file {path} key {self.key} is not a non-empty string")
        return node

    def __repr__(self) -> str:
        where = f"env={self.env!r}" if self.env else f"file={str(self.file)!r}, key={self.key!r}"
        return f"SecretRef({where})"


_FILES: dict[Path, tuple[tuple[int, int], str]] = {}


def _read(path: Path) -> str:
    """The file's text, read again only when it changed: every partner call reveals its secret,
    and a rotated secret must be picked up without a restart."""
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _FILES.get(path)
    if cached is None or cached[0] != stamp:
        cached = _FILES[path] = (stamp, path.read_text(encoding="utf-8"))
    return cached[1]
