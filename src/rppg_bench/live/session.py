"""The live loop: frames in, the face pass on each, every method's window updated every ``update_s`` s,
shown or printed; the latency from a frame's arrival to the updated heart rates and the frame rate kept
up with measured on the way (:class:`LiveSummary`)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ..preprocessing.roi import Region, masked_mean_rgb
from ..preprocessing.streaming import FaceTracker, LatencyStats, TimedFrame
from .recorder import SessionRecorder
from .tracks import ClassicalTrack, FaceFrame, LearnedTrack, TrackState

#: called after each update with the source time (s) and every method's state
OnUpdate = Callable[[float, list[TrackState]], None]
#: called on every frame with the face frame, its ROI and the latest states; False stops the session
OnFrame = Callable[[FaceFrame, Region | None, list[TrackState]], bool]


@dataclass
class LiveSummary:
    """What a session measured: ``frames`` processed (``no_face`` of them without a face yet or held),
    ``dropped`` (frames the source skipped because processing fell behind), ``wall_s`` s,
    ``source_fps`` Hz (NaN for a camera), the frame-to-updated-HR ``latency`` over the updates, and the
    last update's time ``last_t`` (s) and heart rates ``last_hr`` (method -> bpm)."""

    source: str
    frames: int = 0
    no_face: int = 0
    dropped: int = 0
    wall_s: float = 0.0
    source_fps: float = float("nan")
    latency: LatencyStats = field(default_factory=lambda: LatencyStats.of([]))
    last_t: float = float("nan")
    last_hr: dict[str, float] = field(default_factory=dict)

    @property
    def fps(self) -> float:
        """Frames processed per second of wall time (Hz)."""
        return self.frames / self.wall_s if self.wall_s > 0 else float("nan")

    def text(self) -> str:
        lat = self.latency
        rate = f" of the source's {self.source_fps:.1f}" if math.isfinite(self.source_fps) else ""
        hrs = ", ".join(f"{m} {hr:.1f} bpm" if math.isfinite(hr) else f"{m} --" for m, hr in self.last_hr.items())
        return "\n".join([
            (f"live {self.source}: {self.frames} frames in {self.wall_s:.1f} s: kept up with {self.fps:.1f} "
             f"frames/s{rate} ({self.dropped} dropped, {self.no_face} without a new face)"),
            (f"latency frame -> updated HR: mean {lat.mean_ms:.1f} / median {lat.median_ms:.1f} / "
             f"p95 {lat.p95_ms:.1f} ms over {lat.n} updates"),
            f"last HR (t = {self.last_t:.1f} s): {hrs or 'none'}"])


def hr_line(t: float, states: list[TrackState]) -> str:
    """One printed update: ``t=10.5 s  pos 72.1 bpm  chrom -- bpm``."""
    parts = [f"{s.name} {s.hr:.1f} bpm" if np.isfinite(s.hr) else f"{s.name} -- bpm" for s in states]
    return f"t={t:.1f} s  " + "  ".join(parts)


def dropped_frames(first_t: float, last_t: float, frames: int, fps: float) -> int:
    """Frames a source at ``fps`` Hz delivered from ``first_t`` to ``last_t`` (s) beyond the ``frames``
    processed (0 for an unknown rate)."""
    if not math.isfinite(fps) or frames == 0:
        return 0
    return max(0, round((last_t - first_t) * fps) + 1 - frames)


def run_live(frames: Iterator[TimedFrame], tracker: FaceTracker, region_of: Callable[[np.ndarray], Region],
             tracks: list[ClassicalTrack | LearnedTrack], *, update_s: float, summary: LiveSummary,
             on_update: OnUpdate | None = None, on_frame: OnFrame | None = None,
             recorder: SessionRecorder | None = None, duration: float | None = None) -> LiveSummary:
    """Run the session over ``frames`` until they end, ``on_frame`` says stop, ``duration`` s of source
    time pass, or Ctrl-C; fills and returns ``summary``."""
    states: list[TrackState] = []
    latency: list[float] = []
    first_t = last_frame_t = next_update = None
    started = time.perf_counter()
    try:
        for frame, t, arrived in frames:
            first_t = t if first_t is None else first_t
            if duration is not None and t - first_t >= duration:
                break
            last_frame_t = t
            points = tracker(frame)
            region = region_of(points) if points is not None else None
            rgb = masked_mean_rgb(frame, *region) if region is not None else None
            face = FaceFrame(t, arrived, frame, points, rgb, tracker.params.crop_scale)
            summary.frames += 1
            summary.no_face += not tracker.found
            for track in tracks:
                track.push(face)
            if recorder is not None:
                recorder.write(frame, t)
            updated = next_update is None or t >= next_update
            if updated:
                states = [track.state() for track in tracks]
                next_update = t + update_s
                summary.last_t, summary.last_hr = t, {s.name: s.hr for s in states}
                if on_update is not None:
                    on_update(t, states)
            go_on = on_frame(face, region, states) if on_frame is not None else True
            if updated:
                latency.append(1e3 * (time.perf_counter() - arrived))
            if not go_on:
                break
    except KeyboardInterrupt:  # a camera session ends with Ctrl-C: keep what was measured
        pass
    finally:
        summary.wall_s = time.perf_counter() - started
        close = getattr(frames, "close", None)
        if close is not None:
            close()
    summary.latency = LatencyStats.of(latency)
    if first_t is not None:
        summary.dropped = dropped_frames(first_t, last_frame_t, summary.frames, summary.source_fps)
    return summary
