"""``NAME.KEY=VALUE`` parameters of the command line (``--param``), shared by the benchmark run and the
live view."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any

from .datasets.registry import DATASETS
from .methods.registry import METHODS


def parse_value(text: str) -> Any:
    """A Python literal when ``text`` is one (1.6, (0.7, 3.0), True), else the string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_params(items: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``["pos.window=1.6"]`` -> ``{"pos": {"window": 1.6}}`` (owner names canonicalised)."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        owner, dot, name = key.partition(".")
        if not sep or not dot or not owner or not name:
            raise ValueError(f"--param {item!r}: expected NAME.KEY=VALUE, e.g. pos.window=1.6")
        if owner in METHODS:
            owner = METHODS.canonical(owner)
        elif owner in DATASETS:
            owner = DATASETS.canonical(owner)
        else:
            raise ValueError(f"--param {item!r}: {owner!r} is neither a method nor a dataset")
        out.setdefault(owner, {})[name] = parse_value(value)
    return out


def parse_settings(items: Iterable[str], option: str) -> dict[str, Any]:
    """``["secondary_share=0"]`` -> ``{"secondary_share": 0}`` (values as :func:`parse_value`);
    ``ValueError`` naming ``option`` and the item when one is not ``KEY=VALUE``."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{option} {item!r}: expected KEY=VALUE, e.g. secondary_share=0")
        out[key.strip()] = parse_value(value)
    return out
