"""Pretrained neural rPPG models of the ``open-rppg`` package (PyPI, version 0.1.1) as methods.

open-rppg (Kegang Wang, MIT licence) ships Keras 3 / JAX ports of published
models with weights trained on PURE (Stricker et al. 2014) and on RLAP
(Wang et al. 2023, PhysBench, arXiv:2305.04161), so nothing is downloaded at
run time. Each model is one registered method:

=================  =====================  ==============  ===================
method             open-rppg model        weights         input (frames, px)
=================  =====================  ==============  ===================
``physnet``        PhysNet                rlap, pure      128 x 32 x 32
``tscan``          TSCAN                  rlap, pure      160 x 36 x 36
``efficientphys``  EfficientPhys          rlap, pure      160 x 72 x 72
``physformer``     PhysFormer             rlap, pure      160 x 128 x 128
``physmamba``      PhysMamba              rlap, pure      128 x 128 x 128
``rhythmmamba``    RhythmMamba            rlap, pure      160 x 128 x 128
``me-rppg``        ME-chunk / ME-flow     rlap, pure      160 or 1 x 36 x 36
``facephys``       FacePhys               rlap            1 x 36 x 36
=================  =====================  ==============  ===================

``weights`` picks the training set. The default is ``rlap``: RLAP is not one
of the datasets this harness loads (synthetic, UBFC-rPPG, PURE, folders of
videos), so every score is cross-dataset; ``weights=pure`` must not be scored
on PURE (the model saw those subjects).

The package's own pipeline is used unchanged, frame by frame through
``rppg.Model.update_frame``: its BlazeFace detector (ONNX, every 5th frame),
Kalman-smoothed face box, crop, ``INTER_AREA`` resize to the model's input,
its resampling to the model's 30 fps (nearest frame in time; frames are
repeated or dropped) and its per-model input normalisation. Only the frame
decoding is ours (the same RGB frames and timestamps every method gets, so
PURE's image folders with their real timestamps work too). The model's output
is mapped back onto our frame times by interpolation (frames fed more than
once to the model are averaged), one value per frame, normalised to [0, 1].
JAX's compiled kernels are cached under ``<cache folder>/jax`` (see
``rppg_bench.cache``; a ``JAX_COMPILATION_CACHE_DIR`` of your own wins).

``postprocess``: ``"open-rppg"`` (default) keeps the package's own
post-processing (``Model.bvp``: integration and detrending for TS-CAN and
EfficientPhys, which predict the first derivative, then a 0.5-3 Hz band-pass
and its beat-wise amplitude normalisation); ``"harness"`` takes its raw output
and applies this harness's detrend / band-pass (``band``,
``detrend_lambda``) like the classical methods.

Install (open-rppg declares ``opencv_python``, which would put a second
``cv2`` over mediapipe's ``opencv-contrib-python``, so it is installed
without its dependencies, which the ``open-rppg`` extra lists)::

    pip install -e ".[open-rppg]" && pip install --no-deps open-rppg==0.1.1
"""

from __future__ import annotations

import importlib.util
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..datasets.errors import RecordingError
from ..datasets.recording import Recording
from ..metrics.bands import DEFAULT_BAND_HZ
from ..metrics.signal import signal_normalize, signal_postprocess
from .base import Method

#: the open-rppg release these methods are written and tested against
OPEN_RPPG_VERSION = "0.1.1"
INSTALL_HINT = f'pip install -e ".[open-rppg]" && pip install --no-deps open-rppg=={OPEN_RPPG_VERSION}'
#: modules open-rppg imports (``pkg_resources`` comes from setuptools < 82)
_REQUIRED_MODULES = ("rppg", "jax", "keras", "onnxruntime", "av", "heartpy", "einops", "pkg_resources")
POSTPROCESS = ("open-rppg", "harness")
_RLAP = "RLAP (Wang et al. 2023, PhysBench, arXiv:2305.04161)"


class OpenRPPGMissingError(ImportError, ValueError):
    """open-rppg (or one of the modules it needs) is not installed.

    A ``ValueError`` too, so the command line reports it as a one-line error.
    """


def missing_modules() -> list[str]:
    """Modules open-rppg needs that cannot be found (without importing anything)."""
    missing = []
    for mod in _REQUIRED_MODULES:
        try:
            found = importlib.util.find_spec(mod) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(mod)
    return missing


_IMPORT_LOCK = threading.Lock()


def import_open_rppg():
    """The ``rppg`` package of open-rppg, imported once.

    Its import switches Keras to JAX and silences every ``UserWarning`` of the
    process; the warning filters are restored afterwards.
    """
    missing = missing_modules()
    if missing:
        raise OpenRPPGMissingError(
            f"open-rppg methods need the 'open-rppg' extra; missing module(s): {', '.join(missing)}. "
            f"Install with: {INSTALL_HINT}")
    with _IMPORT_LOCK, warnings.catch_warnings():  # restores the filters its import changes
        _enable_jax_compilation_cache()
        import rppg
    return rppg


def _enable_jax_compilation_cache() -> None:
    """Keep JAX's compiled kernels in ``<rppg-bench cache>/jax`` (unless JAX already has a
    cache folder): building a model and its first call compile for 10-20 s on a CPU;
    from the cache it takes 2-3 s in later processes."""
    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return
    try:
        import jax

        if jax.config.jax_compilation_cache_dir:
            return
        from ..cache import default_cache_dir

        jax.config.update("jax_compilation_cache_dir", str(default_cache_dir() / "jax"))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    except Exception as exc:  # noqa: BLE001 - only a speed-up
        warnings.warn(f"JAX compilation cache not enabled: {exc}", RuntimeWarning, stacklevel=2)


@dataclass
class OpenRPPGMethod(Method):
    """One open-rppg model; subclasses set ``model_name`` and ``weight_sets``.

    ``weights``: training set of the weights (see the module docstring),
    ``postprocess``: ``"open-rppg"`` or ``"harness"``, ``band`` (Hz) and
    ``detrend_lambda``: the harness's post-processing (``postprocess="harness"`` only).
    """

    kind: ClassVar[str] = "learned"
    model_name: ClassVar[str] = ""
    weight_sets: ClassVar[tuple[str, ...]] = ("rlap", "pure")

    weights: str = "rlap"
    postprocess: str = "open-rppg"
    band: tuple[float, float] = DEFAULT_BAND_HZ
    detrend_lambda: float = 100.0

    def __post_init__(self) -> None:
        self.weights = str(self.weights).lower()
        if self.weights not in self.weight_sets:
            raise ValueError(f"{self.name}: unknown weights {self.weights!r}; "
                             f"open-rppg ships {', '.join(self.weight_sets)}")
        if self.postprocess not in POSTPROCESS:
            raise ValueError(f"{self.name}: unknown postprocess {self.postprocess!r}; choose one of {POSTPROCESS}")
        missing = missing_modules()
        if missing:
            raise OpenRPPGMissingError(
                f"method {self.name!r} needs the 'open-rppg' extra; missing module(s): {', '.join(missing)}. "
                f"Install with: {INSTALL_HINT}")

    @property
    def open_rppg_model(self) -> str:
        """The model's name in open-rppg (``rppg.supported_models``)."""
        return f"{self.model_name}.{self.weights}"

    def _new_model(self):
        """A fresh ``rppg.Model`` (its jitted network is cached by open-rppg, so this is cheap after the first)."""
        rppg = import_open_rppg()
        model = rppg.Model(self.open_rppg_model)
        model.face_resampling_pool.shutdown()  # the constructor's empty pass leaves an executor behind
        return model

    def extract(self, video: Recording | str | Path) -> tuple[np.ndarray, np.ndarray]:
        from ..preprocessing.decode import as_recording, decoded_frame_times

        rec = as_recording(video)
        model = self._new_model()
        times = np.asarray(rec.frame_times, dtype=float)
        fps = rec.fps
        n = 0
        try:
            with model:  # open-rppg's threads: face detection, cropping, resampling to 30 fps, inference
                for frame in rec.frames():
                    t = times[n] if n < times.size else times[-1] + (n - times.size + 1) / fps
                    model.update_frame(frame, float(t))
                    n += 1
        finally:
            model.face_resampling_pool.shutdown()
        if n == 0:
            raise RecordingError(rec.path, "video has no decodable frames")
        frame_t = decoded_frame_times(rec, n)
        stats = model.statistic
        if stats["frames"] and stats["null"] >= stats["frames"]:
            raise RecordingError(rec.path, f"open-rppg's face detector found no face in any of its {n} frames")
        if not model.ts or model.n_signal != len(model.ts):
            raise RuntimeError(f"open-rppg {self.open_rppg_model} produced {model.n_signal} output samples "
                               f"for {len(model.ts)} input frames of {rec.path} (its inference thread failed)")
        raw = self.postprocess == "harness"
        bvp, ts = model.bvp(raw=raw)
        bvp = np.asarray(bvp, dtype=float)
        if bvp.size < 2:
            raise RecordingError(rec.path, f"too short for open-rppg: its models need at least 2 s of video "
                                           f"({n} frames, {frame_t[-1] - frame_t[0]:.2f} s)")
        if not np.all(np.isfinite(bvp)):
            raise RuntimeError(f"open-rppg {self.open_rppg_model} returned non-finite values for {rec.path}")
        if raw:
            bvp = signal_postprocess(bvp, float(model.fps), self.band, self.detrend_lambda)
        model_t = np.asarray(ts, dtype=float) + float(model.ts[0])
        return frame_t, signal_normalize(to_frame_times(model_t, bvp, frame_t))


def to_frame_times(model_t: np.ndarray, values: np.ndarray, frame_t: np.ndarray) -> np.ndarray:
    """``values`` at model sample times ``model_t`` (s, non-decreasing; a frame fed
    several times repeats its time) linearly interpolated onto ``frame_t`` (s);
    repeated times are averaged, ends are held."""
    uniq, inverse = np.unique(model_t, return_inverse=True)
    mean = np.bincount(inverse, weights=values) / np.bincount(inverse)
    if uniq.size == 1:
        return np.full(frame_t.shape, mean[0])
    return np.interp(frame_t, uniq, mean)


def _paper(text: str, weights: str = f"; weights trained on {_RLAP} or PURE") -> str:
    return f"{text}; pretrained weights of open-rppg {OPEN_RPPG_VERSION}{weights}"


@dataclass
class PhysNet(OpenRPPGMethod):
    name: ClassVar[str] = "physnet"
    model_name: ClassVar[str] = "PhysNet"
    paper: ClassVar[str] = _paper(
        "PhysNet: Yu, Li & Zhao 2019, Remote Photoplethysmograph Signal Measurement from Facial Videos "
        "Using Spatio-Temporal Networks, BMVC, arXiv:1905.02419")


@dataclass
class TSCAN(OpenRPPGMethod):
    name: ClassVar[str] = "tscan"
    model_name: ClassVar[str] = "TSCAN"
    paper: ClassVar[str] = _paper(
        "TS-CAN: Liu, Fromm, Patel & McDuff 2020, Multi-Task Temporal Shift Attention Networks for "
        "On-Device Contactless Vitals Measurement, NeurIPS, arXiv:2006.03790")


@dataclass
class EfficientPhys(OpenRPPGMethod):
    name: ClassVar[str] = "efficientphys"
    model_name: ClassVar[str] = "EfficientPhys"
    paper: ClassVar[str] = _paper(
        "EfficientPhys: Liu, Hill, Jiang, Patel & McDuff 2023, EfficientPhys: Enabling Simple, Fast and "
        "Accurate Camera-Based Cardiac Measurement, WACV, arXiv:2110.04447")


@dataclass
class PhysFormer(OpenRPPGMethod):
    name: ClassVar[str] = "physformer"
    model_name: ClassVar[str] = "PhysFormer"
    paper: ClassVar[str] = _paper(
        "PhysFormer: Yu, Shen, Shi, Zhao, Torr & Zhao 2022, PhysFormer: Facial Video-based Physiological "
        "Measurement with Temporal Difference Transformer, CVPR, arXiv:2111.12082")


@dataclass
class PhysMamba(OpenRPPGMethod):
    name: ClassVar[str] = "physmamba"
    model_name: ClassVar[str] = "PhysMamba"
    paper: ClassVar[str] = _paper(
        "PhysMamba: Luo et al. 2024, PhysMamba: Efficient Remote Physiological Measurement with "
        "SlowFast Temporal Difference Mamba, arXiv:2409.12031")


@dataclass
class RhythmMamba(OpenRPPGMethod):
    name: ClassVar[str] = "rhythmmamba"
    model_name: ClassVar[str] = "RhythmMamba"
    paper: ClassVar[str] = _paper(
        "RhythmMamba: Zou et al. 2025, RhythmMamba: Fast, Lightweight, and Accurate "
        "Remote Physiological Measurement, AAAI, arXiv:2404.06483")


@dataclass
class MERPPG(OpenRPPGMethod):
    """ME-rPPG; ``mode``: ``"chunk"`` (160-frame chunks, state carried between them)
    or ``"flow"`` (one frame at a time, as in real time)."""

    name: ClassVar[str] = "me-rppg"
    model_name: ClassVar[str] = "ME"
    paper: ClassVar[str] = _paper(
        "ME-rPPG: Wang, Tang, Fan, Ji, Shi & Wang 2025, Memory-efficient Low-latency Remote "
        "Photoplethysmography through Temporal-Spatial State Space Duality, arXiv:2504.01774")
    mode: str = "chunk"

    def __post_init__(self) -> None:
        if self.mode not in ("chunk", "flow"):
            raise ValueError(f"{self.name}: unknown mode {self.mode!r}; choose 'chunk' or 'flow'")
        super().__post_init__()

    @property
    def open_rppg_model(self) -> str:
        return f"ME-{self.mode}.{self.weights}"


@dataclass
class FacePhys(OpenRPPGMethod):
    name: ClassVar[str] = "facephys"
    model_name: ClassVar[str] = "FacePhys"
    weight_sets: ClassVar[tuple[str, ...]] = ("rlap",)
    paper: ClassVar[str] = _paper(
        "FacePhys: Wang, Tang, Wang, Liu, Fan, Ji, Shi & McDuff 2025, FacePhys: State of the Heart "
        "Learning, arXiv:2512.06275", weights=f"; weights trained on {_RLAP} only")


#: registry name -> class name in this module
MODELS = {cls.name: cls.__name__ for cls in
          (PhysNet, TSCAN, EfficientPhys, PhysFormer, PhysMamba, RhythmMamba, MERPPG, FacePhys)}
