"""Paired method comparison: Wilcoxon + Holm, Friedman, Nemenyi CD (Demsar 2006), and their report."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rppg_bench.metrics.compare import (
    average_ranks,
    cd_groups,
    compare_methods,
    error_table,
    friedman_chi2_from_ranks,
    friedman_test,
    holm,
    iman_davenport,
    nemenyi_cd,
    paired_tests,
    q_alpha,
    wilcoxon_signed_rank,
)

# fixed per-video absolute errors (bpm), 8 videos x 4 methods, no ties within a video
ERRORS = pd.DataFrame({
    "a": [0.5, 1.2, 0.3, 2.0, 0.9, 0.4, 1.1, 0.2],
    "b": [1.5, 2.2, 0.8, 2.5, 1.7, 1.4, 2.6, 0.9],
    "c": [0.7, 1.0, 0.6, 3.1, 1.2, 0.5, 1.3, 0.1],
    "d": [9.0, 4.0, 12.0, 2.2, 8.0, 15.0, 3.0, 7.0],
}, index=[f"v{i}" for i in range(8)])


# ------------------------------------------------------------------- Holm
def test_holm_by_hand():
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04 -> running max 0.02, 0.03, 0.06, 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])  # capped at 1
    out = holm([0.01, np.nan, 0.02])  # NaN stays NaN and does not count: m = 2
    assert out[0] == pytest.approx(0.02) and math.isnan(out[1]) and out[2] == pytest.approx(0.02)
    assert holm([]).size == 0
    with pytest.raises(ValueError):
        holm([0.5, 1.5])


# --------------------------------------------------------------- Wilcoxon
def test_paired_tests_match_scipy_and_holm():
    pairs = paired_tests(ERRORS)
    assert len(pairs) == 6 and list(pairs[["method_a", "method_b"]].iloc[0]) == ["a", "b"]
    for _, r in pairs.iterrows():
        ref = stats.wilcoxon(ERRORS[r["method_a"]], ERRORS[r["method_b"]])
        assert r["p"] == pytest.approx(ref.pvalue) and r["statistic"] == pytest.approx(ref.statistic)
        assert r["median_diff"] == pytest.approx(np.median(ERRORS[r["method_a"]] - ERRORS[r["method_b"]]))
        assert r["n"] == 8
    assert pairs["p_holm"].to_numpy() == pytest.approx(holm(pairs["p"].to_numpy()))
    assert (pairs["significant"] == (pairs["p_holm"] < 0.05)).all()


def test_wilcoxon_by_hand():
    # 5 videos, A worse on every one: exact two-sided p = 2 / 2^5 = 0.0625, statistic 0
    e = pd.DataFrame({"a": [2.0, 3.0, 4.0, 5.0, 6.0], "b": [1.0, 1.0, 1.0, 1.0, 1.0]})
    r = paired_tests(e).iloc[0]
    assert r["p"] == pytest.approx(0.0625) and r["statistic"] == 0 and r["median_diff"] == 3.0
    same = paired_tests(pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 2.0]})).iloc[0]
    assert same["p"] == 1.0 and not same["significant"]  # identical errors: no evidence of a difference


@pytest.mark.parametrize("seed", range(6))
def test_wilcoxon_with_ties_and_zeros_equals_scipy(seed):
    # errors on a 0.5 bpm grid (as FFT bins give): ties and zero differences, where scipy runs
    # its exact permutation test; ours runs the same test vectorised and must give the same p
    rng = np.random.default_rng(seed)
    for n in (3, 6, 9, 13, 20):
        d = np.round(rng.normal(0.3, 1.5, size=n) * 2) / 2
        d[0] = 0.0
        d[1] = d[2] = 0.5
        ref = stats.wilcoxon(d)
        stat, p = wilcoxon_signed_rank(d)
        assert stat == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue, rel=1e-12)


def test_pairs_use_the_videos_both_methods_finished():
    e = ERRORS.copy()
    e.loc["v0", "b"] = np.nan  # b failed on v0
    pairs = paired_tests(e).set_index(["method_a", "method_b"])
    assert pairs.loc[("a", "b"), "n"] == 7 and pairs.loc[("a", "c"), "n"] == 8
    assert pairs.loc[("a", "b"), "p"] == pytest.approx(stats.wilcoxon(e["a"][1:], e["b"][1:]).pvalue)
    assert friedman_test(e)["n"] == 7


# --------------------------------------------------------------- Friedman
def test_average_ranks_by_hand_with_ties():
    e = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 1.0]])  # ranks (1, 2, 3) and (2.5, 2.5, 1)
    assert average_ranks(e) == pytest.approx([1.75, 2.25, 2.0])


def test_friedman_matches_scipy():
    out = friedman_test(ERRORS)
    ref = stats.friedmanchisquare(*[ERRORS[c] for c in ERRORS])
    assert out["statistic"] == pytest.approx(ref.statistic) and out["p"] == pytest.approx(ref.pvalue)
    assert out["k"] == 4 and out["n"] == 8
    ranks = np.array([out["ranks"][m] for m in "abcd"])
    assert ranks == pytest.approx(stats.rankdata(ERRORS.to_numpy(), axis=1).mean(axis=0))
    # without ties scipy's statistic is Demsar's rank formula
    assert out["statistic"] == pytest.approx(friedman_chi2_from_ranks(ranks, 8))
    with_ties = ERRORS.copy()
    with_ties.loc["v1", "c"] = with_ties.loc["v1", "a"]
    ref = stats.friedmanchisquare(*[with_ties[c] for c in with_ties])
    assert friedman_test(with_ties)["statistic"] == pytest.approx(ref.statistic)


def test_friedman_undefined_cases():
    two = friedman_test(ERRORS[["a", "b"]])
    assert math.isnan(two["statistic"]) and two["cd"] == pytest.approx(nemenyi_cd(2, 8))
    tied = friedman_test(pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 2.0], "c": [1.0, 2.0]}))
    assert math.isnan(tied["statistic"]) and math.isnan(tied["p"])


def test_demsar_worked_example():
    # Demsar 2006, section 3.2.4: four C4.5 variants on 14 data sets, average ranks
    # 3.143, 2.000, 2.893, 1.964 -> chi2_F = 9.28, F_F = 3.69 (critical F(3, 39) at 0.05: 2.85)
    chi2 = friedman_chi2_from_ranks([3.143, 2.000, 2.893, 1.964], 14)
    assert chi2 == pytest.approx(9.28, abs=0.005)
    f, p = iman_davenport(chi2, 14, 4)
    assert f == pytest.approx(3.69, abs=0.005) and p < 0.05
    assert stats.f.ppf(0.95, 3, 39) == pytest.approx(2.85, abs=0.005)
    # Nemenyi: q_0.05 = 2.569, CD = 2.569 sqrt(4 * 5 / (6 * 14)) = 1.25; q_0.10 = 2.291, CD = 1.12
    assert nemenyi_cd(4, 14) == pytest.approx(2.569 * math.sqrt(20 / 84), abs=1e-3)
    assert round(nemenyi_cd(4, 14), 2) == 1.25
    assert round(nemenyi_cd(4, 14, alpha=0.10), 2) == 1.12


#: Nemenyi critical values q_alpha for k = 2..10 methods as published (Demsar 2006, Table 5a)
DEMSAR_Q_ALPHA = {
    0.05: {2: 1.960, 3: 2.343, 4: 2.569, 5: 2.728, 6: 2.850, 7: 2.949, 8: 3.031, 9: 3.102, 10: 3.164},
    0.10: {2: 1.645, 3: 2.052, 4: 2.291, 5: 2.459, 6: 2.589, 7: 2.693, 8: 2.780, 9: 2.855, 10: 2.920},
}


@pytest.mark.parametrize("alpha", sorted(DEMSAR_Q_ALPHA))
def test_q_alpha_matches_the_published_table(alpha):
    for k, published in DEMSAR_Q_ALPHA[alpha].items():
        assert q_alpha(k, alpha) == pytest.approx(published, abs=1e-3), k  # Demsar prints 3 decimals
        exact = stats.studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2)
        assert q_alpha(k, alpha) == pytest.approx(exact, rel=1e-12), k


def test_q_alpha_beyond_the_table_and_bad_arguments():
    qs = [q_alpha(k) for k in range(2, 17)]  # 16 methods are registered
    assert np.all(np.diff(qs) > 0) and 3.164 < qs[-1] < 3.6
    assert nemenyi_cd(16, 8) == pytest.approx(qs[-1] * math.sqrt(16 * 17 / 48))
    for k, alpha in ((1, 0.05), (2.5, 0.05), (3, 0.0), (3, 1.0)):
        with pytest.raises(ValueError):
            q_alpha(k, alpha)


def test_friedman_has_a_cd_for_more_than_ten_methods():
    rng = np.random.default_rng(0)
    errors = pd.DataFrame(rng.uniform(0, 5, (8, 12)), columns=[f"m{j:02d}" for j in range(12)])
    out = friedman_test(errors)
    assert out["cd"] == pytest.approx(nemenyi_cd(12, 8)) and out["groups"]


def test_cd_groups_by_hand():
    ranks = {"a": 1.0, "b": 1.5, "c": 2.4, "d": 3.9}
    # CD 1.0: a-b (0.5) and b-c (0.9) join, a-c (1.4) does not, d stands alone
    assert cd_groups(ranks, 1.0) == [["a", "b"], ["b", "c"]]
    assert cd_groups(ranks, 5.0) == [["a", "b", "c", "d"]]
    assert cd_groups(ranks, 0.1) == []


def test_error_table_from_hr_columns():
    rows = pd.DataFrame({"video": ["v1", "v1", "v2", "v2"], "method": ["x", "y", "x", "y"],
                         "hr_pred": [70.0, 75.0, 60.0, 58.0], "hr_true": [72.0, 72.0, 61.0, 61.0]})
    table = error_table(rows)
    assert table.loc["v1", "x"] == 2.0 and table.loc["v2", "y"] == 3.0
    assert set(compare_methods(rows)) == {"pairs", "friedman", "errors"}


# ---------------------------------------------------------------- the report
def fake_rows(n_videos: int, methods: list[str]) -> list[dict]:
    rng = np.random.default_rng(1)
    rows = []
    for v in range(n_videos):
        true = 60.0 + 5 * v
        for j, m in enumerate(methods):
            pred = true + rng.normal(0, 1 + 3 * j)
            row = {"dataset": "ds", "video": f"v{v}", "subject": f"s{v}", "condition": "", "method": m,
                   "status": "ok", "hr_pred": pred, "hr_true": true, "hr_error": pred - true,
                   "hr_abs_error": abs(pred - true), "win_hr_mae": 1.0, "wave_rmse": 0.1, "wave_mae": 0.1,
                   "wave_r": 0.5, "snr_db": 1.0, "runtime_s": 0.01, "preprocess_s": 0.1}
            if v == 0:
                t = [5.0, 6.0, 7.0, 8.0]
                row["_win_hr"] = {"t": t, "true": [true] * 4, "pred": [pred + k for k in range(4)]}
            rows.append(row)
    return rows


def test_report_has_paired_tests_friedman_cd_plot_and_hr_over_time(tmp_path):
    from rppg_bench.reports.render import write_report

    rows = fake_rows(5, ["pos", "chrom", "green"])
    summary = write_report(tmp_path, rows, {"protocol": {"name": "default"}, "seed": 0}).read_text()
    assert "### Paired comparison of |HR error|" in summary and "Holm p" in summary
    assert "Friedman test, 3 methods on the 5 video(s)" in summary and "CD = " in summary
    assert "plots/cd_ds.png" in summary and "plots/hr_over_time.png" in summary
    assert (tmp_path / "plots" / "cd_ds.png").stat().st_size > 1000
    assert (tmp_path / "plots" / "hr_over_time.png").stat().st_size > 1000
    assert "± " not in summary  # toolbox standard errors only when the protocol asks


def test_no_cd_plot_below_three_methods_or_videos(tmp_path):
    from rppg_bench.reports.render import write_report

    summary = write_report(tmp_path, fake_rows(2, ["pos", "chrom", "green"]), {}).read_text()
    assert not (tmp_path / "plots" / "cd_ds.png").exists() and "cd_ds" not in summary
    summary = write_report(tmp_path, fake_rows(6, ["pos", "chrom"]), {}).read_text()
    assert not (tmp_path / "plots" / "cd_ds.png").exists()
    assert "### Paired comparison" in summary and "Friedman" not in summary
    summary = write_report(tmp_path, fake_rows(6, ["pos", "chrom"]), {"protocol": {"standard_errors": True}}).read_text()
    assert "rPPG-Toolbox formulas" in summary


def test_a_kept_comparison_reads_back_exactly_and_its_report_is_the_same(tmp_path):
    """compare_datasets -> JSON -> back: the same pairs (every float exactly), Friedman result and errors;
    a report written over the same rows with the comparison read from the cache is byte-identical."""
    import json

    import pandas as pd

    from rppg_bench.metrics.compare import compare_datasets, compared_as_json, compared_from_json
    from rppg_bench.reports.render import COMPARISONS_SECTION, write_report
    from rppg_bench.reports.tables import ok_frame

    rows = fake_rows(9, ["a", "b", "c", "d"])
    rows[0]["dataset"] = "other"  # a dataset of one method is not compared: absent on both sides
    df = ok_frame(rows)
    compared = compare_datasets(df)
    back = compared_from_json(json.loads(json.dumps(compared_as_json(compared))), df)
    assert set(back) == set(compared) == {"ds"}
    pd.testing.assert_frame_equal(back["ds"]["pairs"], compared["ds"]["pairs"], check_exact=True)
    pd.testing.assert_frame_equal(back["ds"]["errors"], compared["ds"]["errors"], check_exact=True)
    assert json.dumps(back["ds"]["friedman"]) == json.dumps(compared["ds"]["friedman"])
    record = {"seed": 0, "protocol": {"name": "default"}}
    cache = tmp_path / "cache"
    for name in ("first", "second", "third"):
        (tmp_path / name).mkdir()
    write_report(tmp_path / "first", rows, record, cache_dir=cache)
    assert len(list((cache / COMPARISONS_SECTION).glob("*.json"))) == 1
    write_report(tmp_path / "second", rows, record, cache_dir=cache)
    for name in ("summary.md", "index.html", "results.csv"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()
    (next((cache / COMPARISONS_SECTION).glob("*.json"))).write_text('{"ds": {"pairs": 3}}')  # another shape
    write_report(tmp_path / "third", rows, record, cache_dir=cache)
    assert (tmp_path / "third" / "summary.md").read_bytes() == (tmp_path / "first" / "summary.md").read_bytes()
