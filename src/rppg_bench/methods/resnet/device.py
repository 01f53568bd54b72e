"""The torch device the ResNet-18 + TCN model trains and runs on."""

from __future__ import annotations

import warnings

import torch


def pick_device(device: str | torch.device | None) -> torch.device:
    """``None``: CUDA when available, else CPU. ``"cuda..."`` without a GPU: CPU with a warning."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        warnings.warn(f"device {str(device)!r} requested but CUDA is not available; using the CPU", stacklevel=3)
        return torch.device("cpu")
    return dev
