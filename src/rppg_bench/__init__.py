"""rppg-bench: an open benchmark harness for remote photoplethysmography.

The repository root is the ``rppg_bench`` package (see ``pyproject.toml``):
``methods/``, ``datasets/``, ``metrics/`` and ``reports/`` are imported as
``rppg_bench.methods`` etc., so they never collide with other top-level
packages of the same name (e.g. Hugging Face ``datasets``).
"""

__version__ = "0.1.0"
