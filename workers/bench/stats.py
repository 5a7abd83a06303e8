"""Pure arithmetic of the bench: percentiles, rates from timestamps, ratios and projections.

Kept apart from everything that touches Kafka or processes so the numbers a report prints can
be unit-tested exactly (tests/unit/test_bench_stats.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation between closest ranks (numpy's
    default), so p50 of [1, 2, 3, 4] is 2.5 and p100 is the maximum."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, not {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(values_ms: Sequence[float]) -> dict[str, float | int]:
    """count, p50, p95, p99, max and mean of latencies in milliseconds (empty: count 0 only)."""
    if not values_ms:
        return {"count": 0}
    return {"count": len(values_ms), "p50": percentile(values_ms, 50), "p95": percentile(values_ms, 95),
            "p99": percentile(values_ms, 99), "max": max(values_ms), "mean": sum(values_ms) / len(values_ms)}


def span_rate(count: int, first_ms: float, last_ms: float) -> float | None:
    """Messages per second between the first and the last of `count` timestamped messages.

    `count - 1` intervals lie between them; a span of zero (everything in one millisecond) or
    fewer than two messages give no rate rather than infinity."""
    seconds = (last_ms - first_ms) / 1000
    if count < 2 or seconds <= 0:
        return None
    return (count - 1) / seconds


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def projected_seconds(total: int, per_second: float | None) -> float | None:
    """How long `total` messages take at a measured rate (None when there is no rate)."""
    if not per_second:
        return None
    return total / per_second


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def nearest(sizes: Sequence[int], n: int) -> int:
    """The measured size closest to `n` (on a log scale): which baseline an e2e run is held to."""
    if not sizes:
        raise ValueError("no sizes")
    return min(sizes, key=lambda size: abs(math.log(size) - math.log(max(n, 1))))
