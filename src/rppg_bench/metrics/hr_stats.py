"""Heart-rate error statistics of a set of videos: MAE, RMSE, MAPE and Pearson r.

The one definition of the statistics of a dataset's per-video heart rates
(predicted vs true, bpm) that the report's table, its bootstrap intervals and
rPPG-Toolbox's standard errors use. Each statistic is in the weighted form of
``bootstrap_ci(..., weighted=True)``: ``w`` (B, N) holds how many times each
video is in each of B resamples, and the statistic returns (B,) values; the
statistic of the videos themselves is ``w = 1`` (:func:`hr_statistic`).

``errors.hr_errors`` is the validated, overflow-safe error of any two heart-rate
series (e.g. one video's windows); this module summarises a dataset's videos.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .stats import bootstrap_ci
from .validate import check_pair

WeightedStatistic = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _wmean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted mean (B,) of (N,) ``x`` under each row of the (B, N) weights ``w``."""
    return (w @ x) / w.sum(axis=1)


def _hr_mae(p: np.ndarray, t: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Mean absolute error (bpm)."""
    return _wmean(np.abs(p - t), w)


def _hr_rmse(p: np.ndarray, t: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Root mean squared error (bpm)."""
    return np.sqrt(_wmean((p - t) ** 2, w))


def _hr_mape(p: np.ndarray, t: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Mean absolute percentage error (%) of positive true heart rates."""
    return _wmean(np.abs(p - t) / t, w) * 100


def _hr_r(p: np.ndarray, t: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pearson r of per-video HR; NaN for fewer than 3 videos or a constant side."""
    n = w.sum(axis=1)
    dp, dt = p[None, :] - _wmean(p, w)[:, None], t[None, :] - _wmean(t, w)[:, None]
    denom = np.sqrt(np.sum(w * dp * dp, axis=1) * np.sum(w * dt * dt, axis=1))
    drawn = w > 0
    constant = ((np.where(drawn, p, -np.inf).max(axis=1) == np.where(drawn, p, np.inf).min(axis=1))
                | (np.where(drawn, t, -np.inf).max(axis=1) == np.where(drawn, t, np.inf).min(axis=1)))
    ok = (n >= 3) & ~constant & (denom > 0)
    return np.where(ok, np.sum(w * dp * dt, axis=1) / np.where(ok, denom, 1.0), np.nan)


#: HR statistics of (predicted, true) per-video HR (bpm) by name, weighted form (see the module docstring)
HR_STATISTICS: dict[str, WeightedStatistic] = {"hr_mae": _hr_mae, "hr_rmse": _hr_rmse, "hr_mape": _hr_mape,
                                               "hr_r": _hr_r}

#: fewest videos for a bootstrap interval
MIN_BOOTSTRAP_VIDEOS = 3
#: bootstrap resamples of an interval
N_BOOT = 2000


def hr_statistic(name: str, pred: np.ndarray, true: np.ndarray) -> float:
    """``HR_STATISTICS[name]`` of all the (N,) videos once (no resampling)."""
    return float(HR_STATISTICS[name](pred, true, np.ones((1, len(pred))))[0])


def hr_interval(name: str, pred: np.ndarray, true: np.ndarray, groups: np.ndarray | None = None,
                n_boot: int = N_BOOT, seed: int = 0) -> tuple[float, float]:
    """95 % percentile bootstrap interval of ``HR_STATISTICS[name]`` of (N,) per-video HR (bpm),
    resampling whole ``groups`` (e.g. subjects) when given; ``(nan, nan)`` for fewer than
    ``MIN_BOOTSTRAP_VIDEOS`` videos or ``n_boot = 0``."""
    if len(pred) < MIN_BOOTSTRAP_VIDEOS or n_boot <= 0:
        return float("nan"), float("nan")
    return bootstrap_ci(pred, true, statistic=HR_STATISTICS[name], n_boot=n_boot, seed=seed, groups=groups,
                        weighted=True)


def toolbox_errors(pred: np.ndarray, true: np.ndarray) -> dict[str, float]:
    """MAE, RMSE, MAPE and Pearson r of per-video HR with rPPG-Toolbox's standard errors.

    ``pred``, ``true``: (N,) per-video heart rates (bpm). The values are
    :func:`hr_statistic`'s; with ``e = pred - true`` the standard errors are
    (population standard deviations, ``ddof=0``, as the toolbox's ``np.std``):

    - ``mae_se = std|e| / sqrt(N)`` (bpm)
    - ``rmse_se = sqrt(std(e^2) / sqrt(N))`` (bpm; the toolbox's current formula)
    - ``mape_se = 100 std|e / true| / sqrt(N)`` (%)
    - ``pearson_se = sqrt((1 - r^2) / (N - 2))``

    Undefined values (Pearson with fewer than 3 videos or a constant side) are NaN.
    Raises ``ValueError`` for empty, non-finite or mismatched input.
    """
    p, t = check_pair(pred, true, ("pred", "true"))
    n = p.size
    e = p - t
    with np.errstate(divide="ignore", invalid="ignore"):
        ape = np.abs(e / t)
    r = hr_statistic("hr_r", p, t)
    return {
        "mae": hr_statistic("hr_mae", p, t), "mae_se": float(np.abs(e).std() / np.sqrt(n)),
        "rmse": hr_statistic("hr_rmse", p, t), "rmse_se": float(np.sqrt((e ** 2).std() / np.sqrt(n))),
        "mape": hr_statistic("hr_mape", p, t), "mape_se": float(100 * ape.std() / np.sqrt(n)),
        "pearson": r, "pearson_se": float(np.sqrt(max(0.0, 1 - r ** 2) / (n - 2))) if np.isfinite(r) else np.nan,
    }
