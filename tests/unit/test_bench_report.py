"""The bench report: tables a person reads, the JSON with the targets, the PNG, and the helpers
that read workers' counters and py-spy's output."""

import json

from rich.console import Console

from workers.bench.plot import plot
from workers.bench.profile import frame_name, summarize
from workers.bench.report import render, write_json
from workers.bench.service_phase import _window
from workers.bench.services import parse_counters

RESULT = {
    "meta": {"started": "2026-12-04T10:00:00+00:00"},
    "baseline": [{"n": 3000, "consume_produce_per_s": 10_000.0, "consume_only_per_s": 100_000.0,
                  "consume_produce_cpu_us": 30.0}],
    "processor": [{"n": 3000, "per_s": 500.0, "ratio": 0.05, "baseline_per_s": 10_000.0, "cpu_ratio": 0.03,
                   "memory": {"case-processor": {"peak_rss_mib": 96.0, "cpu_s": 5.0, "cpu_s_after_mark": 3.0}}}],
    "replay": [{"events": 3000, "per_s": 7000.0, "ratio": 0.07, "consume_only_per_s": 100_000.0}],
    "end_to_end": {"n": 300, "per_s": 30.0, "ratio": 0.003, "baseline_per_s": 10_000.0},
    "latency": {"broker": {"rate": 200, "count": 100, "p50": 2.0, "p95": 4.0, "p99": 6.0, "max": 9.0},
                "service": {"rate": 200, "achieved_ingress_per_s": 199.0,
                            "to_partner_registration": {"count": 100, "p50": 40, "p95": 90, "p99": 120, "max": 130},
                            "to_m3_update": {"count": 100, "p50": 30, "p95": 60, "p99": 80, "max": 99}}},
    "service_resources": {"n": 600, "memory": {"partner-gateway": {"peak_rss_mib": 100.0, "cpu_s": 9.0,
                                                                   "cpu_s_after_mark": 6.0}}},
    "projection": {"cases": 1_300_000, "processor_s": 2600.0, "end_to_end_s": 43_333.0},
    "ratio": 0.05,
}


def test_render_shows_rates_ratios_latency_resources_targets_and_projection():
    console = Console(record=True, width=160)
    render(RESULT, console)
    text = console.export_text()
    assert "case processor (1 worker)" in text and "0.050" in text
    assert "ingress → partner registration" in text and "120.0" in text
    assert "partner-gateway" in text and "10.00" in text        # 6 CPU s over 600 cases
    assert "MISS processor ÷ consume→produce: 0.050 (target ≥ 0.25; 5.0× short" in text
    assert "PASS p99 ingress→partner ÷ broker p99: 20.000" in text
    assert "43.3 min" in text and "12.0 h" in text
    assert "CPU per case 1,000 µs in the case processor vs 30 µs per message" in text


def test_json_carries_the_targets(tmp_path):
    path = tmp_path / "run.json"
    write_json(RESULT, path)
    saved = json.loads(path.read_text())
    assert saved["ratio"] == 0.05
    assert {t["name"]: t["verdict"] for t in saved["targets"]}["replay ÷ consume-only"] == "miss"


def test_plot_writes_a_png(tmp_path):
    path = plot(RESULT, tmp_path / "run.png")
    assert path is not None and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_counters_come_from_prometheus_text():
    text = ('# HELP dcs_worker_ready x\ndcs_worker_ready{worker="p"} 1\n'
            'dcs_command_registered_total{worker="partner_gateway"} 500\n'
            'dcs_set_reminder_stop_ok_total{worker="m3_gateway"} 12.0\n')
    assert parse_counters(text) == {"command_registered": 500.0, "set_reminder_stop_ok": 12.0}


def test_profile_summary_drops_idle_samples_and_ranks_functions():
    collapsed = ("main (/work/main/workers/cli/main.py:10);select (/usr/lib/python3.11/selectors.py:468) 50\n"
                 "main (/work/main/workers/cli/main.py:10);decide (/x/site-packages/pkg/handlers.py:40) 30\n"
                 "main (/work/main/workers/cli/main.py:10);encode (/x/site-packages/pkg/registry.py:9) 10\n")
    summary = summarize(collapsed, seconds=1.0)
    assert summary["samples"] == 40 and summary["busy_percent"] == 40.0
    assert summary["self"][0] == {"function": "decide (pkg/handlers.py)", "percent": 75.0}
    assert frame_name("process (/work/main/workers/case_processor/agent.py:73)") == \
        "process (workers/case_processor/agent.py)"


def test_overloaded_latency_window_is_shortened_and_said():
    assert _window(200, 60, 300) == (60, None)
    seconds, note = _window(200, 60, 25)
    assert seconds == 15 and "can only queue" in note
    assert _window(200, 60, None) == (60, None)
