"""A generator of malformed inputs for the robustness tests.

:func:`build_corpus` writes, under one folder, three dataset roots in the real
layouts -- ``folder/`` (``name.avi`` + ``name.txt``), ``ubfc/`` (``subjectN/``
with ``vid.avi`` and ``ground_truth.txt`` or ``gtdump.xmp``) and ``pure/``
(``NN-MM/NN-MM/Image<ns>.png`` + ``NN-MM/NN-MM.json``) -- holding one broken
recording per :data:`CASES` entry, plus (optionally) the good recordings of
:data:`GOOD_VIDEOS` and the PURE session with missing frames that must be
tolerated (:data:`TOLERATED`).

Each :class:`Case` says under which name the runner reports it, which file its
error must name and a substring of the problem; the test asserts both on
every row of that recording. :func:`broken_method_classes` gives broken
*methods* (registered as plugins by the test): NaN output, wrong length, out
of range, a flat line, an exception.

Videos are tiny (64x48 test pattern, 1 s) unless the case needs a face to get
past face detection: then the astronaut from ``skimage.data`` at 160x120 with
a ~1 % blood-volume-pulse colour change (:func:`write_face_video`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from fixtures_formats import pure_package, write_gtdump, write_pure_json, write_video

FPS = 30.0
FACE_SIZE = (160, 120)
FACE_FRAMES = 90  # 3 s: the heart-rate estimator needs at least 2 s
PBV = np.array([0.33, 0.77, 0.53])
T0_NS = 1_400_000_000_000_000_000  # PURE-like epoch timestamps (ns)

#: the good folder videos: stem -> (heart rate bpm, noise seed)
GOOD_VIDEOS = {"good_a": (72.0, 1), "good_b": (96.0, 2)}


# ------------------------------------------------------------ good material
@lru_cache(maxsize=1)
def face_image() -> np.ndarray:
    """The astronaut (RGB, float) resized to :data:`FACE_SIZE`."""
    from skimage import data

    return cv2.resize(data.astronaut(), FACE_SIZE, interpolation=cv2.INTER_AREA).astype(float)


def face_frames(hr_bpm: float, n: int = FACE_FRAMES, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """``(frames, times_s, ppg)``: the face darkening with a sinusoidal pulse, plus sensor noise."""
    rng = np.random.default_rng(seed)
    times = np.arange(n) / FPS
    ppg = np.sin(2 * np.pi * hr_bpm / 60.0 * times)
    img = face_image()
    frames = [np.clip(img * (1 - 0.01 * p * PBV) + rng.normal(0, 1, img.shape), 0, 255).astype(np.uint8)
              for p in ppg]
    return frames, times, ppg


def write_face_video(path: Path, hr_bpm: float, *, n: int = FACE_FRAMES,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A face video (MJPG .avi) at :data:`FPS`; returns ``(times_s, ppg)`` of its pulse."""
    frames, times, ppg = face_frames(hr_bpm, n, seed)
    write_video(path, frames=frames, size=FACE_SIZE)
    return times, ppg


def write_txt(path: Path, lines: list[str]) -> None:
    """The folder layout's ground truth: the given lines, newline-terminated."""
    path.write_text("".join(line + "\n" for line in lines))


def floats(values) -> str:
    return " ".join(repr(float(v)) for v in values)


def pulse_lines(n: int = 30, hr_bpm: float = 72.0, t0: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``(times_s, ppg)`` of ``n`` samples at :data:`FPS` from ``t0``."""
    t = t0 + np.arange(n) / FPS
    return t, np.sin(2 * np.pi * hr_bpm / 60.0 * t)


def good_txt(path: Path, n: int = 30, t0: float = 0.0) -> None:
    t, ppg = pulse_lines(n, t0=t0)
    write_txt(path, [floats(ppg), "", floats(t)])


def write_good_folder_video(root: Path, stem: str, hr_bpm: float, seed: int) -> Path:
    """``root/stem.avi`` (face) + ``root/stem.txt`` (PPG, empty HR line, times)."""
    video = Path(root) / f"{stem}.avi"
    times, ppg = write_face_video(video, hr_bpm, seed=seed)
    write_txt(video.with_suffix(".txt"), [floats(ppg), "", floats(times)])
    return video


@lru_cache(maxsize=1)
def write_faceless_video(path: Path, n_frames: int) -> Path:
    """A 64x48 MJPG .avi of plain grey frames brightening by one level per frame: no face anywhere."""
    return write_video(path, frames=(np.full((48, 64, 3), 100 + i, np.uint8) for i in range(n_frames)))


def pattern_avi_bytes() -> bytes:
    """Bytes of a valid 1 s 64x48 test-pattern MJPG AVI (30 frames)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pattern.avi"
        write_video(path, n_frames=30)
        return path.read_bytes()


def pattern_video(path: Path) -> Path:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(pattern_avi_bytes())
    return Path(path)


# ------------------------------------------------------------------ cases
@dataclass(frozen=True)
class Case:
    """One malformed input.

    ``dataset``: the layout (``folder``, ``ubfc``, ``pure``); ``name``: the
    recording name the runner reports it under; ``file``: the path, relative
    to the corpus folder, that its error must name; ``problem``: a substring
    of the error describing the problem; ``stage``: where it is caught
    (``load``, ``decode`` or ``score``); ``build(root)`` writes it under the
    dataset root.
    """

    dataset: str
    name: str
    file: str
    problem: str
    stage: str
    build: Callable[[Path], None]


def _folder(stem: str, video: Callable[[Path], None] | None, txt: Callable[[Path], None] | None):
    """Builder of ``root/stem.avi`` (pattern video unless ``video``) and ``root/stem.txt``."""

    def build(root: Path) -> None:
        path = Path(root) / f"{stem}.avi"
        (video or pattern_video)(path)
        if txt is not None:
            txt(path.with_suffix(".txt"))

    return build


def _lines(*lines: str) -> Callable[[Path], None]:
    return lambda path: write_txt(path, list(lines))


T30, P30 = pulse_lines(30)


def _truncated(path: Path) -> None:
    data = pattern_avi_bytes()
    path.write_bytes(data[: len(data) // 2])


def _corrupt_middle(path: Path) -> None:
    data = bytearray(pattern_avi_bytes())
    mid = len(data) // 2
    data[mid:mid + 1024] = np.random.default_rng(7).integers(0, 256, 1024, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))


def _random_bytes(path: Path) -> None:
    path.write_bytes(np.random.default_rng(3).integers(0, 256, 20_000, dtype=np.uint8).tobytes())


def _text_as_mp4(root: Path) -> None:
    (Path(root) / "video_text_as_mp4.mp4").write_text("ftyp? no, just some text in a file named .mp4\n" * 50)
    good_txt(Path(root) / "video_text_as_mp4.txt")


def _zero_frames(path: Path) -> None:
    write_video(path, frames=[], size=(64, 48))


def _one_frame(path: Path) -> None:
    write_video(path, n_frames=1)


def _grey(path: Path) -> None:
    write_video(path, frames=[np.full((48, 64, 3), 128, np.uint8)] * 30)


def _face(path: Path) -> None:
    write_face_video(path, 80.0, seed=5)


def _short_gt(path: Path) -> None:  # covers 0-1 s of a 3 s face video
    t, ppg = pulse_lines(30)
    write_txt(path, [floats(ppg), "", floats(t)])


FOLDER_CASES = [
    Case("folder", "video_truncated", "folder/video_truncated.avi", "truncated or corrupt", "decode",
         _folder("video_truncated", _truncated, good_txt)),
    Case("folder", "video_corrupt_middle", "folder/video_corrupt_middle.avi", "truncated or corrupt", "decode",
         _folder("video_corrupt_middle", _corrupt_middle, good_txt)),
    Case("folder", "video_random_bytes", "folder/video_random_bytes.avi", "OpenCV cannot open", "load",
         _folder("video_random_bytes", _random_bytes, good_txt)),
    Case("folder", "video_text_as_mp4", "folder/video_text_as_mp4.mp4", "OpenCV cannot open", "load",
         _text_as_mp4),
    Case("folder", "video_zero_bytes", "folder/video_zero_bytes.avi", "OpenCV cannot open", "load",
         _folder("video_zero_bytes", lambda p: p.write_bytes(b""), good_txt)),
    Case("folder", "video_zero_frames", "folder/video_zero_frames.avi", "no frames", "load",
         _folder("video_zero_frames", _zero_frames, good_txt)),
    Case("folder", "video_one_frame", "folder/video_one_frame.avi", "at least 2 are needed", "load",
         _folder("video_one_frame", _one_frame, good_txt)),
    Case("folder", "video_no_face", "folder/video_no_face.avi", "no face found", "decode",
         _folder("video_no_face", _grey, good_txt)),
    Case("folder", "gt_missing", "folder/gt_missing.avi", "no ground truth file gt_missing.txt", "load",
         _folder("gt_missing", None, None)),
    Case("folder", "gt_empty", "folder/gt_empty.txt", "expected 3 lines", "load",
         _folder("gt_empty", None, lambda p: p.write_text(""))),
    Case("folder", "gt_two_lines", "folder/gt_two_lines.txt", "found 2", "load",
         _folder("gt_two_lines", None, _lines(floats(P30), floats(T30)))),
    Case("folder", "gt_not_utf8", "folder/gt_not_utf8.txt", "cannot read file", "load",
         _folder("gt_not_utf8", None, lambda p: p.write_bytes(b"\xff\xfe\x00\x81 binary \x9c" * 20))),
    Case("folder", "gt_non_numeric", "folder/gt_non_numeric.txt", "value 5 'abc' is not a number", "load",
         _folder("gt_non_numeric", None, _lines(floats(P30[:4]) + " abc " + floats(P30[5:]), "", floats(T30)))),
    Case("folder", "gt_nan", "folder/gt_nan.txt", "line 1 (PPG): 1 non-finite", "load",
         _folder("gt_nan", None, _lines(floats(np.r_[P30[:10], np.nan, P30[11:]]), "", floats(T30)))),
    Case("folder", "gt_inf", "folder/gt_inf.txt", "line 3 (timestamps): 1 non-finite", "load",
         _folder("gt_inf", None, _lines(floats(P30), "", floats(np.r_[T30[:-1], np.inf])))),
    Case("folder", "gt_time_backwards", "folder/gt_time_backwards.txt", "timestamps do not increase", "load",
         _folder("gt_time_backwards", None, _lines(floats(P30), "", floats(np.r_[T30[:15], T30[15:][::-1]])))),
    Case("folder", "gt_count_mismatch", "folder/gt_count_mismatch.txt",
         "line 1 (PPG) has 30 values but line 3 (timestamps) has 25", "load",
         _folder("gt_count_mismatch", None, _lines(floats(P30), "", floats(T30[:25])))),
    Case("folder", "gt_one_value", "folder/gt_one_value.txt", "expected at least 2 values, got 1", "load",
         _folder("gt_one_value", None, _lines("0.5", "", "0.0"))),
    Case("folder", "gt_flat", "folder/gt_flat.txt", "flat line", "load",
         _folder("gt_flat", None, _lines(floats(np.ones(30)), "", floats(T30)))),
    Case("folder", "gt_no_overlap", "folder/gt_no_overlap.txt", "do not overlap the video", "load",
         _folder("gt_no_overlap", None, _lines(floats(P30), "", floats(100 + np.arange(30) / 3)))),
    Case("folder", "gt_shorter_than_video", "folder/gt_shorter_than_video.txt", "overlap for only 0.967 s", "score",
         _folder("gt_shorter_than_video", _face, _short_gt)),
]


def _ubfc(name: str, *, video: bool = True, gt: Callable[[Path], None] | None = None):
    def build(root: Path) -> None:
        folder = Path(root) / name
        folder.mkdir(parents=True, exist_ok=True)
        if video:
            pattern_video(folder / "vid.avi")
        if gt is not None:
            gt(folder)

    return build


def _ubfc2_txt(*lines: str) -> Callable[[Path], None]:
    return lambda folder: write_txt(folder / "ground_truth.txt", list(lines))


def _gtdump_three_columns(folder: Path) -> None:
    (folder / "gtdump.xmp").write_text("".join(f"{int(t * 1000)},72,98\n" for t in T30))


def _gtdump_text_cell(folder: Path) -> None:
    write_gtdump(folder / "gtdump.xmp", T30 * 1000, [72] * 30, [98] * 30, P30)
    lines = (folder / "gtdump.xmp").read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",oops"
    (folder / "gtdump.xmp").write_text("\n".join(lines) + "\n")


UBFC_CASES = [
    Case("ubfc", "subject1", "ubfc/subject1", "no ground_truth.txt or gtdump.xmp", "load", _ubfc("subject1")),
    Case("ubfc", "subject2", "ubfc/subject2", "no vid.avi", "load",
         _ubfc("subject2", video=False, gt=_ubfc2_txt(floats(P30), floats([72] * 30), floats(T30)))),
    Case("ubfc", "subject3", "ubfc/subject3/ground_truth.txt", "expected 3 lines", "load",
         _ubfc("subject3", gt=_ubfc2_txt(floats(P30), floats(T30)))),
    Case("ubfc", "subject4", "ubfc/subject4/gtdump.xmp", "expected at least 4 comma-separated values, found 3",
         "load", _ubfc("subject4", gt=_gtdump_three_columns)),
    Case("ubfc", "subject5", "ubfc/subject5/gtdump.xmp", "line 4: value 4 'oops' is not a number", "load",
         _ubfc("subject5", gt=_gtdump_text_cell)),
]


def _pure_packages(n: int = 60, t0_ns: int = T0_NS, **kw) -> list[dict]:
    t = np.arange(n) / 60.0
    wave = np.round(100 + 50 * np.sin(2 * np.pi * 1.2 * t)).astype(int)
    return [pure_package(t0_ns + round(float(s) * 1e9), w, 72, **kw) for s, w in zip(t, wave)]


def _frame_ns(n: int = 30) -> list[int]:
    return [T0_NS + round(i / FPS * 1e9) for i in range(n)]


def _pure(name: str, *, frames: bool = True, json_text: str | None = None, packages=None, image_ns=None,
          frame_hook: Callable[[Path], None] | None = None):
    """A PURE session of 30 tiny PNG frames (1 s) and its JSON (``json_text`` verbatim if given)."""

    def build(root: Path) -> None:
        folder = Path(root) / name
        frame_dir = folder / name
        frame_dir.mkdir(parents=True, exist_ok=True)
        stamps = _frame_ns()
        if frames:
            frame = np.full((48, 64, 3), 90, np.uint8)
            for ns in stamps:
                cv2.imwrite(str(frame_dir / f"Image{ns}.png"), frame)
        else:
            shutil.rmtree(frame_dir)
        if frame_hook is not None:
            frame_hook(frame_dir)
        path = folder / f"{name}.json"
        if json_text is not None:
            path.write_text(json_text)
        else:
            write_pure_json(path, _pure_packages() if packages is None else packages,
                            stamps if image_ns is None else image_ns)

    return build


def _not_a_png(frame_dir: Path) -> None:
    second = sorted(frame_dir.glob("Image*.png"))[1]
    second.write_bytes(b"this is not a PNG image\n" * 10)


def _resized_frame(frame_dir: Path) -> None:
    third = sorted(frame_dir.glob("Image*.png"))[2]
    cv2.imwrite(str(third), np.full((24, 32, 3), 90, np.uint8))


PURE_CASES = [
    Case("pure", "10-01", "pure/10-01/10-01.json", "invalid JSON", "load",
         _pure("10-01", json_text='{"/FullPackage": [{"Timestamp": 1, "Value": ')),
    Case("pure", "10-02", "pure/10-02/10-02.json", "no /Image entries", "load",
         _pure("10-02", json_text=json.dumps({"/FullPackage": _pure_packages()}))),
    Case("pure", "10-03", "pure/10-03/10-03.json", "every /FullPackage sample has probeError set", "load",
         _pure("10-03", packages=_pure_packages(probe_error=True))),
    Case("pure", "10-04", "pure/10-04/10-04.json", "/FullPackage entry 0: missing 'waveform'", "load",
         _pure("10-04", packages=[{"Timestamp": T0_NS, "Value": {"pulseRate": 70}}] + _pure_packages()[1:])),
    Case("pure", "10-05", "pure/10-05/10-05.json", "do not overlap the video", "load",
         _pure("10-05", packages=_pure_packages(t0_ns=T0_NS + 500 * 10 ** 9))),
    Case("pure", "10-06", "pure/10-06/10-06", "frame folder is missing", "load", _pure("10-06", frames=False)),
    Case("pure", "11-01", "pure/11-01/11-01/Image", "cannot read image frame", "decode",
         _pure("11-01", frame_hook=_not_a_png)),
    Case("pure", "11-02", "pure/11-02/11-02/Image", "frame is 32x24 px but the first frame is 64x48 px", "decode",
         _pure("11-02", frame_hook=_resized_frame)),
]

#: every malformed input of the corpus
CASES: list[Case] = FOLDER_CASES + UBFC_CASES + PURE_CASES

#: inputs that look damaged but must be scored: PURE session -> what is special
TOLERATED = {"12-01": "10 PNG frames deleted from the middle (times come from the file names)"}


def write_pure_missing_frames(root: Path, name: str = "12-01", hr_bpm: float = 84.0) -> Path:
    """A 3 s PURE face session at 30 fps whose frames 40-49 are deleted, oximeter at 60 Hz."""
    frames, times, _ = face_frames(hr_bpm, seed=9)
    folder = Path(root) / name
    frame_dir = folder / name
    frame_dir.mkdir(parents=True, exist_ok=True)
    stamps = [T0_NS + round(float(t) * 1e9) for t in times]
    for i, (ns, frame) in enumerate(zip(stamps, frames)):
        if not 40 <= i < 50:
            cv2.imwrite(str(frame_dir / f"Image{ns}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    ox_t = np.arange(-0.1, times[-1] + 0.2, 1 / 60.0)
    wave = np.round(100 + 50 * np.sin(2 * np.pi * hr_bpm / 60.0 * ox_t)).astype(int)
    packages = [pure_package(T0_NS + round(float(t) * 1e9), w, int(hr_bpm)) for t, w in zip(ox_t, wave)]
    write_pure_json(folder / f"{name}.json", packages, stamps)
    return folder


# ------------------------------------------------------------ broken methods
def broken_method_classes() -> dict[str, tuple[type, str]]:
    """Method classes that break the output contract: name -> (class, error substring)."""
    from dataclasses import dataclass as _dc

    from rppg_bench.methods.base import Method
    from rppg_bench.preprocessing.store import rgb_trace

    def trace(video):
        prod = rgb_trace(video)
        sig = prod.rgb[:, 1] - prod.rgb[:, 1].min()
        return prod.times, sig / max(float(sig.max()), 1e-9)

    @_dc
    class NaNOutput(Method):
        kind = "classical"
        paper = "test: returns NaNs"

        def extract(self, video):
            t, s = trace(video)
            s = s.copy()
            s[::7] = np.nan
            return t, s

    @_dc
    class WrongLength(Method):
        kind = "classical"
        paper = "test: drops 5 values"

        def extract(self, video):
            t, s = trace(video)
            return t[:-5], s[:-5]

    @_dc
    class OutOfRange(Method):
        kind = "classical"
        paper = "test: not normalised"

        def extract(self, video):
            t, s = trace(video)
            return t, 40 * s - 3

    @_dc
    class Constant(Method):
        kind = "classical"
        paper = "test: a flat line (valid output, nothing to score)"

        def extract(self, video):
            t, _ = trace(video)
            return t, np.full(t.shape, 0.5)

    @_dc
    class Raises(Method):
        kind = "classical"
        paper = "test: raises"

        def extract(self, video):
            raise RuntimeError("plugin exploded on purpose")

    return {"zz_nan_output": (NaNOutput, "NaN"),
            "zz_wrong_length": (WrongLength, "values for"),
            "zz_out_of_range": (OutOfRange, "outside [0, 1]"),
            "zz_constant": (Constant, "prediction over the common span (signal is constant"),
            "zz_raises": (Raises, "plugin exploded on purpose")}


# ------------------------------------------------------------------ corpus
def build_corpus(root: Path, *, good: bool = True, cases: list[Case] | None = None) -> dict[str, Path]:
    """Write the corpus under ``root``; returns the dataset roots ``{"folder", "ubfc", "pure"}``.

    ``good``: also write :data:`GOOD_VIDEOS` (folder layout) and the tolerated
    PURE session; ``cases``: the malformed inputs (default: all of :data:`CASES`).
    """
    roots = {name: Path(root) / name for name in ("folder", "ubfc", "pure")}
    for path in roots.values():
        path.mkdir(parents=True, exist_ok=True)
    for case in CASES if cases is None else cases:
        case.build(roots[case.dataset])
    if good:
        write_good_videos(roots["folder"])
        write_pure_missing_frames(roots["pure"])
    return roots


def write_good_videos(folder_root: Path) -> None:
    for stem, (hr, seed) in GOOD_VIDEOS.items():
        write_good_folder_video(folder_root, stem, hr, seed)
