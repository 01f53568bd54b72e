"""Selecting recordings by their conditions: ``--where light=LED-high,LED-low motion=stationary``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .recording import Recording

#: a selection: field -> accepted values (a recording matches when every field has one of its values)
Where = Mapping[str, tuple[str, ...]]


def parse_where(items: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """``["light=LED-high,LED-low", "motion=stationary"]`` -> ``{"light": ("LED-high", "LED-low"), ...}``;
    ``ValueError`` naming the item when it is not ``FIELD=VALUE[,VALUE...]`` or names a field twice."""
    where: dict[str, tuple[str, ...]] = {}
    for item in items:
        field, sep, values = item.partition("=")
        accepted = tuple(v.strip() for v in values.split(",") if v.strip())
        if not sep or not field.strip() or not accepted:
            raise ValueError(f"--where {item!r}: expected FIELD=VALUE[,VALUE...], e.g. light=LED-high")
        if field.strip() in where:
            raise ValueError(f"--where names {field.strip()!r} twice; give its values as one comma-separated list")
        where[field.strip()] = accepted
    return where


def recording_fields(rec: Recording) -> dict[str, str]:
    """What ``--where`` can select on: ``subject``, ``condition`` and every label of ``rec``."""
    return {"subject": rec.subject, "condition": rec.condition, **rec.labels}


def select_recordings(recordings: Iterable[Recording], where: Where) -> list[Recording]:
    """The recordings whose fields match ``where`` (all of them when it is empty).

    ``ValueError`` when a field of ``where`` is known to none of the recordings
    (a misspelt label would otherwise select nothing silently), listing the fields they have.
    """
    recordings = list(recordings)
    if not where or not recordings:
        return recordings
    known = set().union(*(recording_fields(r) for r in recordings))
    unknown = sorted(set(where) - known)
    if unknown:
        dataset = recordings[0].dataset
        raise ValueError(f"--where {', '.join(unknown)}: dataset {dataset!r} has no such field "
                         f"(its fields: {', '.join(sorted(known))})")
    return [r for r in recordings
            if all(recording_fields(r).get(field) in accepted for field, accepted in where.items())]
