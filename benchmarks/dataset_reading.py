"""Reading the public datasets: is loading and decoding a recording slower than the face pass? (issue 19)

For each dataset format, writes ONE recording of ``--seconds`` with that format's fixture writer
(``tests/fixtures_*.py``, the same writers the loader tests use) at the format's real frame rate,
then measures, each in a fresh child process and ``--repeats`` times:

- **load**: the loader call (``load_<name>(root)``, module imports excluded);
- **load+decode**: the loader call plus decoding every frame (``for f in rec.frames()``);
- **face pass**: ``video_products(rec, FaceParams())`` with no disk cache (the recording loaded
  untimed first; FaceMesh is built inside the timed call, as in a run), which decodes every frame
  again and tracks the face on it;
- **peak MiB**: the read child's ``VmHWM`` (its own high-water mark) next to its resident size
  after the imports (``base``) and the recording's size on disk.

A second table gives the peak memory of reading an MMPD-sized MAT file (``--memory-seconds`` of
320x240 at 30 fps, 1800 frames for a minute) through the v5 path (the MMPD writer, ``-v7``
compressed float32), streamed by the loader and, for comparison, decoded whole by
``scipy.io.loadmat`` (the reader before the streaming one), and the v7.3 path (the SCAMPS writer,
HDF5 float64: the MMPD writer cannot write v7.3) against the file's size. ``--only-memory`` gives
this table alone.

The frames come from one synthetic face clip (:func:`fixtures_pulse.known_pulse_clip`, 640x480,
30 fps) rendered once; a format's frame rate is reached by taking the clip's nearest frame at each
of its frame times (the pulse signal is resampled exactly), its size by ``cv2.resize``. Files are
read right after being written, so they come from the page cache: this measures decoding, not a
disk. Sizes per format are in :data:`FORMATS` (``size`` used, ``real`` the dataset's).

Usage (the repository root's ``src`` on ``PYTHONPATH`` or the package installed)::

    python benchmarks/dataset_reading.py [--formats mmpd scamps] [--seconds 60] [--repeats 3]
    python benchmarks/dataset_reading.py --only-memory --seconds 30
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the fixture writers
sys.path.insert(0, str(HERE))

from machine import header

BASE_SIZE = (640, 480)  # px (w, h) of the rendered clip
BASE_FPS = 30.0
MAT_SIZE = (320, 240)   # px, MMPD's frames


@dataclass(frozen=True)
class Format:
    """One dataset format: its registry ``name``, the frame rate (Hz) and size (w, h px) written,
    the dataset's ``real`` size, and ``write(root, clip)`` laying out one recording under ``root``."""

    name: str
    fps: float
    size: tuple[int, int]
    real: str
    write: Callable


def write_ubfc(root: Path, clip) -> None:
    from fixtures_pulse import pulse_at

    from rppg_bench.datasets.writers import write_ubfc_subject

    _, ppg = pulse_at(clip, clip.fps, tail_s=0.5 / clip.fps)
    n = len(clip.frames)
    write_ubfc_subject(root / "subject1", iter(clip.frames), ppg[:n], np.full(n, clip.hr_bpm),
                       clip.frame_times, fps=clip.fps)


def write_pure(root: Path, clip) -> None:
    from fixtures_pulse import pulse_at

    from rppg_bench.datasets.writers import write_pure_session

    ox_t, pulse = pulse_at(clip, 60.0, lead_s=0.5, tail_s=0.5)  # the oximeter at 60 Hz
    wave = np.round(128 + 100 * (pulse - pulse.mean()) / np.ptp(pulse)).astype(int)
    start_ns = 1_400_000_000_000_000_000
    write_pure_session(root / "01-01", iter(clip.frames), start_ns + np.round(clip.frame_times * 1e9).astype(np.int64),
                       start_ns + np.round(ox_t * 1e9).astype(np.int64), wave, [round(clip.hr_bpm)] * wave.size)


def write_folder(root: Path, clip) -> None:
    from fixtures_pulse import pulse_at

    from rppg_bench.datasets.writers import write_folder_ground_truth, write_video

    write_video(root / "s1_rec.avi", iter(clip.frames), clip.fps)
    t, ppg = pulse_at(clip, clip.fps, tail_s=0.5 / clip.fps)
    write_folder_ground_truth(root / "s1_rec.txt", ppg, t)


def write_ubfc_phys(root: Path, clip) -> None:
    from fixtures_ubfc_phys import write_info, write_take_from_clip

    write_take_from_clip(root, "s1", "T1", clip)
    write_info(root, "s1", "test")


def write_cohface(root: Path, clip) -> None:
    from fixtures_cohface import write_session_from_clip

    write_session_from_clip(root, "1", "0", clip)


def write_mmpd(root: Path, clip) -> None:
    from fixtures_mmpd import mmpd_variables, write_mmpd_file

    write_mmpd_file(root, 1, 0, mmpd_variables(clip))


def write_scamps(root: Path, clip) -> None:
    from fixtures_scamps import scamps_variables, write_scamps_file

    write_scamps_file(root, 1, scamps_variables(clip))


def write_ibvp(root: Path, clip) -> None:
    from fixtures_ibvp import write_ibvp_recording

    write_ibvp_recording(root, "p01_a", clip)


def write_bp4dplus(root: Path, clip) -> None:
    from fixtures_bp4dplus import write_bp4d_recordings

    write_bp4d_recordings(root, "F001", ["T1"], clip)


def write_vipl_hr(root: Path, clip) -> None:
    from fixtures_vipl_hr import write_vipl_clip

    write_vipl_clip(root, "p1/v1/source1", clip)


def write_lgi_ppgi(root: Path, clip) -> None:
    from fixtures_lgi_ppgi import write_lgi_clip

    write_lgi_clip(root, "alex", "resting", clip)


def write_physdrive(root: Path, clip) -> None:
    from fixtures_physdrive import write_physdrive_session

    write_physdrive_session(root, "AFH1", "A1", clip)


def write_mahnob(root: Path, clip) -> None:
    from fixtures_mahnob import write_mahnob_session

    write_mahnob_session(root, clip)


FORMATS = {f.name: f for f in (
    Format("ubfc", 30.0, BASE_SIZE, "640x480 uncompressed AVI; MJPG here", write_ubfc),
    Format("pure", 30.0, BASE_SIZE, "640x480 PNG", write_pure),
    Format("folder", 30.0, BASE_SIZE, "any", write_folder),
    Format("ubfc-phys", 35.0, BASE_SIZE, "1024x1024", write_ubfc_phys),
    Format("cohface", 20.0, BASE_SIZE, "640x480", write_cohface),
    Format("mmpd", 30.0, MAT_SIZE, "320x240 (mini: 80x60)", write_mmpd),
    Format("scamps", 30.0, MAT_SIZE, "240x240, 20 s", write_scamps),
    Format("ibvp", 30.0, BASE_SIZE, "640x480 BMP", write_ibvp),
    Format("bp4d+", 25.0, BASE_SIZE, "1040x1392 JPEG", write_bp4dplus),
    Format("vipl-hr", 25.0, BASE_SIZE, "960x720 (source1)", write_vipl_hr),
    Format("lgi-ppgi", 25.0, BASE_SIZE, "640x480", write_lgi_ppgi),
    Format("mahnob-hci", 61.0, BASE_SIZE, "780x580", write_mahnob),
    Format("physdrive", 30.0, BASE_SIZE, "PNG, size not documented", write_physdrive),
)}


def clip_at(base, fps: float, size: tuple[int, int], seconds: float):
    """``base`` (a :class:`fixtures_pulse.Clip`) as ``seconds`` of ``fps`` Hz at ``size`` (w, h):
    the nearest base frame at each frame time (looping past its end), resized when needed."""
    import cv2

    n = round(seconds * fps)
    times = np.arange(n) / fps
    index = np.rint(times * base.fps).astype(int) % len(base.frames)
    same = size == (base.frames.shape[2], base.frames.shape[1])
    if same and fps == base.fps and n == len(base.frames):
        return base
    frames = base.frames[index] if same else np.stack(
        [cv2.resize(base.frames[i], size, interpolation=cv2.INTER_AREA) for i in index])
    return replace(base, frames=frames, frame_times=times, fps=fps)


# ---------------------------------------------------------------------------- child process

def status_mib(field: str) -> float:
    """``field`` (``VmHWM``, ``VmRSS``) of this process's ``/proc/self/status``, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise OSError(f"no {field} in /proc/self/status (Linux only)")


def load_one(name: str, root: Path):
    """The single recording the loader of dataset ``name`` finds under ``root``."""
    from rppg_bench.datasets.registry import DATASETS

    loader = DATASETS.get(name)
    (rec,) = loader(root)
    if not hasattr(rec, "frames"):
        raise SystemExit(f"{name}: {rec}")
    return rec


def loadmat_frames(rec):
    """The frames of a MAT v5 recording as read before the streaming reader: ``scipy.io.loadmat``
    decodes the whole variable at its stored type, then each frame is converted to uint8."""
    from scipy.io import loadmat

    from rppg_bench.datasets.matfile import to_uint8_rgb

    video = loadmat(rec.source.path, variable_names=[rec.source.key])[rec.source.key]
    return (to_uint8_rgb(frame) for frame in video)


def child(kind: str, name: str, root: Path) -> dict:
    """One measurement in this (fresh) process: ``read`` (load, decode, memory), ``loadmat`` (the same
    with the frames of a MAT v5 file decoded by :func:`loadmat_frames`) or ``face``."""
    from rppg_bench.datasets.registry import DATASETS

    DATASETS.get(name)  # imports the loader's module before any timing
    if kind in ("read", "loadmat"):
        base = status_mib("VmRSS")
        t0 = time.perf_counter()
        rec = load_one(name, root)
        t1 = time.perf_counter()
        n = sum(1 for _ in (rec.frames() if kind == "read" else loadmat_frames(rec)))
        t2 = time.perf_counter()
        return {"frames": n, "load": t1 - t0, "decode": t2 - t0, "base_mib": base, "peak_mib": status_mib("VmHWM")}
    from rppg_bench.preprocessing import landmarks  # noqa: F401  (mediapipe imported, not timed)
    from rppg_bench.preprocessing.params import FaceParams
    from rppg_bench.preprocessing.store import video_products

    rec = load_one(name, root)
    t0 = time.perf_counter()
    prod = video_products(rec, FaceParams())
    return {"frames": len(prod.times), "face": time.perf_counter() - t0}


def run_child(kind: str, name: str, root: Path) -> dict:
    """:func:`child` in a fresh Python process; its JSON result."""
    out = subprocess.run([sys.executable, __file__, "--child", kind, name, str(root)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} {name} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- parent

def spread(values: list[float]) -> str:
    """``min/median/max`` with 2 decimals."""
    return f"{min(values):.2f}/{statistics.median(values):.2f}/{max(values):.2f}"


def disk_mib(root: Path) -> float:
    """Total size of the files under ``root`` (MiB)."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 2**20


def measure_format(fmt: Format, clip, work: Path, repeats: int) -> dict:
    """Write ``clip`` as one ``fmt`` recording under ``work`` and time ``repeats`` read and face children."""
    root = work / fmt.name
    t0 = time.perf_counter()
    fmt.write(root, clip)
    row = {"write": time.perf_counter() - t0, "disk": disk_mib(root)}
    reads = [run_child("read", fmt.name, root) for _ in range(repeats)]
    faces = [run_child("face", fmt.name, root) for _ in range(repeats)]
    shutil.rmtree(root)
    row.update(frames=reads[0]["frames"], load=[r["load"] for r in reads], decode=[r["decode"] for r in reads],
               face=[f["face"] for f in faces], peak=max(r["peak_mib"] for r in reads),
               base=min(r["base_mib"] for r in reads))
    return row


def format_table(rows: dict[str, dict], formats: dict[str, Format]) -> str:
    """The per-format table (Markdown); times in s as min/median/max."""
    lines = [("| format | fps | size used (real) | frames | on disk MiB | load s | load+decode s | face pass s "
              "| ratio | peak MiB (base) |"),
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        f = formats[name]
        ratio = statistics.median(r["decode"]) / statistics.median(r["face"])
        lines.append(f"| {name} | {f.fps:g} | {f.size[0]}x{f.size[1]} ({f.real}) | {r['frames']} | {r['disk']:.0f} "
                     f"| {spread(r['load'])} | {spread(r['decode'])} | {spread(r['face'])} | {ratio:.2f} "
                     f"| {r['peak']:.0f} ({r['base']:.0f}) |")
    return "\n".join(lines)


#: the rows of the memory table: (label, format whose writer writes the file, child kind reading it)
MEMORY_ROWS = (("v5 streamed (-v7 compressed float32, MMPD writer)", "mmpd", "read"),
               ("v5 decoded whole by scipy.io.loadmat (the same file; the reader before)", "mmpd", "loadmat"),
               ("v7.3 (HDF5 float64, SCAMPS writer)", "scamps", "read"))


def memory_table(base, work: Path, seconds: float, repeats: int) -> str:
    """Peak memory of reading an MMPD-sized MAT file: v5 (MMPD writer) streamed and through
    ``loadmat``, v7.3 (SCAMPS writer); each file written once, each row ``repeats`` fresh children
    (times min/median/max, the highest peak, the lowest base)."""
    clip = clip_at(base, 30.0, MAT_SIZE, seconds)
    lines = ["| MAT path | frames | file MiB | load+decode s | peak MiB (base) |", "|---|---|---|---|---|"]
    for name in dict.fromkeys(fmt for _, fmt, _ in MEMORY_ROWS):
        root = work / f"memory-{name}"
        FORMATS[name].write(root, clip)
        size = disk_mib(root)
        for label, _, kind in (row for row in MEMORY_ROWS if row[1] == name):
            runs = [run_child(kind, name, root) for _ in range(repeats)]
            lines.append(f"| {label} | {runs[0]['frames']} | {size:.0f} | {spread([r['decode'] for r in runs])} "
                         f"| {max(r['peak_mib'] for r in runs):.0f} ({min(r['base_mib'] for r in runs):.0f}) |")
        shutil.rmtree(root)
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--formats", nargs="+", choices=sorted(FORMATS), default=list(FORMATS),
                   help="dataset formats to measure (default: all)")
    p.add_argument("--seconds", type=float, default=60.0, help="length of each recording (s)")
    p.add_argument("--repeats", type=int, default=3, help="fresh-process runs of each measurement")
    p.add_argument("--memory-seconds", type=float, default=60.0,
                   help="length of the MMPD-sized MAT files of the memory table (s; 0: no table)")
    p.add_argument("--only-memory", action="store_true", help="the memory table alone (no per-format rows)")
    p.add_argument("--child", nargs=3, metavar=("KIND", "FORMAT", "ROOT"), help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        kind, name, root = args.child
        print(json.dumps(child(kind, name, Path(root))))
        return
    from fixtures_pulse import known_pulse_clip

    print(header())
    print(f"command:  {shlex.join([Path(sys.executable).name, *sys.argv])}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dataset_reading_") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        base = known_pulse_clip(work / "clip", fps=BASE_FPS, duration=args.seconds, size=BASE_SIZE)
        print(f"clip:     {len(base.frames)} frames {BASE_SIZE[0]}x{BASE_SIZE[1]} at {BASE_FPS:g} fps rendered in "
              f"{time.perf_counter() - t0:.0f} s; {args.repeats} repeats, times min/median/max s; "
              f"ratio = median load+decode / median face pass", flush=True)
        rows = {}
        for name in [] if args.only_memory else args.formats:
            fmt = FORMATS[name]
            rows[name] = measure_format(fmt, clip_at(base, fmt.fps, fmt.size, args.seconds), work, args.repeats)
            print(f"  {name}: written in {rows[name]['write']:.0f} s, measured", flush=True)
        if rows:
            print()
            print(format_table(rows, FORMATS))
        if args.memory_seconds > 0:
            print()
            print(memory_table(base, work, args.memory_seconds, args.repeats))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
