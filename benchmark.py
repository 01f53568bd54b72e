"""Run the benchmark from a checkout: ``python benchmark.py --help``.

The harness lives in the package ``rppg_bench`` (``src/rppg_bench``); this file
only calls its command line, exactly as the ``rppg-bench`` console script does.
"""
import sys
from pathlib import Path

try:
    from rppg_bench.cli import main
except ModuleNotFoundError as exc:  # a checkout that was not pip-installed
    if exc.name != "rppg_bench":
        raise
    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
    from rppg_bench.cli import main

if __name__ == "__main__":
    sys.exit(main())
