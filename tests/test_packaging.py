"""The wheel: what ``pip install rppg-bench`` gets.

A real wheel is built (``pip wheel``, no build isolation and no index: no
network) from a copy of the source tree, so the checkout stays clean and no
stale ``build/`` folder can leak into it. It must hold every package found by
walking ``src/rppg_bench`` (each folder with an ``__init__.py``), every module
in them and ``py.typed``, declare the ``rppg-bench`` console script, and hold
nothing from the project's root folders (tests, benchmarks, examples, run
reports). Marked ``packaging`` (deselect with ``-m "not packaging"``).
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "src" / "rppg_bench"
#: never copied: version control, build outputs, caches
SKIP_ANYWHERE = {".git", "build", "dist", "__pycache__", ".pytest_cache", ".hypothesis", ".cache", ".venv"}
#: not copied from the root only: run outputs (gitignored, possibly large); ``rppg_bench/reports`` is a package
SKIP_AT_ROOT = {"reports"}
CONSOLE_SCRIPT = ("rppg-bench", "rppg_bench.cli:main")


def _ignore(folder: str, names: list[str]) -> set[str]:
    skip = {n for n in names if n in SKIP_ANYWHERE or n.endswith(".egg-info")}
    if Path(folder).resolve() == ROOT:
        skip |= SKIP_AT_ROOT & set(names)
    return skip


def source_packages() -> list[str]:
    """Every package folder under ``src/`` (holding an ``__init__.py``), as a wheel path (``a/b``)."""
    return sorted(p.parent.relative_to(PACKAGE_DIR.parent).as_posix() for p in PACKAGE_DIR.rglob("__init__.py"))


def source_modules() -> list[str]:
    """Every ``.py`` file inside those packages, as a wheel path."""
    packages = set(source_packages())
    return sorted(p.relative_to(PACKAGE_DIR.parent).as_posix() for p in PACKAGE_DIR.rglob("*.py")
                  if p.parent.relative_to(PACKAGE_DIR.parent).as_posix() in packages)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """The wheel built from a copy of the checkout (a few seconds)."""
    work = tmp_path_factory.mktemp("wheel")
    tree = work / "tree"
    shutil.copytree(ROOT, tree, ignore=_ignore)
    out = work / "dist"
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
           "--disable-pip-version-check", "-q", "-w", str(out), str(tree)]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"pip wheel failed:\n{done.stdout}\n{done.stderr}"
    (path,) = out.glob("rppg_bench-*.whl")
    with zipfile.ZipFile(path) as zf:
        yield zf


def test_source_walk_finds_the_packages():
    packages = source_packages()
    assert {"rppg_bench", "rppg_bench/methods", "rppg_bench/datasets", "rppg_bench/metrics"} <= set(packages)


def test_wheel_holds_every_package_module_and_py_typed(wheel):
    names = set(wheel.namelist())
    missing = [f"{p}/__init__.py" for p in source_packages() if f"{p}/__init__.py" not in names]
    missing += [m for m in source_modules() if m not in names]
    missing += [] if "rppg_bench/py.typed" in names else ["rppg_bench/py.typed"]
    assert not missing, f"missing from the wheel: {missing}"


def test_wheel_declares_the_console_script(wheel):
    (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    parser = configparser.ConfigParser()
    parser.optionxform = str  # script names are case-sensitive
    parser.read_string(wheel.read(entry_points).decode())
    name, target = CONSOLE_SCRIPT
    assert parser.has_section("console_scripts"), entry_points
    assert parser["console_scripts"].get(name, "").replace(" ", "") == target


def test_wheel_holds_nothing_but_the_package(wheel):
    tops = {n.split("/", 1)[0] for n in wheel.namelist()}
    strays = {t for t in tops if t != "rppg_bench" and not (t.startswith("rppg_bench-") and t.endswith(".dist-info"))}
    assert not strays, f"the wheel holds more than the package (tests/, benchmarks/, ...?): {sorted(strays)}"


SHIPPED_WEIGHTS = ("rppg_bench/methods/resnet/weights/pretrained.pth",
                   "rppg_bench/methods/resnet/weights/pretrained.json")


def test_wheel_ships_the_pretrained_weights_byte_for_byte(wheel):
    for name in SHIPPED_WEIGHTS:
        assert name in wheel.namelist(), f"{name} is not in the wheel"
        assert wheel.read(name) == (PACKAGE_DIR.parent / name).read_bytes()


def test_pretrained_loads_from_the_unpacked_wheel(wheel, tmp_path):
    """``model=pretrained`` from an installed wheel (a pure-Python wheel unpacked is installed):
    the package imported from there, its weights found, their hash checked, a model built."""
    pytest.importorskip("torch")
    wheel.extractall(tmp_path / "site")
    code = ("import rppg_bench, sys; from rppg_bench.methods.resnet import load_checkpoint; "
            "from rppg_bench.methods.resnet.pretrained import verify_pretrained; "
            "p = verify_pretrained(); m = load_checkpoint('pretrained'); "
            "print(rppg_bench.__file__); print(p); print(m.size, m.frames)")
    env = {"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    package, weights, geometry = done.stdout.strip().splitlines()[-3:]
    assert package.startswith(str(tmp_path / "site")) and weights.startswith(str(tmp_path / "site"))
    assert len(geometry.split()) == 2
