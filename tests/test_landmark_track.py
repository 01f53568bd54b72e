"""Landmarks tracked by optical flow between FaceMesh keyframes (``--landmarks track``)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pandas as pd
import pytest

from rppg_bench import cli as benchmark
from rppg_bench.datasets.synthetic import generate_synthetic
from rppg_bench.datasets.ubfc import load_ubfc
from rppg_bench.preprocessing import landmark_track as lt
from rppg_bench.preprocessing import landmarks as face
from rppg_bench.preprocessing.kinds import ROI_TABLE
from rppg_bench.preprocessing.params import LANDMARK_MODES, FaceParams
from rppg_bench.preprocessing.roi import ROI_POINTS, masked_mean_rgb, roi_polygons
from rppg_bench.preprocessing.roi_subpixel import (
    coverage_mean_rgb,
    hull_mean_rgb_subpixel,
    roi_mean_rgb_subpixel,
)
from rppg_bench.preprocessing.store import products_cache_file, serves


def textured_scene(shifts: np.ndarray, size: tuple[int, int] = (320, 240)) -> list[np.ndarray]:
    """RGB frames (H, W, 3) of one blurred-noise texture moved by ``shifts`` (N, 2) px."""
    rng = np.random.default_rng(0)
    texture = cv2.GaussianBlur(rng.integers(0, 255, (size[1], size[0])).astype(np.uint8), (0, 0), 1.5)
    frames = []
    for dx, dy in shifts:
        moved = cv2.warpAffine(texture, np.float32([[1, 0, dx], [0, 1, dy]]), size, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REFLECT101)
        frames.append(cv2.cvtColor(moved, cv2.COLOR_GRAY2RGB))
    return frames


def grid_face(x0: float = 110, y0: float = 70, side: float = 100) -> np.ndarray:
    """468 "landmarks" (468, 2) px on a square of ``side`` px at ``x0, y0``."""
    g = np.linspace(0, side, 22)
    xy = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)[:468]
    return (xy + (x0, y0)).astype(np.float32)


@pytest.mark.parametrize("seed", range(6))
def test_face_corners_are_those_of_the_whole_crop(seed):
    """The corners searched in the inner hull's box (plus ``CORNER_PAD``) are exactly those that
    ``cv2.goodFeaturesToTrack`` finds in the whole crop with the same mask, in the same order."""
    rng = np.random.default_rng(seed)
    grey = cv2.GaussianBlur(rng.integers(0, 255, (240, 320)).astype(np.uint8), (0, 0), 1.0 + seed / 3)
    points = grid_face(*rng.uniform(0, 60, 2), side=rng.uniform(80, 170))  # some reach the crop's edges
    hull = cv2.convexHull(points)[:, 0]
    centre = hull.mean(axis=0)
    mask = np.zeros(grey.shape, np.uint8)
    cv2.fillConvexPoly(mask, np.round(centre + 0.9 * (hull - centre)).astype(np.int32), 255)
    spacing = max(3.0, float(np.ptp(points[:, 0])) / 20)
    whole = cv2.goodFeaturesToTrack(grey, maxCorners=32, qualityLevel=0.01, minDistance=spacing, mask=mask)[:, 0]
    found = lt.face_corners(grey, points, 32)
    assert len(found) == 32
    np.testing.assert_array_equal(found, whole)


def test_tracked_landmarks_follow_the_face_and_keyframes_come_with_fast_motion_or_the_gap():
    steps = np.array([(0.4, 0.2)] * 14 + [(9.0, 3.0)] * 3 + [(0.4, -0.3)] * 13)  # px per frame
    shifts = np.cumsum(np.vstack([[0, 0], steps]), axis=0)
    frames = textured_scene(shifts)
    index = {id(f): i for i, f in enumerate(frames)}
    calls: list[int] = []

    def detect(frame):  # FaceMesh stand-in: the true landmarks
        calls.append(index[id(frame)])
        return grid_face() + shifts[index[id(frame)]].astype(np.float32)

    settings = lt.TrackSettings(max_gap=10)
    out = list(lt.tracked_landmarks(detect, iter(frames), settings))
    assert [index[id(f)] for f, _ in out] == list(range(len(frames)))
    errors = [np.abs(p - grid_face() - shifts[i]).max() for i, (_, p) in enumerate(out)]
    assert max(errors) < 0.25  # px
    keyframes = sorted(set(calls))
    # frame 0; frame 10 (the gap); the three fast frames 15-17; then 10 frames after the last of them
    assert keyframes == [0, 10, 15, 16, 17, 27]
    # on a keyframe forced after a gap FaceMesh runs twice (its tracking crops from its last landmarks);
    # on one ending a steady gap once (averaged with the tracked landmarks)
    assert calls.count(15) == 2 and calls.count(16) == 1
    assert calls.count(10) == 1 and calls.count(27) == 1


def test_a_face_lost_by_facemesh_is_searched_on_every_frame_until_found():
    frames = textured_scene(np.zeros((6, 2)))
    index = {id(f): i for i, f in enumerate(frames)}
    calls: list[int] = []

    def detect(frame):
        calls.append(index[id(frame)])
        return None if index[id(frame)] < 3 else grid_face()

    points = [p for _, p in lt.tracked_landmarks(detect, iter(frames))]
    assert calls == [0, 1, 2, 3] and points[:3] == [None] * 3
    assert all(np.abs(p - grid_face()).max() < 0.1 for p in points[3:])


def test_affine_fit_ignores_outliers():
    rng = np.random.default_rng(1)
    src = rng.uniform(0, 100, (30, 2))
    true = np.array([[1.02, 0.05, 3.0], [-0.04, 0.97, -2.0]])
    dst = src @ true[:, :2].T + true[:, 2]
    dst[:3] += 15  # three points tracked onto something else
    affine, rms = lt.fit_affine(src.astype(np.float32), dst.astype(np.float32))
    np.testing.assert_allclose(affine, true, atol=1e-3)
    assert rms < 1e-3


@pytest.fixture(scope="module")
def moving_face(tmp_path_factory):
    root = tmp_path_factory.mktemp("track")
    generate_synthetic(root, seed=4, n_easy=1, n_hard=1, duration=6.0, n_pure=0)
    return root / "ubfc"


def test_tracked_landmarks_stay_within_pixels_of_facemesh_on_every_frame(moving_face, monkeypatch):
    hard = next(r for r in load_ubfc(moving_face) if r.name.endswith("subject2"))
    every = [p for _, p, _ in face.tracked_frames(hard, FaceParams())]
    calls = []
    real = face.frame_landmarks
    monkeypatch.setattr(face, "frame_landmarks", lambda mesh, frame: calls.append(1) or real(mesh, frame))
    tracked = [p for _, p, _ in face.tracked_frames(hard, FaceParams(landmarks="track"))]
    assert len(tracked) == len(every) > 100
    roi = list(ROI_POINTS)
    dist = np.array([np.linalg.norm(a[roi] - b[roi], axis=1).mean() for a, b in zip(every, tracked)])
    assert np.median(dist) < 1.0 and dist.max() < 3.0  # px, on a 320x240 video of a moving head
    assert len(calls) < len(every) / 2  # FaceMesh on few frames


def test_a_default_run_tracks_recovers_the_heart_rate_and_records_the_mode(moving_face, tmp_path):
    """Tracking is the default protocol's face pass (issue 22); --landmarks every and --landmark-every K > 1
    give FaceMesh on every (K-th) frame; the toolbox preset keeps its record."""
    from rppg_bench.cli import landmark_mode
    from rppg_bench.metrics.protocol import Protocol, get_protocol

    out = tmp_path / "run"
    argv = ["--datasets", f"ubfc={moving_face}", "--methods", "pos", "--quiet", "--no-cache", "--out", str(out)]
    assert benchmark.main(argv) == 0
    rows = pd.read_csv(out / "results.csv")
    assert (rows["hr_abs_error"] < 3).all()
    assert json.loads((out / "results.json").read_text())["record"]["protocol"]["landmarks"] == "track"
    assert Protocol().landmarks == "track" and get_protocol("toolbox").landmarks == "every"
    assert landmark_mode(None, None) is None and landmark_mode(None, 1) is None
    assert landmark_mode(None, 2) == "every" and landmark_mode("track", None) == "track"


def test_tracking_is_validated_and_keyed_apart(tmp_path, monkeypatch):
    from rppg_bench.datasets.recording import Recording, VideoFile
    from rppg_bench.preprocessing import store

    assert tuple(face.LANDMARK_SOURCES) == LANDMARK_MODES
    with pytest.raises(ValueError, match="unknown landmarks mode 'flow'"):
        FaceParams(landmarks="flow")
    with pytest.raises(ValueError, match="landmark_every must be 1"):
        FaceParams(landmarks="track", landmark_every=2)
    for bad in ({"max_gap": 0}, {"min_kept": 1.5}, {"max_fb_error": -1.0}, {"n_points": 2}, {"window": 9.5}):
        with pytest.raises(ValueError, match=f"track setting {next(iter(bad))}"):
            lt.TrackSettings(**bad)
    video = tmp_path / "v.avi"
    video.write_bytes(b"not really a video")
    rec = Recording(name="v.avi", dataset="file", source=VideoFile(video), ppg=np.empty(0), ppg_times=np.empty(0))
    track = FaceParams(landmarks="track")
    key = products_cache_file(rec, track, tmp_path)
    assert key != products_cache_file(rec, FaceParams(), tmp_path)
    assert not serves(FaceParams(), track) and not serves(track, FaceParams())
    monkeypatch.setattr(store, "TRACK", lt.TrackSettings(max_gap=5))  # other tracking settings: other products
    assert products_cache_file(rec, track, tmp_path) != key


def test_subpixel_roi_mean_follows_sub_pixel_motion_where_rounded_vertices_step():
    """A region drifting 1 px in tenths of a pixel over a horizontal ramp (1 grey level per px): the
    rounded polygons' mean stays put and then jumps a whole level; the sub-pixel mean moves a little
    every step (vertices at 1/16 px, so by one or two sixteenths of a level)."""
    ramp = np.tile(np.arange(120, dtype=np.float64)[None, :, None], (80, 1, 3)).astype(np.uint8)
    base = np.array([(30.0, 20.0), (70.0, 20.0), (70.0, 60.0), (30.0, 60.0)], np.float32)
    steps = np.arange(11) / 10
    rounded = np.array([masked_mean_rgb(ramp, [np.round(base + (dx, 0)).astype(np.int32)])[0] for dx in steps])
    subpixel = np.array([coverage_mean_rgb(ramp, [base + (dx, 0)])[0] for dx in steps])
    assert np.count_nonzero(np.diff(rounded)) == 1  # one whole-level step: a staircase
    assert (np.diff(subpixel) > 0.03).all() and (np.diff(subpixel) < 0.2).all()  # grey levels per 0.1 px
    assert subpixel[-1] - subpixel[0] == pytest.approx(1.0, abs=0.05)
    assert abs(subpixel[0] - rounded[0]) < 0.5  # the same region but for its edges' half pixel


def test_subpixel_means_keep_inside_drop_the_holes_and_are_nan_off_the_frame():
    frame = np.zeros((60, 80, 3), np.uint8)
    frame[5:55, 5:75] = (100, 110, 120)
    frame[20:30, 20:30] = (250, 0, 0)  # an "eye" that must not count
    outer = np.float32([(10.3, 10.3), (69.7, 10.3), (69.7, 49.6), (10.3, 49.6)])
    hole = np.float32([(17.5, 17.5), (32.5, 17.5), (32.5, 32.5), (17.5, 32.5)])
    np.testing.assert_allclose(coverage_mean_rgb(frame, [outer], (hole,)), (100, 110, 120), atol=1e-6)
    assert np.isnan(coverage_mean_rgb(frame, [outer + 200])).all()


def test_tracked_landmarks_are_averaged_with_subpixel_edges_and_facemesh_ones_as_before():
    points = grid_face(x0=100.3, y0=60.6)
    rng = np.random.default_rng(2)
    frame = rng.integers(0, 255, (240, 320, 3)).astype(np.uint8)
    for kind, subpixel in (("mediapipe", roi_mean_rgb_subpixel), ("mediapipe_hull", hull_mean_rgb_subpixel)):
        means = ROI_TABLE[kind].compute.keywords["mean_rgb"]
        assert tuple(means) == LANDMARK_MODES
        assert means["track"] is subpixel
    every = ROI_TABLE["mediapipe"].compute.keywords["mean_rgb"]["every"]
    np.testing.assert_array_equal(every(frame, points), masked_mean_rgb(frame, *roi_polygons(points)))
