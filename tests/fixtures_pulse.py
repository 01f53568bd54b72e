"""A face clip with a known pulse, for writing dataset fixtures in any format.

The synthetic generator renders one easy recording (still face, even light)
at the frame rate and size a dataset uses; :func:`known_pulse_clip` returns its
RGB frames, frame times and ground-truth pulse, and :func:`pulse_at` resamples
that pulse at a dataset's reference rate (e.g. 64 Hz for UBFC-Phys, 256 Hz for
COHFACE), so each format's fixture writer lays out the same known signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from fixtures_formats import pattern_frame

from rppg_bench import cli
from rppg_bench.datasets.synthetic import generate_synthetic
from rppg_bench.datasets.ubfc import load_ubfc


@dataclass(frozen=True)
class Clip:
    """frames (N, H, W, 3) uint8 RGB; frame_times (N,) s from 0; ppg (M,) a.u. at ppg_times (M,) s;
    hr_bpm: the true mean heart rate; fps in Hz."""

    frames: np.ndarray
    frame_times: np.ndarray
    ppg: np.ndarray
    ppg_times: np.ndarray
    hr_bpm: float
    fps: float


def known_pulse_clip(root: Path, *, fps: float = 30.0, duration: float = 8.0,
                     size: tuple[int, int] = (160, 120), seed: int = 3) -> Clip:
    """One easy synthetic recording rendered into ``root`` at ``fps`` Hz, ``duration`` s, ``size`` (w, h) px."""
    generate_synthetic(root, seed=seed, n_easy=1, n_hard=0, duration=duration, fps=fps, size=size, n_pure=0)
    (rec,) = load_ubfc(Path(root) / "ubfc")
    hr = float(np.mean(rec.hr)) if rec.hr is not None else float("nan")
    return Clip(frames=np.stack(list(rec.frames())), frame_times=rec.frame_times, ppg=np.asarray(rec.ppg),
                ppg_times=np.asarray(rec.ppg_times), hr_bpm=hr, fps=float(fps))


def pulse_at(clip: Clip, rate_hz: float, *, lead_s: float = 0.0, tail_s: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The clip's pulse resampled at ``rate_hz`` from ``-lead_s`` to the last frame + ``tail_s``:
    (times (K,) s on the video clock, values (K,))."""
    t = np.arange(-lead_s, clip.frame_times[-1] + tail_s, 1.0 / rate_hz)
    return t, np.interp(t, clip.ppg_times, clip.ppg)


def tiny_clip(n_frames: int, fps: float) -> Clip:
    """A small test-pattern clip (64x48, ``n_frames`` at ``fps``) with a 1.2 Hz pulse: for contract checks,
    not for pulse recovery."""
    frames = np.stack([pattern_frame(i) for i in range(n_frames)])
    t = np.arange(n_frames) / fps
    ppg_t = np.arange(0.0, t[-1] + 1.0, 0.01)
    return Clip(frames=frames, frame_times=t, ppg=np.sin(2 * np.pi * 1.2 * ppg_t), ppg_times=ppg_t,
                hr_bpm=72.0, fps=fps)


def pos_rows(dataset: str, root: Path, tmp_path: Path) -> pd.DataFrame:
    """``results.csv`` of POS run through the command line on ``dataset=root`` (asserting exit code 0)."""
    out = tmp_path / "run"
    rc = cli.main(["--datasets", f"{dataset}={root}", "--methods", "pos", "--out", str(out), "--quiet",
                   "--cache-dir", str(tmp_path / "cache")])
    assert rc == 0
    return pd.read_csv(out / "results.csv")
