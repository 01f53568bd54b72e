"""Landmarks followed by optical flow between FaceMesh keyframes (``--landmarks track``): the flow moves
points with the image, keyframes come after a gap, on fast motion and on lost points, and on a moving
synthetic face the tracked landmarks stay near FaceMesh's own."""

from __future__ import annotations

import json

import benchmark
import cv2
import numpy as np
import pandas as pd
import pytest
from rppg_bench.datasets.synthetic import generate_synthetic
from rppg_bench.datasets.ubfc import load_ubfc
from rppg_bench.preprocessing.landmark_track import TrackSettings, flow_step, flow_tracked_landmarks
from rppg_bench.preprocessing.landmarks import face_mesh, frame_landmarks
from rppg_bench.preprocessing.params import FaceParams
from rppg_bench.preprocessing.store import products_cache_file, video_products


def textured(shift: tuple[float, float] = (0.0, 0.0), size: tuple[int, int] = (240, 320)) -> np.ndarray:
    """A smooth random texture (H, W, 3) RGB uint8, translated by ``shift`` (dx, dy) px."""
    rng = np.random.default_rng(0)
    base = cv2.GaussianBlur(rng.uniform(0, 255, (size[0] + 40, size[1] + 40)).astype(np.float32), (0, 0), 3)
    m = np.float32([[1, 0, shift[0]], [0, 1, shift[1]]])
    moved = cv2.warpAffine(base, m, (base.shape[1], base.shape[0]), flags=cv2.INTER_LINEAR)[20:-20, 20:-20]
    grey = cv2.normalize(moved, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


GRID = np.stack(np.meshgrid(np.linspace(80, 240, 24), np.linspace(60, 180, 20)), axis=-1).reshape(-1, 2)
POINTS = GRID[:468].astype(np.float32)


def test_flow_moves_the_points_with_the_image():
    a, b = textured(), textured((3.0, -2.0))
    grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in (a, b)]
    moved, share, motion = flow_step(grey[0], grey[1], POINTS, TrackSettings())
    assert share > 0.9 and motion == pytest.approx(np.hypot(3, 2), abs=0.3)
    assert np.abs(moved - (POINTS + [3.0, -2.0])).max() < 0.3


def test_keyframes_after_the_gap_and_on_fast_motion():
    shifts = [(0.0, 0.0)] * 12 + [(12.0, 0.0)] * 4  # still, then a jump of 12 px (faster than fast_px)
    frames = [textured(s) for s in shifts]
    settings = TrackSettings(max_gap=5)
    keys = [key for _, _, key in flow_tracked_landmarks(lambda frame: POINTS.copy(), iter(frames), settings)]
    assert keys[:12] == [True, False, False, False, False] * 2 + [True, False]
    assert keys[12] is True  # the jump: a new keyframe at once
    assert keys[13:] == [False, False, False]


def test_a_face_lost_by_the_detector_is_asked_for_again_each_frame():
    frames = [textured() for _ in range(4)]
    calls = []

    def nobody(frame):
        calls.append(1)
        return None

    out = list(flow_tracked_landmarks(nobody, iter(frames)))
    assert [p for _, p, _ in out] == [None] * 4 and len(calls) == 4


@pytest.fixture(scope="module")
def moving_root(tmp_path_factory):
    """One easy and one hard (moving head) synthetic recording of 8 s."""
    root = tmp_path_factory.mktemp("track")
    generate_synthetic(root, seed=3, n_easy=1, n_hard=1, duration=8.0, n_pure=0)
    return root / "ubfc"


def test_tracked_landmarks_stay_near_facemesh_on_a_moving_face(moving_root):
    (rec,) = [r for r in load_ubfc(moving_root) if r.subject == "2"]  # the generator writes easy ones first
    frames = list(rec.frames())
    params = FaceParams()
    with face_mesh(params) as mesh:
        reference = [frame_landmarks(mesh, f) for f in frames]
    with face_mesh(params) as mesh:
        tracked = list(flow_tracked_landmarks(lambda f: frame_landmarks(mesh, f), iter(frames)))
    errors = [float(np.median(np.linalg.norm(p - r, axis=1))) for (_, p, _), r in zip(tracked, reference)
              if p is not None and r is not None]
    keyframes = sum(key for _, _, key in tracked)
    assert len(errors) > 0.9 * len(frames)
    assert np.median(errors) < 2.0 and np.percentile(errors, 95) < 5.0  # px, on a 320x240 frame
    assert keyframes < 0.5 * len(frames)  # FaceMesh on fewer than half the frames


def test_track_mode_recovers_the_heart_rate_has_its_own_cache_entry_and_is_recorded(moving_root, tmp_path):
    (rec,) = [r for r in load_ubfc(moving_root) if r.subject == "1"]
    assert products_cache_file(rec, FaceParams(landmarks="track"), tmp_path) != \
        products_cache_file(rec, FaceParams(), tmp_path)
    tracked = video_products(rec, FaceParams(landmarks="track"))
    assert tracked.rgb.shape == video_products(rec, FaceParams()).rgb.shape and np.isfinite(tracked.rgb).all()
    with pytest.raises(ValueError, match="unknown landmarks mode"):
        FaceParams(landmarks="sometimes")
    with pytest.raises(ValueError, match="landmark_every must be 1"):
        FaceParams(landmarks="track", landmark_every=2)
    out = tmp_path / "run"
    assert benchmark.main(["--datasets", f"ubfc={moving_root}", "--methods", "pos", "--landmarks", "track",
                           "--quiet", "--no-cache", "--out", str(out)]) == 0
    rows = pd.read_csv(out / "results.csv")
    assert (rows["status"] == "ok").all()
    assert (rows.loc[rows["video"] == rec.name, "hr_abs_error"] < 2).all(), rows[["video", "hr_abs_error"]]
    assert json.loads((out / "results.json").read_text())["record"]["protocol"]["landmarks"] == "track"
