"""ResNet-18 + TCN: a learned rPPG model, one pulse value per video frame.

Architecture (DESIGN.md section 4, after the original ResNet-18 + TCN project):
a torchvision ResNet-18 trunk (``conv1`` .. ``layer4``, no classifier) with
global average pooling turns every face crop into 512 features; a temporal
convolution head (``Conv1d`` 512 -> 256 -> 128 -> 1, kernel 3, padding 1,
BatchNorm + ReLU + Dropout between) runs over the frames of a clip and gives
one value per frame. Input ``(B, T, 3, S, S)`` face crops, ``S`` in
{128, 96, 64} (the trunk ends in global pooling, so any ``S`` >= 32 works);
output ``(B, T)``. The head sees 7 frames at a time (3 layers of kernel 3) and
is fully convolutional in time, so any clip length ``T`` >= 1 works.

Per-clip input normalisation (:func:`normalize_clip`, applied inside
:meth:`ResNetTCN.forward`, hence identical for training and inference): the
crops are scaled to [0, 1] and every pixel is standardised over the clip,
``(x - mean_t) / (std_t + 1e-3)``. This removes the static face (its mean) and
leaves the pulsatile colour change, the motion and the noise, each pixel in
units of its own temporal spread. A quick experiment (DESIGN.md section 4:
synthetic face video, 64x64 crops, 150-frame clips) trained about 2x faster
this way than on raw crops minus a fixed mean, which also locked onto a
harmonic first. The ``1e-3`` (a quarter of one 8-bit grey level) keeps
pixels that never change, e.g. the zero padding of a crop at the image
border, at zero instead of amplifying their quantisation noise.

Memory: :meth:`ResNetTCN.forward` with ``frames_per_pass`` (what inference
uses) never holds a floating-point copy of the whole clip: the per-pixel mean
and standard deviation are accumulated ``frames_per_pass`` frames at a time
(:func:`clip_moments`), then each slice of frames is standardised
(:func:`standardize`) and run through the trunk. Without it the clip is
normalised in one piece (:func:`normalize_clip`, the same two functions), as
in training and in the ONNX export.

Weights are never downloaded: the trunk starts from scratch unless
``pretrained_path`` names a local torchvision ResNet-18 ImageNet state dict
(e.g. ``resnet18-f37072fd.pth``).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torchvision
from torch import nn

ARCHITECTURE = "resnet18-tcn"
"""Name stored in every checkpoint's ``config["architecture"]``."""

ARCHITECTURE_VERSION = 1
"""Bumped whenever a change makes old checkpoints unloadable."""

FEATURES = 512
NORM_EPS = 1e-3


def to_unit_range(x: torch.Tensor) -> torch.Tensor:
    """Face crops as float32 in [0, 1]: ``uint8`` (0-255) divided by 255, floating point as is (any shape)."""
    return x.float() / 255.0 if x.dtype == torch.uint8 else x.float()


def clip_moments(x: torch.Tensor, frames_per_pass: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-pixel mean and (population) standard deviation of each clip over time.

    ``x``: (B, T, C, H, W) face crops, ``uint8`` (0-255) or floating point in
    [0, 1]. Returns ``(mean, std)``, each float32 (B, 1, C, H, W) in [0, 1]
    units: two passes (the mean, then the mean squared deviation from it),
    each over ``frames_per_pass`` frames at a time (None: all T at once), so
    at most that many frames are ever converted to floating point together.
    """
    t = x.shape[1]
    blocks = [x] if frames_per_pass is None else list(x.split(int(frames_per_pass), dim=1))
    mean = sum(to_unit_range(block).sum(dim=1, keepdim=True) for block in blocks) / t
    sq = sum((to_unit_range(block) - mean).square().sum(dim=1, keepdim=True) for block in blocks)
    return mean, (sq / t).sqrt()


def standardize(x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor, eps: float = NORM_EPS) -> torch.Tensor:
    """``(x - mean) / (std + eps)``, float32, same shape as ``x``.

    ``x``: (B, t, C, H, W) frames of a clip (all T or a slice), ``uint8`` or
    float in [0, 1]; ``mean``, ``std``: (B, 1, C, H, W) from :func:`clip_moments`
    over the whole clip.
    """
    return (to_unit_range(x) - mean) / (std + eps)


def normalize_clip(x: torch.Tensor, eps: float = NORM_EPS) -> torch.Tensor:
    """Standardise every pixel of each clip over time.

    ``x``: (B, T, C, H, W) face crops, ``uint8`` (0-255) or floating point in
    [0, 1]. Returns float32 (B, T, C, H, W) ``(x - mean_t) / (std_t + eps)``
    with mean and (population) standard deviation taken over the T frames of
    each clip, per pixel and channel (:func:`clip_moments`, :func:`standardize`).
    """
    if x.ndim != 5:
        raise ValueError(f"expected clips of shape (B, T, C, H, W), got {tuple(x.shape)}")
    return standardize(x, *clip_moments(x), eps)


def resnet18_trunk(pretrained_path: str | Path | None = None) -> nn.Sequential:
    """ResNet-18 ``conv1`` .. ``layer4`` (B, 3, S, S) -> (B, 512, S/32, S/32), random init.

    ``pretrained_path``: a local torchvision ``resnet18`` state dict (ImageNet);
    its ``fc.*`` weights are ignored. Raises ``ValueError`` naming the file
    when it is not such a state dict.
    """
    net = torchvision.models.resnet18(weights=None)
    if pretrained_path is not None:
        path = Path(pretrained_path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: pretrained weights file does not exist")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            state = {k: v for k, v in state.items() if not k.startswith("fc.")}
            net.load_state_dict(state, strict=False)
            missing = [k for k in net.state_dict() if not k.startswith("fc.") and k not in state]
        except Exception as exc:
            raise ValueError(f"{path}: not a torchvision ResNet-18 state dict ({exc})") from exc
        if missing:
            raise ValueError(f"{path}: not a torchvision ResNet-18 state dict "
                             f"(missing {len(missing)} weights, e.g. {missing[0]})")
    return nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool,
                         net.layer1, net.layer2, net.layer3, net.layer4)


class ResNetTCN(nn.Module):
    """ResNet-18 per frame + temporal convolutions over the clip.

    ``forward(x)``: x (B, T, 3, S, S) RGB face crops (``uint8`` or float in
    [0, 1]) -> (B, T) pulse values (trained to follow the z-scored PPG).
    ``dropout``: probability between the temporal layers; ``batch_norm``:
    BatchNorm1d after the first two temporal convolutions.
    """

    def __init__(self, *, dropout: float = 0.1, batch_norm: bool = True,
                 pretrained_path: str | Path | None = None):
        super().__init__()
        self.trunk = resnet18_trunk(pretrained_path)
        self.pool = nn.AdaptiveAvgPool2d(1)
        layers: list[nn.Module] = []
        for c_in, c_out in ((FEATURES, 256), (256, 128)):
            layers.append(nn.Conv1d(c_in, c_out, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm1d(c_out))
            layers.append(nn.ReLU(inplace=True))
            if dropout:
                layers.append(nn.Dropout(dropout))
        layers.append(nn.Conv1d(128, 1, kernel_size=3, padding=1))
        self.temporal = nn.Sequential(*layers)

    def frame_features(self, x: torch.Tensor, frames_per_pass: int | None = None) -> torch.Tensor:
        """(B, T, 3, S, S) normalised clips -> (B, 512, T) per-frame features.

        ``frames_per_pass``: run the trunk on that many frames at a time (same
        values in eval mode; peak memory bounded by it instead of B x T).
        """
        b, t = x.shape[:2]
        flat = x.flatten(0, 1)
        if frames_per_pass is None:
            f = self.pool(self.trunk(flat)).flatten(1)  # (B*T, 512)
        else:
            f = torch.cat([self.pool(self.trunk(flat[i:i + frames_per_pass])).flatten(1)
                           for i in range(0, flat.shape[0], frames_per_pass)])
        return f.view(b, t, FEATURES).transpose(1, 2)

    def clip_features(self, x: torch.Tensor, frames_per_pass: int | None = None) -> torch.Tensor:
        """(B, T, 3, S, S) raw clips (``uint8`` or float in [0, 1]) -> (B, 512, T) per-frame features.

        Without ``frames_per_pass`` the clip is normalised in one piece
        (:func:`normalize_clip`). With it, no floating-point copy of the whole
        clip is made: the clip's moments are accumulated and the frames
        standardised and run through the trunk ``frames_per_pass`` at a time
        (same values as without, up to float rounding).
        """
        if frames_per_pass is None:
            return self.frame_features(normalize_clip(x))
        n = int(frames_per_pass)
        mean, std = clip_moments(x, n)
        return torch.cat([self.frame_features(standardize(x[:, i:i + n], mean, std), n)
                          for i in range(0, x.shape[1], n)], dim=2)

    def forward(self, x: torch.Tensor, frames_per_pass: int | None = None) -> torch.Tensor:
        """(B, T, 3, S, S) clips -> (B, T) pulse; ``frames_per_pass`` as in :meth:`clip_features`
        (bounds the memory of normalisation and trunk alike)."""
        if x.ndim != 5 or x.shape[2] != 3:
            raise ValueError(f"expected face-crop clips of shape (B, T, 3, S, S), got {tuple(x.shape)}")
        return self.temporal(self.clip_features(x, frames_per_pass)).squeeze(1)
