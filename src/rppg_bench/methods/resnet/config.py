"""The options of one ResNet-18 + TCN training run, in one frozen value."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...metrics.bands import DEFAULT_BAND_HZ
from .checkpoint import make_config
from .data import Jitter
from .loss import DEFAULT_HR_WEIGHT, DEFAULT_TEMPERATURE


@dataclass(frozen=True)
class TrainConfig:
    """What a training run does, apart from where its data, device and files are.

    ``epochs`` in total (a resumed run stops there too); AdamW ``lr`` and
    ``weight_decay``; ``batch`` clips of ``frames`` frames, ``stride`` frames
    apart (None: ``frames // 2``); ``size`` face-crop side (px); ``seed`` for
    weights, clip order and augmentation. Model: ``dropout``, ``batch_norm``,
    ``pretrained_path``. Loss: ``hr_weight``, ``band`` (Hz), ``temperature``.
    Augmentation: ``augment`` with ``jitter`` ranges. Loop: ``amp`` (mixed
    precision), ``compile`` (``torch.compile``), ``grad_clip`` (max gradient
    norm, None: none), ``save_every`` (epochs), ``max_minutes`` (wall time
    after which the current epoch is the last), ``deterministic``, ``progress``.
    Recipe: ``schedule`` (:data:`SCHEDULES`: ``"constant"`` keeps ``lr``;
    ``"cosine"`` warms up linearly over the first ``warmup`` share of the steps,
    then decays by a half cosine to ``lr * final_lr_share``), ``init_path`` (a
    checkpoint whose weights the run starts from: fine-tuning; unlike a resume,
    the epoch count, optimizer and loss history start afresh).
    """

    epochs: int = 30
    lr: float = 3e-4
    batch: int = 6
    frames: int = 300
    size: int = 128
    seed: int = 0
    amp: bool = False
    compile: bool = False
    progress: bool = True
    weight_decay: float = 1e-2
    dropout: float = 0.1
    batch_norm: bool = True
    hr_weight: float = DEFAULT_HR_WEIGHT
    band: tuple[float, float] = DEFAULT_BAND_HZ
    temperature: float = DEFAULT_TEMPERATURE
    augment: bool = True
    jitter: Jitter = field(default_factory=Jitter)
    stride: int | None = None
    pretrained_path: str | Path | None = None
    save_every: int = 1
    grad_clip: float | None = 5.0
    max_minutes: float | None = None
    deterministic: bool = True
    schedule: str = "constant"
    warmup: float = 0.05
    final_lr_share: float = 0.01
    init_path: str | Path | None = None

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch < 1 or self.frames < 2:
            raise ValueError(f"need epochs >= 1, batch >= 1, frames >= 2; "
                             f"got {self.epochs}, {self.batch}, {self.frames}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}")
        if not (0 <= self.warmup < 1 and 0 < self.final_lr_share <= 1):
            raise ValueError(f"need 0 <= warmup < 1 and 0 < final_lr_share <= 1, "
                             f"got {self.warmup}, {self.final_lr_share}")

    def lr_at(self, step: int, total_steps: int) -> float:
        """The learning rate of optimizer step ``step`` (0-based) of ``total_steps`` (:func:`scheduled_lr`)."""
        return scheduled_lr(self.lr, step, total_steps, schedule=self.schedule, warmup=self.warmup,
                            final_share=self.final_lr_share)

    def model_config(self) -> dict[str, Any]:
        """The ``config`` entry of the checkpoints this run writes (:func:`.checkpoint.make_config`)."""
        return make_config(size=self.size, frames=self.frames, dropout=self.dropout, batch_norm=self.batch_norm,
                           hr_weight=self.hr_weight, band=self.band, temperature=self.temperature)

    def run_meta(self) -> dict[str, Any]:
        """The training settings recorded in every checkpoint's ``meta``."""
        meta = {"lr": float(self.lr), "batch": int(self.batch), "epochs": int(self.epochs),
                "weight_decay": float(self.weight_decay), "augment": bool(self.augment), "amp": bool(self.amp),
                "schedule": self.schedule}
        if self.schedule != "constant":
            meta.update(warmup=float(self.warmup), final_lr_share=float(self.final_lr_share))
        return meta


#: learning-rate schedules of :class:`TrainConfig`
SCHEDULES = ("constant", "cosine")


def scheduled_lr(lr: float, step: int, total_steps: int, *, schedule: str = "constant", warmup: float = 0.05,
                 final_share: float = 0.01) -> float:
    """Learning rate at optimizer step ``step`` (0-based) of ``total_steps``.

    ``"constant"``: ``lr``. ``"cosine"``: linear warm-up from ``lr / n_warm`` to
    ``lr`` over the first ``n_warm = ceil(warmup * total_steps)`` steps, then a
    half cosine from ``lr`` down to ``lr * final_share`` at the last step
    (steps past the end stay there).
    """
    if schedule == "constant":
        return float(lr)
    n_warm = math.ceil(warmup * total_steps)
    if step < n_warm:
        return float(lr) * (step + 1) / n_warm
    span = max(1, total_steps - 1 - n_warm)
    progress = min(1.0, (step - n_warm) / span)
    return float(lr) * (final_share + (1 - final_share) * 0.5 * (1 + math.cos(math.pi * progress)))
