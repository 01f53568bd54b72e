"""MMPD and mini-MMPD loader (Tang et al., "MMPD: Multi-Domain Mobile Video Physiology Dataset", EMBC 2023).

Layout: ``subject<N>/p<N>_<k>.mat`` (subject ``N`` = 1..33, experiment ``k``
= 0..19 in the order of the recording procedure), anywhere under the root.
Each file is a MATLAB v5/v7 MAT-file (the dataset's README reads it with
``scipy.io.loadmat``) holding:

- ``video``: ``T x H x W x 3`` single-precision RGB in [0, 1] (rPPG-Toolbox
  multiplies by 255 and rounds); 320 x 240 px in MMPD, 80 x 60 px in
  mini-MMPD; 30 fps, frame ``i`` at ``i / 30`` s (the files store no rate);
- ``GT_ppg``: the finger PPG (a.u.), ``1 x T``, one sample per video frame,
  so ``ppg_times`` are ``i / 30`` s as well. A shorter PPG is refused; a
  longer one keeps its own times (only the part inside the video is scored);
- eight labels, stored as MATLAB char arrays except ``skin_color`` (a
  ``1 x 1`` number): ``light`` (``LED-low``, ``LED-high``, ``Incandescent``,
  ``Nature``), ``motion`` (``Stationary``, ``Stationary (after exercise)``,
  ``Rotation``, ``Talking``, ``Walking``), ``exercise`` (``True``/``False``),
  ``skin_color`` (Fitzpatrick ``3``-``6``), ``gender`` (``male``/``female``),
  ``glasser``, ``hair_cover``, ``makeup`` (``True``/``False``).

``labels`` holds all eight as strings, as stored, except the motion label
``Watching Videos`` of early releases, which rPPG-Toolbox documents as an
erroneous name for ``Walking`` and which becomes ``Walking`` here (the stored
text stays in ``meta["motion_as_stored"]``). ``condition`` is the lighting
(``labels["light"]``), the factor MMPD was built around alongside skin tone
and motion; select on the others with ``--where`` (e.g. ``motion=Talking``).
Subject ids are the ``N`` of ``subject<N>``; recording names the file stems.

Frames stream from the MAT-file (:class:`.matfile.MatVideo`): a v5 video is
decompressed in pieces, each converted to uint8 as it comes
(:mod:`.matfile_v5`), so reading one recording holds its uint8 video once
(415 MB for a 1-min MMPD video, 26 MB for mini-MMPD), never the float32 one:
531 MiB peak RSS measured against 1661 MiB through ``scipy.io.loadmat``, and
7.2 s against 19.6 s (see :mod:`.matfile` for the measurement and its command).

Verified against rPPG-Toolbox ``dataset/data_loader/MMPDLoader.py`` (keys,
label vocabularies, ``GT_ppg`` transpose, x 255 scaling, folder layout) and the
dataset's README (McJackTang/MMPD_rPPG_dataset ``README.md``: keys, 320 x 240
and 80 x 60 px, ``scipy.io.loadmat``); the 30 fps rate from the dataset's own
rPPG-Toolbox config (``rppg-Toolbox_MMPD/configs/infer_configs/MMPD_UNSUPERVISED.yaml``, ``FS: 30``).
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import DatasetError, RecordingError
from .matfile import MatFile, MatVideo, check_video_shape, read_frame_series
from .parsing import check_coverage, check_root, load_each, walk_files
from .recording import Recording

#: the on-disk layout, in one line (``--list``)
LAYOUT = "MMPD / mini-MMPD: subject<N>/p<N>_<k>.mat (video T x H x W x 3 float, GT_ppg one sample a frame at 30 fps, eight labels: light, motion, exercise, skin_color, ...)"
MMPD_FPS = 30.0
VIDEO_KEY = "video"
PPG_KEY = "GT_ppg"
LABEL_KEYS = ("light", "motion", "exercise", "skin_color", "gender", "glasser", "hair_cover", "makeup")
#: label values of early releases and the value they stand for (rPPG-Toolbox MMPDLoader.get_information)
LABEL_FIXES = {("motion", "Watching Videos"): "Walking"}

_FOLDER = re.compile(r"subject(\d+)", flags=re.IGNORECASE)
_FILE = re.compile(r"p(\d+)_(\d+)\.mat", flags=re.IGNORECASE)


def find_mmpd_files(root: Path) -> list[Path]:
    """Every ``subject<N>/p<N>_<k>.mat`` under ``root`` (recursively)."""
    return [p for p in walk_files(root) if _FILE.fullmatch(p.name) and _FOLDER.fullmatch(p.parent.name)]


def mmpd_subject(path: Path) -> str:
    """The subject id ``N`` of ``subject<N>/p<N>_<k>.mat`` (from the folder name)."""
    return str(int(_FOLDER.fullmatch(path.parent.name).group(1)))


def mmpd_labels(path: Path, stored: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(labels with :data:`LABEL_FIXES` applied, {name: stored text} of the values that were fixed)."""
    labels, fixed = {}, {}
    for name, value in stored.items():
        labels[name] = LABEL_FIXES.get((name, value), value)
        if labels[name] != value:
            fixed[name] = value
    return labels, fixed


def load_mmpd_file(path: Path, *, fps: float = MMPD_FPS) -> Recording:
    """One MMPD MAT-file -> ``Recording``; ``RecordingError`` naming the file when it is broken."""
    mat = MatFile.open(path, dataset="mmpd")
    shapes = mat.require(VIDEO_KEY, PPG_KEY, *LABEL_KEYS)
    n_frames = check_video_shape(path, VIDEO_KEY, shapes[VIDEO_KEY])
    ppg, ppg_times = read_frame_series(mat, PPG_KEY, n_frames, fps)
    source = MatVideo(path, VIDEO_KEY, fps, n_frames, dataset="mmpd")
    check_coverage(path, ppg_times, path, source.frame_times())
    labels, fixed = mmpd_labels(path, mat.read_labels(*LABEL_KEYS))
    meta = {"format": f"MAT v{mat.version}", "ground_truth": str(path), "fps": fps, "n_frames": n_frames,
            "frame_size": shapes[VIDEO_KEY][1:3]}
    meta.update({f"{name}_as_stored": value for name, value in fixed.items()})
    return Recording(name=path.stem, dataset="mmpd", source=source, ppg=ppg, ppg_times=ppg_times,
                     subject=mmpd_subject(path), condition=labels["light"], labels=labels, meta=meta)


def load_mmpd(root: str | Path, fps: float = MMPD_FPS) -> list[Recording | RecordingError]:
    """All MMPD / mini-MMPD recordings (``subject<N>/p<N>_<k>.mat``) under ``root``, naturally sorted.

    ``fps``: the video rate (Hz), 30 for both releases (the files do not store it).
    One entry per MAT-file: a ``Recording`` or the ``RecordingError`` that made
    it unusable. ``DatasetError`` when ``root`` is missing or holds no such file.
    """
    root = check_root(root, dataset="mmpd")
    files = find_mmpd_files(root)
    if not files:
        raise DatasetError(f"mmpd: no MMPD recordings in {root} (expected MAT-files such as "
                           f"subject1/p1_0.mat holding {VIDEO_KEY}, {PPG_KEY} and the labels "
                           f"{', '.join(LABEL_KEYS)})")
    return load_each(((f.relative_to(root).as_posix(), f.stem, f) for f in files),
                     lambda f: load_mmpd_file(f, fps=fps))
