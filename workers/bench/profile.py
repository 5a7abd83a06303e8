"""`--profile`: sample the case processor with py-spy while it works, and say where time goes.

py-spy attaches to the running worker process (no code change, no restart) and writes collapsed
stacks (flamegraph input); it pauses the process for each sample (--nonblocking tears stacks
apart mid-read), which costs a few per cent, so a profiled run is an extra run, never a measured
one. We fold them
into the functions with the most samples of their own ("self") and on the stack ("total"). Idle
time (waiting in the event loop for the broker) is not sampled, so samples ÷ (rate × seconds) is
how busy the worker's Python thread was: low means the worker waits, not computes. A sample
caught in the selector itself is counted as idle too.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

RATE_HZ = 100
IDLE_LEAVES = ("EpollSelector.select", "select (selectors.py)", "KqueueSelector.select")
_ROOTS = re.compile(r"^.*?(python3\.\d+/|(?=workers/|contracts/|sandbox/))")
_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^:()]*)(?::\d+)?\)$")


def py_spy_binary() -> str:
    beside = Path(sys.executable).with_name("py-spy")
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy is not installed (pip install py-spy)")
    return found


class Profiler:
    """py-spy recording one pid until `stop()`; the collapsed stacks land in `out`."""

    def __init__(self, pid: int, out: Path) -> None:
        self.out = out
        self._started = time.monotonic()
        self._log = out.with_suffix(".log").open("wb")
        self._popen = subprocess.Popen(
            [py_spy_binary(), "record", "--pid", str(pid), "--rate", str(RATE_HZ), "--format", "raw",
             "--output", str(out)], stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def running(self) -> bool:
        return self._popen.poll() is None

    def stop(self) -> dict:
        seconds = time.monotonic() - self._started
        self._popen.send_signal(signal.SIGINT)
        try:
            self._popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._popen.kill()
            self._popen.wait()
        self._log.close()
        if not self.out.exists():
            return {"error": f"py-spy wrote nothing; see {self.out.with_suffix('.log')}"}
        return summarize(self.out.read_text(errors="replace"), seconds)


def frame_name(frame: str) -> str:
    """`decide (/…/workers/case_processor/handlers.py:40)` → `decide (workers/case_processor/handlers.py)`."""
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"].rpartition("site-packages/")[2]
    path = _ROOTS.sub("", path)
    return f"{match['function']} ({path})"


def summarize(collapsed: str, seconds: float, top: int = 15) -> dict:
    """Top functions by own samples and by samples on the stack; frames on ≥ 90 % of the stacks
    (the event loop, the worker's main) say nothing and are left out of the second list."""
    own, total, samples = Counter(), Counter(), 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [frame_name(f) for f in stack.split(";") if f]
        if frames and frames[-1].startswith(IDLE_LEAVES):
            continue
        samples += int(count)
        if frames:
            own[frames[-1]] += int(count)
        for name in set(frames):
            total[name] += int(count)
    expected = max(seconds * RATE_HZ, 1)
    share = (lambda c: round(100 * c / samples, 1)) if samples else (lambda c: 0.0)
    return {
        "seconds": round(seconds, 1), "samples": samples, "busy_percent": round(min(100.0, 100 * samples / expected), 1),
        "self": [{"function": name, "percent": share(count)} for name, count in own.most_common(top)],
        "total": [{"function": name, "percent": share(count)} for name, count in total.most_common()
                  if count < 0.9 * samples][:top],
    }
