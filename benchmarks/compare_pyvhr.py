"""Side by side with pyVHR's CPU pipeline on the same videos (issue 7, last target).

    /tmp/venv-pyvhr/bin/python benchmarks/compare_pyvhr.py [--methods pos chrom green ...]
        [--limit N] [--repeats R] [--ubfc-root DIR] [--out DIR] [--check-pipeline] [--cross]
        [--omit-from-wheel pyVHR-2.0-py3-none-any.whl] [--numba-threads 1] [--roi mediapipe_hull]

Runs, for every video and every method, (a) pyVHR's usual holistic pipeline
(``pyVHR.analysis.pipeline.Pipeline.run_on_video`` with its defaults, step by
step: ``SignalProcessing`` + ``SkinExtractionConvexHull`` on MediaPipe FaceMesh
landmarks, ``extract_holistic`` with RGB thresholds 75/230, ``sig_windowing``
6 s / 1 s, ``RGB_sig_to_BVP`` with its ``cpu_*`` method, ``BPfilter`` 0.65-4 Hz
order 6, ``BVP_to_BPM`` (Welch), ``multi_est_BPM_median``) and (b) rppg-bench
(``create_method(name).extract(rec)`` with the products memo cleared and no disk
cache, then the harness's HR estimator on the output), interleaved per video
(the order alternates) so that machine load hits both alike. Each pipeline run
is cold: it decodes the video and tracks the face itself. One untimed warm-up
of each on the first video pays the one-off costs (imports, numba JIT,
MediaPipe graph setup) first. Both use the same MediaPipe FaceMesh (468 points,
tracking mode, confidences 0.5) on the same decoded frames; the videos are the
synthetic default's UBFC-layout ``vid.avi`` files (its PURE-layout PNG
recording is skipped: pyVHR reads video files), or ``--ubfc-root``'s.

Accuracy, the same ground truth for both: the harness's HR of the ground-truth
PPG (the protocol's estimator, ``hr_method``: ``structured`` by default since issue 24,
``harmonic`` before; band 0.7-3 Hz), per window and per video:

- per window: pyVHR's windows (6 s every 1 s, frames ``[k fps, k fps + 6 fps)``);
  pyVHR's HR is its Welch peak per window; ours is the harness estimator on
  our output over exactly the same frames; truth: the harness estimator on the
  ground-truth PPG (interpolated onto the frame times) over those frames;
- per video: ours is what the runner reports (``evaluate_prediction``'s
  ``hr_pred``, whole video); pyVHR has no whole-video HR, so its video HR is
  the median of its window HRs; truth: the runner's whole-video ``hr_true``.

Needs pyVHR (``pyVHR_cpu`` 1.0.2) and rppg-bench in one environment; pyVHR is
imported only when the comparison runs (:func:`import_pyvhr`, called by
:func:`main`), and a message with the install commands is printed when it is
missing. Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from machine import REPO, header
from sidebyside import (
    Speeds,
    add_video_args,
    cold_cache,
    interleaved,
    load_videos,
    summary_table,
    timed,
    timing_row,
    timing_text,
    warm_up,
    warn_if_written,
    write_outputs,
)

INSTALL = """\
pyVHR is not installed in this Python ({python}).
It needs its own environment (numpy<2 and mediapipe 0.10.21 like rppg-bench; pyVHR_cpu
declares no dependencies, so they are listed by hand). On a 2-core x86_64 Linux machine:

    python3 -m venv /tmp/venv-pyvhr
    /tmp/venv-pyvhr/bin/pip install --no-deps pyVHR_cpu==1.0.2
    /tmp/venv-pyvhr/bin/pip install "numpy<2" "mediapipe==0.10.21" "torch==2.14.1" "torchvision==0.29.1" \\
        numba scipy scikit-learn lmfit plotly pandas matplotlib ipywidgets ipython h5py pillow requests \\
        scikit-posthocs autorank
    /tmp/venv-pyvhr/bin/pip install -e {repo}
    /tmp/venv-pyvhr/bin/python {script}
    # optional, OMIT (pyVHR 2.0's cpu_OMIT): pip download --no-deps pyVHR==2.0 -d /tmp/pv, then add
    #   --methods pos chrom green lgi pbv ica omit --omit-from-wheel /tmp/pv/pyVHR-2.0-py3-none-any.whl

(torch/torchvision are only imported by pyVHR's modules, never used on its CPU path;
any matching pair that imports works, e.g. the CPU builds from PyTorch's own index;
scikit-posthocs and autorank only for --check-pipeline, which imports pyVHR.analysis.)
Import error: {error}"""

#: rppg-bench method -> (pyVHR cpu_* function, its params as Pipeline.run_on_video sets them)
PYVHR_METHODS: dict[str, tuple[str, dict]] = {
    "pos": ("cpu_POS", {"fps": "adaptive"}),
    "chrom": ("cpu_CHROM", {}),
    "green": ("cpu_GREEN", {}),
    "lgi": ("cpu_LGI", {}),
    "pbv": ("cpu_PBV", {}),
    "ica": ("cpu_ICA", {"component": "all_comp"}),
    "omit": ("cpu_OMIT", {}),
}
# pyVHR_cpu 1.0.2 has no OMIT: cpu_OMIT came with pyVHR 2.0, whose modules import CuPy and
# cuSignal (conda-only) at the top. ``--omit-from-wheel pyVHR-2.0-py3-none-any.whl`` takes
# that one NumPy function from the 2.0 wheel and runs it in the 1.0.2 pipeline (2.0's
# extract_holistic, Welch and run_on_video steps are the same as 1.0.2's).

# Pipeline.run_on_video's settings (pyVHR_cpu 1.0.2, analysis/pipeline.py)
LIBS = ("pyVHR_cpu", "rppg-bench", "numpy", "scipy", "mediapipe", "opencv-contrib-python", "numba", "torch")
PYVHR_WINSIZE_S = 6
PYVHR_STRIDE_S = 1
PYVHR_RGB_TH = (75, 230)
PYVHR_BAND_HZ = (0.65, 4.0)
PYVHR_BP_ORDER = 6


# --------------------------------------------------------------------------- environment
def import_pyvhr(numba_threads: int = 1):
    """Import pyVHR's CPU modules (the only place this script imports pyVHR).

    ``numba_threads`` (0: numba's default, one per core) is set before numba is
    imported. pyVHR's ``holistic_mean`` is a ``parallel=True`` numba kernel
    called once per frame; with numba's OpenMP layer every call forks and joins
    its threads, and on a busy 2-core machine a descheduled thread leaves the
    other spinning at the join: measured here, extraction took 13-14 s per
    20 s video with 2 threads and 4.8-5.1 s with 1 (load average 3.5-4.9).
    So pyVHR gets 1 thread by default, its fastest setting on this machine.

    pyVHR_cpu 1.0.2 imports ``scipy.stats.median_absolute_deviation``, removed in
    SciPy 1.9; Python 3.11 has no older SciPy, so the old function is put back
    (same formula: 1.4826 x the median absolute deviation). It only feeds the
    MAD (uncertainty) pyVHR returns next to each BPM, never the BPM itself.
    """
    import scipy.stats

    if not hasattr(scipy.stats, "median_absolute_deviation"):
        def median_absolute_deviation(x, axis=0, center=np.median, scale=1.4826, nan_policy="propagate"):
            return scale * scipy.stats.median_abs_deviation(x, axis=axis, center=center, scale=1.0,
                                                            nan_policy=nan_policy)
        scipy.stats.median_absolute_deviation = median_absolute_deviation
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if numba_threads > 0 and "numba" not in sys.modules:
        os.environ["NUMBA_NUM_THREADS"] = str(numba_threads)
    from importlib import import_module

    # by module name: ``pyVHR.BPM.BPM`` as an attribute is the class BPM (``from .BPM import *``)
    mods = {"bpm": "BPM.BPM", "bvp": "BVP.BVP", "filters": "BVP.filters", "methods": "BVP.methods",
            "sig_ext": "extraction.sig_extraction_methods", "sig_proc": "extraction.sig_processing",
            "skin": "extraction.skin_extraction_methods", "utils": "extraction.utils"}
    return argparse.Namespace(**{k: import_module(f"pyVHR.{v}") for k, v in mods.items()})


def load_cpu_omit(wheel: str):
    """pyVHR 2.0's ``cpu_OMIT`` (NumPy only), read from its wheel without importing the package."""
    import ast
    import zipfile

    name = "pyVHR/BVP/methods.py"
    src = zipfile.ZipFile(wheel).read(name).decode()
    fn = next(n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef) and n.name == "cpu_OMIT")
    ns: dict = {"np": np}
    exec(compile(ast.Module(body=[fn], type_ignores=[]), f"{wheel}!{name}", "exec"), ns)  # noqa: S102
    return ns["cpu_OMIT"]


# --------------------------------------------------------------------------- pipelines
@dataclass
class VideoTruth:
    """Ground truth of one video on its frame grid, computed once with the harness."""

    fps: float
    n_frames: int
    win_starts: np.ndarray          # pyVHR's window start frames
    win_len: int                    # frames per window
    win_true: np.ndarray            # harness HR (bpm) of the ground-truth PPG per window
    ref_on_frames: np.ndarray       # ground-truth PPG interpolated onto the frame times


def pyvhr_windows(n_frames: int, fps: float) -> tuple[np.ndarray, int]:
    """Start frames and length of pyVHR's windows (``sliding_straded_win_offline`` + ``sig_windowing``)."""
    wsize_fr, stride_fr = PYVHR_WINSIZE_S * fps, PYVHR_STRIDE_S * fps
    num_win = int((n_frames - wsize_fr) / stride_fr) + 1
    starts = np.array([int(i * stride_fr) for i in range(num_win)])
    length = int(np.arange(0, wsize_fr)[-1]) + 1  # frames e[0] .. e[-1] inclusive
    return starts, length


def video_truth(rec, protocol) -> VideoTruth:
    from rppg_bench.metrics.heart_rate import hr_estimate

    times = np.asarray(rec.frame_times, float)
    fps = rec.fps
    ref = np.interp(times, np.asarray(rec.ppg_times, float), np.asarray(rec.ppg, float))
    starts, length = pyvhr_windows(times.size, fps)
    win_true = np.array([hr_estimate(ref[s:s + length], fps, band=protocol.band, method=protocol.hr_method)
                         for s in starts])
    return VideoTruth(fps=fps, n_frames=times.size, win_starts=starts, win_len=length, win_true=win_true,
                      ref_on_frames=ref)


def pyvhr_extract(pv, path: str) -> tuple[np.ndarray, float]:
    """pyVHR's holistic RGB signal (frames, 1, 3) and fps, as ``Pipeline.run_on_video`` gets them."""
    sp = pv.sig_proc.SignalProcessing()
    sp.set_skin_extractor(pv.skin.SkinExtractionConvexHull())
    pv.sig_ext.SignalProcessingParams.RGB_LOW_TH, pv.sig_ext.SignalProcessingParams.RGB_HIGH_TH = PYVHR_RGB_TH
    pv.skin.SkinProcessingParams.RGB_LOW_TH, pv.skin.SkinProcessingParams.RGB_HIGH_TH = PYVHR_RGB_TH
    fps = pv.utils.get_fps(path)
    sp.set_total_frames(0)
    return sp.extract_holistic(path), fps


def pyvhr_bpm(pv, sig: np.ndarray, fps: float, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Window centre times (s) and BPM per window from the holistic signal, as ``run_on_video`` does."""
    func_name, params = PYVHR_METHODS[method]
    windowed, times_es = pv.utils.sig_windowing(sig, PYVHR_WINSIZE_S, PYVHR_STRIDE_S, fps)
    bvps = pv.bvp.RGB_sig_to_BVP(windowed, fps, device_type="cpu", method=getattr(pv.methods, func_name),
                                 params=dict(params))
    bvps = pv.filters.apply_filter(bvps, pv.filters.BPfilter, fps=fps,
                                   params={"minHz": PYVHR_BAND_HZ[0], "maxHz": PYVHR_BAND_HZ[1], "fps": "adaptive",
                                           "order": PYVHR_BP_ORDER})
    bpm_es = pv.bpm.BVP_to_BPM(bvps, fps, minHz=PYVHR_BAND_HZ[0], maxHz=PYVHR_BAND_HZ[1])
    median_bpm, _mad = pv.bpm.multi_est_BPM_median(bpm_es)
    return np.asarray(times_es, float), np.asarray(median_bpm, float)


def ours_hr(times: np.ndarray, signal: np.ndarray, truth: VideoTruth, protocol) -> tuple[float, np.ndarray]:
    """Harness HR of our output: whole video and on pyVHR's windows (the timed HR step; the
    reported whole-video HR is the runner's, from ``evaluate_prediction``, on the same signal)."""
    from rppg_bench.metrics.evaluate import median_rate
    from rppg_bench.metrics.heart_rate import hr_estimate

    fs = median_rate(times)
    video = hr_estimate(signal, fs, band=protocol.band, method=protocol.hr_method)
    win = np.array([hr_estimate(signal[s:s + truth.win_len], fs, band=protocol.band, method=protocol.hr_method)
                    for s in truth.win_starts])
    return video, win


@dataclass
class Result(Speeds):
    win_abs_err: list[float] = field(default_factory=list)     # per window, all videos pooled
    video_abs_err: list[float] = field(default_factory=list)   # one per video
    video_win_mae: list[float] = field(default_factory=list)   # per-window MAE of each video


def run_pyvhr(pv, rec, methods: list[str]) -> tuple[float, float, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Wall and CPU seconds, and (times, BPM per window) per method: one extraction, then every method."""
    def work() -> dict[str, tuple[np.ndarray, np.ndarray]]:
        sig, fps = pyvhr_extract(pv, str(rec.path))
        return {m: pyvhr_bpm(pv, sig, fps, m) for m in methods}

    return timed(work)


def run_ours(rec, methods: list[str], truth: VideoTruth, protocol, roi: str = "mediapipe"):
    """Wall and CPU seconds, and {method: (times, signal, video HR, window HRs)}: products memo cleared
    first, then one face pass with the ``roi`` kind (decoding and face tracking), which every method
    reuses (as the runner)."""
    from rppg_bench.methods.registry import create_method
    from rppg_bench.preprocessing.params import FaceParams
    from rppg_bench.preprocessing.store import rgb_trace

    def work() -> dict:
        rgb_trace(rec, FaceParams(roi=roi))
        out = {}
        for m in methods:
            times, signal = create_method(m).extract(rec)
            out[m] = (times, signal, *ours_hr(times, signal, truth, protocol))
        return out

    rec.products.clear()
    return timed(work)


def score(res: Result, truth: VideoTruth, video_true: float, video_pred: float, win_pred: np.ndarray) -> tuple[float, float]:
    err = np.abs(np.asarray(win_pred, float) - truth.win_true)
    res.win_abs_err.extend(err.tolist())
    res.video_win_mae.append(float(err.mean()))
    res.video_abs_err.append(abs(video_pred - video_true))
    return float(err.mean()), abs(video_pred - video_true)


def cross_accuracy(pv, videos: list, truths: dict[str, VideoTruth], methods: list[str], protocol) -> str:
    """Untimed 2x2 per method: each side's processing (method + filters + HR estimator) on each side's
    face ROI trace (pyVHR's convex hull of the face without eyes and mouth, ours the forehead and cheek
    polygons), to tell whether an accuracy difference comes from the ROI or from the processing."""
    from dataclasses import replace

    from rppg_bench.methods.registry import create_method
    from rppg_bench.preprocessing.products import VideoProducts
    from rppg_bench.preprocessing.store import rgb_trace

    errs: dict[tuple[str, str, str], list[float]] = {}
    for rec in videos:
        truth = truths[rec.name]
        sig, fps = pyvhr_extract(pv, str(rec.path))
        rec.products.clear()
        prod = rgb_trace(rec)
        if sig.shape[0] != prod.rgb.shape[0]:
            raise RuntimeError(f"{rec.name}: pyVHR read {sig.shape[0]} frames, rppg-bench {prod.rgb.shape[0]}")
        key = next(k for k, v in rec.products.items() if isinstance(v, VideoProducts))
        for roi, rgb in (("pyVHR hull", sig[:, 0, :].astype(float)), ("ours polygons", prod.rgb)):
            for m in methods:
                _, bpm = pyvhr_bpm(pv, rgb[:, None, :].astype(np.float32), fps, m)
                errs.setdefault((m, roi, "pyVHR"), []).extend(np.abs(bpm - truth.win_true).tolist())
                rec.products[key] = replace(prod, rgb=rgb)  # our method on this trace, through its own extract
                times, signal = create_method(m).extract(rec)
                _, win = ours_hr(times, signal, truth, protocol)
                errs.setdefault((m, roi, "ours"), []).extend(np.abs(win - truth.win_true).tolist())
        rec.products.clear()
    lines = [("| method | pyVHR processing on pyVHR hull | pyVHR processing on our polygons "
             "| our processing on pyVHR hull | our processing on our polygons |"),
             "|---|---|---|---|---|"]
    for m in methods:
        cells = [np.mean(errs[(m, roi, proc)]) for proc in ("pyVHR", "ours")
                 for roi in ("pyVHR hull", "ours polygons")]
        lines.append(f"| {m} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")
    return ("Cross check (untimed): HR MAE (bpm) per 6 s window, all windows pooled, each processing on "
            "each face ROI trace\n\n" + "\n".join(lines))


# --------------------------------------------------------------------------- main
def accuracy_cells(p: Result, o: Result) -> list[str]:
    """HR MAE (bpm) per window (all windows pooled) and per video, pyVHR then ours."""
    return [f"{np.mean(r):.2f}" for r in (p.win_abs_err, o.win_abs_err, p.video_abs_err, o.video_abs_err)]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--methods", nargs="+", default=["pos", "chrom", "green", "lgi", "pbv", "ica"],
                   choices=sorted(PYVHR_METHODS), help="omit needs --omit-from-wheel")
    p.add_argument("--omit-from-wheel", metavar="WHEEL",
                   help="pyVHR-2.0-py3-none-any.whl: take its cpu_OMIT for method omit")
    p.add_argument("--repeats", type=int, default=1, help="timed runs per video and method (median reported)")
    add_video_args(p)
    p.add_argument("--no-all-row", action="store_true",
                   help="skip the 'all methods, one face pass per video' runs")
    p.add_argument("--check-pipeline", action="store_true",
                   help="first check, on the first video, that the steps here give the BPMs of "
                        "pyVHR's own Pipeline.run_on_video (needs pyVHR.analysis' imports)")
    p.add_argument("--numba-threads", type=int, default=1,
                   help="threads of pyVHR's numba kernels (default 1, its fastest here; 0: numba's default)")
    p.add_argument("--cross", action="store_true",
                   help="also (untimed) run each side's processing on the other side's face ROI trace")
    p.add_argument("--roi", default="mediapipe", choices=("mediapipe", "mediapipe_hull"),
                   help="rppg-bench's face ROI: its default forehead and cheek polygons, or the landmarks' "
                        "convex hull minus eyes, eyebrows and lips (pyVHR's choice)")
    p.add_argument("--out", help="folder for results.json and table.md")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        pv = import_pyvhr(args.numba_threads)
    except ImportError as exc:
        print(INSTALL.format(python=sys.executable, repo=REPO, script=Path(__file__).resolve(), error=exc),
              file=sys.stderr)
        return 2
    if "omit" in args.methods and not hasattr(pv.methods, "cpu_OMIT"):
        if not args.omit_from_wheel:
            print("pyVHR_cpu 1.0.2 has no cpu_OMIT: pass --omit-from-wheel pyVHR-2.0-py3-none-any.whl "
                  "(pip download --no-deps pyVHR==2.0) or drop omit", file=sys.stderr)
            return 2
        pv.methods.cpu_OMIT = load_cpu_omit(args.omit_from_wheel)
    return run(args, pv)


def run(args: argparse.Namespace, pv) -> int:
    from rppg_bench.metrics.evaluate import evaluate_prediction
    from rppg_bench.metrics.protocol import Protocol

    protocol = Protocol()
    videos = load_videos(args)
    if not videos:
        print("no videos", file=sys.stderr)
        return 2
    cache = cold_cache()
    print(header(LIBS))
    print(f"videos:   {len(videos)} ({', '.join(r.name for r in videos)}), "
          f"{videos[0].fps:g} fps, {len(videos[0].frame_times)} frames each (first)")
    import numba

    print(f"methods:  {', '.join(args.methods)}; repeats {args.repeats} (median); product cache off ({cache}); "
          f"pyVHR numba threads {numba.config.NUMBA_NUM_THREADS}; rppg-bench face ROI {args.roi}\n")

    truths = {r.name: video_truth(r, protocol) for r in videos}

    if args.check_pipeline:
        from pyVHR.analysis.pipeline import Pipeline

        rec = videos[0]
        for m in args.methods:
            *_, mine = run_pyvhr(pv, rec, [m])
            t_ref, bpm_ref, _ = Pipeline().run_on_video(str(rec.path), method=PYVHR_METHODS[m][0], verb=False)
            same = np.allclose(mine[m][1], bpm_ref) and np.allclose(mine[m][0], t_ref)
            print(f"check {m}: steps here {'==' if same else '!='} Pipeline.run_on_video on {rec.name}")
            if not same:
                print(f"  here {np.round(mine[m][1], 1)}\n  pipe {np.round(bpm_ref, 1)}")
                return 1

    # untimed warm-up: imports, numba JIT, first MediaPipe graph, file in the page cache
    t_warm_pv, t_warm_ours = warm_up(partial(run_pyvhr, pv, videos[0], args.methods[:1]),
                                     partial(run_ours, videos[0], args.methods[:1], truths[videos[0].name], protocol,
                                             args.roi))
    print(f"warm-up on {videos[0].name} (untimed in the table): pyVHR {t_warm_pv:.1f} s, ours {t_warm_ours:.1f} s\n")

    rows = [*args.methods] + ([] if args.no_all_row else ["all"])
    pv_res = {m: Result() for m in rows}
    our_res = {m: Result() for m in rows}
    per_video = []
    turn = 0
    for rec in videos:
        truth = truths[rec.name]
        video_true = None
        for m in rows:
            todo = args.methods if m == "all" else [m]
            pv_t, our_t, turn = interleaved(args.repeats, turn, partial(run_pyvhr, pv, rec, todo),
                                            partial(run_ours, rec, todo, truth, protocol, args.roi),
                                            record=(pv_res[m], our_res[m]))
            pv_out, our_out = pv_t.output, our_t.output
            line = timing_row(rec.name, m, "pyvhr", pv_t, our_t)
            if m != "all":
                times, signal, _, our_win = our_out[m]
                # the runner's numbers (untimed; its HR runs over the span shared with the ground truth)
                ev = evaluate_prediction(times, signal, rec.ppg_times, rec.ppg, protocol, rec.hr, rec.hr_times)
                video_true, our_video = ev["hr_true"], ev["hr_pred"]
                _, pv_bpm = pv_out[m]
                assert len(pv_bpm) == len(truth.win_true), (len(pv_bpm), len(truth.win_true))
                pv_win_mae, pv_vid_err = score(pv_res[m], truth, video_true, float(np.median(pv_bpm)), pv_bpm)
                our_win_mae, our_vid_err = score(our_res[m], truth, video_true, our_video, our_win)
                line.update(hr_true=video_true, pyvhr_video_hr=float(np.median(pv_bpm)), ours_video_hr=our_video,
                            pyvhr_win_mae=pv_win_mae, ours_win_mae=our_win_mae,
                            pyvhr_video_err=pv_vid_err, ours_video_err=our_vid_err,
                            ours_runner_win10_mae=ev["win_hr_mae"],
                            win_true=truth.win_true.tolist(), pyvhr_win=pv_bpm.tolist(), ours_win=our_win.tolist())
                print(timing_text(line, "pyvhr", "pyVHR") + f"| win MAE pyVHR {pv_win_mae:6.2f} ours {our_win_mae:6.2f} | video HR true {video_true:6.1f} "
                      f"pyVHR {line['pyvhr_video_hr']:6.1f} ours {our_video:6.1f}", flush=True)
            else:
                print(timing_text(line, "pyvhr", "pyVHR") + f"({len(todo)} methods, one face pass each)", flush=True)
            per_video.append(line)

    warn_if_written(cache)

    table = summary_table(rows, pv_res, our_res, args.methods, "pyVHR",
                          ["pyVHR HR MAE win", "ours HR MAE win", "pyVHR HR MAE video", "ours HR MAE video"],
                          accuracy_cells)
    notes = (f"{len(videos)} videos; s/video = mean wall seconds per video (cold: decode + face + ROI + method + HR);"
             f" ratio = pyVHR / ours; pyVHR's numba kernels on {numba.config.NUMBA_NUM_THREADS} thread(s)."
             f" HR MAE (bpm) against the harness's HR of the ground-truth PPG: 'win' on "
             f"pyVHR's {PYVHR_WINSIZE_S} s windows every {PYVHR_STRIDE_S} s (all windows pooled), 'video' whole "
             f"video (pyVHR: median of its window HRs).")
    if args.cross:
        notes += "\n\n" + cross_accuracy(pv, videos, truths, args.methods, protocol)
    report = header(LIBS) + f"\nours:     face ROI {args.roi}\n\n" + table + "\n\n" + notes
    print("\n" + report)
    if args.out:
        write_outputs(Path(args.out), report, {"header": header(LIBS), "rows": per_video,
                                               "warmup_s": {"pyvhr": t_warm_pv, "ours": t_warm_ours},
                                               "ours_roi": args.roi, "repeats": args.repeats})
    return 0


if __name__ == "__main__":
    sys.exit(main())
