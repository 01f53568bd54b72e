"""Train the ResNet-18 + TCN model on any registered dataset.

``train(root, epochs=30, lr=3e-4, batch=6, frames=300)`` (the published API)
loads the recordings (the ``folder`` dataset by default, ``dataset=`` for any
registered one, or an explicit ``recordings=`` list), cuts them into clips
(:mod:`.data`), optimises :func:`.loss.rppg_loss` with AdamW and writes
``ckpt_ep{N}.pth`` into ``out_dir`` every ``save_every`` epochs and after the
last one (the format: :mod:`.checkpoint`). Its keywords become one frozen
:class:`.config.TrainConfig` that the training loop reads.

The AdamW state (twice the size of the weights) goes to a side file
``ckpt_ep{N}.optim.pt`` kept for the latest checkpoint only. ``resume=``
continues from a checkpoint (weights, epoch count, loss history, and the
optimizer state when its side file is there) up to ``epochs`` in total.

Reproducibility: ``torch.manual_seed(seed)``, seeded clip order and
augmentation, deterministic algorithms where torch has them (the global
setting is restored afterwards). Runs on CUDA when available unless
``device=`` says otherwise.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from ...datasets.recording import Recording
from ...metrics.bands import DEFAULT_BAND_HZ
from .checkpoint import (
    optimizer_path,
    read_checkpoint,
    save_checkpoint,
    save_optimizer,
    versions,
)
from .config import TrainConfig
from .data import ClipDataset, Jitter, recording_arrays
from .device import pick_device
from .loss import DEFAULT_HR_WEIGHT, DEFAULT_TEMPERATURE, rppg_loss
from .model import ResNetTCN
from .pretrained import init_record, resolve_checkpoint


@contextmanager
def deterministic_mode(enabled: bool = True) -> Iterator[None]:
    """Use deterministic algorithms (warn-only where torch has none) inside the block, then restore."""
    was_det = torch.are_deterministic_algorithms_enabled()
    was_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    was_bench = torch.backends.cudnn.benchmark
    if enabled:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*does not have a deterministic implementation.*")
            yield
    finally:
        torch.use_deterministic_algorithms(was_det, warn_only=was_warn)
        torch.backends.cudnn.benchmark = was_bench


def load_recordings(root: str | Path | None, dataset: str = "folder",
                    dataset_params: dict[str, Any] | None = None) -> list[Recording]:
    """Recordings of dataset ``dataset`` under ``root``; broken ones are reported with a warning."""
    from ...datasets.registry import load_dataset

    loaded = load_dataset(dataset, root, **(dataset_params or {}))
    for err in loaded.errors:
        warnings.warn(f"skipping a recording of {dataset!r}: {err}", stacklevel=3)
    return loaded.recordings


def train(root: str | Path | None, epochs: int = 30, lr: float = 3e-4, batch: int = 6, frames: int = 300, *,
          dataset: str = "folder", size: int = 128, device: str | torch.device | None = None, seed: int = 0,
          out_dir: str | Path = ".", amp: bool = False, compile: bool = False, resume: str | Path | None = None,
          recordings: Sequence[Recording] | None = None, progress: bool = True,
          dataset_params: dict[str, Any] | None = None, weight_decay: float = 1e-2, dropout: float = 0.1,
          batch_norm: bool = True, hr_weight: float = DEFAULT_HR_WEIGHT,
          band: tuple[float, float] = DEFAULT_BAND_HZ, temperature: float = DEFAULT_TEMPERATURE,
          augment: bool = True, jitter: Jitter | None = None, stride: int | None = None,
          cache_dir: str | Path | None = None, pretrained_path: str | Path | None = None,
          save_every: int = 1, grad_clip: float | None = 5.0, max_minutes: float | None = None,
          deterministic: bool = True, schedule: str = "constant", warmup: float = 0.05,
          final_lr_share: float = 0.01, init: str | Path | None = None) -> Path:
    """Train ResNet-18 + TCN and return the path of the last checkpoint written.

    Parameters
    ----------
    root : dataset folder (a folder of ``.avi``/``.mp4`` + ``.txt`` for the
        default ``dataset="folder"``); may be None for root-less datasets
        (``synthetic``) or when ``recordings`` is given.
    epochs, lr, batch, frames : total epochs, AdamW learning rate, clips per
        batch, frames per clip (consecutive clips overlap by half unless
        ``stride`` is given).
    dataset, dataset_params : registered dataset name and loader parameters.
    size : face-crop side in px (128, 96 or 64).
    device : ``None`` = CUDA when available; ``"cuda"`` without a GPU warns and uses the CPU.
    seed : seeds weights, clip order and augmentation.
    out_dir : where ``ckpt_ep{N}.pth`` go (created).
    amp : mixed precision (float16 + GradScaler on CUDA, bfloat16 on CPU).
    compile : wrap the model in ``torch.compile``.
    resume : checkpoint to continue from (same size and frames).
    recordings : explicit ``Recording`` list (e.g. a cross-validation fold);
        overrides ``root``/``dataset``.
    progress : tqdm progress bar with the running loss.
    cache_dir : folder of the face products cache (``<cache_dir>/products``,
        the content-keyed store the benchmark uses; crops are read back as
        memory maps); default: in memory only.
    max_minutes : stop after the epoch during which this wall time is exceeded.
    Other keywords set the architecture (``dropout``, ``batch_norm``,
    ``pretrained_path``), the loss (``hr_weight``, ``band``, ``temperature``),
    augmentation (``augment``, ``jitter``), ``weight_decay``, ``grad_clip``
    (max gradient norm, None for none), ``save_every`` (epochs) and ``deterministic``.
    schedule, warmup, final_lr_share : the learning-rate schedule
        (:func:`.config.scheduled_lr`: ``"constant"`` or ``"cosine"``).
    init : checkpoint (or ``"pretrained"``, the shipped weights) to start from:
        fine-tuning, with the checkpoint's architecture, size and clip length
        (a ``size``/``frames`` that differ raise ``ValueError``); recorded in
        the checkpoints' meta as ``init``.
    """
    cfg = TrainConfig(epochs=epochs, lr=lr, batch=batch, frames=frames, size=size, seed=seed, amp=amp,
                      compile=compile, progress=progress, weight_decay=weight_decay, dropout=dropout,
                      batch_norm=batch_norm, hr_weight=hr_weight, band=band, temperature=temperature,
                      augment=augment, jitter=jitter or Jitter(), stride=stride, pretrained_path=pretrained_path,
                      save_every=save_every, grad_clip=grad_clip, max_minutes=max_minutes,
                      deterministic=deterministic, schedule=schedule, warmup=warmup,
                      final_lr_share=final_lr_share, init_path=init)
    dev = pick_device(device)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_in = read_checkpoint(resume) if resume is not None else None
    start = read_checkpoint(resolve_checkpoint(init)) if ckpt_in is None and init is not None else None
    if ckpt_in is not None:
        cfg = resumed_config(cfg, ckpt_in["config"], resume)
    elif start is not None:
        cfg = resumed_config(cfg, start["config"], init)
    recs = list(recordings) if recordings is not None else load_recordings(root, dataset, dataset_params)
    data = clip_dataset(recs, cfg, cache_dir)
    source = {"dataset": "recordings" if recordings is not None else dataset,
              "root": None if root is None else str(root)}
    return fit(cfg, data, dev, out, source, resume, ckpt_in, start)


def resumed_config(cfg: TrainConfig, saved: dict[str, Any], resume: str | Path) -> TrainConfig:
    """``cfg`` with the architecture of checkpoint config ``saved``; ``ValueError`` when its size
    or clip length differ from ``cfg``'s."""
    if (saved["size"], saved["frames"]) != (cfg.size, cfg.frames):
        raise ValueError(f"{resume}: checkpoint was trained with size={saved['size']}, "
                         f"frames={saved['frames']}; got size={cfg.size}, frames={cfg.frames}")
    return replace(cfg, dropout=saved["dropout"], batch_norm=saved["batch_norm"])


def clip_dataset(recs: Sequence[Recording], cfg: TrainConfig, cache_dir: str | Path | None) -> ClipDataset:
    """Training clips of ``recs`` (a recording that cannot be prepared is skipped with a warning);
    ``ValueError`` when no recording gives a clip."""
    prepared = []
    for rec in recs:
        try:
            prepared.append(recording_arrays(rec, cfg.size, cache_dir=cache_dir))
        except Exception as exc:  # noqa: BLE001 - one bad recording never stops training
            warnings.warn(f"skipping recording {rec.name!r} ({rec.path}): {exc}", stacklevel=3)
    data = ClipDataset(prepared, cfg.frames, stride=cfg.stride, augment=cfg.augment, jitter=cfg.jitter,
                       seed=cfg.seed)
    if len(data) == 0:
        raise ValueError(f"no training clips: none of the {len(recs)} recordings has {cfg.frames} frames "
                         f"with ground truth (try a smaller frames=)")
    return data


def fit(cfg: TrainConfig, data: ClipDataset, dev: torch.device, out: Path, source: dict[str, Any],
        resume: str | Path | None = None, ckpt_in: dict[str, Any] | None = None,
        start: dict[str, Any] | None = None) -> Path:
    """Train a new model (from the weights of checkpoint ``start``, read from ``cfg.init_path``, when
    given) or the one of checkpoint ``ckpt_in`` read from ``resume``, on ``data``
    as ``cfg`` says, writing checkpoints into ``out``; returns the last one's path.

    ``source``: the ``dataset`` and ``root`` recorded in the checkpoints' meta.
    """
    if cfg.deterministic and dev.type == "cuda":
        # cuBLAS is deterministic only with a fixed workspace (read when CUDA starts; see torch docs)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.manual_seed(cfg.seed)
    model = ResNetTCN(dropout=cfg.dropout, batch_norm=cfg.batch_norm, pretrained_path=cfg.pretrained_path)
    if ckpt_in is None and start is not None:
        model.load_state_dict(start["state_dict"])
    model = model.to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    scaler = torch.amp.GradScaler("cuda", enabled=cfg.amp and dev.type == "cuda")
    history: list[dict[str, float]] = []
    start_epoch = 0
    if ckpt_in is not None:
        assert resume is not None
        history, start_epoch = restore(ckpt_in, resume, model, opt, scaler, cfg.lr)
        if start_epoch >= cfg.epochs:
            warnings.warn(f"{resume}: already trained for {start_epoch} >= {cfg.epochs} epochs; nothing to do",
                          stacklevel=3)
            return Path(resume)
    net = torch.compile(model) if cfg.compile else model
    meta_base = {"seed": int(cfg.seed), **source, "subjects": data.subjects(),
                 "recordings": [r.name for r in data.recordings], "n_clips": len(data), **cfg.run_meta(),
                 "device": str(dev), "versions": versions()}
    if resume is not None:
        meta_base["resumed_from"] = str(resume)
    if cfg.init_path is not None:
        meta_base["init"] = init_record(cfg.init_path)
    elif ckpt_in is not None and "init" in ckpt_in.get("meta", {}):  # a resumed fine-tuning keeps its start
        meta_base["init"] = ckpt_in["meta"]["init"]

    last: Path | None = None
    t_start = time.monotonic()
    with deterministic_mode(cfg.deterministic):
        for epoch in range(start_epoch, cfg.epochs):
            history.append(train_epoch(net, model, opt, scaler, data, cfg, dev, epoch))
            if cfg.progress:
                _report(history[-1], epoch, cfg.epochs)
            timed_out = cfg.max_minutes is not None and time.monotonic() - t_start > 60 * cfg.max_minutes
            done = epoch + 1 == cfg.epochs or timed_out
            if done or (epoch + 1) % max(1, cfg.save_every) == 0:
                meta = dict(meta_base, epoch=epoch + 1, loss_history=history,
                            date=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                            train_seconds=round(time.monotonic() - t_start, 1))
                path = save_checkpoint(out / f"ckpt_ep{epoch + 1}.pth", model, cfg.model_config(), meta)
                save_optimizer(path, opt, scaler, previous=last)
                last = path
            if done:
                break
    assert last is not None
    return last


def restore(ckpt_in: dict[str, Any], resume: str | Path, model: ResNetTCN, opt: torch.optim.Optimizer,
            scaler: torch.amp.GradScaler, lr: float) -> tuple[list[dict[str, float]], int]:
    """Load checkpoint ``ckpt_in`` (read from ``resume``) into ``model``, and its optimizer side file,
    when there is one, into ``opt`` (learning rate set to ``lr``) and ``scaler``; returns the loss
    history and the number of epochs already trained."""
    model.load_state_dict(ckpt_in["state_dict"])
    side = optimizer_path(resume)
    if side.is_file():
        extra = torch.load(side, map_location="cpu", weights_only=True)
        opt.load_state_dict(extra["optimizer"])
        for group in opt.param_groups:
            group["lr"] = lr
        if scaler.is_enabled() and extra.get("scaler"):
            scaler.load_state_dict(extra["scaler"])
    else:
        warnings.warn(f"{resume}: no optimizer state ({side.name}); AdamW restarts from zero moments",
                      stacklevel=4)
    return list(ckpt_in["meta"].get("loss_history", [])), int(ckpt_in["meta"]["epoch"])


def autocast_for(cfg: TrainConfig, dev: torch.device) -> Callable[[], AbstractContextManager]:
    """Context factory for the forward pass: float16 (CUDA) / bfloat16 (CPU) autocast with ``amp``."""
    if not cfg.amp:
        return nullcontext
    return lambda: torch.autocast(dev.type, dtype=torch.float16 if dev.type == "cuda" else torch.bfloat16)


def train_epoch(net: torch.nn.Module, model: ResNetTCN, opt: torch.optim.Optimizer, scaler: torch.amp.GradScaler,
                data: ClipDataset, cfg: TrainConfig, dev: torch.device, epoch: int) -> dict[str, float]:
    """One pass over ``data`` in the seeded order of ``epoch`` (0-based), stepping ``opt`` after each
    batch; ``net`` is ``model`` or its compiled form. Returns the epoch's mean ``loss``, ``mse`` and
    ``hr_mae`` (bpm) over clips."""
    data.set_epoch(epoch)
    steps = math.ceil(len(data) / cfg.batch)
    order = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)
    loader = torch.utils.data.DataLoader(data, batch_size=cfg.batch, shuffle=True, generator=order)
    autocast = autocast_for(cfg, dev)
    net.train()
    sums = {"loss": 0.0, "mse": 0.0, "hr_mae": 0.0}
    n_seen = 0
    bar = _progress(loader, cfg.progress, f"epoch {epoch + 1}/{cfg.epochs}")
    for i, (x, y, fs) in enumerate(bar):
        for group in opt.param_groups:
            group["lr"] = cfg.lr_at(epoch * steps + i, cfg.epochs * steps)
        x, y, fs = x.to(dev, non_blocking=True), y.to(dev), fs.to(dev)
        with autocast():
            pred = net(x)
        loss, parts = rppg_loss(pred.float(), y, fs, hr_weight=cfg.hr_weight, band=cfg.band,
                                temperature=cfg.temperature)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss became {float(loss)} at epoch {epoch + 1}; "
                                     f"lower lr (now {cfg.lr})")
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        if cfg.grad_clip:
            scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        scaler.step(opt)
        scaler.update()
        k = x.shape[0]
        n_seen += k
        sums["loss"] += float(loss.detach()) * k
        sums["mse"] += parts["mse"] * k
        sums["hr_mae"] += parts["hr_mae"] * k
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{sums['loss'] / n_seen:.3f}", hr=f"{sums['hr_mae'] / n_seen:.1f}")
    return {k: v / max(n_seen, 1) for k, v in sums.items()}


def _report(h: dict[str, float], epoch: int, epochs: int) -> None:
    from tqdm.auto import tqdm

    tqdm.write(f"epoch {epoch + 1}/{epochs}: loss {h['loss']:.4f}  mse {h['mse']:.4f}  "
               f"HR error {h['hr_mae']:.2f} bpm")


def _progress(loader, enabled: bool, desc: str):
    if not enabled:
        return loader
    from tqdm.auto import tqdm

    return tqdm(loader, desc=desc, leave=False, dynamic_ncols=True)
