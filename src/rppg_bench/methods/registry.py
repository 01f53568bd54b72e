"""Methods by name: the one place that knows which methods exist.

Built-ins are registered lazily as ``"module:Class"`` (importing this module
imports no method, and never torch); plugins register with
``@register_method("name")`` or through the entry-point group
``rppg_bench.methods`` (entry point name = method name, value = ``module:Class``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from ..registry import Registry

METHODS = Registry("method", "rppg_bench.methods")

for _name, _target, _aliases in [
    ("green", "rppg_bench.methods.green:Green", ()),
    ("ica", "rppg_bench.methods.ica:ICA", ()),
    ("chrom", "rppg_bench.methods.chrom:CHROM", ()),
    ("pos", "rppg_bench.methods.pos:POS", ()),
    ("lgi", "rppg_bench.methods.lgi:LGI", ()),
    ("pbv", "rppg_bench.methods.pbv:PBV", ()),
    ("omit", "rppg_bench.methods.omit:OMIT", ()),
    ("resnet", "rppg_bench.methods.resnet.method:ResNetMethod", ()),
    # pretrained models of the optional open-rppg package (extra "open-rppg")
    ("physnet", "rppg_bench.methods.open_rppg:PhysNet", ()),
    ("tscan", "rppg_bench.methods.open_rppg:TSCAN", ()),
    ("efficientphys", "rppg_bench.methods.open_rppg:EfficientPhys", ()),
    ("physformer", "rppg_bench.methods.open_rppg:PhysFormer", ()),
    ("physmamba", "rppg_bench.methods.open_rppg:PhysMamba", ()),
    ("rhythmmamba", "rppg_bench.methods.open_rppg:RhythmMamba", ()),
    ("me-rppg", "rppg_bench.methods.open_rppg:MERPPG", ("me",)),
    ("facephys", "rppg_bench.methods.open_rppg:FacePhys", ()),
]:
    METHODS.add(_name, _target, _aliases)

#: methods that run when none are named (all classical built-ins)
CLASSICAL_DEFAULT = ("chrom", "green", "ica", "lgi", "omit", "pbv", "pos")


def register_method(name: str, *aliases: str) -> Callable:
    """Class decorator registering a method under ``name`` (and aliases)."""
    return METHODS.register(name, *aliases)


def list_methods(pattern: str = "*") -> list[str]:
    """Registered method names matching a shell-style ``pattern``."""
    return [n for n in METHODS.names() if fnmatch.fnmatch(n, pattern)]


def get_method_class(name: str) -> type:
    """The class registered under ``name``."""
    return METHODS.get(name)


def create_method(name: str, **params: Any):
    """Instantiate method ``name`` with keyword parameters; unknown parameters are an error."""
    cls = get_method_class(name)
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(params) - known)
    if unknown:
        raise TypeError(f"method {name!r} has no parameter(s) {', '.join(unknown)}; "
                        f"parameters: {', '.join(sorted(known)) or 'none'}")
    return cls(**params)


def method_info(name: str) -> dict[str, Any]:
    """Name, kind, paper and parameter defaults of method ``name``."""
    cls = get_method_class(name)
    return {"name": METHODS.canonical(name), "kind": cls.kind, "paper": cls.paper,
            "parameters": cls.parameters()}
