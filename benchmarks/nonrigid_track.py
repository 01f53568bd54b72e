"""Landmark tracking on faces that deform: a talking jaw the tracker's affine map cannot follow (issue 22).

    python benchmarks/nonrigid_track.py [--videos 8] [--seconds 30] [--seed 5] [--jaw 0.2] [--hard]
                                        [--methods pos chrom ...] [--out DIR]

The synthetic faces move rigidly (an affine map per frame), which flatters a tracker that moves the
keyframe's landmarks by one affine map. This script makes them talk: it renders a synthetic set
(``generate_synthetic``, UBFC layout; easy videos, so the deformation is the main difficulty, or
``--hard``) and writes a copy of each video whose lower face is stretched downward, as an opening jaw
stretches the chin and the lower cheeks: in the photo's coordinates (its FaceMesh landmarks; the
renderer's per-frame affine maps, ``truth/<name>.npz``, carry it into each frame) a vertical displacement
growing from 0 at the nose tip to ``--jaw`` x the nose-to-chin height at the chin, faded out below the
chin, tapered sideways by a Gaussian over the face's width. Its size
follows a talking envelope: speech episodes covering about half the time, within them syllables
opening the jaw at 2-5 Hz by a random share of the full stretch, between them a closed jaw. Each
frame is warped through its affine map (``cv2.remap``) and written as MJPG again (quality 90); the
ground truth is copied. Then ``landmark_every.py``'s comparison: ``benchmark.py`` with FaceMesh on every
frame and with ``--landmarks track`` (cold), per method the mean windowed HR error and SNR and the
paired differences, each video's FaceMesh calls per frame under tracking are not printed (see
``face_pass.py``). Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

import cv2
import numpy as np
from landmark_every import print_tables, run_once
from machine import header

from rppg_bench.methods.registry import CLASSICAL_DEFAULT


def jaw_field(landmarks: np.ndarray, shape: tuple[int, int], jaw: float) -> np.ndarray:
    """Vertical displacement (H, W) px of the photo of shape ``shape`` for a fully open jaw, from its FaceMesh
    ``landmarks`` (468, 2) px: 0 above the nose tip (landmark 1), rising (smoothstep) to ``jaw`` x the
    nose-to-chin height at the chin (landmark 152), faded out over a third of that height below it, times a Gaussian across the face (centred between landmarks 234 and 454, sd a
    third of their distance)."""
    nose, chin = float(landmarks[1, 1]), float(landmarks[152, 1])
    left, right = landmarks[234, 0], landmarks[454, 0]
    height, centre, width = chin - nose, float(left + right) / 2.0, float(abs(right - left))
    y, x = np.mgrid[:shape[0], :shape[1]].astype(np.float32)
    u = np.clip((y - nose) / height, 0.0, 1.0)
    rise = u * u * (3.0 - 2.0 * u)
    fade = np.clip(1.0 - (y - chin) / (height / 3.0), 0.0, 1.0)
    across = np.exp(-0.5 * ((x - centre) / (width / 3.0)) ** 2)
    return (jaw * height * rise * fade * across).astype(np.float32)


def talking_envelope(times: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Jaw opening (N,) in [0, 1] at ``times`` (s): speech episodes of 1-4 s separated by 0.5-3 s of silence;
    within an episode, syllables at a rate drawn from 2-5 Hz, each opening by a share drawn from 0.3-1."""
    out = np.zeros(times.size)
    t, end = float(times[0]) + rng.uniform(0.0, 2.0), float(times[-1])
    while t < end:
        length, rate = rng.uniform(1.0, 4.0), rng.uniform(2.0, 5.0)
        n = max(1, int(length * rate))
        for k in range(n):
            s0 = t + k / rate
            inside = (times >= s0) & (times < s0 + 1.0 / rate)
            out[inside] = rng.uniform(0.3, 1.0) * np.sin(np.pi * (times[inside] - s0) * rate) ** 2
        t += n / rate + rng.uniform(0.5, 3.0)
    return out


def deform_video(src: Path, dst: Path, truth: Path, field: np.ndarray, seed: int) -> None:
    """Write ``dst``: ``src`` with the photo's displacement ``field`` (:func:`jaw_field`) applied through
    ``truth``'s per-frame affine maps at the talking envelope's opening (seeded)."""
    with np.load(truth) as z:
        affines, times = z["affines"], z["frame_times"]
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS)
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    writer.set(cv2.VIDEOWRITER_PROP_QUALITY, 90)
    opening = talking_envelope(times, np.random.default_rng(seed))
    gy, gx = np.mgrid[:h, :w].astype(np.float32)
    for i in range(len(times)):
        ok, frame = cap.read()
        if not ok:
            break
        a = affines[min(i, len(affines) - 1)]
        inv = cv2.invertAffineTransform(a)
        px = inv[0, 0] * gx + inv[0, 1] * gy + inv[0, 2]  # each frame pixel in the photo
        py = inv[1, 0] * gx + inv[1, 1] * gy + inv[1, 2]
        d = opening[i] * cv2.remap(field, px, py, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        # the photo's downward displacement seen in the frame: the affine's linear part times (0, d);
        # the output pixel shows what was d above it (backward map)
        writer.write(cv2.remap(frame, gx - a[0, 1] * d, gy - a[1, 1] * d, cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REFLECT))
    cap.release()
    writer.release()


def make_talking_set(root: Path, n: int, seconds: float, seed: int, jaw: float, hard: bool) -> Path:
    """A synthetic set in ``root/set`` and its talking copy in ``root/talking/ubfc`` (returned)."""
    from rppg_bench.datasets.synthetic import generate_synthetic
    from rppg_bench.datasets.synthetic.face import base_face_image
    from rppg_bench.datasets.synthetic.scene import Scene
    photo = base_face_image()
    field = jaw_field(Scene.from_photo(photo).landmarks, photo.shape[:2], jaw)
    src = generate_synthetic(root / "set", seed=seed, n_easy=0 if hard else n, n_hard=n if hard else 0,
                             duration=seconds, n_pure=0)
    out = root / "talking" / "ubfc"
    for i, rec in enumerate(json.loads((src / "manifest.json").read_text())["recordings"]):
        folder = out / Path(rec["folder"]).name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(src / rec["folder"] / "ground_truth.txt", folder / "ground_truth.txt")
        deform_video(src / rec["folder"] / "vid.avi", folder / "vid.avi", src / rec["truth"], field, seed * 1000 + i)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--videos", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--jaw", type=float, default=0.2, help="full jaw stretch at the chin, share of the nose-to-chin height")
    ap.add_argument("--hard", action="store_true", help="hard (moving) videos instead of easy ones")
    ap.add_argument("--methods", nargs="+", default=list(CLASSICAL_DEFAULT))
    ap.add_argument("--out", type=Path, help="folder for the set and the runs (default: a new temporary folder)")
    a = ap.parse_args()
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("GLOG_minloglevel", "2")
    print(header(("rppg-bench", "numpy", "mediapipe", "opencv-contrib-python")))
    out = a.out or Path(tempfile.mkdtemp(prefix="rppg-talking-"))
    ubfc = make_talking_set(out, a.videos, a.seconds, a.seed, a.jaw, a.hard)
    print(f"{a.videos} {'hard' if a.hard else 'easy'} videos of {a.seconds:g} s (seed {a.seed}), jaw {a.jaw:g}: {ubfc}")
    results = {}
    for label, face in (("k=1", []), ("track", ["--landmarks", "track"])):
        results[label], wall = run_once(face, out / label.replace("=", ""), [f"ubfc={ubfc}"], a.methods, [])
        print(f"{label}: {wall:.1f} s wall", flush=True)
    print_tables(results)


if __name__ == "__main__":
    main()
