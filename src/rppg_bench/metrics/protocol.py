"""Evaluation protocols: every setting that changes a reported number.

A ``Protocol`` is recorded in every results file. ``PROTOCOLS`` holds the named
presets selectable with ``--protocol``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from .bands import DEFAULT_BAND_HZ, TOOLBOX_BAND_HZ
from .defaults import (
    BREATHING_BAND_HZ,
    CONFIDENCE_METHODS,
    DEFAULT_HR_METHOD,
    DEFAULT_REL_PROMINENCE,
    DEFAULT_TOLERANCE_S,
    FUSION_SD_BPM,
    MAX_ARTEFACT_SHARE,
    MIN_BEATS,
    MIN_BREATHS,
    MIN_LF_HF_DURATION_S,
    MIN_TEMPLATE_CORRELATION,
    SECONDARY_WAVE_SHARE,
)

#: the pulse band (Hz) beats are found in: 30-210 bpm, so that slow pulses keep their
#: fundamental (a 0.7 Hz edge turns 40-45 bpm dicrotic waves into beats, ``metrics.beats``)
BEAT_BAND_HZ = (0.5, 3.5)


@dataclass(frozen=True)
class BeatProtocol:
    """How the beat, HRV and breathing metrics are computed (:mod:`.beat_metrics`).

    band: pulse band (Hz) of the beat detection (:func:`.beats.beat_times`).
    rel_prominence: smallest prominence of a beat relative to the 90th percentile of all
    peaks' prominences (:func:`.beats.beat_times`).
    secondary_share: a first-pass peak under this share of both neighbours' prominence is a
    secondary wave (a finger PPG's late or dicrotic wave) and does not set the beats' spacing
    (:func:`.beats.secondary_waves`; 0: every peak does, as before 2026-12-07).
    max_artefact_share: the largest share of beat intervals changing by more than 20 % from the
    previous one (:func:`.hrv.artefact_share`) a side may have for its HRV and breathing rate to be
    given (else "too noisy").
    tolerance_s: half-width (s) within which an estimated beat matches a reference beat.
    max_offset_s: largest constant shift (s) of the method's beats toward the reference's
    taken out before matching (pulse transit between finger and face, clock offsets).
    min_quality: smallest beat-template correlation (:func:`.breathing.pulse_quality`) of a
    side for its HRV and breathing rate to be given (else "too noisy").
    min_lf_hf_s: span of beats (s) needed for LF/HF.
    breathing_band (Hz), breathing_modulations, fusion_sd_bpm: passed to
    :func:`.breathing.breathing_rate`; RIIV is not among the default modulations because
    every method's output is band-passed (RIIV lies below the pulse band), and RIAV not
    because the methods' amplitude normalisation (e.g. POS's alpha tuning) does not keep
    the beats' heights (see docs/beats-breathing.md).
    breathing_window, breathing_step: windowed breathing rate, window and step (s).
    """

    band: tuple[float, float] = BEAT_BAND_HZ
    rel_prominence: float = DEFAULT_REL_PROMINENCE
    secondary_share: float = SECONDARY_WAVE_SHARE
    max_artefact_share: float = MAX_ARTEFACT_SHARE
    tolerance_s: float = DEFAULT_TOLERANCE_S
    max_offset_s: float = 0.5
    min_quality: float = MIN_TEMPLATE_CORRELATION
    min_lf_hf_s: float = MIN_LF_HF_DURATION_S
    breathing_band: tuple[float, float] = BREATHING_BAND_HZ
    breathing_modulations: tuple[str, ...] = ("rifv",)
    fusion_sd_bpm: float = FUSION_SD_BPM
    breathing_window: float = 32.0
    breathing_step: float = 4.0

    def as_dict(self) -> dict[str, Any]:
        """The settings plus the fixed minimum lengths they imply: ``min_hrv_beats`` (time-domain
        HRV) and ``min_breathing_s`` (a breathing rate: :data:`.breathing.MIN_BREATHS` breaths at the band's low edge)."""
        return {**asdict(self), "min_hrv_beats": MIN_BEATS,
                "min_breathing_s": MIN_BREATHS / self.breathing_band[0]}


@dataclass(frozen=True)
class Protocol:
    """Evaluation settings.

    band: HR search band (Hz). hr_method: estimator (see ``metrics.heart_rate``; ``"harmonic"``
    reproduces runs made before ``"structured"`` became the default). hr_track: follow the windowed
    HR across windows (``hr_windowed(track=True)``); None: wherever the estimator gives candidates
    (:data:`~.heart_rate.CONFIDENCE_METHODS`), so ``"harmonic"`` scores windows one by one as before.
    hr_whole_from_windows: the whole-video HR (prediction and reference alike) is the mean of the
    windowed rates (``metrics.heart_rate.mean_window_rate``) instead of one estimate over the whole
    span; None: wherever the windows are tracked (``hr_track`` resolved), so ``"harmonic"`` keeps its
    whole-span estimate. False reproduces ``"structured"`` runs made before 2026-12-07 (docs/hr-estimators.md).
    hr_octave_check: a tracked path that is the pulse's 2nd harmonic (the bands at half its rate and at
    its rate move together over at least 15 s) is halved (``metrics.hr_octave``); None: wherever the
    windows are tracked. False reproduces ``"structured"`` runs made before the check (docs/hr-estimators.md).
    hr_min_confidence: the confidence (0-1) a whole-video or window estimate needs to count among
    the report's "kept" results (coverage and MAE above the threshold; estimators without a
    confidence keep nothing). window, step: windowed-HR window and step (s). max_lag: bound (s) of the lag
    search for waveform metrics, 0 disables it. hr_source: ``"ppg"`` derives the
    true HR from the ground-truth PPG with the same estimator, ``"dataset"`` uses
    the dataset's own HR where it has one. ref_beat_check: where the reference PPG's beats are
    regular and their rate is in a harmonic ratio (1/3-3x) to its estimate, whole-span or in a
    window, the beats' rate is the true HR there (:mod:`.reference_check`; needs ``beats``).
    detrend_lambda: smoothness-priors
    lambda applied to the reference PPG before waveform metrics. wave_in_band: the waveform metrics
    and the SNR see the prediction band-passed to ``band`` as the reference is, so that a method whose
    output keeps a wider band (e.g. ``method_band``) is compared in the same band.

    Preprocessing and method settings (applied by the runner):
    roi: face preprocessing, ``"mediapipe"`` (forehead and cheek polygons of
    tracked landmarks, ``preprocessing.landmarks``), ``"mediapipe_hull"`` (the
    landmarks' convex hull minus eyes, eyebrows and lips, as pyVHR does) or
    ``"haar_box"`` (one Haar face box from the first frame, ``preprocessing.haar``). landmark_every:
    FaceMesh on every this many frames, the landmarks between interpolated (1: every frame;
    ``preprocessing.landmarks.keyframe_landmarks``). landmarks: ``"every"`` (FaceMesh on every
    ``landmark_every``-th frame; the default before 2026-12-07, which ``--landmarks every`` reproduces) or
    ``"track"`` (FaceMesh on keyframes, optical flow between; ``preprocessing.landmark_track``; the
    default since issue 22: as accurate on 88 videos, about 2-2.7x faster, docs/speed.md). method_band (Hz) and
    method_detrend_lambda: the ``band`` and ``detrend_lambda`` given to every
    method that has them, unless set with ``--param``; None keeps each
    method's default. standard_errors: also report MAE, RMSE, MAPE and
    Pearson r with rPPG-Toolbox's standard errors (``metrics.hr_stats.toolbox_errors``).
    beats: the beat, HRV and breathing metrics' settings (:class:`BeatProtocol`); None
    leaves those metrics out (no columns).
    """

    name: str = "default"
    band: tuple[float, float] = DEFAULT_BAND_HZ
    hr_method: str = DEFAULT_HR_METHOD
    hr_track: bool | None = None
    hr_whole_from_windows: bool | None = None
    hr_octave_check: bool | None = None
    hr_min_confidence: float = 0.5
    window: float = 10.0
    step: float = 1.0
    max_lag: float = 0.0
    hr_source: str = "ppg"
    ref_beat_check: bool = True
    detrend_lambda: float = 100.0
    wave_in_band: bool = False
    roi: str = "mediapipe"
    landmark_every: int = 1
    landmarks: str = "track"
    method_band: tuple[float, float] | None = None
    method_detrend_lambda: float | None = None
    standard_errors: bool = False
    beats: BeatProtocol | None = field(default_factory=BeatProtocol)

    def __post_init__(self) -> None:
        if self.hr_track and self.hr_method not in CONFIDENCE_METHODS:
            raise ValueError(f"hr_track needs an HR estimator with candidates ({', '.join(CONFIDENCE_METHODS)}), "
                             f"got {self.hr_method!r}")
        if self.hr_octave_check and not self.tracks_windows:
            raise ValueError("hr_octave_check halves a tracked path: it needs the windows tracked (hr_track)")
        if not 0.0 <= float(self.hr_min_confidence) <= 1.0:
            raise ValueError(f"hr_min_confidence must be between 0 and 1, got {self.hr_min_confidence!r}")

    @property
    def tracks_windows(self) -> bool:
        """Whether the windowed HR is tracked across windows (``hr_track``, resolved)."""
        return self.hr_method in CONFIDENCE_METHODS if self.hr_track is None else bool(self.hr_track)

    @property
    def whole_from_windows(self) -> bool:
        """Whether the whole-video HR is the mean of the windowed rates (``hr_whole_from_windows``, resolved)."""
        return self.tracks_windows if self.hr_whole_from_windows is None else bool(self.hr_whole_from_windows)

    @property
    def octave_check(self) -> bool:
        """Whether a tracked path is checked for being the pulse's 2nd harmonic (``hr_octave_check``, resolved)."""
        return self.tracks_windows if self.hr_octave_check is None else bool(self.hr_octave_check)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "hr_track": self.tracks_windows, "hr_whole_from_windows": self.whole_from_windows,
                "hr_octave_check": self.octave_check,
                "beats": None if self.beats is None else self.beats.as_dict()}

    def with_overrides(self, **changes: Any) -> Protocol:
        """A copy with the non-None ``changes`` applied."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def with_beat_settings(self, changes: dict[str, Any]) -> Protocol:
        """A copy whose ``beats`` has ``changes`` (:class:`BeatProtocol` fields; lists become
        tuples) applied. ``ValueError`` naming the field when it is not one, or when this protocol
        computes no beat metrics (``beats`` None, as in ``toolbox``)."""
        if not changes:
            return self
        if self.beats is None:
            raise ValueError(f"protocol {self.name!r} computes no beat metrics; its beat settings cannot be set")
        known = {f.name for f in fields(BeatProtocol)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"no beat setting {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}
        return replace(self, beats=replace(self.beats, **values))


TOOLBOX = Protocol(
    name="toolbox", band=TOOLBOX_BAND_HZ, hr_method="toolbox_fft", roi="haar_box", method_band=TOOLBOX_BAND_HZ,
    method_detrend_lambda=100.0, standard_errors=True, beats=None, ref_beat_check=False, landmarks="every")
"""rPPG-Toolbox's unsupervised evaluation (Liu et al., NeurIPS 2023 Datasets and Benchmarks;
``unsupervised_methods/unsupervised_predictor.py`` with ``EVALUATION_METHOD: FFT``
and no evaluation window), so its published numbers can be compared.

Reproduced:

- Face: OpenCV's Haar cascade ``haarcascade_frontalface_default.xml`` (the
  copy shipped with opencv-contrib-python, the same file the toolbox ships),
  ``detectMultiScale`` with default arguments on the FIRST frame only (RGB
  frame, as the toolbox passes it), the widest box when several are found,
  enlarged 1.5x about its centre with the toolbox's integer arithmetic and
  clipping of the top-left corner at 0; every frame cropped to that box
  (clipped to the frame) and resized to 72x72 (``INTER_AREA``); the trace is
  the spatial mean RGB of the whole 72x72 crop. No face on the first frame:
  the toolbox's fallback box ``[0, 0, height, width]`` (it swaps the axes) is
  used and the products' ``face_found`` is False.
- Methods: post-processed with band 0.75-2.5 Hz and detrend lambda 100.
- HR: ``toolbox_fft`` (``metrics.heart_rate``) on the whole video, for the
  prediction and the ground-truth PPG alike: detrend lambda 100,
  ``butter(1, [0.75, 2.5] Hz)`` + ``filtfilt``, periodogram with ``nfft`` the
  next power of 2 of the length, peak within 0.75-2.5 Hz (bins of
  ``60 fs / nfft`` bpm).
- Dataset metrics: MAE, RMSE, MAPE, Pearson r with the toolbox's standard
  errors (``metrics.hr_stats.toolbox_errors``), next to the bootstrap intervals.

Remaining differences (what this harness does not change for this preset):

1. Ground truth is aligned by timestamps (interpolated onto the method's
   uniform frame grid over the common span); the toolbox resamples the PPG
   to the number of frames by index. Identical for UBFC-rPPG DATASET_2
   (one PPG sample per frame); for PURE the toolbox stretches the 60 Hz
   oximeter signal over the frames and ignores the clocks.
2. Sampling rate: the true frame rate (median frame interval) is used; the
   toolbox uses the configured ``FS`` (30) for every video.
3. Older toolbox versions drop the last frame of every video (``DATA_TYPE: Raw``
   kept ``frames[:-1]``, e.g. ``BaseLoader`` at 0059781); the current one (at
   09945e1) keeps every frame, as the harness does.
4. The methods are this harness's implementations (``methods/``), not the
   toolbox's: e.g. the toolbox's POS band-passes its own output to
   0.75-3 Hz with a first-order filter, its CHROM filters each window with
   its own filter, its GREEN does no filtering; here every method's output
   gets the shared post-processing (smoothness-priors detrend, third-order
   zero-phase Butterworth band-pass 0.75-2.5 Hz, [0, 1] normalisation) before
   the evaluation applies the toolbox's post-processing.
5. The methods' detrend lambda is scaled with the frame rate (100 at 30 fps,
   identical there); the evaluation's ``toolbox_fft`` uses 100 unscaled, as
   the toolbox does.
6. Degenerate input: a signal without power in the band raises a per-video
   error instead of reporting the band's lowest bin (45 bpm).
7. SNR is de Haan's (``metrics.errors.snr_db``), not the toolbox's
   ``_calculate_SNR``; windowed HR (10 s windows) and waveform metrics are
   extras the toolbox does not report. The beat, HRV and breathing metrics,
   which the toolbox does not have, are left out (``beats=None``).
8. RMSE's standard error follows the current toolbox,
   ``sqrt(std(e^2) / sqrt(n))``; earlier versions printed
   ``std(e^2) / sqrt(n)``.
"""

PROTOCOLS: dict[str, Protocol] = {
    "default": Protocol(),
    "toolbox": TOOLBOX,
}


def get_protocol(name: str) -> Protocol:
    """The preset called ``name``; unknown names list the available ones."""
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise KeyError(f"unknown protocol {name!r}; available: {', '.join(sorted(PROTOCOLS))}") from None
