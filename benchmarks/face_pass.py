"""Cost of the face pass alone against decoding, per landmark mode (``--landmarks every`` / ``track``).

    python benchmarks/face_pass.py [--videos 4] [--seconds 20] [--repeats 5] [--hard] [--root UBFC_DIR]
    python benchmarks/face_pass.py --one MODE VIDEO ...    (one pass in this process, for outside timers)

Generates 640x480 synthetic videos (``generate_synthetic``, UBFC layout; easy
ones unless ``--hard``) or reads ``--root``, then, ``--repeats`` times in
rotating order, times on the same videos in this process: decode-only
(OpenCV, as ``performance.py`` step 1) and the face pass
(``compute_products``, no cache: decoding, FaceMesh and the ROI means) with
FaceMesh on every frame and with tracking. Ratios to decode-only are taken
within each round (this machine's speed drifts) and printed as min / median /
max; so is each mode's share of frames that ran FaceMesh. ``--one`` runs one
pass (``decode``, ``every`` or ``track``) over the given videos and prints its
wall time: compare processes with an outside timer. Not a test: pytest does
not collect it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from machine import header
from performance import decode_only

MODES = ("decode", "every", "track")


def face_pass(videos: list[Path], mode: str) -> tuple[int, float, int]:
    """(frames, wall s, FaceMesh calls) of the face pass over ``videos`` with ``--landmarks mode``."""
    from rppg_bench.preprocessing import landmarks
    from rppg_bench.preprocessing.decode import recording_from_video
    from rppg_bench.preprocessing.kinds import compute_products
    from rppg_bench.preprocessing.params import FaceParams

    calls = [0]
    real = landmarks.frame_landmarks

    def counted(mesh, frame):
        calls[0] += 1
        return real(mesh, frame)

    landmarks.frame_landmarks = counted  # counts FaceMesh calls; restored below
    try:
        frames, t0 = 0, time.perf_counter()
        for v in videos:
            frames += len(compute_products(recording_from_video(v), FaceParams(landmarks=mode)).rgb)
        return frames, time.perf_counter() - t0, calls[0]
    finally:
        landmarks.frame_landmarks = real


def one_pass(videos: list[Path], mode: str) -> tuple[int, float, int]:
    """(frames, wall s, FaceMesh calls) of decode-only or the face pass in ``mode``."""
    if mode == "decode":
        frames, wall = decode_only(videos)
        return frames, wall, 0
    return face_pass(videos, mode)


def spread(values: list[float]) -> str:
    """``min / median / max`` of ``values``."""
    return f"{min(values):.2f} / {float(np.median(values)):.2f} / {max(values):.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--videos", type=int, default=4, help="number of 640x480 synthetic videos")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each video (s at 30 fps)")
    ap.add_argument("--repeats", type=int, default=5, help="rounds; each round times every mode once")
    ap.add_argument("--hard", action="store_true", help="hard (moving) synthetic videos instead of easy ones")
    ap.add_argument("--root", help="a UBFC-layout folder of videos to use instead (<subject>/vid.avi)")
    ap.add_argument("--one", nargs="+", metavar=("MODE", "VIDEO"), help="one pass of MODE over VIDEO ...")
    a = ap.parse_args()
    os.environ.setdefault("GLOG_minloglevel", "2")
    if a.one:
        mode, videos = a.one[0], [Path(v) for v in a.one[1:]]
        if mode not in MODES or not videos:
            raise SystemExit(f"--one needs a mode of {MODES} and at least one video, got {a.one}")
        frames, wall, _ = one_pass(videos, mode)
        print(f"{mode}: {frames} frames in {wall:.2f} s")
        return
    print(header(("rppg-bench", "numpy", "mediapipe", "opencv-contrib-python")))
    with tempfile.TemporaryDirectory(prefix="rppg-facepass-") as tmp:
        if a.root:
            videos = sorted(Path(a.root).glob("*/vid.avi"))
        else:
            from rppg_bench.datasets.synthetic import generate_synthetic

            easy, hard = (0, a.videos) if a.hard else (a.videos, 0)
            generate_synthetic(tmp, seed=0, n_easy=easy, n_hard=hard, duration=a.seconds, size=(640, 480), n_pure=0)
            videos = sorted((Path(tmp) / "ubfc").glob("*/vid.avi"))
        if not videos:
            raise SystemExit("no videos (<subject>/vid.avi) found")
        print(f"{len(videos)} videos{'' if a.root else ' (hard)' if a.hard else ' (easy)'}, 640x480: "
              f"{', '.join(str(v) for v in videos[:2])}{' ...' if len(videos) > 2 else ''}")
        for mode in MODES:  # warm-up: page cache, imports, the FaceMesh model file
            one_pass(videos[:1], mode)
        walls: dict[str, list[float]] = {m: [] for m in MODES}
        share: dict[str, float] = {}
        for r in range(a.repeats):
            order = MODES[r % len(MODES):] + MODES[:r % len(MODES)]
            for mode in order:
                frames, wall, calls = one_pass(videos, mode)
                walls[mode].append(wall)
                share[mode] = calls / frames
            print(f"round {r + 1}: " + ", ".join(f"{m} {walls[m][-1]:.2f} s" for m in MODES), flush=True)
    print(f"\n{frames} frames per pass; ratios to decode-only within each round, min / median / max\n")
    print("| pass | ms/frame (median) | vs decode-only | FaceMesh calls per frame |\n|---|---|---|---|")
    for mode in MODES:
        ratios = [w / d for w, d in zip(walls[mode], walls["decode"])]
        print(f"| {mode} | {1e3 * float(np.median(walls[mode])) / frames:.2f} | {spread(ratios)} | "
              f"{share[mode]:.2f} |")
    track_vs_every = [t / e for t, e in zip(walls["track"], walls["every"])]
    print(f"\ntrack / every, within each round: {spread(track_vs_every)}")


if __name__ == "__main__":
    main()
