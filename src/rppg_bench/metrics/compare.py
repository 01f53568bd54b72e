"""Paired comparison of methods on the same videos.

Is method A really better than method B on this dataset, or is the gap noise?
Every method is run on the same videos, so the comparisons are paired:

- ``paired_tests``: Wilcoxon signed-rank test (``scipy.stats.wilcoxon``,
  two-sided, zero differences dropped) on the per-video absolute HR errors of
  every pair of methods, over the videos both finished; p-values corrected
  for the number of pairs with Holm's step-down method (``holm``).
- ``friedman_test``: Friedman test (``scipy.stats.friedmanchisquare``) across
  all methods on the videos every method finished, with the average rank of
  each method (rank 1 = smallest error in a video, ties averaged) and
  Iman-Davenport's F form.
- ``nemenyi_cd``: Nemenyi critical difference of average ranks,
  ``CD = q_alpha sqrt(k (k + 1) / (6 N))`` (Demsar 2006, J. Mach. Learn. Res.
  7:1-30, section 3.2.2) with ``q_alpha`` the Studentized range quantile (infinite
  degrees of freedom) over sqrt 2, for any number of methods: two methods whose
  average ranks differ by less than CD are not significantly different;
  ``cd_groups`` lists the maximal groups of such methods (the bars of a
  critical-difference diagram).

Errors in bpm; p-values in [0, 1].
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

ERROR_COLUMN = "hr_abs_error"


# ------------------------------------------------------------------ basics
def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values of (m,) ``pvalues``, in the same order.

    Sorted ascending, ``p_adj(i) = max_{j <= i} min(1, (m - j) p_(j))`` (j from
    0). NaN p-values stay NaN and do not count in ``m``. Reject at level alpha
    where ``p_adj < alpha`` -- the same decisions as Holm's step-down procedure.
    """
    p = np.asarray(pvalues, dtype=float)
    if p.ndim != 1:
        raise ValueError(f"pvalues must be 1-D, got shape {p.shape}")
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size == 0:
        return out
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    order = ok[np.argsort(p[ok], kind="stable")]
    m = order.size
    adjusted = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(adjusted)
    return out


def _stats() -> Any:
    """``scipy.stats``, imported on first use (about 0.6 s: a report whose comparison is cached, or a
    run whose report is kept, needs none of it)."""
    from scipy import stats

    return stats


@lru_cache(maxsize=64)
def q_alpha(k: int, alpha: float = 0.05) -> float:
    """Nemenyi critical value for ``k >= 2`` methods at level ``alpha`` in (0, 1): the ``1 - alpha``
    quantile of the Studentized range of ``k`` means with infinite degrees of freedom, over sqrt 2
    (Demsar 2006, Table 5a lists it for k = 2..10 to 3 decimals)."""
    if int(k) != k or k < 2:
        raise ValueError(f"q_alpha needs k >= 2 methods, got k={k!r}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    return float(_stats().studentized_range.ppf(1.0 - alpha, int(k), np.inf) / np.sqrt(2.0))


def nemenyi_cd(k: int, n: int, alpha: float = 0.05) -> float:
    """Critical difference of average ranks for ``k`` methods on ``n`` videos: ``q_alpha sqrt(k(k+1)/(6n))``."""
    if int(n) < 1:
        raise ValueError(f"need at least one video, got n={n!r}")
    return q_alpha(k, alpha) * float(np.sqrt(k * (k + 1) / (6.0 * n)))


def average_ranks(errors: np.ndarray) -> np.ndarray:
    """Average rank (k,) of each column of ``errors`` (N videos, k methods): 1 = smallest, ties averaged."""
    e = np.asarray(errors, dtype=float)
    if e.ndim != 2 or e.shape[0] < 1 or e.shape[1] < 1:
        raise ValueError(f"errors must be a non-empty (videos, methods) array, got shape {e.shape}")
    if not np.all(np.isfinite(e)):
        raise ValueError("errors contain non-finite values")
    return _stats().rankdata(e, axis=1).mean(axis=0)


def friedman_chi2_from_ranks(ranks: np.ndarray, n: int) -> float:
    """Friedman's statistic from average ranks (k,) over ``n`` videos, without ties:
    ``12 n / (k (k + 1)) * (sum R_j^2 - k (k + 1)^2 / 4)`` (Demsar 2006, eq. 3.2)."""
    r = np.asarray(ranks, dtype=float)
    k = r.size
    return float(12.0 * n / (k * (k + 1)) * (np.sum(r ** 2) - k * (k + 1) ** 2 / 4.0))


def iman_davenport(chi2: float, n: int, k: int) -> tuple[float, float]:
    """Iman-Davenport ``F = (n - 1) chi2 / (n (k - 1) - chi2)`` and its p-value (F with
    ``k - 1`` and ``(k - 1)(n - 1)`` df); NaN when undefined (e.g. every video ranks alike)."""
    denom = n * (k - 1) - chi2
    if not (np.isfinite(chi2) and denom > 0 and n > 1 and k > 1):
        return float("nan"), float("nan")
    f = (n - 1) * chi2 / denom
    return float(f), float(_stats().f.sf(f, k - 1, (k - 1) * (n - 1)))


def cd_groups(ranks: dict[str, float], cd: float) -> list[list[str]]:
    """Maximal groups (>= 2 methods, in rank order) whose average ranks all differ by less than ``cd``."""
    items = sorted(ranks.items(), key=lambda kv: kv[1])
    groups, last_end = [], -1
    for i in range(len(items)):
        j = i
        while j + 1 < len(items) and items[j + 1][1] - items[i][1] < cd:
            j += 1
        if j > i and j > last_end:
            groups.append([name for name, _ in items[i:j + 1]])
            last_end = j
    return groups


# ------------------------------------------------------------------ tables
def error_table(df: pd.DataFrame, value: str = ERROR_COLUMN) -> pd.DataFrame:
    """Per-video errors, videos x methods (NaN where a method has no result).

    ``df`` has one row per (video, method) with a ``value`` column, or
    ``hr_pred`` and ``hr_true`` from which the absolute HR error is computed.
    """
    d = df
    if value not in d:
        if value != ERROR_COLUMN or not {"hr_pred", "hr_true"} <= set(d):
            raise ValueError(f"rows have no {value!r} column")
        d = d.assign(**{value: (d["hr_pred"] - d["hr_true"]).abs()})
    return d.pivot_table(index="video", columns="method", values=value, aggfunc="first").sort_index(axis=1)


#: largest number of pairs for which scipy's ``wilcoxon`` runs an exact permutation test when
#: the differences have ties or zeros (all 2**n sign flips; more pairs: normal approximation)
EXACT_PERMUTATION_MAX_N = 13


def positive_rank_sum(d: np.ndarray, axis: int = -1) -> np.ndarray:
    """Wilcoxon's ``R+`` of differences ``d`` along ``axis``: the sum of the ranks of ``|d|``
    (ties averaged, zeros dropped as in ``zero_method="wilcox"``) of the positive differences."""
    d = np.moveaxis(np.asarray(d, dtype=float), axis, -1)
    magnitude = np.where(d == 0, np.nan, np.abs(d))
    ranks = _stats().rankdata(magnitude, axis=-1, nan_policy="omit")
    return np.nansum(np.where(d > 0, ranks, 0.0), axis=-1)


def wilcoxon_signed_rank(d: np.ndarray) -> tuple[float, float]:
    """(statistic, two-sided p) of the Wilcoxon signed-rank test on paired differences ``d`` (n,).

    The same test as ``scipy.stats.wilcoxon(d)`` (method "auto"): where scipy
    would run its exact permutation test (ties or zeros, n <= 13) the same
    permutation test is run here with a vectorised statistic (all 2**n sign
    flips at once instead of one Python call each: ~100x faster, same p).
    """
    d = np.asarray(d, dtype=float)
    nonzero = np.abs(d[d != 0])
    tied = nonzero.size < d.size or np.unique(nonzero).size < nonzero.size
    if not (tied and d.size <= EXACT_PERMUTATION_MAX_N):
        res = _stats().wilcoxon(d)
        return float(res.statistic), float(res.pvalue)
    r_plus = float(positive_rank_sum(d))
    r_minus = float(positive_rank_sum(-d))
    perm = _stats().permutation_test((d,), positive_rank_sum, permutation_type="samples", vectorized=True,
                                  n_resamples=2 ** d.size, alternative="two-sided")
    return min(r_plus, r_minus), float(perm.pvalue)


def paired_tests(errors: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Wilcoxon signed-rank test for every pair of methods (columns of ``errors``, videos x methods).

    Each pair uses the videos where both have a value. Columns: ``method_a``,
    ``method_b``, ``n`` (videos), ``median_diff`` (median of
    ``err_a - err_b``, bpm; negative = A has the smaller errors), ``statistic``,
    ``p``, ``p_holm`` (Holm over all pairs) and ``significant`` (``p_holm < alpha``).
    All differences zero: p = 1; fewer than one video: p = NaN.
    """
    rows = []
    for a, b in combinations(errors.columns, 2):
        pair = errors[[a, b]].dropna()
        d = (pair[a] - pair[b]).to_numpy(float)
        stat, p = float("nan"), float("nan")
        if d.size and np.all(d == 0):
            stat, p = 0.0, 1.0
        elif d.size:
            stat, p = wilcoxon_signed_rank(d)
        rows.append({"method_a": a, "method_b": b, "n": int(d.size),
                     "median_diff": float(np.median(d)) if d.size else float("nan"), "statistic": stat, "p": p})
    out = pd.DataFrame(rows, columns=["method_a", "method_b", "n", "median_diff", "statistic", "p"])
    out["p_holm"] = holm(out["p"].to_numpy(float)) if len(out) else []
    out["significant"] = out["p_holm"] < alpha
    return out


def friedman_test(errors: pd.DataFrame, alpha: float = 0.05) -> dict[str, Any]:
    """Friedman test across all methods (columns of ``errors``) on the videos every method has.

    Returns ``k``, ``n`` (complete videos), ``statistic`` (chi-square, tie
    corrected as scipy), ``p``, ``iman_davenport_f`` and ``iman_davenport_p``
    (F with ``k-1`` and ``(k-1)(n-1)`` df), ``ranks`` (method -> average
    rank), ``cd`` (Nemenyi at ``alpha``) and ``groups``
    (``cd_groups``). Statistics are NaN with fewer than 3 methods or 2 videos,
    or when every video ties all methods.
    """
    complete = errors.dropna()
    k, n = complete.shape[1], complete.shape[0]
    out: dict[str, Any] = {"k": int(k), "n": int(n), "alpha": alpha, "statistic": float("nan"), "p": float("nan"),
                           "iman_davenport_f": float("nan"), "iman_davenport_p": float("nan"),
                           "ranks": {}, "cd": float("nan"), "groups": []}
    if k < 2 or n < 1:
        return out
    ranks = average_ranks(complete.to_numpy(float))
    out["ranks"] = {m: float(r) for m, r in zip(complete.columns, ranks)}
    out["cd"] = nemenyi_cd(k, n, alpha)
    out["groups"] = cd_groups(out["ranks"], out["cd"])
    if k >= 3 and n >= 2:
        e = complete.to_numpy(float)
        if np.any(np.ptp(e, axis=1) > 0):
            res = _stats().friedmanchisquare(*e.T)
            out["statistic"], out["p"] = float(res.statistic), float(res.pvalue)
            out["iman_davenport_f"], out["iman_davenport_p"] = iman_davenport(out["statistic"], n, k)
    return out


def compare_methods(df: pd.DataFrame, value: str = ERROR_COLUMN, alpha: float = 0.05) -> dict[str, Any]:
    """Paired tests and the Friedman / Nemenyi analysis of one dataset's rows (see module docstring)."""
    errors = error_table(df, value)
    return {"pairs": paired_tests(errors, alpha), "friedman": friedman_test(errors, alpha), "errors": errors}


def compare_datasets(df: pd.DataFrame, alpha: float = 0.05) -> dict[str, dict[str, Any]]:
    """:func:`compare_methods` of each dataset of ``df`` (rows with a ``dataset`` column) that has at
    least 2 methods, by dataset name."""
    return {dataset: compare_methods(d, alpha=alpha) for dataset, d in df.groupby("dataset", sort=True)
            if d["method"].nunique() >= 2}


# ------------------------------------------------------------------ keeping a comparison
PAIR_COLUMNS = ("method_a", "method_b", "n", "median_diff", "statistic", "p", "p_holm", "significant")


def compared_as_json(compared: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """:func:`compare_datasets`'s result as JSON-ready data (its ``pairs`` as lists of rows, floats kept
    exactly by ``json``; its ``friedman`` as it is; ``errors``, cheap to recompute, left out)."""
    return {dataset: {"pairs": [[_plain(v) for v in row] for row in r["pairs"][list(PAIR_COLUMNS)].itertuples(index=False)],
                      "friedman": {k: _plain(v) for k, v in r["friedman"].items()}}
            for dataset, r in compared.items()}


def compared_from_json(data: dict[str, Any], df: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The :func:`compare_datasets` result that :func:`compared_as_json` made ``data`` of, for the rows
    ``df`` it was computed from (their ``errors`` tables recomputed)."""
    out = {}
    for dataset, r in data.items():
        pairs = pd.DataFrame([dict(zip(PAIR_COLUMNS, row)) for row in r["pairs"]], columns=list(PAIR_COLUMNS)).astype(
            {"n": int, "median_diff": float, "statistic": float, "p": float, "p_holm": float, "significant": bool})
        out[dataset] = {"pairs": pairs, "friedman": dict(r["friedman"]),
                        "errors": error_table(df[df["dataset"] == dataset])}
    return out


def _plain(value: Any) -> Any:
    """``value`` with numpy scalars as Python ones (JSON writes Python floats exactly)."""
    return value.item() if isinstance(value, np.generic) else value
