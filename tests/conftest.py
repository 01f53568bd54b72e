"""Shared fixtures: the tests folder on sys.path (for helper modules), quiet MediaPipe, Hypothesis's CI profile."""

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).parent))

# Under CI (CI=true) the property tests draw the same examples on every run (derived from each test),
# so a submission passes or fails on its code alone; run locally they draw new examples each time and
# keep looking for counterexamples.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")


@pytest.fixture(scope="module")
def torch_one_thread():
    """torch on one thread for a test module (2-core machines: two torch threads beside other
    processes slow 3-10x); the previous setting comes back afterwards."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def pytest_configure(config):
    config.addinivalue_line("markers", "packaging: builds a wheel of the checkout (deselect with -m 'not packaging')")
