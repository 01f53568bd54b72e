"""Shared fixtures: the tests folder on sys.path (for helper modules), quiet MediaPipe."""

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).parent))


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
