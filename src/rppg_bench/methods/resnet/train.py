"""Train the ResNet-18 + TCN model on any registered dataset.

``train(root, epochs=30, lr=3e-4, batch=6, frames=300)`` (the published API)
loads the recordings (the ``folder`` dataset by default, ``dataset=`` for any
registered one, or an explicit ``recordings=`` list), cuts them into clips
(:mod:`.data`), optimises :func:`.loss.rppg_loss` with AdamW and writes
``ckpt_ep{N}.pth`` into ``out_dir`` every ``save_every`` epochs and after the
last one. A checkpoint is a plain dict (loadable with
``torch.load(..., weights_only=True)``)::

    {"state_dict": model weights,
     "config": {"architecture", "version", "size", "frames", "dropout", "batch_norm", "band", ...},
     "meta": {"epoch", "loss_history", "seed", "dataset", "root", "subjects",
              "recordings", "versions", "date", ...}}

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
import os
import platform
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...datasets.recording import Recording
from .data import ClipDataset, Jitter, recording_arrays
from .loss import DEFAULT_BAND_HZ, DEFAULT_HR_WEIGHT, DEFAULT_TEMPERATURE, rppg_loss
from .model import ARCHITECTURE, ARCHITECTURE_VERSION, ResNetTCN


def pick_device(device: str | torch.device | None) -> torch.device:
    """``None``: CUDA when available, else CPU. ``"cuda..."`` without a GPU: CPU with a warning."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        warnings.warn(f"device {str(device)!r} requested but CUDA is not available; using the CPU", stacklevel=3)
        return torch.device("cpu")
    return dev


def versions() -> dict[str, str]:
    """Versions of the software a checkpoint was made with."""
    import torchvision

    try:
        from importlib.metadata import version

        bench = version("rppg-bench")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        bench = "unknown"
    return {"python": platform.python_version(), "torch": torch.__version__,
            "torchvision": torchvision.__version__, "numpy": np.__version__, "rppg_bench": bench}


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


def make_config(*, size: int, frames: int, dropout: float, batch_norm: bool, hr_weight: float,
                band: tuple[float, float], temperature: float) -> dict[str, Any]:
    """The ``config`` entry of a checkpoint: everything needed to rebuild and feed the model."""
    return {"architecture": ARCHITECTURE, "version": ARCHITECTURE_VERSION, "size": int(size),
            "frames": int(frames), "dropout": float(dropout), "batch_norm": bool(batch_norm),
            "hr_weight": float(hr_weight), "band": [float(band[0]), float(band[1])],
            "temperature": float(temperature), "input": "RGB face crops, per-pixel z-scored over the clip"}


def plain(obj: Any) -> Any:
    """``obj`` with every value a builtin (str, int, float, bool, None, list, dict), as
    ``torch.load(weights_only=True)`` accepts them (e.g. ``torch.__version__`` is a str subclass)."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if obj is None or type(obj) in (bool, int, float, str):
        return obj
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj)
    return str(obj)


def save_checkpoint(path: Path, model: torch.nn.Module, config: dict, meta: dict) -> Path:
    """Write a checkpoint ``{"state_dict", "config", "meta"}`` to ``path`` atomically; returns ``path``."""
    state = {"state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
             "config": plain(config), "meta": plain(meta)}
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)
    return path


def optimizer_path(checkpoint: str | Path) -> Path:
    """Side file with the optimizer state of ``checkpoint``: ``ckpt_ep{N}.optim.pt``."""
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(checkpoint.stem + ".optim.pt")


def save_optimizer(checkpoint: Path, optimizer: torch.optim.Optimizer, scaler: Any,
                   previous: Path | None = None) -> None:
    """Write the optimizer (and AMP scaler) state next to ``checkpoint``; drop ``previous``'s side file."""
    state = {"optimizer": optimizer.state_dict(),
             "scaler": scaler.state_dict() if scaler is not None and scaler.is_enabled() else None}
    target = optimizer_path(checkpoint)
    tmp = target.with_name(target.name + ".tmp")
    torch.save(state, tmp)
    tmp.replace(target)
    if previous is not None and optimizer_path(previous) != target:
        optimizer_path(previous).unlink(missing_ok=True)


def _read_resume(resume: str | Path) -> dict:
    from .infer import read_checkpoint

    return read_checkpoint(resume)


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
          deterministic: bool = True) -> Path:
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
    cache_dir : ``.npy`` crop cache folder (default: in memory only).
    max_minutes : stop after the epoch during which this wall time is exceeded.
    Other keywords set the architecture (``dropout``, ``batch_norm``,
    ``pretrained_path``), the loss (``hr_weight``, ``band``, ``temperature``),
    augmentation (``augment``, ``jitter``), ``weight_decay``, ``grad_clip``
    (max gradient norm, None for none), ``save_every`` (epochs) and ``deterministic``.
    """
    if epochs < 1 or batch < 1 or frames < 2:
        raise ValueError(f"need epochs >= 1, batch >= 1, frames >= 2; got {epochs}, {batch}, {frames}")
    dev = pick_device(device)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_in = _read_resume(resume) if resume is not None else None
    if ckpt_in is not None:
        cfg_in = ckpt_in["config"]
        if (cfg_in["size"], cfg_in["frames"]) != (size, frames):
            raise ValueError(f"{resume}: checkpoint was trained with size={cfg_in['size']}, "
                             f"frames={cfg_in['frames']}; got size={size}, frames={frames}")
        dropout, batch_norm = cfg_in["dropout"], cfg_in["batch_norm"]

    recs = list(recordings) if recordings is not None else load_recordings(root, dataset, dataset_params)
    prepared = []
    for rec in recs:
        try:
            prepared.append(recording_arrays(rec, size, cache_dir=cache_dir))
        except Exception as exc:  # noqa: BLE001 - one bad recording never stops training
            warnings.warn(f"skipping recording {rec.name!r} ({rec.path}): {exc}", stacklevel=2)
    data = ClipDataset(prepared, frames, stride=stride, augment=augment,
                       jitter=jitter or Jitter(), seed=seed)
    if len(data) == 0:
        raise ValueError(f"no training clips: none of the {len(recs)} recordings has {frames} frames "
                         f"with ground truth (try a smaller frames=)")

    if deterministic and dev.type == "cuda":
        # cuBLAS is deterministic only with a fixed workspace (read when CUDA starts; see torch docs)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.manual_seed(seed)
    config = make_config(size=size, frames=frames, dropout=dropout, batch_norm=batch_norm,
                         hr_weight=hr_weight, band=band, temperature=temperature)
    model = ResNetTCN(dropout=dropout, batch_norm=batch_norm, pretrained_path=pretrained_path).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    use_scaler = amp and dev.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=use_scaler)
    history: list[dict[str, float]] = []
    start_epoch = 0
    if ckpt_in is not None:
        model.load_state_dict(ckpt_in["state_dict"])
        side = optimizer_path(resume)
        if side.is_file():
            extra = torch.load(side, map_location="cpu", weights_only=True)
            opt.load_state_dict(extra["optimizer"])
            for group in opt.param_groups:
                group["lr"] = lr
            if use_scaler and extra.get("scaler"):
                scaler.load_state_dict(extra["scaler"])
        else:
            warnings.warn(f"{resume}: no optimizer state ({side.name}); AdamW restarts from zero moments",
                          stacklevel=2)
        history = list(ckpt_in["meta"].get("loss_history", []))
        start_epoch = int(ckpt_in["meta"]["epoch"])
        if start_epoch >= epochs:
            warnings.warn(f"{resume}: already trained for {start_epoch} >= {epochs} epochs; nothing to do",
                          stacklevel=2)
            return Path(resume)
    net = torch.compile(model) if compile else model
    autocast = (lambda: torch.autocast(dev.type, dtype=torch.float16 if dev.type == "cuda" else torch.bfloat16)) \
        if amp else nullcontext
    meta_base = {"seed": int(seed), "dataset": "recordings" if recordings is not None else dataset,
                 "root": None if root is None else str(root), "subjects": data.subjects(),
                 "recordings": [r.name for r in prepared], "n_clips": len(data), "lr": float(lr),
                 "batch": int(batch), "epochs": int(epochs), "weight_decay": float(weight_decay),
                 "augment": bool(augment), "amp": bool(amp), "device": str(dev), "versions": versions()}
    if resume is not None:
        meta_base["resumed_from"] = str(resume)

    last: Path | None = None
    t_start = time.monotonic()
    with deterministic_mode(deterministic):
        for epoch in range(start_epoch, epochs):
            data.set_epoch(epoch)
            order = torch.Generator().manual_seed(seed * 100_003 + epoch)
            loader = torch.utils.data.DataLoader(data, batch_size=batch, shuffle=True, generator=order)
            net.train()
            sums = {"loss": 0.0, "mse": 0.0, "hr_mae": 0.0}
            n_seen = 0
            bar = _progress(loader, progress, f"epoch {epoch + 1}/{epochs}")
            for x, y, fs in bar:
                x, y, fs = x.to(dev, non_blocking=True), y.to(dev), fs.to(dev)
                with autocast():
                    pred = net(x)
                loss, parts = rppg_loss(pred.float(), y, fs, hr_weight=hr_weight, band=band,
                                        temperature=temperature)
                if not torch.isfinite(loss):
                    raise FloatingPointError(f"loss became {float(loss)} at epoch {epoch + 1}; "
                                             f"lower lr (now {lr})")
                opt.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                if grad_clip:
                    scaler.unscale_(opt)
                    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
                scaler.step(opt)
                scaler.update()
                k = x.shape[0]
                n_seen += k
                sums["loss"] += float(loss.detach()) * k
                sums["mse"] += parts["mse"] * k
                sums["hr_mae"] += parts["hr_mae"] * k
                if hasattr(bar, "set_postfix"):
                    bar.set_postfix(loss=f"{sums['loss'] / n_seen:.3f}", hr=f"{sums['hr_mae'] / n_seen:.1f}")
            history.append({k: v / max(n_seen, 1) for k, v in sums.items()})
            if progress:
                from tqdm.auto import tqdm

                h = history[-1]
                tqdm.write(f"epoch {epoch + 1}/{epochs}: loss {h['loss']:.4f}  mse {h['mse']:.4f}  "
                           f"HR error {h['hr_mae']:.2f} bpm")
            timed_out = max_minutes is not None and time.monotonic() - t_start > 60 * max_minutes
            done = epoch + 1 == epochs or timed_out
            if done or (epoch + 1) % max(1, save_every) == 0:
                meta = dict(meta_base, epoch=epoch + 1, loss_history=history,
                            date=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                            train_seconds=round(time.monotonic() - t_start, 1))
                path = save_checkpoint(out / f"ckpt_ep{epoch + 1}.pth", model, config, meta)
                save_optimizer(path, opt, scaler, previous=last)
                last = path
            if done:
                break
    assert last is not None
    return last


def _progress(loader, enabled: bool, desc: str):
    if not enabled:
        return loader
    from tqdm.auto import tqdm

    return tqdm(loader, desc=desc, leave=False, dynamic_ncols=True)
