"""Side by side with rPPG-Toolbox's unsupervised path on the same videos (issue 7, last target).

    python benchmarks/compare_toolbox.py --toolbox-root PATH [--methods pos chrom ...] [--limit N]
        [--repeats R] [--ubfc-root DIR | --synthetic-seconds S --synthetic-size W H ...]
        [--roi haar_box] [--landmarks track] [--out DIR] [--detrend-frames 600 1800 3600] [--check-preset] [--memory]

rPPG-Toolbox (github.com/ubicomplab/rPPG-Toolbox) is not on PyPI: point
``--toolbox-root`` (or ``$RPPG_TOOLBOX_ROOT``) at a checkout of it. Its code is
imported from there, never copied here. What runs, per video, is the toolbox's
unsupervised path as ``main.py`` with ``configs/infer_configs/UBFC-rPPG_UNSUPERVISED.yaml``
runs it (values in :data:`TOOLBOX_PREPROCESS`), minus its ``.npy`` cache (writing
and re-reading the cropped frames, which would only add to its time):

1. ``UBFCrPPGLoader.read_video`` (every frame decoded into memory, RGB) and
   ``read_wave`` (the PPG line of ``ground_truth.txt``);
2. ``BaseLoader.preprocess``: Haar-cascade face box on the first frame, enlarged
   1.5x, every frame cropped to it and resized to 72x72 (``INTER_AREA``), 'Raw'
   data, no chunking; then float32 as ``BaseLoader.__getitem__`` returns it;
3. the method (``POS_WANG``, ``CHROME_DEHAAN``, ``ICA_POH``, ``GREEN``, ``LGI``,
   ``PBV``, ``OMIT``) on the whole clip, as ``unsupervised_predict`` calls it;
4. ``evaluation.post_process.calculate_metric_per_video`` (dense detrend with
   lambda 100, order-2 Butterworth 0.75-2.5 Hz, periodogram peak) on the
   prediction and on the label, ``diff_flag=False``, ``hr_method='FFT'``.

rppg-bench's side is the runner's per-video work with no product cache: the
products memo cleared, one face pass (decode, MediaPipe FaceMesh, skin ROI
means), ``create_method(name).extract(rec)``, then ``evaluate_prediction`` (all
the runner's metrics, more than the toolbox computes). Each side runs cold on
every repeat, interleaved per video with the order alternating; one untimed
warm-up of each pays imports and first-call costs.

Accuracy, one ground truth for both: the harness's whole-video HR of the
ground-truth PPG (``evaluate_prediction``'s ``hr_true``). The toolbox's own
figure (its prediction against its FFT HR of the label) is printed beside it.
``--check-preset`` (untimed; ``--repeats 0`` skips the timing) checks the
harness's ``toolbox`` protocol against the toolbox's code on each video: the
face trace (mean RGB of the 72x72 crops) and every method's whole-video HR.
``--memory`` runs each side once per video in a fresh process and reports its
peak resident memory. ``--detrend-frames`` times the toolbox's dense detrend (an N x N inverse) and the
harness's sparse one on signals of N frames: the part of the toolbox's cost
that grows with video length.

The toolbox's ``BaseLoader`` imports ``retinaface`` (its RF face-detector
backend, which pulls in TensorFlow); the HC backend used here never calls it, so
when it is not installed an empty stand-in module is registered first. Needs,
besides rppg-bench: scikit-image (``unsupervised_methods.utils`` imports it).
Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import types
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import sidebyside as sbs
from machine import header, peak_rss_mib

FS = 30  # UNSUPERVISED.DATA.FS in the toolbox's unsupervised configs (Hz)

# PREPROCESS of configs/infer_configs/UBFC-rPPG_UNSUPERVISED.yaml
TOOLBOX_PREPROCESS = SimpleNamespace(
    DATA_TYPE=["Raw"], DATA_AUG=["None"], LABEL_TYPE="Raw", DO_CHUNK=False, CHUNK_LENGTH=180,
    CROP_FACE=SimpleNamespace(DO_CROP_FACE=True, BACKEND="HC", USE_LARGE_FACE_BOX=True, LARGE_BOX_COEF=1.5,
                              DETECTION=SimpleNamespace(DO_DYNAMIC_DETECTION=False, DYNAMIC_DETECTION_FREQUENCY=30,
                                                        USE_MEDIAN_FACE_BOX=False)),
    RESIZE=SimpleNamespace(H=72, W=72))

# rppg-bench name -> (toolbox module, function, whether it takes the frame rate), as unsupervised_predict calls them
TOOLBOX_METHODS = {
    "pos": ("unsupervised_methods.methods.POS_WANG", "POS_WANG", True),
    "chrom": ("unsupervised_methods.methods.CHROME_DEHAAN", "CHROME_DEHAAN", True),
    "ica": ("unsupervised_methods.methods.ICA_POH", "ICA_POH", True),
    "green": ("unsupervised_methods.methods.GREEN", "GREEN", False),
    "lgi": ("unsupervised_methods.methods.LGI", "LGI", False),
    "pbv": ("unsupervised_methods.methods.PBV", "PBV", False),
    "omit": ("unsupervised_methods.methods.OMIT", "OMIT", False),
}
HAAR = Path("dataset") / "haarcascade_frontalface_default.xml"  # opened relative to the working folder


@dataclass
class Toolbox:
    """The toolbox's pieces this comparison calls."""

    root: Path
    loader: type                    # UBFCrPPGLoader
    metric: object                  # calculate_metric_per_video
    dense_detrend: object           # post_process._detrend
    methods: dict[str, tuple[object, bool]]
    stand_ins: list[str]


def import_toolbox(root: Path, methods: list[str]) -> Toolbox:
    """Import the toolbox's loader, methods and evaluation from a checkout at ``root``.

    Raises ``SystemExit`` with what is missing when ``root`` is not a usable checkout.
    """
    needed = [root / "dataset" / "data_loader" / "UBFCrPPGLoader.py", root / "evaluation" / "post_process.py",
              root / "unsupervised_methods" / "methods", root / HAAR]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        raise SystemExit(f"--toolbox-root {root}: not an rPPG-Toolbox checkout (missing {', '.join(missing)})")
    sys.path.insert(0, str(root))
    stand_ins = []
    try:
        import retinaface  # noqa: F401
    except ImportError:
        sys.modules["retinaface"] = types.SimpleNamespace(RetinaFace=None)  # only the RF backend calls it
        stand_ins.append("retinaface")
    try:
        loader = importlib.import_module("dataset.data_loader.UBFCrPPGLoader").UBFCrPPGLoader
        post = importlib.import_module("evaluation.post_process")
        fns = {}
        for m in methods:
            module, name, takes_fs = TOOLBOX_METHODS[m]
            fns[m] = (getattr(importlib.import_module(module), name), takes_fs)
    except ImportError as exc:  # its data loaders import every dataset's dependencies
        raise SystemExit(f"--toolbox-root {root}: importing the toolbox failed ({exc}); install its "
                         f"requirements in this environment: pip install -r {root / 'requirements.txt'} "
                         "(or the missing module alone)") from exc
    return Toolbox(root=root, loader=loader, metric=post.calculate_metric_per_video,
                   dense_detrend=post._detrend, methods=fns, stand_ins=stand_ins)


def run_toolbox(tb: Toolbox, video: Path, truth_file: Path, methods: list[str]):
    """Wall and CPU seconds, and {method: (label HR, predicted HR, SNR)}: one read and crop, then every method."""
    def work() -> dict:
        data, labels = toolbox_clip(tb, video, truth_file)
        return {m: toolbox_method_hr(tb, m, data, labels) for m in methods}

    return sbs.timed(work)


def toolbox_method_hr(tb: Toolbox, method: str, data: np.ndarray, labels: np.ndarray) -> tuple:
    """(label HR, predicted HR, SNR) of the toolbox's ``method`` on its clip, as ``unsupervised_predict``
    computes them (``calculate_metric_per_video``, FFT, ``diff_flag=False``; newer versions of it also
    return the waveforms' MACC, left out here)."""
    fn, takes_fs = tb.methods[method]
    bvp = fn(data, FS) if takes_fs else fn(data)
    return tuple(tb.metric(bvp, labels, diff_flag=False, fs=FS, hr_method="FFT")[:3])


def evaluate_ours(rec, method: str, protocol) -> dict:
    """The runner's metrics of ``method`` (with the ``protocol``'s method parameters) on ``rec``'s
    memoised products."""
    from rppg_bench.methods.registry import create_method
    from rppg_bench.metrics.evaluate import evaluate_prediction
    from rppg_bench.runner import protocol_method_params

    times, signal = create_method(method, **protocol_method_params(method, protocol, {}, 0)).extract(rec)
    return evaluate_prediction(times, signal, rec.ppg_times, rec.ppg, protocol, rec.hr, rec.hr_times)


def run_ours(rec, methods: list[str], protocol, roi: str = "mediapipe", landmark_every: int = 1,
             landmarks: str = "every"):
    """Wall and CPU seconds, and {method: evaluate_prediction's metrics}: products memo cleared, one face
    pass with the ``roi`` kind (FaceMesh on every ``landmark_every``-th frame, or on keyframes with
    tracking between them: ``landmarks="track"``), every method, the runner's evaluation."""
    from rppg_bench.preprocessing.params import FaceParams
    from rppg_bench.preprocessing.store import rgb_trace

    def work() -> dict:
        rgb_trace(rec, FaceParams(roi=roi, landmark_every=landmark_every, landmarks=landmarks))
        return {m: evaluate_ours(rec, m, protocol) for m in methods}

    rec.products.clear()
    return sbs.timed(work)


def toolbox_clip(tb: Toolbox, video: Path, truth_file: Path) -> tuple[np.ndarray, np.ndarray]:
    """The toolbox's preprocessed clip (N, 72, 72, 3) float32 and label (N,), as its data loader gives them."""
    frames = tb.loader.read_video(str(video))
    bvps = tb.loader.read_wave(str(truth_file))
    loader = object.__new__(tb.loader)  # its __init__ would preprocess a whole dataset folder into .npy files
    frames_clips, bvps_clips = loader.preprocess(frames, bvps, TOOLBOX_PREPROCESS)
    return np.float32(frames_clips[0]), np.float32(bvps_clips[0])  # as BaseLoader.__getitem__ gives them


def check_preset(tb: Toolbox, videos: list, methods: list[str]) -> str:
    """Untimed: the harness's ``toolbox`` protocol beside the toolbox's own code on each video. The
    face trace (mean RGB of the 72x72 crops, grey levels) and, per method, the whole-video HR of both
    (and of the ground truth) in units of the toolbox's FFT bin, ``60 fs / nfft`` bpm."""
    from rppg_bench.metrics.protocol import TOOLBOX
    from rppg_bench.metrics.spectra import next_power_of_2
    from rppg_bench.preprocessing.params import FaceParams
    from rppg_bench.preprocessing.store import rgb_trace

    lines = ["| video | frames toolbox / ours | trace max abs diff (grey levels) | label HR toolbox / harness "
             "| " + " | ".join(f"{m} HR toolbox / preset" for m in methods) + " |",
             "|---" * (4 + len(methods)) + "|"]
    agree = dict.fromkeys(methods, 0)
    for rec in videos:
        data, labels = toolbox_clip(tb, rec.path, rec.path.parent / "ground_truth.txt")
        rec.products.clear()
        ours = np.asarray(rgb_trace(rec, FaceParams(roi=TOOLBOX.roi)).rgb, float)
        theirs = data.mean(axis=(1, 2), dtype=np.float64)  # the methods' process_video
        n = min(len(ours), len(theirs))
        bin_bpm = 60.0 * FS / next_power_of_2(len(labels))
        cells, label_cell = [], ""
        for m in methods:
            label_hr, their_hr, _ = toolbox_method_hr(tb, m, data, labels)
            ev = evaluate_ours(rec, m, TOOLBOX)
            same = abs(float(their_hr) - ev["hr_pred"]) <= 0.5 * bin_bpm
            agree[m] += same
            cells.append(f"{float(their_hr):.1f} / {ev['hr_pred']:.1f}" + ("" if same else " (differs)"))
            label_cell = f"{float(label_hr):.1f} / {ev['hr_true']:.1f}"
        lines.append(f"| {rec.name} | {len(theirs)} / {len(ours)} | {np.abs(ours[:n] - theirs[:n]).max():.3f} "
                     f"| {label_cell} | " + " | ".join(cells) + " |")
    summary = ", ".join(f"{m} {agree[m]}/{len(videos)}" for m in methods)
    return ("Cross-check (untimed): the harness's `toolbox` protocol against the toolbox's code, per video; "
            f"HRs in bpm, 'differs' when more than half an FFT bin apart. Same HR: {summary}.\n\n"
            + "\n".join(lines))


def one_side_in_child(side: str, root: str, rec, method: str, roi: str) -> float:
    """Run one side once on ``rec`` with ``method`` in this (fresh) process; its peak RSS in MiB."""
    if side == "toolbox":
        tb = import_toolbox(Path(root), [method])
        os.chdir(root)
        run_toolbox(tb, rec.path, rec.path.parent / "ground_truth.txt", [method])
    else:
        from rppg_bench.metrics.protocol import Protocol

        run_ours(rec, [method], Protocol(), roi)
    return peak_rss_mib()


def peak_memory_table(root: Path, videos: list, method: str, roi: str) -> str:
    """Markdown table: peak RSS (MiB) of a fresh process running one side on one video, imports included."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    lines = ["| video | frames | toolbox peak RSS, MiB | ours peak RSS, MiB |", "|---|---|---|---|"]
    for rec in videos:
        peaks = []
        for side in ("toolbox", "ours"):
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                peaks.append(pool.submit(one_side_in_child, side, str(root), rec, method, roi).result())
        lines.append(f"| {rec.name} | {len(rec.frame_times)} | {peaks[0]:.0f} | {peaks[1]:.0f} |")
        print(lines[-1], flush=True)
    return (f"Peak memory ({method}, one video per fresh process, imports included: the toolbox's "
            f"BaseLoader imports torch; ours, face region {roi}, does not):\n\n" + "\n".join(lines))


def detrend_seconds(fn, n: int, repeats: int = 1) -> float:
    """Fastest wall seconds of ``fn`` detrending a random signal of ``n`` samples."""
    x = np.random.default_rng(0).standard_normal(n)
    return min(sbs.timed(lambda: fn(x))[0] for _ in range(repeats))


def detrend_table(tb: Toolbox, sizes: list[int]) -> str:
    """Markdown table: each side's detrend of one signal per length in ``sizes``, ours cold (its cached
    banded Cholesky factor cleared before each call: a new video length pays the factorisation once)."""
    from rppg_bench.metrics.signal import detrend_factor, signal_detrend

    def ours_cold(x: np.ndarray) -> None:
        detrend_factor.cache_clear()
        signal_detrend(x, 100.0)

    lines = ["| frames (at 30 fps) | toolbox dense detrend, ms | rppg-bench sparse detrend, ms |", "|---|---|---|"]
    for n in sizes:
        theirs = detrend_seconds(lambda x: tb.dense_detrend(x, 100), n)
        ours = detrend_seconds(ours_cold, n, repeats=3)
        lines.append(f"| {n} ({n / FS / 60:.1f} min) | {theirs * 1e3:.0f} | {ours * 1e3:.2f} |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


@dataclass
class Result(sbs.Speeds):
    abs_err: list[float] = field(default_factory=list)       # |HR - harness truth| per video
    own_err: list[float] = field(default_factory=list)       # toolbox only: |HR - its label HR|


def accuracy_cells(t: Result, o: Result) -> list[str]:
    """Whole-video HR MAE (bpm) of both against the harness's truth, and the toolbox's against its label HR."""
    return [f"{np.mean(t.abs_err):.2f} / {np.mean(o.abs_err):.2f}", f"{np.mean(t.own_err):.2f}"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--toolbox-root", default=os.environ.get("RPPG_TOOLBOX_ROOT"),
                   help="a checkout of github.com/ubicomplab/rPPG-Toolbox (default $RPPG_TOOLBOX_ROOT)")
    p.add_argument("--methods", nargs="+", default=list(TOOLBOX_METHODS), choices=list(TOOLBOX_METHODS))
    p.add_argument("--repeats", type=int, default=3,
                   help="cold runs per side and video (median kept); 0 skips the timed comparison")
    sbs.add_video_args(p)
    p.add_argument("--no-all-row", action="store_true", help="skip the all-methods-in-one-pass row")
    p.add_argument("--detrend-frames", type=int, nargs="*", default=[600, 1800, 3600],
                   help="signal lengths (frames) at which to time the two detrends; none to skip")
    p.add_argument("--roi", default="mediapipe", choices=("mediapipe", "mediapipe_hull", "haar_box"),
                   help="rppg-bench's face region: its default forehead and cheek polygons, the landmarks' hull "
                        "(pyVHR's), or the toolbox's own first-frame Haar box (the same region design on both sides)")
    p.add_argument("--landmark-every", type=int, default=1, metavar="K",
                   help="rppg-bench runs FaceMesh on every K-th frame (landmark regions; default 1: every frame)")
    p.add_argument("--landmarks", default="every", choices=("every", "track"),
                   help="rppg-bench's landmarks: FaceMesh on every frame, or on keyframes with optical-flow "
                        "tracking between them (--landmarks track)")
    p.add_argument("--check-preset", action="store_true",
                   help="also (untimed) compare the harness's `toolbox` protocol with the toolbox's code per video: "
                        "face trace and each method's HR")
    p.add_argument("--memory", action="store_true",
                   help="also measure each side's peak RSS on each video (first method) in a fresh process")
    p.add_argument("--out", help="folder for results.json and table.md")
    a = p.parse_args(argv)
    if not a.toolbox_root:
        p.error("--toolbox-root (or $RPPG_TOOLBOX_ROOT) is needed: a checkout of "
                "https://github.com/ubicomplab/rPPG-Toolbox (it is not on PyPI)")
    return a


LIBS = ("rppg-bench", "numpy", "scipy", "scikit-image", "mediapipe", "opencv-contrib-python", "torch")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = Path(args.toolbox_root).resolve()
    tb = import_toolbox(root, args.methods)
    videos = sbs.load_videos(args)
    if not videos:
        print("no videos", file=sys.stderr)
        return 2
    cache = sbs.cold_cache()
    out_dir = Path(args.out).resolve() if args.out else None
    os.chdir(root)  # the toolbox opens its Haar cascade relative to the working folder
    intro = (header(LIBS) + f"\ntoolbox:  {root} (stand-ins: {', '.join(tb.stand_ins) or 'none'})\n"
             f"videos:   {len(videos)} ({', '.join(r.name for r in videos)}), {videos[0].fps:g} fps; "
             f"methods {', '.join(args.methods)}; repeats {args.repeats} (median); product cache off; "
             f"rppg-bench face region {args.roi}"
             + (f", FaceMesh on one frame in {args.landmark_every}" if args.landmark_every > 1 else "")
             + (", landmarks tracked between FaceMesh keyframes" if args.landmarks == "track" else ""))
    print(intro + "\n")

    report, results = intro, {"header": intro, "repeats": args.repeats, "ours_roi": args.roi,
                              "ours_landmark_every": args.landmark_every, "ours_landmarks": args.landmarks,
                              "toolbox_preprocess": json.loads(json.dumps(TOOLBOX_PREPROCESS, default=vars))}
    if args.repeats > 0:
        table, per_video, warm = timed_comparison(tb, videos, args)
        sbs.warn_if_written(cache)
        report += "\n\n" + table
        results.update(rows=per_video, warmup_s=warm)
    if args.check_preset:
        report += "\n\n" + check_preset(tb, videos, args.methods)
    if args.memory:
        report += "\n\n" + peak_memory_table(root, videos, args.methods[0], args.roi)
    if args.detrend_frames:
        print("\ndetrend cost by signal length:")
        report += "\n\nDetrend of one signal (lambda 100), by length:\n\n" + detrend_table(tb, args.detrend_frames)
    print("\n" + report)
    if out_dir:
        sbs.write_outputs(out_dir, report, results)
    return 0


def timed_comparison(tb: Toolbox, videos: list, args: argparse.Namespace) -> tuple[str, list[dict], dict]:
    """The timed side by side: (summary table with notes, per-video rows, warm-up seconds)."""
    from rppg_bench.metrics.protocol import Protocol

    protocol = Protocol()
    rows = [*args.methods] + ([] if args.no_all_row else ["all"])
    warm_tb, warm_ours = sbs.warm_up(
        partial(run_toolbox, tb, videos[0].path, videos[0].path.parent / "ground_truth.txt", args.methods[:1]),
        partial(run_ours, videos[0], args.methods[:1], protocol, args.roi, args.landmark_every, args.landmarks))
    print(f"warm-up on {videos[0].name} (untimed): toolbox {warm_tb:.1f} s, ours {warm_ours:.1f} s\n")
    tb_res = {m: Result() for m in rows}
    our_res = {m: Result() for m in rows}
    per_video, turn = [], 0
    for rec in videos:
        truth_file = rec.path.parent / "ground_truth.txt"
        for m in rows:
            todo = args.methods if m == "all" else [m]
            tb_t, our_t, turn = sbs.interleaved(args.repeats, turn,
                                                partial(run_toolbox, tb, rec.path, truth_file, todo),
                                                partial(run_ours, rec, todo, protocol, args.roi, args.landmark_every,
                                                        args.landmarks),
                                                record=(tb_res[m], our_res[m]))
            line = sbs.timing_row(rec.name, m, "toolbox", tb_t, our_t)
            if m != "all":
                ev = our_t.output[m]
                label_hr, tb_hr, snr = (float(v) for v in tb_t.output[m])
                true = ev["hr_true"]
                tb_res[m].abs_err.append(abs(tb_hr - true))
                tb_res[m].own_err.append(abs(tb_hr - label_hr))
                our_res[m].abs_err.append(abs(ev["hr_pred"] - true))
                line.update(hr_true=true, toolbox_hr=tb_hr, toolbox_label_hr=label_hr, toolbox_snr_db=snr,
                            ours_hr=ev["hr_pred"])
                print(sbs.timing_text(line, "toolbox", "toolbox") + f"| HR true {true:6.1f} toolbox {tb_hr:6.1f} "
                      f"(its label {label_hr:6.1f}) ours {ev['hr_pred']:6.1f}", flush=True)
            else:
                print(sbs.timing_text(line, "toolbox", "toolbox")
                      + f"({len(todo)} methods, one read / face pass each)", flush=True)
            per_video.append(line)
    table = sbs.summary_table(rows, tb_res, our_res, args.methods, "toolbox",
                              ["HR MAE toolbox / ours", "toolbox HR MAE, own"], accuracy_cells)
    notes = (f"{len(videos)} videos; s/video: mean wall seconds per video, cold (toolbox: read all frames, "
             "Haar box, crop and resize, method, calculate_metric_per_video; ours: decode, face region "
             f"{args.roi}, method, evaluate_prediction); speed ratio = toolbox / ours. HR MAE (bpm), whole "
             "video, against the harness's HR of the ground-truth PPG; 'own' is the toolbox's prediction "
             "against its own FFT HR of the label, the figure it reports.")
    return table + "\n\n" + notes, per_video, {"toolbox": warm_tb, "ours": warm_ours}


if __name__ == "__main__":
    sys.exit(main())
