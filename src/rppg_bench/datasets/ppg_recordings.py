"""Real finger-PPG recordings a dependency ships, as pulses of known timing for the renderer.

heartpy ships three finger-PPG recordings with its package (no download): ``data.csv``
(one column, 100 Hz, 25 s), ``data2.csv`` (``timer`` in ms and ``hr``, about 117 Hz, 128 s)
and ``data3.csv`` (``datetime`` and ``hr``, about 100.4 Hz by its sample count over its
span, 682 s; its stamps come in batches, so they are not used one by one).
:func:`heartpy_recordings` reads them from the installed package.

A recording becomes a known truth only where its beats are unambiguous:
:func:`clean_stretches` band-passes it, marks each beat at the steepest point of its
systolic upstroke, and keeps runs of beats whose interval stays within a tolerance of
its neighbours', whose height and shape are the recording's usual ones and whose raw
samples have no flat run (a sensor dropout or clipping). :func:`recorded_pulse` plays
an excerpt of such a stretch as a :class:`RecordedPulse` (a :class:`.ppg_model.PulseModel`
whose beats are the recording's), time-scaled beat by beat to a wanted mean heart rate; its
heart rate at any time is 60 / the interval between the two beat marks around
it (bpm), as the parametric model's is.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.signal as sps

from ..subsample import parabolic_offset
from .ppg_model import PulseModel, Respiration, beat_rate_bpm, random_sinusoids


@dataclass(frozen=True, eq=False)
class PPGRecording:
    """One recording: ``samples`` (N,) a.u. as recorded, uniform at ``fs`` Hz; ``name`` says where
    it comes from (e.g. ``heartpy:data3``)."""

    name: str
    fs: float
    samples: np.ndarray

    @property
    def duration(self) -> float:
        """Length in s."""
        return self.samples.size / self.fs


@dataclass(frozen=True, eq=False)
class CleanStretch:
    """A stretch of a recording whose beats are unambiguous.

    ``start_s``: where it starts in the recording (s); ``pulse`` (M,) the band-passed PPG from
    there at ``fs`` Hz, zero-mean, its median beat height (peak to peak) 1; ``marks`` (K,) the
    beat marks (:func:`beat_marks`) in s from ``start_s``, the first within a sample of 0.
    """

    recording: str
    fs: float
    start_s: float
    pulse: np.ndarray
    marks: np.ndarray

    @property
    def native_hr_bpm(self) -> float:
        """Mean heart rate of the stretch (bpm) (:func:`beat_rate_bpm` of its marks)."""
        return beat_rate_bpm(self.marks)

    def at(self, r: np.ndarray) -> np.ndarray:
        """The pulse at times ``r`` (s from ``start_s``), linearly interpolated."""
        return np.interp(r, np.arange(self.pulse.size) / self.fs, self.pulse)

    def smoothed(self, smoothness: float) -> CleanStretch:
        """This stretch low-passed toward a facial pulse's smooth shape: ``smoothness`` 0 keeps it
        (sharp finger PPG), 1 low-passes it at 1.5 times its mean rate (Butterworth order 2, zero
        phase, so the marks stay where they are); in between, the corner moves linearly from 6
        times the mean rate (:func:`smoothing_corner_hz`)."""
        if smoothness <= 0:
            return self
        sos = sps.butter(2, smoothing_corner_hz(self.native_hr_bpm, smoothness), fs=self.fs, output="sos")
        return dataclasses.replace(self, pulse=sps.sosfiltfilt(sos, self.pulse))


def smoothing_corner_hz(native_hr_bpm: float, smoothness: float) -> float:
    """Low-pass corner (Hz) of :meth:`CleanStretch.smoothed`: from 6 (``smoothness`` 0) to 1.5
    (``smoothness`` 1) times the heart rate ``native_hr_bpm`` (bpm) in Hz."""
    return native_hr_bpm / 60.0 * (6.0 - 4.5 * float(np.clip(smoothness, 0.0, 1.0)))


def heartpy_data() -> Path | None:
    """The folder of heartpy's recordings, found without importing heartpy (whose import pulls in
    pkg_resources and matplotlib); None when heartpy is not installed."""
    spec = importlib.util.find_spec("heartpy")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def heartpy_recordings() -> tuple[PPGRecording, ...]:
    """heartpy's three finger-PPG recordings, read from its installed package data.

    ``RuntimeError`` saying how to install it when heartpy is missing.
    """
    data = heartpy_data()
    if data is None:
        raise RuntimeError("recorded pulses need heartpy, which ships the recordings: "
                           "pip install 'heartpy>=1.2.7,<2' (in the datasets and open-rppg extras)")
    with (data / "data.csv").open() as fh:
        first = np.loadtxt(fh)
    with (data / "data2.csv").open() as fh:
        second = pd.read_csv(fh)
    with (data / "data3.csv").open() as fh:
        third = pd.read_csv(fh)
    timer_s = second["timer"].to_numpy(float) / 1000.0
    ends = pd.to_datetime(third["datetime"].iloc[[0, -1]], format="ISO8601")
    span_s = (ends.iloc[1] - ends.iloc[0]).total_seconds()
    return (
        PPGRecording("heartpy:data", 100.0, first.astype(float)),
        PPGRecording("heartpy:data2", (timer_s.size - 1) / (timer_s[-1] - timer_s[0]),
                     second["hr"].to_numpy(float)),
        PPGRecording("heartpy:data3", (len(third) - 1) / span_s, third["hr"].to_numpy(float)),
    )


def heartpy_stretches() -> tuple[CleanStretch, ...]:
    """The clean stretches (:func:`clean_stretches`) of every recording heartpy ships, in order."""
    return tuple(s for recording in heartpy_recordings() for s in clean_stretches(recording))


def flat_samples(samples: np.ndarray, fs: float, *, min_run_s: float = 0.05) -> np.ndarray:
    """Boolean (N,): samples inside a run of equal values at least ``min_run_s`` s long
    (a dropout to a constant, or clipping)."""
    x = np.asarray(samples)
    change = np.flatnonzero(np.diff(x) != 0) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [x.size]])
    flat = np.zeros(x.size, bool)
    for s, e in zip(starts, ends):
        if e - s >= max(2, round(min_run_s * fs)):
            flat[s:e] = True
    return flat


def dominant_rate_hz(y: np.ndarray, fs: float, band_hz: tuple[float, float] = (0.6, 3.5)) -> float:
    """Frequency (Hz) of the Welch spectrum's peak inside ``band_hz``."""
    f, p = sps.welch(y, fs, nperseg=min(y.size, int(16 * fs)))
    inside = (f >= band_hz[0]) & (f <= band_hz[1])
    return float(f[inside][np.argmax(p[inside])])


def beat_marks(y: np.ndarray, fs: float) -> np.ndarray:
    """Beat marks (B,) in samples (fractional): the steepest point of each systolic upstroke.

    Systolic peaks are found at least 0.6 of the dominant period apart, of prominence over
    0.3 sd; each peak's mark is the largest rise per sample within 0.35 of a period before it,
    refined to the vertex of a parabola. Peaks too near the start to have that window are left out.
    """
    period = fs / dominant_rate_hz(y, fs)
    peaks, _ = sps.find_peaks(y, distance=max(1, int(0.6 * period)), prominence=0.3 * float(np.std(y)))
    slope = np.diff(y)  # slope[i]: rise from sample i to i + 1, centred at i + 0.5
    reach = max(2, int(0.35 * period))
    marks = [p - reach + int(np.argmax(slope[p - reach:p])) for p in peaks if p - reach >= 1]
    return np.array([m + 0.5 + parabolic_offset(slope, m) for m in marks])


def beat_shapes(y: np.ndarray, marks: np.ndarray, n: int = 64) -> np.ndarray:
    """(B-1, n): each beat (mark to next mark) resampled to ``n`` points."""
    grid = np.arange(y.size)
    return np.array([np.interp(np.linspace(a, b, n, endpoint=False), grid, y)
                     for a, b in itertools.pairwise(marks)])


def clean_beats(shapes: np.ndarray, marks: np.ndarray, flat: np.ndarray, fs: float, *,
                rr_tolerance: float, min_correlation: float, neighbours: int = 9) -> np.ndarray:
    """Boolean (B-1,): whether the beat from ``marks[i]`` to ``marks[i+1]`` (samples), resampled in
    ``shapes[i]`` (:func:`beat_shapes`), is clean.

    Clean: its interval is 0.3-2 s and within ``rr_tolerance`` (relative) of the median of
    ``neighbours`` intervals around it; its peak-to-peak height is 0.5-2 times the median of its
    neighbours'; its shape correlates at least ``min_correlation`` with the recording's median
    beat; none of its raw samples is ``flat``.
    """
    rr = np.diff(marks) / fs
    height = np.ptp(shapes, axis=1)
    roll = {"window": neighbours, "center": True, "min_periods": 3}
    rr_med = pd.Series(rr).rolling(**roll).median().to_numpy()
    h_med = pd.Series(height).rolling(**roll).median().to_numpy()
    typical = np.median(shapes, axis=0)
    corr = np.array([np.corrcoef(b, typical)[0, 1] for b in shapes])
    bounds = np.column_stack([np.floor(marks[:-1]), np.ceil(marks[1:]) + 1]).astype(int)
    dropout = np.array([flat[a:b].any() for a, b in bounds], bool)
    return ((rr >= 0.3) & (rr <= 2.0) & (np.abs(rr / rr_med - 1.0) < rr_tolerance)
            & (height > 0.5 * h_med) & (height < 2.0 * h_med) & (corr >= min_correlation) & ~dropout)


def clean_stretches(recording: PPGRecording, *, band_hz: tuple[float, float] = (0.5, 8.0),
                    min_duration_s: float = 10.0, rr_tolerance: float = 0.15,
                    min_correlation: float = 0.8) -> list[CleanStretch]:
    """The runs of clean beats (:func:`clean_beats`) of ``recording`` at least ``min_duration_s``
    s long, in recording order, each band-passed (Butterworth order 2, ``band_hz`` Hz, zero
    phase) and scaled to a median beat height (peak to peak) of 1."""
    fs = recording.fs
    sos = sps.butter(2, band_hz, btype="bandpass", fs=fs, output="sos")
    y = sps.sosfiltfilt(sos, recording.samples - np.mean(recording.samples))
    marks = beat_marks(y, fs)
    if marks.size < 3:
        return []
    shapes = beat_shapes(y, marks)
    ok = clean_beats(shapes, marks, flat_samples(recording.samples, fs), fs, rr_tolerance=rr_tolerance,
                     min_correlation=min_correlation)
    out = []
    edges = np.diff(np.concatenate([[0], ok.astype(int), [0]]))
    for first, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        run = marks[first:stop + 1]  # beats first..stop-1 run from marks[first] to marks[stop]
        if (run[-1] - run[0]) / fs < min_duration_s:
            continue
        lo, hi = int(np.floor(run[0])), int(np.ceil(run[-1])) + 1
        height = float(np.median(np.ptp(shapes[first:stop], axis=1)))
        segment = y[lo:hi] - y[lo:hi].mean()
        out.append(CleanStretch(recording=recording.name, fs=fs, start_s=lo / fs, pulse=segment / height,
                                marks=(run - lo) / fs))
    return out


#: share of a recorded beat, from its mark, played as systole (:meth:`RecordedPulse.recording_times`)
SYSTOLIC_SHARE = 0.6


@dataclass(frozen=True, eq=False)
class RecordedPulse(PulseModel):
    """A :class:`.ppg_model.PulseModel` whose beats are a recorded stretch's: beat ``k`` (from
    ``onsets[k]`` to ``onsets[k+1]``, s) plays the stretch from ``marks[k]`` to ``marks[k+1]`` (s
    from its start), its systole and diastole scaled apart (:meth:`recording_times`); ``smoothness``
    says how the stretch was low-passed (:meth:`CleanStretch.smoothed`). Beat height gain,
    breathing and baseline are added as in the parametric model; ``morphology`` is not used."""

    stretch: CleanStretch | None = None
    marks: np.ndarray = field(default_factory=lambda: np.zeros(0))
    smoothness: float = 0.0

    def __post_init__(self) -> None:
        if self.stretch is None or self.marks.shape != self.onsets.shape:
            raise ValueError("a RecordedPulse needs its stretch and one mark per onset")

    def recording_times(self, t: np.ndarray) -> np.ndarray:
        """Where in the stretch (s from its start) model times ``t`` (s) play, beat by beat.

        A beat's first ``SYSTOLIC_SHARE`` of the recorded beat (the upstroke, the systolic peak
        and the notch after it) is scaled by the square root of the beat's change of length, as
        systole shortens with the heart rate far less than the beat does (Bazett's rule for the
        QT interval, Weissler's for ejection time); the rest of the beat (the diastolic run-off)
        takes up what is left. Scaling the whole beat alike would, at half the recorded rate,
        move the dicrotic wave toward mid-beat, where it reads as a second beat.
        """
        d, r = np.diff(self.onsets), np.diff(self.marks)
        systole = np.minimum(SYSTOLIC_SHARE * r * np.sqrt(d / r), 0.8 * d)
        model = np.append(np.column_stack([self.onsets[:-1], self.onsets[:-1] + systole]).ravel(), self.onsets[-1])
        played = np.append(np.column_stack([self.marks[:-1], self.marks[:-1] + SYSTOLIC_SHARE * r]).ravel(),
                           self.marks[-1])
        return np.interp(t, model, played)

    def beats(self, t: np.ndarray) -> np.ndarray:
        """The stretch's pulse at model times ``t`` (s) (:meth:`recording_times`)."""
        self.beat_index(t)  # ValueError outside the span
        assert self.stretch is not None
        return self.stretch.at(self.recording_times(t))

    def description(self) -> dict[str, object]:
        """What the manifest records of the pulse: its source instead of a beat shape."""
        s = self.stretch
        assert s is not None
        speed = (self.marks[-1] - self.marks[0]) / (self.onsets[-1] - self.onsets[0])
        return {"morphology": None, "recorded_pulse": {
            "recording": s.recording, "fs_hz": s.fs,
            "start_s": float(s.start_s + self.marks[0]), "end_s": float(s.start_s + self.marks[-1]),
            "native_hr_bpm": beat_rate_bpm(self.marks),
            "speed": float(speed), "smoothness": self.smoothness,
            "lowpass_hz": smoothing_corner_hz(s.native_hr_bpm, self.smoothness) if self.smoothness > 0 else None}}


#: how much faster (or slower) than its own rate a recording may be played (:func:`recorded_pulse`)
SPEED_RANGE = (0.75, 1.5)


def recorded_pulse(draw: float, t_start: float, t_end: float, hr_bpm: float, rng: np.random.Generator, *,
                   respiration: Respiration, stretches: list[CleanStretch],
                   speed_range: tuple[float, float] = SPEED_RANGE, smoothness: float = 0.0) -> RecordedPulse:
    """A :class:`RecordedPulse` valid on [t_start, t_end] s at a mean rate near ``hr_bpm``.

    Each stretch is played ``speed = hr_bpm / its native rate`` times faster, kept inside
    ``speed_range``: slowed further, a recorded beat's late waves drift toward mid-beat and read as
    a second beat even in the reference; so a rate beyond what a stretch can reach is played at the
    bound. ``draw`` in [0, 1) picks the starting beat among every beat of every stretch that leaves
    enough of it (each equally likely); the stretch is then smoothed by ``smoothness``
    (:meth:`CleanStretch.smoothed`: 0 as recorded, 1 as smooth as a facial pulse). ``rng`` draws
    the phase of the first beat at ``t_start``, the breathing's phase and the baseline drift.
    ``ValueError`` when no stretch is long enough.
    """
    starts = []
    for s in stretches:
        speed = float(np.clip(hr_bpm / s.native_hr_bpm, *speed_range))
        need = speed * (t_end - t_start) + 2.0 * float(np.max(np.diff(s.marks)))
        starts += [(s, k, speed) for k in range(s.marks.size) if s.marks[-1] - s.marks[k] >= need]
    if not starts:
        longest = max((float(s.marks[-1]) for s in stretches), default=0.0)
        raise ValueError(f"no clean recorded stretch covers {t_end - t_start:.1f} s at {hr_bpm:.0f} bpm "
                         f"(the longest is {longest:.1f} s at its own rate)")
    stretch, k, speed = starts[min(int(draw * len(starts)), len(starts) - 1)]
    stretch = stretch.smoothed(smoothness)
    lead = rng.uniform(0.0, 1.0) * (stretch.marks[k + 1] - stretch.marks[k]) / speed
    onsets = t_start - lead + (stretch.marks[k:] - stretch.marks[k]) / speed
    last = int(np.searchsorted(onsets, t_end, side="right"))  # the first onset after t_end
    marks = stretch.marks[k:k + last + 1]
    resp_phase = rng.uniform(0, 2 * np.pi)
    drift = random_sinusoids(rng, respiration.drift, (0.01, 0.05), n=2)
    return RecordedPulse(onsets=onsets[:last + 1], beat_gain=np.ones(last + 1), respiration=respiration,
                         respiration_phase=resp_phase, drift_terms=drift, stretch=stretch, marks=marks,
                         smoothness=float(smoothness))
