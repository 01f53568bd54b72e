"""The name registries: lookup, suggestions, duplicates, lazy import, entry-point plugins."""

from __future__ import annotations

import subprocess
import sys

import pytest
from plugin_fixtures import write_plugin_package

from rppg_bench.methods.registry import (
    METHODS,
    create_method,
    list_methods,
    method_info,
)
from rppg_bench.registry import DuplicateNameError, Registry, UnknownNameError

CLASSICAL = ["chrom", "green", "ica", "lgi", "omit", "pbv", "pos"]


def test_builtin_methods_are_listed():
    assert set(CLASSICAL) <= set(list_methods())
    assert list_methods("p*") == [n for n in list_methods() if n.startswith("p")]


def test_unknown_name_suggests_close_match_and_lists_names():
    with pytest.raises(UnknownNameError) as err:
        METHODS.get("chorm")
    msg = str(err.value)
    assert "'chrom'" in msg and "Available:" in msg and "pos" in msg


def test_duplicate_name_is_an_error():
    reg = Registry("thing", "rppg_bench.test-none")
    reg.add("a", object(), aliases=("alpha",))
    with pytest.raises(DuplicateNameError):
        reg.add("A", object())
    with pytest.raises(DuplicateNameError):
        reg.add("b", object(), aliases=("alpha",))


def test_aliases_resolve_case_insensitively():
    reg = Registry("thing", "rppg_bench.test-none")
    reg.register("Main", "m")(dict)
    assert reg.get("M") is dict and reg.canonical("MAIN") == "main"


def test_create_method_rejects_unknown_parameter():
    with pytest.raises(TypeError, match="window"):
        create_method("pos", windw=2.0)
    assert create_method("pos", window=2.0).window == 2.0


def test_method_info_has_kind_paper_and_parameters():
    info = method_info("pos")
    assert info["kind"] == "classical" and "doi" in info["paper"].lower()
    assert "window" in info["parameters"]


def test_importing_registry_imports_no_method_or_torch():
    code = ("import sys; import rppg_bench.methods.registry as r; r.list_methods(); "
            "print(any(m in sys.modules for m in ('torch', 'rppg_bench.methods.pos', 'mediapipe', 'sklearn')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_list_and_help_import_no_torch_jax_or_mediapipe():
    """``--list`` and ``--help`` answer without loading the heavy frameworks (learned methods load them lazily)."""
    code = ("import sys, contextlib, io; from rppg_bench.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out: main(['--list'])\n"
            "assert 'resnet' in out.getvalue(); import rppg_bench.methods.resnet\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()): main(['--help'])\n"
            "print(sorted(m for m in ('torch', 'jax', 'keras', 'mediapipe', 'tensorflow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_decorated_plugin_is_registered_and_created():
    from dataclasses import dataclass

    from rppg_bench.methods.base import ClassicalMethod
    from rppg_bench.methods.registry import register_method

    @register_method("test-decorated")
    @dataclass
    class Decorated(ClassicalMethod):
        name = "test-decorated"

        def pulse(self, rgb, fps):
            return rgb[:, 1]

    try:
        assert "test-decorated" in list_methods()
        assert isinstance(create_method("test-decorated"), Decorated)
    finally:
        METHODS.remove("test-decorated")


def test_entry_point_plugin_is_discovered(tmp_path, monkeypatch):
    write_plugin_package(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        METHODS.load_entry_points(refresh=True)
        assert "greenplus" in list_methods()
        method = create_method("greenplus", weight=2.0)
        assert type(method).__module__ == "rppg_test_plugin" and method.weight == 2.0
    finally:
        METHODS.remove("greenplus")


def test_a_foreign_top_level_datasets_package_does_not_shadow_ours(tmp_path):
    """Hugging Face's ``datasets`` (here a stand-in that fails on import) cannot hide the harness's own."""
    fake = tmp_path / "datasets"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('this is not rppg-bench')")
    code = ("import rppg_bench.datasets.registry as r; import rppg_bench.cli; "
            "print(sorted(r.DATASETS.names()))")
    env = {**__import__("os").environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert "folder" in out


def test_source_and_ensure_carry_a_registration_to_another_process():
    """What a worker process needs: ``source`` says where an entry comes from; ``ensure`` registers
    it from there unless known, and says plainly when it cannot be imported."""
    assert METHODS.source("pos") == "rppg_bench.methods.pos:POS"  # a lazy built-in, as given
    reg = Registry("thing", "rppg_bench.test-none")
    reg.add("dumps", __import__("json").dumps)
    assert reg.source("dumps") == "json:dumps"
    fresh = Registry("thing", "rppg_bench.test-none")  # "another process"
    fresh.ensure("dumps", reg.source("dumps"))
    assert fresh.get("dumps") is __import__("json").dumps
    fresh.ensure("dumps", "json:loads")  # known: left as it is
    assert fresh.get("dumps") is __import__("json").dumps

    def local():
        pass

    with pytest.raises(UnknownNameError, match=r"'local' was registered as .*<locals>.* cannot be imported here"):
        fresh.ensure("local", f"{local.__module__}:{local.__qualname__}")
    with pytest.raises(UnknownNameError, match="--jobs 1"):
        fresh.ensure("gone", "no_such_module_here:Thing")
