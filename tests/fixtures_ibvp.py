"""A writer for the iBVP layout (:mod:`rppg_bench.datasets.ibvp`), from a clip with a known pulse.

``root/p<NN>_<x>/p<NN>_<x>_rgb/<index>.bmp`` (one BMP per frame, 30 fps; the real
frames are 640x480, the fixture's are the clip's size, e.g. 160x120) and
``root/p<NN>_<x>/p<NN>_<x>_bvp.csv``: a header ``BVP,SQPhysMD,SQ1,SQ2,Perfusion_Value``
then one row per BVP sample at 30 samples per second, sample ``i`` at ``i / 30`` s
like frame ``i``. The frames' file names are not documented by the authors; the
loader only relies on ``*.bmp`` in natural order, so zero-padded indices are used.
An empty ``p<NN>_<x>_t/`` folder stands for the (unread) thermal frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from fixtures_pulse import Clip, pulse_at, tiny_clip

from rppg_bench.datasets.writers import write_image_frames

IBVP_HEADER = ("BVP", "SQPhysMD", "SQ1", "SQ2", "Perfusion_Value")


def write_bvp_csv(path: Path, columns: dict[str, Sequence[float]], header: Sequence[str] = IBVP_HEADER) -> Path:
    """``path`` with the ``header`` line, then one comma-separated row per sample of ``columns[name]``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    values = np.column_stack([np.asarray(columns[name], dtype=float) for name in header])
    rows = [",".join(repr(float(v)) for v in row) for row in values]
    path.write_text("\n".join([",".join(header), *rows]) + "\n")
    return path


def write_bmp_frames(frame_dir: Path, frames: np.ndarray) -> list[Path]:
    """RGB uint8 frames (N, H, W, 3) as ``frame_dir/<index>.bmp`` (zero-padded to 5 digits)."""
    return write_image_frames(frame_dir, frames, [f"{i:05d}.bmp" for i in range(len(frames))])


def bvp_columns(bvp: np.ndarray) -> dict[str, np.ndarray]:
    """The five iBVP columns for a BVP series: quality labels 1.0 except SQ2 dropping to 0.2 on the
    first 10 samples (so tests can tell the columns apart), perfusion a constant 1.5."""
    n = bvp.size
    sq2 = np.ones(n)
    sq2[:10] = 0.2
    return {"BVP": bvp, "SQPhysMD": np.full(n, 0.9), "SQ1": np.ones(n), "SQ2": sq2,
            "Perfusion_Value": np.full(n, 1.5)}


def write_ibvp_recording(root: Path, name: str, clip: Clip, *, n_bvp: int | None = None) -> Path:
    """``root/name`` with the clip's frames as BMPs and its pulse sampled at the frame times (30 Hz);
    ``n_bvp`` truncates the BVP to that many samples. Returns the recording folder."""
    folder = Path(root) / name
    write_bmp_frames(folder / f"{name}_rgb", clip.frames)
    (folder / f"{name}_t").mkdir(exist_ok=True)
    _, bvp = pulse_at(clip, clip.fps, tail_s=0.5 / clip.fps)  # one sample per frame, the last one included
    bvp = bvp[:len(clip.frames)][:n_bvp]
    write_bvp_csv(folder / f"{name}_bvp.csv", bvp_columns(bvp))
    return folder


#: the registered dataset whose layout this module writes (found by tests/test_dataset_contract.py)
CONTRACT_DATASET = "ibvp"


def contract_root(root: Path) -> None:
    """Two tiny recordings (20 frames), for the dataset-contract test."""
    write_ibvp_recording(root, "p01_a", tiny_clip(20, 30.0))
    write_ibvp_recording(root, "p02_c", tiny_clip(20, 30.0))
