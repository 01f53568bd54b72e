"""Helpers that build a tiny third-party plugin package on disk for tests.

The package is made importable by putting its folder on ``sys.path`` together
with a ``.dist-info`` holding ``entry_points.txt``: exactly what ``pip install``
leaves behind, so ``importlib.metadata.entry_points`` finds it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

PLUGIN_METHOD_SOURCE = '''
"""A third-party rPPG method: the mean of green and red-minus-blue (for tests)."""
from dataclasses import dataclass

from rppg_bench.methods.base import ClassicalMethod


@dataclass
class GreenPlusMethod(ClassicalMethod):
    name = "greenplus"
    kind = "classical"
    paper = "test plugin"
    weight: float = 1.0

    def pulse(self, rgb, fps):
        return self.weight * rgb[:, 1] - 0.1 * (rgb[:, 0] - rgb[:, 2])
'''


def write_plugin_package(folder: Path, package: str = "rppg_test_plugin",
                         method_name: str = "greenplus", extra_entry_points: str = "") -> Path:
    """Write ``package`` with a method class and its dist-info entry point into ``folder``."""
    folder = Path(folder)
    pkg = folder / package
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text(PLUGIN_METHOD_SOURCE)
    info = folder / f"{package}-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(f"""\
        [rppg_bench.methods]
        {method_name} = {package}:GreenPlusMethod
        """) + extra_entry_points)
    return folder
