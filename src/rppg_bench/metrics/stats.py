"""Uncertainty of benchmark numbers: percentile bootstrap intervals and standard errors.

``bootstrap_ci`` resamples videos (or whole groups of videos, e.g. subjects,
so that correlated videos of one person stay together) with replacement and
returns the percentile interval of a statistic; it is deterministic for a
given ``seed`` (``numpy.random.Generator``). A statistic that does not depend
on the order of the videos (a mean, an RMS, a correlation) can be given in
weighted form (``weighted=True``): it is then evaluated for a whole chunk of
resamples at once from how many times each video was drawn, instead of once
per resample in Python (same draws, same interval up to rounding, tens of
times faster). ``mean_se`` gives the mean and its standard error.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _values(v: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(v, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains non-finite values (NaN or inf)")
    return x


def _draws(rng: np.random.Generator, n_units: int, n_boot: int):
    """Bootstrap draws, (b, n_units) unit indices per chunk, ``n_boot`` rows in all."""
    chunk = max(1, (1 << 20) // n_units)
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        yield rng.integers(0, n_units, size=(b, n_units))
        done += b


def _draw_counts(pick: np.ndarray, n_units: int) -> np.ndarray:
    """How many times each unit is drawn in each resample: (b, n_units) indices -> (b, n_units) counts."""
    b = pick.shape[0]
    flat = (np.arange(b)[:, None] * n_units + pick).ravel()
    return np.bincount(flat, minlength=b * n_units).reshape(b, n_units).astype(float)


def bootstrap_ci(values_a: np.ndarray, values_b: np.ndarray | None = None,
                 statistic: Callable[..., float] | None = None, n_boot: int = 2000,
                 ci: float = 0.95, seed: int | None = 0,
                 groups: np.ndarray | None = None, weighted: bool = False) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of a statistic.

    Parameters
    ----------
    values_a : (N,) per-video values (e.g. predicted HR in bpm, or a per-video metric).
    values_b : optional (N,) paired values (e.g. true HR); resampled together with ``values_a``.
    statistic : ``statistic(a)`` or, with ``values_b``, ``statistic(a, b)`` -> float,
        e.g. ``errors.mae``. Default: the mean of ``a`` (one sample) or of ``a - b`` (paired).
    n_boot : number of bootstrap resamples.
    ci : coverage of the interval, in (0, 1).
    seed : seed of ``numpy.random.default_rng``; equal seeds give equal intervals.
    groups : optional (N,) labels (e.g. subject ids); whole groups are resampled
        instead of single videos, as many groups as there are.
    weighted : ``statistic`` is in weighted form: ``statistic(a, w)`` or
        ``statistic(a, b, w)`` with ``w`` (B, N) the number of times each video
        is in each of B resamples (0, 1, 2, ...), returning (B,) values. A
        resample is the multiset of its videos, so this gives the same values
        as the per-resample form for any order-independent statistic.

    Returns
    -------
    (low, high) : the ``(1 - ci) / 2`` and ``(1 + ci) / 2`` percentiles of the
        statistic over the resamples. Resamples where the statistic is NaN
        (e.g. Pearson's r of a constant resample) are left out; when every
        resample is NaN the result is ``(nan, nan)``.

    Raises
    ------
    ValueError
        For empty or non-finite values, mismatched lengths (values, groups),
        ``n_boot < 1`` or ``ci`` outside (0, 1).
    """
    a = _values(values_a, "values_a")
    b = None if values_b is None else _values(values_b, "values_b")
    if b is not None and b.size != a.size:
        raise ValueError(f"values_a and values_b differ in length ({a.size} vs {b.size})")
    if int(n_boot) != n_boot or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot!r}")
    if not (0.0 < ci < 1.0):
        raise ValueError(f"ci must be in (0, 1), got {ci!r}")
    n = a.size
    members = None  # video indices of each group; None: every video is its own unit
    if groups is not None:
        g = np.asarray(groups)
        if g.ndim != 1 or g.size != n:
            raise ValueError(f"groups must be 1-D with one label per value ({n}), "
                             f"got shape {g.shape}")
        _, inverse = np.unique(g, return_inverse=True)
        members = [np.flatnonzero(inverse == k) for k in range(int(inverse.max()) + 1)]
    n_units = n if members is None else len(members)

    rng = np.random.default_rng(seed)
    out = []
    if statistic is None:  # vectorised: mean over the videos of each resample
        # scaled to max |.| = 1 so that neither a - b nor the sums overflow
        scale = max(float(np.max(np.abs(a))), 0.0 if b is None else float(np.max(np.abs(b))),
                    np.finfo(float).tiny)
        x = a / scale if b is None else a / scale - b / scale
        if members is None:
            sums, counts = x, np.ones(n)
        else:
            sums = np.array([x[m].sum() for m in members])
            counts = np.array([m.size for m in members], dtype=float)
        for pick in _draws(rng, n_units, int(n_boot)):
            out.append(scale * (sums[pick].sum(axis=1) / counts[pick].sum(axis=1)))
    elif weighted:
        for pick in _draws(rng, n_units, int(n_boot)):
            counts = _draw_counts(pick, n_units)
            w = counts if members is None else counts[:, inverse]
            out.append(statistic(a, w) if b is None else statistic(a, b, w))
    else:
        for pick in _draws(rng, n_units, int(n_boot)):
            for row in pick:
                idx = row if members is None else np.concatenate([members[k] for k in row])
                out.append(statistic(a[idx]) if b is None else statistic(a[idx], b[idx]))
    stats = np.concatenate([np.atleast_1d(np.asarray(o, dtype=float)) for o in out])
    stats = stats[~np.isnan(stats)]
    if stats.size == 0:
        return float("nan"), float("nan")
    alpha = 100.0 * (1.0 - ci) / 2.0
    low, high = np.percentile(stats, [alpha, 100.0 - alpha])
    return float(low), float(high)


def mean_se(values: np.ndarray, ddof: int = 1) -> tuple[float, float]:
    """Mean of (N,) values and its standard error ``std(ddof) / sqrt(N)``.

    ``ddof=1`` (default) is the sample standard deviation; rPPG-Toolbox uses
    ``ddof=0``. With N <= ``ddof`` the standard error is NaN (undefined).
    Raises ``ValueError`` for empty or non-finite values.
    """
    x = _values(values, "values")
    scale = max(float(np.max(np.abs(x))), np.finfo(float).tiny)  # no overflow for huge values
    mean = scale * float(np.mean(x / scale))
    if x.size <= ddof:
        return mean, float("nan")
    return mean, scale * float(np.std(x / scale, ddof=ddof) / np.sqrt(x.size))

