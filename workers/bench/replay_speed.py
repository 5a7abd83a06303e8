"""Replay speed: how fast `dcs replay` folds `case.events` back into cases.

Times the projection `dcs replay` runs — `log_events` (read the topic from the beginning,
decode every envelope, drop duplicate ids) then `replay` (fold events into case summaries) —
over the case events a processor phase wrote. A plain read of the same topic with the same
client (kafka-python, no decoding) is timed too, so the report can say whether the time goes
to the wire or to decoding and folding. The target compares with the raw consume-only loop.
"""

from __future__ import annotations

import time
from typing import Any

from workers.infra.settings import Settings
from workers.infra.topic_io import read_to_end
from workers.projections.replay import log_events, replay


def measure(settings: Settings) -> dict[str, Any]:
    began = time.perf_counter()
    raw = sum(1 for _ in read_to_end(settings, "case.events"))
    read_s = time.perf_counter() - began
    began = time.perf_counter()
    events = log_events(settings)
    decoded_s = time.perf_counter() - began
    rebuilt = replay(events)
    total_s = time.perf_counter() - began
    return {
        "events": len(events), "cases": len(rebuilt), "per_s": len(events) / total_s if total_s > 0 else None,
        "seconds": round(total_s, 2), "read_and_decode_s": round(decoded_s, 2),
        "fold_s": round(total_s - decoded_s, 2),
        "read_only_per_s": raw / read_s if read_s > 0 else None,
    }
