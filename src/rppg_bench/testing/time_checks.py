"""The rules every series of frame times obeys, shared by the dataset and method contracts."""

from __future__ import annotations

import numpy as np

#: a frame interval (s) outside this range means the times are not in seconds (ms, ns, frame indices)
FRAME_INTERVAL_RANGE_S = (1e-3, 1.0)


def frame_times_problem(times: np.ndarray, name: str = "times") -> str | None:
    """The first rule frame ``times`` (N,) in seconds break, as a sentence naming them ``name``; None if none.

    Rules: strictly increasing, starting at or after 0 s, and a median step that is a plausible
    frame interval in seconds (:data:`FRAME_INTERVAL_RANGE_S`).
    """
    steps = np.diff(times)
    if (steps <= 0).any():
        i = int(np.argmax(steps <= 0))
        return f"{name} do not strictly increase at index {i + 1} ({times[i]} -> {times[i + 1]})"
    if times[0] < 0:
        return f"{name} must start at or after 0 s, got {times[0]}"
    dt = float(np.median(steps))
    lo, hi = FRAME_INTERVAL_RANGE_S
    if not lo <= dt <= hi:
        return (f"median {name} step {dt:g} is not a plausible frame interval in seconds "
                f"(expected {lo:g}..{hi:g}): are the times in seconds?")
    return None
