"""Training loss of the ResNet-18 + TCN model.

``loss = MSE(z(pred), z(ppg)) + hr_weight * |HR_pred - HR_gt|`` (DESIGN.md
section 4; ``hr_weight`` 0.1, HR in bpm), where ``z`` z-scores each clip over
time. The MSE makes the model follow the waveform up to scale and offset; the
HR term pulls its dominant frequency to the true one.

``HR_pred`` must be differentiable, so it is a soft-argmax over the power
spectrum (:func:`soft_hr`): the z-scored, Hann-windowed prediction is
zero-padded to ``n_fft`` samples (:func:`fft_length`, a power of two of at least
2048 and 4x the clip, i.e. <= 0.9 bpm bins at 30 fps), ``torch.fft.rfft`` gives
the power ``P(f)``, bins outside the heart-rate band (0.7-3.0 Hz by default)
are dropped, and ``HR = 60 * sum_f f * softmax(P(f) / (tau * max P))``. The
temperature ``tau`` (default 0.05) is relative to the highest in-band peak:
a bin with 80 % of the peak power gets ``exp(-4)`` ~ 2 % of its weight, so the
estimate follows the main peak (its lobe is symmetric, so a clean sinusoid
gives its true rate) while the gradient still reaches every bin near it.
``HR_gt`` is the plain (hard) argmax of the same spectrum of the ground-truth
clip, without gradient.
"""

from __future__ import annotations

import torch

from ...metrics.bands import DEFAULT_BAND_HZ

DEFAULT_TEMPERATURE = 0.05
DEFAULT_HR_WEIGHT = 0.1


def zscore(x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Each row of ``x`` (B, T) minus its mean, over its standard deviation (+ ``eps``)."""
    x = x - x.mean(dim=-1, keepdim=True)
    return x / (x.std(dim=-1, keepdim=True, correction=0) + eps)


def fft_length(n: int) -> int:
    """Zero-padded FFT length for a clip of ``n`` samples: a power of two >= max(2048, 4 n)."""
    return 1 << max(11, (4 * n - 1).bit_length())


def _as_fs(fs: float | torch.Tensor, b: int, like: torch.Tensor) -> torch.Tensor:
    fs_t = torch.as_tensor(fs, dtype=torch.float32, device=like.device).reshape(-1)
    if fs_t.numel() == 1:
        fs_t = fs_t.expand(b)
    if fs_t.numel() != b or not torch.all(fs_t > 0):
        raise ValueError(f"fs must be one positive rate or one per clip ({b}), got {fs!r}")
    return fs_t


def band_spectrum(x: torch.Tensor, fs: float | torch.Tensor,
                  band: tuple[float, float] = DEFAULT_BAND_HZ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Power spectrum of each clip of ``x`` (B, T) sampled at ``fs`` Hz (scalar or (B,)).

    Returns ``(freqs, power, inside)``: freqs (B, F) Hz, power (B, F) of the
    z-scored, Hann-windowed, zero-padded clip, inside (B, F) bool, True in ``band``.
    """
    b, n = x.shape
    fs_t = _as_fs(fs, b, x)
    n_fft = fft_length(n)
    window = torch.hann_window(n, periodic=False, dtype=torch.float32, device=x.device)
    spec = torch.fft.rfft(zscore(x.float()) * window, n=n_fft, dim=-1)
    power = spec.real ** 2 + spec.imag ** 2
    freqs = torch.fft.rfftfreq(n_fft, device=x.device)[None, :] * fs_t[:, None]  # cycles/sample * Hz
    inside = (freqs >= band[0]) & (freqs <= band[1])
    if not torch.all(inside.any(dim=-1)):
        raise ValueError(f"band {band} Hz holds no frequency bin at fs={fs_t.tolist()} Hz")
    return freqs, power, inside


def soft_hr(x: torch.Tensor, fs: float | torch.Tensor, band: tuple[float, float] = DEFAULT_BAND_HZ,
            temperature: float = DEFAULT_TEMPERATURE) -> torch.Tensor:
    """Differentiable heart rate (B,) in bpm of pulse clips ``x`` (B, T) at ``fs`` Hz.

    Soft-argmax over the in-band power spectrum with weights
    ``softmax(P / (temperature * max P))`` (see the module docstring).
    """
    freqs, power, inside = band_spectrum(x, fs, band)
    peak = power.masked_fill(~inside, 0.0).amax(dim=-1, keepdim=True).clamp_min(1e-12)
    logits = (power / (temperature * peak)).masked_fill(~inside, float("-inf"))
    weights = torch.softmax(logits, dim=-1)
    return 60.0 * (weights * freqs).sum(dim=-1)


@torch.no_grad()
def peak_hr(x: torch.Tensor, fs: float | torch.Tensor, band: tuple[float, float] = DEFAULT_BAND_HZ) -> torch.Tensor:
    """Heart rate (B,) in bpm: frequency of the highest in-band peak of each clip (no gradient)."""
    freqs, power, inside = band_spectrum(x, fs, band)
    idx = power.masked_fill(~inside, -1.0).argmax(dim=-1, keepdim=True)
    return 60.0 * freqs.gather(-1, idx).squeeze(-1)


def rppg_loss(pred: torch.Tensor, target: torch.Tensor, fs: float | torch.Tensor, *,
              hr_weight: float = DEFAULT_HR_WEIGHT, band: tuple[float, float] = DEFAULT_BAND_HZ,
              temperature: float = DEFAULT_TEMPERATURE) -> tuple[torch.Tensor, dict[str, float]]:
    """Loss of predicted pulse clips against ground-truth PPG clips.

    pred, target: (B, T) on the same frames; fs: frame rate (Hz), scalar or (B,).
    Returns the scalar loss (float32, differentiable w.r.t. ``pred``) and its
    parts as floats: ``mse`` (z-scored waveforms), ``hr_mae`` (bpm).
    """
    if pred.shape != target.shape or pred.ndim != 2:
        raise ValueError(f"pred and target must both be (B, T); got {tuple(pred.shape)} and {tuple(target.shape)}")
    pred, target = pred.float(), target.float()
    mse = torch.mean((zscore(pred) - zscore(target)) ** 2)
    hr_err = torch.mean(torch.abs(soft_hr(pred, fs, band, temperature) - peak_hr(target, fs, band)))
    loss = mse + hr_weight * hr_err
    return loss, {"mse": float(mse.detach()), "hr_mae": float(hr_err.detach())}
