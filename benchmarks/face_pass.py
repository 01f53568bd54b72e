"""The face pass alone against decoding alone (issue 22), in one process, interleaved.

    python benchmarks/face_pass.py [--videos 4] [--seconds 20] [--repeats 3] [--modes every track 2]

Generates 640x480 synthetic videos (still faces, UBFC layout) in a temporary
folder, loads FaceMesh once (warm-up), then times, ``--repeats`` times in turn:
decoding every frame with OpenCV (the floor), and the face pass
(``preprocessing.store.video_products``, no disk cache: decode + landmarks + ROI
means) of every video for each mode: ``every`` (FaceMesh on every frame, the
default), ``track`` (``--landmarks track``: keyframes and optical flow) and any
K of ``--landmark-every``. Prints each run and the ratio of the fastest run of
each mode to the fastest decode-only run. Imports, the methods, the metrics and
the report are not in these figures (``performance.py`` times whole commands).
Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from machine import header
from performance import decode_only, make_videos
from rppg_bench.datasets.ubfc import load_ubfc
from rppg_bench.preprocessing.params import FaceParams
from rppg_bench.preprocessing.store import video_products


def face_params(mode: str) -> FaceParams:
    """The ``FaceParams`` of a mode: ``every``, ``track`` or a K of ``--landmark-every``."""
    if mode in ("every", "track"):
        return FaceParams(landmarks=mode)
    return FaceParams(landmark_every=int(mode))


def face_pass_seconds(ubfc: Path, params: FaceParams) -> float:
    """Wall seconds of the face pass of every recording under ``ubfc`` with ``params``."""
    t0 = time.perf_counter()
    for rec in load_ubfc(ubfc):
        video_products(rec, params)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--videos", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--modes", nargs="+", default=["every", "track"])
    a = ap.parse_args()
    print(header(("rppg-bench", "numpy", "mediapipe", "opencv-contrib-python")))
    with tempfile.TemporaryDirectory(prefix="rppg-facepass-") as tmp:
        ubfc, videos = make_videos(Path(tmp), a.videos, a.seconds)
        face_pass_seconds(ubfc, face_params("every"))  # warm-up: imports and FaceMesh's model
        runs: dict[str, list[float]] = {"decode": [], **{m: [] for m in a.modes}}
        frames = 0
        for _ in range(a.repeats):
            frames, t = decode_only(videos)
            runs["decode"].append(t)
            for m in a.modes:
                runs[m].append(face_pass_seconds(ubfc, face_params(m)))
    floor = min(runs["decode"])
    print(f"{a.videos} videos of {a.seconds:g} s at 640x480, {frames} frames; runs in turn, fastest kept")
    for name, times in runs.items():
        print(f"{name:>7}: {' '.join(f'{t:6.2f}' for t in times)} s; fastest {min(times):6.2f} s = "
              f"{frames / min(times):7.1f} frames/s = {min(times) / floor:.2f}x decode-only")


if __name__ == "__main__":
    main()
