"""Evaluation protocols: every setting that changes a reported number.

A ``Protocol`` is recorded in every results file. ``PROTOCOLS`` holds the named
presets selectable with ``--protocol``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Protocol:
    """Evaluation settings.

    band: HR search band (Hz). hr_method: estimator (see ``metrics.heart_rate``).
    window, step: windowed-HR window and step (s). max_lag: bound (s) of the lag
    search for waveform metrics, 0 disables it. hr_source: ``"ppg"`` derives the
    true HR from the ground-truth PPG with the same estimator, ``"dataset"`` uses
    the dataset's own HR where it has one. detrend_lambda: smoothness-priors
    lambda applied to the reference PPG before waveform metrics.
    """

    name: str = "default"
    band: tuple[float, float] = (0.7, 3.0)
    hr_method: str = "harmonic"
    window: float = 10.0
    step: float = 1.0
    max_lag: float = 0.0
    hr_source: str = "ppg"
    detrend_lambda: float = 100.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def with_overrides(self, **changes: Any) -> "Protocol":
        """A copy with the non-None ``changes`` applied."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


PROTOCOLS: dict[str, Protocol] = {
    "default": Protocol(),
}


def get_protocol(name: str) -> Protocol:
    """The preset called ``name``; unknown names list the available ones."""
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise KeyError(f"unknown protocol {name!r}; available: {', '.join(sorted(PROTOCOLS))}") from None
