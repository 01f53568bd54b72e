"""Checkpoint files of the ResNet-18 + TCN model: writing, reading, validating.

A checkpoint is a plain dict (loadable with ``torch.load(..., weights_only=True)``,
so no code in a checkpoint ever runs)::

    {"state_dict": model weights,
     "config": {"architecture", "version", "size", "frames", "dropout", "batch_norm", "band", ...},
     "meta": {"epoch", "loss_history", "seed", "dataset", "root", "subjects",
              "recordings", "versions", "date", ...}}

The optimizer state goes to a side file ``ckpt_ep{N}.optim.pt``
(:func:`optimizer_path`). :func:`read_checkpoint` rejects anything else (a
missing file, another model's state dict, a newer architecture version) with
an error naming the file.
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .model import ARCHITECTURE, ARCHITECTURE_VERSION


def make_config(*, size: int, frames: int, dropout: float, batch_norm: bool, hr_weight: float,
                band: tuple[float, float], temperature: float) -> dict[str, Any]:
    """The ``config`` entry of a checkpoint: everything needed to rebuild and feed the model."""
    return {"architecture": ARCHITECTURE, "version": ARCHITECTURE_VERSION, "size": int(size),
            "frames": int(frames), "dropout": float(dropout), "batch_norm": bool(batch_norm),
            "hr_weight": float(hr_weight), "band": [float(band[0]), float(band[1])],
            "temperature": float(temperature), "input": "RGB face crops, per-pixel z-scored over the clip"}


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
    """Write a checkpoint of ``model`` with ``config`` and ``meta`` to ``path`` atomically; returns ``path``."""
    return write_checkpoint(path, {k: v.detach().cpu() for k, v in model.state_dict().items()}, config, meta)


def write_checkpoint(path: Path, state_dict: dict[str, torch.Tensor], config: dict, meta: dict) -> Path:
    """Write ``{"state_dict", "config", "meta"}`` to ``path`` atomically (a temporary file, then a
    rename); returns ``path``."""
    state = {"state_dict": state_dict, "config": plain(config), "meta": plain(meta)}
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


def not_ours(path: Path, why: str) -> ValueError:
    """The error for a file at ``path`` that is not a checkpoint of this model, saying ``why``."""
    return ValueError(f"{path}: not a ResNet-18 + TCN checkpoint ({why})")


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """The checkpoint dict in ``path`` (tensors on the CPU), validated.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming
    the file for anything that is not a checkpoint written by
    :func:`rppg_bench.methods.resnet.train`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: checkpoint file does not exist")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise not_ours(path, f"torch.load cannot read it: {type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else ''}") from exc
    if not isinstance(ckpt, dict) or "state_dict" not in ckpt or not isinstance(ckpt.get("config"), dict):
        what = "a bare state dict, perhaps of another model" if isinstance(ckpt, dict) else type(ckpt).__name__
        raise not_ours(path, f"found {what}; expected a dict with 'state_dict' and 'config' as written by train()")
    cfg = ckpt["config"]
    if cfg.get("architecture") != ARCHITECTURE:
        raise not_ours(path, f"architecture is {cfg.get('architecture')!r}, expected {ARCHITECTURE!r}")
    if int(cfg.get("version", -1)) > ARCHITECTURE_VERSION:
        raise not_ours(path, f"written by a newer version ({cfg.get('version')}) of the model code "
                             f"(this is version {ARCHITECTURE_VERSION})")
    for key in ("size", "frames"):
        if not isinstance(cfg.get(key), int) or cfg[key] < 1:
            raise not_ours(path, f"config has no valid {key!r}")
    ckpt.setdefault("meta", {})
    return ckpt
