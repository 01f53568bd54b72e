"""A small name -> object registry shared by methods and datasets.

Entries are registered with a decorator (``@REG.register("pos")``), lazily as
``"module:attr"`` strings (heavy backends such as torch are imported only when
asked for), or by third-party packages through the entry-point group given to
the registry. Unknown names fail with close matches and the available names;
registering a name twice is an error.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import Any


class UnknownNameError(KeyError):
    """Raised for a name that is not registered; the message lists alternatives."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class DuplicateNameError(ValueError):
    """Raised when a name or alias is registered twice."""


def _import_target(target: str) -> Any:
    """Import ``"package.module:attr"`` and return ``attr``."""
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split(".") if attr else []:
        obj = getattr(obj, part)
    return obj


class Registry:
    """Names (and aliases) mapped to objects or lazy ``"module:attr"`` targets."""

    def __init__(self, kind: str, entry_point_group: str):
        self.kind = kind
        self.entry_point_group = entry_point_group
        self._entries: dict[str, Any] = {}
        self._aliases: dict[str, str] = {}
        self._entry_points_loaded = False

    # registration -----------------------------------------------------
    def _claim(self, names: Iterable[str]) -> None:
        for n in names:
            key = n.lower()
            if key in self._entries or key in self._aliases:
                raise DuplicateNameError(f"{self.kind} {n!r} is already registered")

    def add(self, name: str, obj: Any, aliases: Iterable[str] = ()) -> None:
        """Register ``obj`` (or a lazy ``"module:attr"`` string) under ``name``."""
        aliases = tuple(aliases)
        self._claim((name, *aliases))
        self._entries[name.lower()] = obj
        for a in aliases:
            self._aliases[a.lower()] = name.lower()

    def register(self, name: str, *aliases: str) -> Callable[[Any], Any]:
        """Decorator form of :meth:`add`."""

        def deco(obj: Any) -> Any:
            self.add(name, obj, aliases)
            return obj

        return deco

    def remove(self, name: str) -> None:
        """Forget ``name`` and its aliases (used by tests and plugin reloads)."""
        key = self._aliases.get(name.lower(), name.lower())
        self._entries.pop(key, None)
        self._aliases = {a: n for a, n in self._aliases.items() if n != key}

    # discovery ---------------------------------------------------------
    def load_entry_points(self, refresh: bool = False) -> None:
        """Register every entry point of the group not registered yet (once, or again with ``refresh``)."""
        if self._entry_points_loaded and not refresh:
            return
        self._entry_points_loaded = True
        for ep in entry_points(group=self.entry_point_group):
            if ep.name.lower() not in self._entries and ep.name.lower() not in self._aliases:
                self.add(ep.name, ep.value)

    def names(self) -> list[str]:
        """Sorted registered names (aliases excluded), entry points included."""
        self.load_entry_points()
        return sorted(self._entries)

    def canonical(self, name: str) -> str:
        """The registered name for ``name`` or one of its aliases."""
        self.load_entry_points()
        key = name.lower()
        key = self._aliases.get(key, key)
        if key not in self._entries:
            known = sorted({*self._entries, *self._aliases})
            close = difflib.get_close_matches(key, known, n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise UnknownNameError(
                f"unknown {self.kind} {name!r}.{hint} Available: {', '.join(sorted(self._entries))}")
        return key

    def get(self, name: str) -> Any:
        """The object registered under ``name``, importing a lazy target if needed."""
        key = self.canonical(name)
        obj = self._entries[key]
        if isinstance(obj, str):
            obj = _import_target(obj)
            if isinstance(self._entries[key], str):  # importing may have registered it
                self._entries[key] = obj
            obj = self._entries[key]
        return obj

    def source(self, name: str) -> str:
        """Where the entry ``name`` comes from, as ``"module:attr"`` (a lazy target as given, an object
        by its module and qualified name): what another process needs to register it (:meth:`ensure`)."""
        obj = self._entries[self.canonical(name)]
        return obj if isinstance(obj, str) else f"{obj.__module__}:{obj.__qualname__}"

    def ensure(self, name: str, source: str) -> None:
        """Make ``name`` known in this process as :meth:`source` gave it in another (e.g. a worker
        evaluating videos for the process where a plugin was registered at run time): nothing if
        it is known; else the source's module is imported (its own decorators may register it),
        then ``name`` is added as the source's object. Raises ``UnknownNameError`` saying so when
        the source cannot be imported here (a class defined in a notebook or inside a function)."""
        if name in self:
            return
        try:
            importlib.import_module(source.partition(":")[0])
            if name not in self:
                self.add(name, _import_target(source))
        except (ImportError, AttributeError) as exc:
            raise UnknownNameError(
                f"{self.kind} {name!r} was registered as {source!r} in the process that started this one, "
                f"and cannot be imported here ({exc}); define it in an importable module (or an entry "
                f"point), or run in one process (--jobs 1)") from exc

    def __contains__(self, name: str) -> bool:
        try:
            self.canonical(name)
        except UnknownNameError:
            return False
        return True
