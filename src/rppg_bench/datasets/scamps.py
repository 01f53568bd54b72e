"""SCAMPS loader (McDuff et al., "SCAMPS: Synthetics for Camera Measurement of Physiological Signals", NeurIPS 2022
Datasets and Benchmarks; arXiv:2206.04197).

Layout: ``P<NNNNNN>.mat`` files (``P000001.mat`` ... ``P002800.mat``)
anywhere under the root, one synthetic video each, as MATLAB v7.3 (HDF5)
MAT-files (the dataset's README opens them with ``h5py``; rPPG-Toolbox with
``mat73``). The variables read:

- ``Xsub``: the face-cropped video, MATLAB ``T x H x W x 3`` (h5py sees
  ``[c, w, h, t]``), double RGB in [0, 1] (rPPG-Toolbox multiplies by 255 and
  rounds); 600 frames (20 s) at 30 fps, frame ``i`` at ``i / 30`` s. The
  README gives 240 x 240 px, rPPG-Toolbox's loader 72 x 72 px; the size is
  read from the file, not assumed;
- ``d_ppg``: the PPG waveform that drove the rendered blood volume (a.u.),
  one value per frame, so ``ppg_times`` are ``i / 30`` s. A shorter waveform
  is refused.

The other waveforms (``d_br`` breathing, head pose, action units) and the
``RawFrames`` / mask videos are not read. Each video is its own synthetic
avatar, so the subject id is the file stem; SCAMPS records no categorical
condition, so ``condition`` is empty and ``labels`` is empty. Frames are read
from the HDF5 dataset a chunk of frames (<= 32 MiB) at a time
(:class:`.matfile.MatVideo`); a v5 file, should one be met, is read whole.

Verified against rPPG-Toolbox ``dataset/data_loader/SCAMPSLoader.py`` (the
``*.mat`` layout, keys ``Xsub`` and ``d_ppg``, the x 255 scaling) and the
dataset's README (danmcduff/scampsdataset ``README.md``: keys and their
h5py axis order, 2,800 videos of 600 frames = 1.68M frames); the 30 fps rate
from rPPG-Toolbox's SCAMPS configs (``configs/train_configs/SCAMPS_SCAMPS_PURE_TSCAN_BASIC.yaml``, ``FS: 30``).
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import DatasetError, RecordingError
from .matfile import MatFile, MatVideo, check_video_shape, read_frame_series
from .parsing import check_coverage, check_root, load_each, walk_files
from .recording import Recording

#: the on-disk layout, in one line (``--list``)
LAYOUT = "SCAMPS: P<NNNNNN>.mat (MAT v7.3: Xsub video T x H x W x 3, d_ppg one sample a frame at 30 fps); needs h5py"
SCAMPS_FPS = 30.0
VIDEO_KEY = "Xsub"
PPG_KEY = "d_ppg"

_FILE = re.compile(r"P\d{6}\.mat")


def find_scamps_files(root: Path) -> list[Path]:
    """Every ``P<NNNNNN>.mat`` under ``root`` (recursively)."""
    return [p for p in walk_files(root) if _FILE.fullmatch(p.name)]


def load_scamps_file(path: Path, *, fps: float = SCAMPS_FPS) -> Recording:
    """One SCAMPS MAT-file -> ``Recording``; ``RecordingError`` naming the file when it is broken."""
    mat = MatFile.open(path, dataset="scamps")
    shapes = mat.require(VIDEO_KEY, PPG_KEY)
    n_frames = check_video_shape(path, VIDEO_KEY, shapes[VIDEO_KEY])
    ppg, ppg_times = read_frame_series(mat, PPG_KEY, n_frames, fps)
    source = MatVideo(path, VIDEO_KEY, fps, n_frames, dataset="scamps")
    check_coverage(path, ppg_times, path, source.frame_times())
    meta = {"format": f"MAT v{mat.version}", "ground_truth": str(path), "fps": fps, "n_frames": n_frames,
            "frame_size": shapes[VIDEO_KEY][1:3]}
    return Recording(name=path.stem, dataset="scamps", source=source, ppg=ppg, ppg_times=ppg_times,
                     subject=path.stem, meta=meta)


def load_scamps(root: str | Path, fps: float = SCAMPS_FPS) -> list[Recording | RecordingError]:
    """All SCAMPS videos (``P<NNNNNN>.mat``, MAT v7.3) under ``root``, sorted by number.

    ``fps``: the video rate (Hz), 30 for SCAMPS (the files do not store it).
    One entry per MAT-file: a ``Recording`` or the ``RecordingError`` that made
    it unusable. ``DatasetError`` when ``root`` is missing or holds no such file.
    """
    root = check_root(root, dataset="scamps")
    files = find_scamps_files(root)
    if not files:
        raise DatasetError(f"scamps: no SCAMPS videos in {root} (expected MAT v7.3 files such as "
                           f"P000001.mat holding {VIDEO_KEY} and {PPG_KEY})")
    return load_each(((f"{f.stem}/{f.relative_to(root).as_posix()}", f.stem, f) for f in files),
                     lambda f: load_scamps_file(f, fps=fps))
