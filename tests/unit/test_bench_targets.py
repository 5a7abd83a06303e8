"""The issue's targets from a bench result: which are measured, pass or miss, and by how much."""

from workers.bench.targets import Target, evaluate


def result(**extra):
    return {
        "baseline": [{"n": 10_000, "consume_produce_per_s": 8000.0, "consume_only_per_s": 100_000.0}],
        "processor": [
            {"n": 10_000, "per_s": 400.0, "ratio": 0.05, "memory": {"case-processor": {"peak_rss_mib": 100.0}}},
            {"n": 100_000, "per_s": 2400.0, "ratio": 0.30, "memory": {"case-processor": {"peak_rss_mib": 140.0}}},
        ],
        "replay": [{"events": 10_000, "per_s": 6000.0, "ratio": 0.06}, {"events": 100_000, "per_s": 60_000.0,
                                                                       "ratio": 0.6}],
        **extra,
    }


def by_name(targets):
    return {t.name.split(" ")[0]: t for t in targets}


def test_quick_result_has_processor_and_replay_targets_only():
    targets = by_name(evaluate({"processor": [{"n": 3000, "ratio": 0.04}],
                                "replay": [{"events": 3000, "ratio": 0.05}]}))
    assert set(targets) == {"processor", "replay"}
    assert targets["processor"].verdict == "miss" and targets["processor"].margin == "6.2× short"


def test_largest_n_decides_and_memory_compares_largest_with_smallest():
    targets = by_name(evaluate(result()))
    assert targets["processor"].measured == 0.30 and targets["processor"].verdict == "pass"
    assert targets["replay"].verdict == "pass"
    assert targets["peak"].measured == 1.4 and targets["peak"].verdict == "pass"
    assert targets["peak"].margin == "1.07× under the limit"


def test_end_to_end_and_latency_targets():
    latency = {"broker": {"p99": 5.0}, "service": {"rate": 200, "to_partner_registration": {"p99": 150.0}}}
    targets = by_name(evaluate(result(end_to_end={"n": 5000, "ratio": 0.02}, latency=latency)))
    assert targets["end"].verdict == "miss" and targets["end"].margin == "5.0× short"
    assert targets["p99"].measured == 30.0 and targets["p99"].verdict == "miss"
    assert targets["p99"].margin == "1.5× over"


def test_latency_below_saturation_is_reported_as_information():
    latency = {"broker": {"p99": 5.0}, "service": {"rate": 200, "to_partner_registration": {"p99": 30_000.0}},
               "below_capacity": {"rate": 49, "to_partner_registration": {"p99": 25.0}}}
    targets = evaluate(result(latency=latency))
    calm = next(t for t in targets if t.name.startswith("(info)"))
    assert calm.measured == 5.0 and calm.verdict == "pass" and "49/s" in calm.name


def test_unmeasured_target_is_not_a_pass():
    target = Target("x", None, 0.25, "higher")
    assert target.verdict == "n/a" and target.margin == "not measured"
    assert Target("y", 0.5, 0.25, "higher").as_dict()["verdict"] == "pass"
