"""The bench's arithmetic: percentiles, rates from log timestamps, ratios, projections."""

import pytest

from workers.bench.stats import (
    human_duration,
    latency_summary,
    nearest,
    percentile,
    projected_seconds,
    ratio,
    span_rate,
)


def test_percentile_interpolates_between_ranks_like_numpy():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([4, 1, 3, 2], 0) == 1
    assert percentile([1, 2, 3, 4], 100) == 4
    assert percentile(list(range(1, 101)), 99) == pytest.approx(99.01)
    assert percentile([7], 95) == 7


def test_percentile_refuses_nothing_and_out_of_range():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_latency_summary_names_the_percentiles():
    summary = latency_summary([10.0] * 98 + [100.0, 1000.0])
    assert summary["count"] == 100 and summary["p50"] == 10.0 and summary["max"] == 1000.0
    assert summary["p99"] == pytest.approx(109.0)
    assert latency_summary([]) == {"count": 0}


def test_span_rate_counts_intervals_between_first_and_last_record():
    assert span_rate(11, 1_000, 2_000) == 10.0     # 10 intervals in one second
    assert span_rate(1, 1_000, 2_000) is None        # one message has no rate
    assert span_rate(5, 1_000, 1_000) is None        # all in the same millisecond: unknown, not infinite


def test_ratio_and_projection_tolerate_missing_numbers():
    assert ratio(25, 100) == 0.25
    assert ratio(None, 100) is None and ratio(1, 0) is None and ratio(1, None) is None
    assert projected_seconds(1_300_000, 1000) == 1300
    assert projected_seconds(1_300_000, None) is None


def test_human_duration_and_nearest_size():
    assert human_duration(None) == "—"
    assert human_duration(59) == "59 s"
    assert human_duration(1300) == "21.7 min"
    assert human_duration(3 * 3600) == "3.0 h"
    assert nearest([3_000, 10_000, 100_000], 5_000) == 3_000      # closer on a log scale
    assert nearest([10_000, 100_000], 12_000) == 10_000
    assert nearest([10_000, 100_000], 300) == 10_000
