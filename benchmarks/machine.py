"""What produced a benchmark figure: date, machine, load, Python, library versions and git revision.

Imported by the scripts in this folder (run as ``python benchmarks/<script>.py``,
which puts this folder on ``sys.path``).
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from rppg_bench.reports.results import git_revision

REPO = Path(__file__).resolve().parents[1]


def version(dist: str) -> str:
    """Installed version of distribution ``dist``, or ``-``."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def header(libraries: Iterable[str] = ("rppg-bench", "numpy", "scipy", "mediapipe", "opencv-contrib-python")) -> str:
    """Lines stating when, where and with what a figure was measured."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    libs = ", ".join(f"{d} {version(d)}" for d in libraries)
    return (f"date:     {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC')}\n"
            f"machine:  {platform.platform()}, {os.cpu_count()} CPUs ({usable} usable), {cpu_name()}; "
            f"load average {os.getloadavg()[0]:.1f}\n"
            f"python:   {platform.python_version()} ({sys.executable})\n"
            f"versions: {libs}\n"
            f"git:      {git_revision(REPO)}")


def peak_rss_mib() -> float:
    """This process's peak resident memory (MiB): ``VmHWM`` of ``/proc/self/status``, its own
    high-water mark. Not ``ru_maxrss``, which a child process starts from its parent's size at the
    fork (Linux keeps it across exec: a 10 MB child of a 1.2 GB parent reports 1177 MiB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise OSError("no VmHWM in /proc/self/status (Linux only)")
