"""The fast paths of issue 7 give the numbers of the straightforward ones.

Vectorised bootstrap, the cached detrend / band-pass / periodogram, the
memoised reference side of the evaluation, the report kept when its inputs
are unchanged, the memoised video fingerprint and the decode-ahead thread.
"""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest
from scipy import signal as sps
from scipy import sparse
from scipy.sparse.linalg import spsolve

from rppg_bench.metrics.stats import bootstrap_ci


# ---------------------------------------------------------------- bootstrap
def _per_resample(p, t, name):
    """The report's HR statistics written plainly, one resample at a time."""
    e = p - t
    if name == "hr_mae":
        return float(np.mean(np.abs(e)))
    if name == "hr_rmse":
        return float(np.sqrt(np.mean(e ** 2)))
    if name == "hr_mape":
        return float(np.mean(np.abs(e) / t) * 100)
    if len(p) < 3 or np.ptp(p) == 0 or np.ptp(t) == 0:
        return float("nan")
    return float(np.corrcoef(p, t)[0, 1])


@pytest.mark.parametrize("n, grouped", [(3, False), (8, False), (8, True), (13, True)])
def test_weighted_bootstrap_gives_the_per_resample_interval(n, grouped):
    from rppg_bench.metrics.hr_stats import HR_STATISTICS, hr_statistic

    rng = np.random.default_rng(n)
    true = rng.uniform(50, 120, n)
    pred = true + rng.normal(0, 6, n)
    groups = rng.integers(0, max(2, n // 2), n).astype(str) if grouped else None
    for name, weighted in HR_STATISTICS.items():
        assert hr_statistic(name, pred, true) == pytest.approx(_per_resample(pred, true, name), rel=1e-12)
        plain = bootstrap_ci(pred, true, statistic=lambda a, b, k=name: _per_resample(a, b, k), n_boot=300,
                             seed=4, groups=groups)
        fast = bootstrap_ci(pred, true, statistic=weighted, n_boot=300, seed=4, groups=groups, weighted=True)
        assert fast == pytest.approx(plain, rel=1e-9, nan_ok=True)


# ---------------------------------------------------------------- signal helpers
def test_banded_detrend_matches_the_sparse_solve():
    from rppg_bench.metrics.signal import signal_detrend

    rng = np.random.default_rng(0)
    for n in (3, 4, 7, 300, 2000):
        for lam in (1.0, 100.0, 760.0):
            x = rng.normal(size=n).cumsum()
            d2 = sparse.diags([1.0, -2.0, 1.0], [0, 1, 2], shape=(n - 2, n), format="csc")
            a = sparse.identity(n, format="csc") + lam ** 2 * (d2.T @ d2)
            expected = x - spsolve(a.tocsc(), x)
            assert np.allclose(signal_detrend(x, lam), expected, rtol=0, atol=1e-8 * np.abs(x).max())


def test_bandpass_is_scipys_sosfiltfilt():
    from rppg_bench.metrics.signal import signal_bandpass

    rng = np.random.default_rng(1)
    for n in (4, 20, 28, 29, 600):
        for fs, band in ((30.0, (0.7, 3.0)), (25.0, (0.49, 12.0)), (60.0, (0.75, 2.5))):
            for shape in ((n,), (3, n)):  # one signal, or one per row (windows)
                x = rng.normal(size=shape).cumsum(axis=-1)
                sos = sps.butter(3, [band[0] / (fs / 2), min(band[1] / (fs / 2), 0.99)], btype="bandpass",
                                 output="sos")
                expected = sps.sosfiltfilt(sos, x, padlen=min(n - 1, 3 * (2 * len(sos) + 1) * 3))
                # equal to rounding: the steady state is solved in closed form (test_filter_design)
                np.testing.assert_allclose(signal_bandpass(x, fs, band), expected, rtol=0,
                                           atol=1e-10 * np.abs(x).max())


def test_hann_periodogram_is_scipys():
    from rppg_bench.metrics.spectra import hann_periodogram, nfft

    rng = np.random.default_rng(2)
    for n, fs in ((300, 30.0), (301, 29.97), (250, 25.0)):
        y = rng.normal(size=n)
        f, p = sps.periodogram(y, fs=fs, window="hann", nfft=nfft(n, fs), detrend=False)
        f2, p2 = hann_periodogram(y, fs, nfft(n, fs))
        np.testing.assert_array_equal(f, f2)
        np.testing.assert_allclose(p2, p, rtol=1e-12, atol=1e-14 * p.max())


def test_memoised_reference_side_gives_the_fresh_metrics():
    from rppg_bench.metrics import evaluate

    fs = 30.0
    t = np.arange(900) / fs
    ref = np.sin(2 * np.pi * 1.2 * t) + 0.3 * np.sin(4 * np.pi * 1.2 * t)
    rng = np.random.default_rng(3)
    preds = [np.clip(0.5 + 0.4 * np.sin(2 * np.pi * 1.2 * t + k) + 0.05 * rng.normal(size=t.size), 0, 1)
             for k in range(3)]
    evaluate._MEMO.clear()
    first = [evaluate.evaluate_prediction(t, p, t, ref) for p in preds]  # the 2nd and 3rd reuse the reference
    fresh = []
    for p in preds:
        evaluate._MEMO.clear()
        fresh.append(evaluate.evaluate_prediction(t, p, t, ref))
    assert first == fresh
    _, _, ref01, _ = evaluate.aligned_waveforms(t, preds[0], t, ref)
    ref01[:] = 0  # the caller's copy: the memo is not touched
    assert evaluate.evaluate_prediction(t, preds[0], t, ref) == first[0]


# ---------------------------------------------------------------- the report
def test_report_is_kept_when_its_inputs_are_unchanged(tmp_path, monkeypatch):
    from test_compare import fake_rows

    from rppg_bench.reports import plots, render
    from rppg_bench.reports import summary as summary_module
    from rppg_bench.reports.results import ResultStore

    rows = fake_rows(5, ["pos", "chrom", "green"])
    record = {"protocol": {"name": "default"}, "seed": 0, "date_utc": "2026-01-01T00:00:00", "wall_time_s": 3.0}
    summary = render.write_report(tmp_path, rows, record)
    text = summary.read_text()
    assert "wall time 3.0 s" in text

    def no_plots(*a, **k):
        raise AssertionError("plots drawn again")

    monkeypatch.setattr(plots, "write_plots", no_plots)
    # same rows and record, another date and wall time: nothing is rendered again
    monkeypatch.setattr(summary_module, "summary_markdown", lambda *a, **k: pytest.fail("summary rendered again"))
    render.write_report(tmp_path, rows, {**record, "date_utc": "2026-01-02T00:00:00", "wall_time_s": 0.1})
    assert summary.read_text() == text
    monkeypatch.undo()
    monkeypatch.setattr(plots, "write_plots", no_plots)
    # another record over the same rows: the summary is rendered again, the plots are kept
    render.write_report(tmp_path, rows, {**record, "seed": 1})
    assert "seed: 1" in summary.read_text()
    # a plot file gone, or other rows: plots drawn again
    monkeypatch.undo()
    (tmp_path / "plots" / "hr_scatter.png").unlink()
    render.write_report(tmp_path, rows, {**record, "seed": 1})
    assert (tmp_path / "plots" / "hr_scatter.png").is_file()
    monkeypatch.setattr(plots, "write_plots", no_plots)
    with pytest.raises(AssertionError, match="plots drawn again"):
        render.write_report(tmp_path, rows[:-1], record)
    monkeypatch.undo()
    store = ResultStore(tmp_path)
    for row in rows:
        store.append(row)
    render.write_report(tmp_path, store.rows(), record)  # the inputs --report-from will read
    monkeypatch.setattr(plots, "write_plots", no_plots)
    with pytest.raises(AssertionError, match="plots drawn again"):  # --report-from always redraws
        render.rerender_report(tmp_path)


# ---------------------------------------------------------------- fingerprints
def test_video_fingerprint_is_memoised_by_file_identity(tmp_path, monkeypatch):
    from rppg_bench.datasets import recording
    from rppg_bench.datasets.recording import VideoFile, source_fingerprint

    video = tmp_path / "vid.avi"
    video.write_bytes(b"a" * 1000)
    old = time.time() - 60
    os.utime(video, (old, old))
    cache = tmp_path / "cache"
    monkeypatch.setattr(recording, "_SETTLED_S", 0.0)  # the file's change time is now
    monkeypatch.setattr(recording, "_FINGERPRINTS", {})
    first = source_fingerprint(VideoFile(video), cache)
    assert len(list((cache / "fingerprints").iterdir())) == 1
    monkeypatch.setattr(recording, "_FINGERPRINTS", {})  # a new process: read from the cache folder
    real_open = open
    monkeypatch.setattr("builtins.open", lambda f, *a, **k: pytest.fail("video read again")
                        if str(f) == str(video) else real_open(f, *a, **k))
    assert source_fingerprint(VideoFile(video), cache) == first
    monkeypatch.setattr("builtins.open", real_open)
    # rewritten with the same size and modification time: the change time differs, hashed again
    video.write_bytes(b"b" * 1000)
    os.utime(video, (old, old))
    assert source_fingerprint(VideoFile(video), cache) != first


def test_recently_modified_video_is_hashed_every_time(tmp_path, monkeypatch):
    from rppg_bench.datasets import recording
    from rppg_bench.datasets.recording import VideoFile, source_fingerprint

    video = tmp_path / "vid.avi"
    video.write_bytes(b"a" * 10)
    monkeypatch.setattr(recording, "_FINGERPRINTS", {})
    first = source_fingerprint(VideoFile(video), tmp_path / "cache")
    assert recording._FINGERPRINTS == {} and not (tmp_path / "cache").exists()
    video.write_bytes(b"b" * 10)
    assert source_fingerprint(VideoFile(video), tmp_path / "cache") != first


# ---------------------------------------------------------------- decode ahead
def test_decoded_ahead_keeps_order_errors_and_stops_the_thread():
    from rppg_bench.preprocessing.decode import decoded_ahead

    closed = []

    def frames(n, fail_at=None):
        try:
            for i in range(n):
                if i == fail_at:
                    raise RuntimeError(f"corrupt frame {i}")
                yield i
        finally:
            closed.append(i)

    assert list(decoded_ahead(frames(50), depth=3)) == list(range(50))
    got = []
    with pytest.raises(RuntimeError, match="corrupt frame 7"):
        for x in decoded_ahead(frames(50, fail_at=7)):
            got.append(x)  # noqa: PERF402 - the items before the error
    assert got == list(range(7))
    before = threading.active_count()
    gen = decoded_ahead(frames(10_000), depth=2)
    assert next(gen) == 0
    gen.close()  # the consumer stops early: the thread ends and closes the source
    assert threading.active_count() <= before
    assert len(closed) == 3 and closed[-1] < 10


def test_opencv_runs_on_one_thread_during_the_face_pass_and_is_restored_after():
    import cv2

    from rppg_bench.preprocessing.decode import opencv_threads

    before = cv2.getNumThreads()
    with opencv_threads(1):
        assert cv2.getNumThreads() == 1
    assert cv2.getNumThreads() == before
    with pytest.raises(KeyError), opencv_threads(1):
        raise KeyError("an error inside the block")
    assert cv2.getNumThreads() == before


def test_landmarks_read_from_the_wire_format_equal_the_per_landmark_values():
    landmark_pb2 = pytest.importorskip("mediapipe.framework.formats.landmark_pb2")
    from rppg_bench.preprocessing.landmarks import landmarks_to_pixels

    rng = np.random.default_rng(5)
    msg = landmark_pb2.NormalizedLandmarkList()
    for x, y, z in rng.uniform(-0.2, 1.2, size=(468, 3)):
        msg.landmark.add(x=x, y=y, z=z)
    msg.landmark[3].z = 0.0  # a zero is still written (proto2 optional)
    expected = np.array([(p.x * 640, p.y * 480) for p in msg.landmark], dtype=np.float32)
    np.testing.assert_array_equal(landmarks_to_pixels(msg, 640, 480), expected)
    msg.landmark[7].visibility = 0.9  # another layout: read one landmark at a time
    np.testing.assert_array_equal(landmarks_to_pixels(msg, 640, 480), expected)


# ------------------------------------------------------ landmarks on keyframes
def test_keyframe_landmarks_interpolate_between_facemesh_frames(monkeypatch):
    """FaceMesh runs on frames 0, k, 2k, ... only; the frames between get the linear interpolation
    of their two keyframes, frames next to a keyframe without a face get None, trailing frames hold
    the last keyframe's landmarks; order and frames are kept."""
    from rppg_bench.preprocessing import landmarks as face

    calls = []

    def fake_landmarks(mesh, frame):  # a face at x = y = frame value, none in frames 6..8
        calls.append(int(frame))
        return None if 6 <= frame <= 8 else np.full((468, 2), float(frame), np.float32)

    monkeypatch.setattr(face, "frame_landmarks", fake_landmarks)
    out = list(face.keyframe_landmarks(None, iter(np.arange(11)), every=3))
    assert calls == [0, 3, 6, 9]
    assert [int(f) for f, _ in out] == list(range(11))
    got = {int(f): None if p is None else float(p[0, 0]) for f, p in out}
    assert got == {0: 0, 1: 1, 2: 2, 3: 3, 4: None, 5: None, 6: None, 7: None, 8: None, 9: 9, 10: 9}
    every_frame = list(face.keyframe_landmarks(None, iter(np.arange(4)), every=1))
    assert [None if p is None else float(p[0, 0]) for _, p in every_frame] == [0, 1, 2, 3]


def test_landmark_every_is_validated_and_keyed_apart_while_every_frame_keeps_the_old_keys(tmp_path):
    from rppg_bench.cache import cache_key
    from rppg_bench.datasets.recording import Recording, VideoFile
    from rppg_bench.preprocessing.landmark_roi import FACE_CODE_VERSION
    from rppg_bench.preprocessing.params import FaceParams
    from rppg_bench.preprocessing.roi import ROI_POLYGONS
    from rppg_bench.preprocessing.store import products_cache_file

    with pytest.raises(ValueError, match="landmark_every"):
        FaceParams(landmark_every=0)
    video = tmp_path / "v.avi"
    video.write_bytes(b"not really a video")
    rec = Recording(name="v.avi", dataset="file", source=VideoFile(video), ppg=np.empty(0), ppg_times=np.empty(0))
    default = products_cache_file(rec, FaceParams(), tmp_path)
    # the key of caches written before ``landmark_every`` existed
    old = cache_key(source=rec.products["source_sha"], version=FACE_CODE_VERSION, roi=ROI_POLYGONS,
                    params={"min_detection_confidence": 0.5, "min_tracking_confidence": 0.5, "crop_size": 0,
                            "crop_scale": 1.3})
    assert default.stem == old
    assert products_cache_file(rec, FaceParams(landmark_every=2), tmp_path) != default
    assert FaceParams().tracking_key() == (0.5, 0.5) and FaceParams(landmark_every=2).tracking_key() == (0.5, 0.5, 2)
