"""The performance regression guard CI runs: `dcs bench --quick` against the real broker.

It prints `ratio=<case processor cases/s ÷ raw aiokafka consume→produce msgs/s>` measured in the
same run; a change that makes the processor markedly slower per message (a log line or an
fsync per message, a blocking call, a second serialisation) pushes it under the floor
(`--min-ratio`, default in workers/cli/bench_cmd.py; see docs/bench.md for why that value).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from workers.cli.bench_cmd import DEFAULT_MIN_RATIO
from workers.infra.settings import REPO_ROOT

pytestmark = pytest.mark.bench


def test_quick_bench_ratio_is_above_the_regression_floor(kafka_bootstrap, tmp_path):
    output = tmp_path / "bench.json"
    run = subprocess.run([sys.executable, "-m", "workers.cli.main", "bench", "--quick", "--output", str(output)],
                         capture_output=True, text=True, timeout=600, cwd=REPO_ROOT)
    shown = f"stdout:\n{run.stdout[-4000:]}\nstderr:\n{run.stderr[-4000:]}"
    match = re.search(r"^ratio=(\d+(?:\.\d+)?)$", run.stdout, re.MULTILINE)
    assert match, f"no ratio= line\n{shown}"
    assert float(match.group(1)) >= DEFAULT_MIN_RATIO, shown
    assert run.returncode == 0, shown
    saved = json.loads(output.read_text())
    assert saved["ratio"] == pytest.approx(float(match.group(1)), abs=0.001)
    assert saved["processor"][0]["outputs"]["partner.commands"] >= saved["processor"][0]["n"]
    assert output.with_suffix(".png").exists()
