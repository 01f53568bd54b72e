"""Helpers that build a tiny third-party plugin package on disk for tests.

The package is made importable by putting its folder on ``sys.path`` together
with a ``.dist-info`` holding ``entry_points.txt``: exactly what ``pip install``
leaves behind, so ``importlib.metadata.entry_points`` finds it.

The package always holds a method (``rppg_bench.methods`` group); with
``dataset_name`` it also holds a dataset loader (``rppg_bench.datasets``
group) that reads the folder-of-videos layout under its own dataset name.
:func:`write_face_clip` writes a small folder-layout root for it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

PLUGIN_METHOD_SOURCE = '''
"""A third-party rPPG method: the mean of green and red-minus-blue (for tests)."""
from dataclasses import dataclass

from rppg_bench.methods.base import ClassicalMethod


@dataclass
class GreenPlusMethod(ClassicalMethod):
    name = "greenplus"
    kind = "classical"
    paper = "test plugin"
    weight: float = 1.0

    def pulse(self, rgb, fps):
        return self.weight * rgb[:, 1] - 0.1 * (rgb[:, 0] - rgb[:, 2])
'''


PLUGIN_DATASET_SOURCE = '''

# ---- a third-party dataset: the folder-of-videos layout under the plugin's own name
from rppg_bench.datasets.folder import load_folder as _load_folder
from rppg_bench.datasets.recording import Recording as _Recording

DATASET_NAME = {dataset_name!r}


def load_plugin_dataset(root):
    """Every video under ``root`` with its same-stem .txt, as recordings of ``DATASET_NAME``."""
    out = []
    for item in _load_folder(root):
        if isinstance(item, _Recording):
            item.dataset = DATASET_NAME
        out.append(item)
    return out
'''


def write_plugin_package(folder: Path, package: str = "rppg_test_plugin",
                         method_name: str = "greenplus", extra_entry_points: str = "",
                         dataset_name: str | None = None) -> Path:
    """Write ``package`` with a method class and its dist-info entry point into ``folder``.

    With ``dataset_name``, the package also gets ``load_plugin_dataset`` (a
    loader reading the folder layout, see :func:`rppg_bench.datasets.folder.load_folder`,
    that sets ``Recording.dataset`` to ``dataset_name``) registered under that
    name in the ``rppg_bench.datasets`` group (then ``extra_entry_points`` must
    not open that group again).
    """
    folder = Path(folder)
    pkg = folder / package
    pkg.mkdir(parents=True, exist_ok=True)
    source = PLUGIN_METHOD_SOURCE
    entry_points = textwrap.dedent(f"""\
        [rppg_bench.methods]
        {method_name} = {package}:GreenPlusMethod
        """)
    if dataset_name is not None:
        source += PLUGIN_DATASET_SOURCE.format(dataset_name=dataset_name)
        entry_points += f"\n[rppg_bench.datasets]\n{dataset_name} = {package}:load_plugin_dataset\n"
    (pkg / "__init__.py").write_text(source)
    info = folder / f"{package}-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(entry_points + extra_entry_points)
    return folder


def write_face_clip(root: Path, stem: str = "subject1_still", *, hr_bpm: float = 72.0,
                    seconds: float = 6.0, fps: float = 30.0, size: tuple[int, int] = (160, 120),
                    amplitude: float = 0.01) -> Path:
    """A folder-layout recording: ``root/<stem>.avi`` + ``root/<stem>.txt``; returns the video path.

    The video (Motion-JPEG) is ``skimage.data.astronaut()`` resized to ``size``
    (width, height) whose green channel pulses by ``amplitude`` (1 %) at
    ``hr_bpm``; the ``.txt`` (written by
    :func:`rppg_bench.datasets.writers.write_folder_ground_truth`) holds that
    pulse at the frame times (s) and a constant HR line.
    """
    import cv2
    from skimage import data

    from rppg_bench.datasets.writers import write_folder_ground_truth, write_video

    root = Path(root)
    base = cv2.resize(data.astronaut(), size, interpolation=cv2.INTER_AREA).astype(np.float64)
    times = np.arange(round(seconds * fps)) / fps
    pulse = np.sin(2 * np.pi * hr_bpm / 60.0 * times)

    def frames():
        for p in pulse:
            frame = base.copy()
            frame[..., 1] *= 1.0 + amplitude * p
            yield np.clip(np.rint(frame), 0, 255).astype(np.uint8)

    video = root / f"{stem}.avi"
    write_video(video, frames(), fps)
    write_folder_ground_truth(video.with_suffix(".txt"), pulse, times, hr=np.full(times.size, hr_bpm))
    return video
