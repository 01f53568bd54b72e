"""The ResNet-18 + TCN model as a registered benchmark method (``resnet``).

A learned method: it runs a checkpoint written by
:func:`rppg_bench.methods.resnet.train` (``--param resnet.model=CKPT``), or the
weights shipped with the package (``--param resnet.model=pretrained``,
:mod:`.pretrained`), or, given none, the benchmark trains it inside the run (:meth:`ResNetMethod.fit`,
protocols in :mod:`rppg_bench.training`) with the ``epochs``, ``lr``,
``batch``, ``clip_frames``, ``size`` and ``max_minutes`` parameters, from
random weights or, with ``--param resnet.init=pretrained`` (or a checkpoint
path), fine-tuning those weights (their crop size and clip length then apply).
``required_crop_size`` tells the runner which face-crop size to compute in
the same decoding pass as the RGB trace; ``extract`` then reuses those crops.
Without a (usable) checkpoint ``extract`` raises a ``ValueError`` saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ...datasets.recording import Recording
from ...metrics.bands import DEFAULT_BAND_HZ
from ..base import Method

NO_MODEL = ("resnet needs --param resnet.model=CKPT (a checkpoint written by "
            "'python -m rppg_bench.methods.resnet train ...'), or to be trained inside the benchmark "
            "run (python benchmark.py --methods resnet ... without resnet.model); none was given")


@dataclass
class ResNetMethod(Method):
    """ResNet-18 + TCN; ``model``: checkpoint path, ``frames``: chunk length
    (default: the checkpoint's clip length), ``device``: torch device (``cuda``
    without a GPU falls back to the CPU with a warning; ``None``: CUDA when
    available, for training and inference alike).

    Training inside a run (no ``model``): ``epochs``, AdamW ``lr``, ``batch``
    (clips), ``clip_frames`` (frames per training clip), ``size`` (face-crop
    side, px: 128, 96 or 64), ``max_minutes`` (stop after the epoch that
    exceeds it, per fold), ``amp`` (mixed precision), ``init`` (checkpoint to start
    from, ``pretrained`` for the shipped weights; empty: random weights),
    ``schedule`` (learning-rate schedule, ``constant`` or ``cosine``).

    ``band`` (Hz) and ``detrend_lambda``: the post-processing of the model's output, as the classical
    methods' (so a protocol's or ``--method-band``'s band reaches it too). ``flip``: test-time
    augmentation, the mean of the model's output on the face crops and on their mirror images."""

    name: ClassVar[str] = "resnet"
    kind: ClassVar[str] = "learned"
    paper: ClassVar[str] = (
        "ResNet-18 + TCN rPPG model of the original ResNet-18 scripts: an ImageNet-style ResNet-18 "
        "per face crop (global-pooled 512 features) followed by a 3-layer temporal convolution "
        "network (512-256-128-1, kernel 3), trained with MSE on the normalised PPG plus 0.1 x "
        "heart-rate error; reimplemented here and trained from scratch (no DOI)")

    model: str = ""
    frames: int | None = None
    device: str | None = "cpu"
    epochs: int = 30
    lr: float = 3e-4
    batch: int = 6
    clip_frames: int = 300
    size: int = 128
    max_minutes: float | None = None
    amp: bool = False
    init: str = ""
    schedule: str = "constant"
    band: tuple[float, float] = DEFAULT_BAND_HZ
    detrend_lambda: float | None = 100.0
    flip: bool = False

    def _loaded(self):
        """The checkpoint, loaded once per (model, device) and kept on the instance."""
        if not self.model:
            raise ValueError(NO_MODEL)
        from .pretrained import resolve_checkpoint

        key = (str(resolve_checkpoint(self.model).resolve()), self.device)
        cache = self.__dict__.get("_cache")
        if cache is None or cache[0] != key:
            from .infer import load_checkpoint

            cache = (key, load_checkpoint(self.model, self.device))
            self.__dict__["_cache"] = cache
        return cache[1]

    @property
    def required_crop_size(self) -> int:
        """Face-crop side (px) the checkpoint was trained on; without a checkpoint, the
        training ``size``; 0 when the given checkpoint is unusable.

        Never raises (the runner reads it before any method runs, and a bad
        ``model`` must fail only this method): :meth:`extract` reports the problem.
        """
        if not self.model:
            return self._start_config().get("size", self.size)
        try:
            return self._loaded().size
        except Exception:  # noqa: BLE001 - reported by extract()
            return 0

    def needs_training(self) -> bool:
        """True without a checkpoint: the benchmark then trains one inside the run."""
        return not self.model

    def _start_config(self) -> dict[str, Any]:
        """The config of the ``init`` checkpoint (empty without one or when it cannot be read)."""
        if not self.init:
            return {}
        try:
            from .checkpoint import read_checkpoint
            from .pretrained import resolve_checkpoint

            return read_checkpoint(resolve_checkpoint(self.init))["config"]
        except Exception:  # noqa: BLE001 - fit() reports the problem
            return {}

    def fit(self, recordings: Sequence[Recording], out_dir: Path, seed: int = 0) -> dict[str, Any]:
        """Train on ``recordings`` (checkpoints ``ckpt_ep{N}.pth`` in ``out_dir``), from ``init``'s weights
        when given (with its crop size and clip length); returns ``{"model": path}``."""
        from .trainer import train

        start = self._start_config()
        ckpt = train(None, recordings=list(recordings), epochs=self.epochs, lr=self.lr, batch=self.batch,
                     frames=start.get("frames", self.clip_frames), size=start.get("size", self.size),
                     device=self.device, seed=seed, out_dir=out_dir, amp=self.amp, max_minutes=self.max_minutes,
                     progress=True, save_every=self.epochs, init=self.init or None, schedule=self.schedule)
        return {"model": str(ckpt)}

    def extract(self, video: Recording | str | Path) -> tuple[np.ndarray, np.ndarray]:
        from .infer import extract_with_model

        return extract_with_model(video, self._loaded(), frames=self.frames, band=tuple(self.band),
                                  detrend_lambda=self.detrend_lambda, flip=self.flip)

    def stream_scorer(self, hop: int | None = None):
        """A :class:`~.stream.StreamScorer` on this method's checkpoint (the shipped weights when none is
        given): the live view's streaming path. ``hop``: frames between model runs (default a quarter of
        the model's clip)."""
        from dataclasses import replace

        from .stream import StreamScorer

        loaded = replace(self, model=self.model or "pretrained")._loaded()
        window = int(self.frames or loaded.frames)
        return StreamScorer(loaded, window, int(hop or max(1, window // 4)))

    def __getstate__(self) -> dict[str, Any]:  # the loaded model stays in this process
        state = dict(self.__dict__)
        state.pop("_cache", None)
        return state
