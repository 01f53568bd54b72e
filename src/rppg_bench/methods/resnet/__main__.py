"""Command line of the ResNet-18 + TCN model.

    python -m rppg_bench.methods.resnet train --root DIR [--dataset NAME] [--epochs 30] [--lr 3e-4]
                                              [--batch 6] [--frames 300] [--size 128] [--out-dir .] ...
    python -m rppg_bench.methods.resnet --dataset DIR --model ckpt.pth [--frames N] [--device cuda]
    python -m rppg_bench.methods.resnet cv --dataset synthetic [--folds 3] [train options]
    python -m rppg_bench.methods.resnet export --model ckpt.pth [--out-dir DIR] [--precision fp32,fp16]
                                               [--video V.avi] [--opset N] [--no-check]
    python -m rppg_bench.methods.resnet stream --model ckpt.pth|model.onnx --source V.avi|CAMERA_INDEX
                                               [--realtime | --fast] [--hop N] [--window N] ...

The second form (also ``evaluate``) runs :func:`process_all_videos_resnet` on a
folder of ``.avi`` + same-stem ``.txt`` pairs. ``--dataset-param KEY=VALUE``
(repeatable) passes loader parameters, e.g. ``--dataset-param n_easy=6``.
``export`` writes ``<stem>.fp32.onnx`` / ``<stem>.fp16.onnx`` and prints the
parity with torch (exit status 1 when a file exceeds its tolerance; needs the
``onnx`` extra); ``stream`` scores a video file or camera frame by frame and
prints throughput and latency (:mod:`.export`, :mod:`.stream`).
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections.abc import Sequence
from typing import Any


def _kv(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def _train_options(p: argparse.ArgumentParser, *, epochs: int = 30, lr: float = 3e-4, batch: int = 6,
                   frames: int = 300, size: int = 128) -> None:
    p.add_argument("--dataset-param", type=_kv, action="append", default=[], metavar="KEY=VALUE",
                   help="dataset loader parameter (repeatable)")
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--lr", type=float, default=lr)
    p.add_argument("--batch", type=int, default=batch)
    p.add_argument("--frames", type=int, default=frames, help="frames per training clip")
    p.add_argument("--size", type=int, default=size, choices=(128, 96, 64), help="face-crop side (px)")
    p.add_argument("--device", default=None, help="torch device (default: cuda when available)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--amp", action="store_true", help="mixed precision")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--cache-dir", default=None,
                   help="face products cache folder (<dir>/products, shared with the benchmark's --cache-dir)")
    p.add_argument("--no-augment", dest="augment", action="store_false")
    p.add_argument("--max-minutes", type=float, default=None, help="stop after the epoch that exceeds this")
    p.add_argument("--save-every", type=int, default=1, help="write a checkpoint every N epochs")
    p.add_argument("--no-progress", dest="progress", action="store_false")
    p.add_argument("--schedule", default="constant", choices=("constant", "cosine"),
                   help="learning-rate schedule (cosine: 5%% linear warm-up, then a half cosine to 1%%)")
    p.add_argument("--init", default=None,
                   help="start from this checkpoint's weights ('pretrained': the shipped ones): fine-tuning")


def _train_kwargs(a: argparse.Namespace) -> dict[str, Any]:
    return {"epochs": a.epochs, "lr": a.lr, "batch": a.batch, "frames": a.frames, "size": a.size, "amp": a.amp,
            "compile": a.compile, "cache_dir": a.cache_dir, "augment": a.augment, "max_minutes": a.max_minutes,
            "save_every": a.save_every, "progress": a.progress, "schedule": a.schedule, "init": a.init}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv.pop(0) if argv and argv[0] in ("train", "evaluate", "cv", "export", "stream", "ship") else "evaluate"
    prog = "python -m rppg_bench.methods.resnet"
    if command == "export":
        return _export(prog, argv)
    if command == "stream":
        return _stream(prog, argv)
    if command == "ship":
        return _ship(prog, argv)
    if command == "train":
        p = argparse.ArgumentParser(prog=f"{prog} train", description="Train ResNet-18 + TCN.")
        p.add_argument("--root", default=None, help="dataset folder (a folder of videos for --dataset folder)")
        p.add_argument("--dataset", default="folder", help="registered dataset name (default: folder)")
        p.add_argument("--out-dir", default=".", help="where ckpt_ep{N}.pth go")
        p.add_argument("--resume", default=None, help="checkpoint to continue from")
        _train_options(p)
        a = p.parse_args(argv)
        from .trainer import train

        path = train(a.root, dataset=a.dataset, dataset_params=dict(a.dataset_param), device=a.device,
                     seed=a.seed, out_dir=a.out_dir, resume=a.resume, **_train_kwargs(a))
        print(f"checkpoint: {path}")
        return 0
    if command == "cv":
        p = argparse.ArgumentParser(prog=f"{prog} cv", description="Subject-wise k-fold CV against POS.")
        p.add_argument("--dataset", default="synthetic", help="registered dataset name")
        p.add_argument("--root", default=None)
        p.add_argument("--folds", type=int, default=3)
        p.add_argument("--compare", default="pos", help="comma-separated classical methods")
        p.add_argument("--out-dir", default="cv", help="where each fold's checkpoints go (foldK/ckpt_ep{N}.pth; default: ./cv)")
        _train_options(p, epochs=30, lr=1e-3, batch=4, frames=150, size=64)
        a = p.parse_args(argv)
        from .crossval import cross_validate, summarize
        from .trainer import load_recordings

        recs = load_recordings(a.root, a.dataset, dict(a.dataset_param))
        rows = cross_validate(recs, k=a.folds, seed=a.seed, out_dir=a.out_dir, device=a.device,
                              compare=[m for m in a.compare.split(",") if m], **_train_kwargs(a))
        for r in rows:
            print("  ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))
        print(summarize(rows))
        return 0
    p = argparse.ArgumentParser(prog=prog, description="Evaluate a checkpoint on a folder of videos "
                                "(.avi/.mp4 with same-stem .txt ground truth).",
                                epilog=f"other commands: '{prog} train --help' (train a model), "
                                       f"'{prog} cv --help' (subject-wise cross-validation against POS), "
                                       f"'{prog} export --help' (ONNX fp32/fp16), "
                                       f"'{prog} stream --help' (frame-by-frame scoring with latency)")
    p.add_argument("--dataset", required=True, help="folder of videos")
    p.add_argument("--model", required=True, help="checkpoint (ckpt_ep{N}.pth)")
    p.add_argument("--frames", type=int, default=None, help="chunk length (default: the checkpoint's)")
    p.add_argument("--device", default="cuda", help="torch device (cuda falls back to cpu)")
    a = p.parse_args(argv)
    from .infer import process_all_videos_resnet

    process_all_videos_resnet(a.dataset, a.model, a.frames, a.device)
    return 0


def _ship(prog: str, argv: list[str]) -> int:
    """Write a checkpoint as the package's shipped weights, with its provenance (:mod:`.pretrained`)."""
    from pathlib import Path

    from ...revision import checkout_revision
    from .pretrained import ship_checkpoint, weights_dir

    p = argparse.ArgumentParser(prog=f"{prog} ship", description="Write a checkpoint (float16) as the shipped "
                                "'pretrained' weights, with the commands and corpora that made it.")
    p.add_argument("--model", required=True, help="checkpoint (ckpt_ep{N}.pth)")
    p.add_argument("--train-command", required=True, help="the command that trained it, as run")
    p.add_argument("--corpus", action="append", default=[], metavar="DIR",
                   help="a corpus it was trained on (its manifest's parameters are recorded); repeatable")
    p.add_argument("--corpus-command", action="append", default=[], help="the command that rendered each corpus")
    p.add_argument("--out-dir", default=None, help="default: the package's weights folder")
    a = p.parse_args(argv)
    corpora = []
    for root in a.corpus:
        manifest = json.loads((Path(root) / "manifest.json").read_text())
        corpora.append({"folder": Path(root).name, "generator": manifest.get("generator"),
                        "version": manifest.get("version"), "params": manifest.get("params")})
    provenance = {"train_command": a.train_command, "corpus_commands": a.corpus_command, "corpora": corpora,
                  "code_revision": checkout_revision(Path(__file__).parent, whole_checkout=True)}
    path = ship_checkpoint(a.model, a.out_dir or weights_dir(), provenance=provenance)
    print(f"shipped: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def _export(prog: str, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog=f"{prog} export", description="Export a checkpoint to ONNX (fp32 and/or "
                                "fp16) and print the parity of each file with torch.")
    p.add_argument("--model", required=True, help="checkpoint (ckpt_ep{N}.pth)")
    p.add_argument("--out-dir", default=None, help="where <stem>.<precision>.onnx go (default: beside the checkpoint)")
    p.add_argument("--precision", default="fp32,fp16", help="comma-separated: fp32, fp16 (default: both)")
    p.add_argument("--video", default=None, help="also check parity of the [0, 1] signal of this video")
    p.add_argument("--opset", type=int, default=None, help="ONNX opset (default: the exporter's)")
    p.add_argument("--no-check", dest="check", action="store_false", help="skip the parity check")
    a = p.parse_args(argv)
    from .export import PRECISIONS, export_checkpoint

    precisions = [x.strip() for x in a.precision.split(",") if x.strip()]
    bad = [x for x in precisions if x not in PRECISIONS]
    if bad or not precisions:
        p.error(f"--precision: choose from {', '.join(PRECISIONS)}, got {a.precision!r}")
    from ...datasets.errors import RecordingError

    try:
        results = export_checkpoint(a.model, a.out_dir, precisions, opset=a.opset, check=a.check, video=a.video)
    except (FileNotFoundError, ValueError, RecordingError) as exc:  # not a checkpoint, no such video, ...
        p.exit(2, f"{p.prog}: error: {exc}\n")
    ok = True
    for path, reports in results.values():
        print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MiB)")
        for report in reports:
            print(f"  {report}")
            ok = ok and report.ok
    return 0 if ok else 1


def _stream(prog: str, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog=f"{prog} stream", description="Score a video file or a camera frame by "
                                "frame (ring buffer of one clip, model every --hop frames); prints frames/s and "
                                "frame-to-value latency.")
    p.add_argument("--model", required=True, help="checkpoint (.pth: torch) or ONNX export (.onnx: onnxruntime)")
    p.add_argument("--source", required=True, help="video file, or a camera index (0, 1, ...)")
    pace = p.add_mutually_exclusive_group()
    pace.add_argument("--realtime", dest="realtime", action="store_true", default=True,
                      help="play a file at its frame rate (default)")
    pace.add_argument("--fast", dest="realtime", action="store_false", help="read a file as fast as possible")
    p.add_argument("--hop", type=int, default=None, help="run the model every N frames (default: window / 4)")
    p.add_argument("--window", type=int, default=None, help="frames per model run (default: the model's clip)")
    p.add_argument("--device", default="cpu", help="torch device, or cuda for onnxruntime's CUDA provider")
    p.add_argument("--threads", type=int, default=None, help="onnxruntime threads")
    p.add_argument("--max-frames", type=int, default=None, help="stop after N frames")
    p.add_argument("--duration", type=float, default=None, help="stop after S seconds of source time")
    p.add_argument("--out", default=None, help="write 'time value' lines (s, z-scored value) to this file")
    a = p.parse_args(argv)
    from ...datasets.errors import RecordingError
    from .export import load_model
    from .stream import stream

    source = int(a.source) if a.source.isdigit() else a.source
    try:
        model = load_model(a.model, a.device, threads=a.threads)
        result = stream(source, model, hop=a.hop, realtime=a.realtime, window=a.window,
                        max_frames=a.max_frames, duration=a.duration)
    except (FileNotFoundError, ValueError, RecordingError, RuntimeError) as exc:  # bad model, source or hop
        p.exit(2, f"{p.prog}: error: {exc}\n")
    if a.out:
        import numpy as np

        np.savetxt(a.out, np.column_stack([result.times, result.signal]), fmt="%.6f")
    return 0


if __name__ == "__main__":
    sys.exit(main())
