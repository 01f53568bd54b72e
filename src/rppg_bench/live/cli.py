"""``rppg-bench live``: the camera image with the tracked ROI, each method's pulse and heart rate, live.

Examples::

    rppg-bench live --camera 0 --methods pos chrom
    rppg-bench live --video clip.avi --methods pos chrom resnet     # a file played as a camera
    rppg-bench live --video clip.avi --headless --fast              # HR lines, as fast as it decodes
    rppg-bench live --camera 0 --record session/me.avi              # + the video and its frame times

Every method is looked up in the method registry; classical ones run on a
sliding window of the mean skin colour, learned ones with a streaming path
(``resnet``: the shipped weights unless ``--param resnet.model=CKPT``) on the
face crops. On exit the latency from a frame's arrival to the updated heart
rates and the frame rate kept up with are printed. Exit code 0; 2 for bad
arguments or no display (without ``--headless``). Keys: q or Esc quits.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..cli_params import parse_params
from ..methods.registry import create_method
from ..metrics.protocol import get_protocol
from ..preprocessing.kinds import ROI_TABLE
from ..registry import UnknownNameError

EXIT_OK, EXIT_BAD = 0, 2
#: ROI kinds drawn on landmarks (the live face pass tracks landmarks)
LIVE_ROIS = tuple(name for name, kind in ROI_TABLE.items() if kind.polygons is not None)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rppg-bench live", description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, metavar="INDEX", help="camera index (default 0)")
    src.add_argument("--video", metavar="FILE", help="play a video file at its frame rate as a simulated camera")
    p.add_argument("--methods", nargs="+", default=["pos", "chrom"], metavar="NAME", help="registered methods")
    p.add_argument("--param", action="append", default=[], metavar="NAME.KEY=VALUE",
                   help="a method parameter, e.g. pos.window=1.6 or resnet.model=CKPT (repeatable)")
    p.add_argument("--window", type=float, default=10.0, metavar="S", help="seconds of pulse per HR (default 10)")
    p.add_argument("--update", type=float, default=0.5, metavar="S", help="seconds between updates (default 0.5)")
    p.add_argument("--roi", choices=LIVE_ROIS, default="mediapipe", help="skin region (default mediapipe)")
    p.add_argument("--face-confidence", type=float, default=0.5, help="MediaPipe min detection confidence")
    p.add_argument("--headless", action="store_true", help="no window: print the heart rates, one line per update")
    p.add_argument("--fast", action="store_true", help="--video as fast as it decodes instead of at its frame rate")
    p.add_argument("--duration", type=float, metavar="S", help="stop after this many seconds of source time")
    p.add_argument("--record", metavar="FILE", help="save the session's video (.avi/.mp4) and frame times beside it")
    p.add_argument("--screenshot", metavar="PNG", help="write the last picture of the view here on exit")
    return p


def open_source(args: argparse.Namespace):
    """``(frames, nominal fps or None, name)`` of ``--video`` (paced unless ``--fast``) or ``--camera``."""
    from ..preprocessing.decode import as_recording
    from ..preprocessing.streaming import camera_frames, file_frames

    if args.video:
        rec = as_recording(args.video)
        return file_frames(rec, realtime=not args.fast, drop_late=True), float(rec.fps), Path(args.video).name
    index = args.camera or 0
    return camera_frames(index), None, f"camera {index}"


def build_tracks(args: argparse.Namespace, fps: float | None) -> list:
    """One track per ``--methods`` name, with the default protocol's method settings and ``--param``."""
    from ..runner import protocol_method_params
    from .tracks import make_track

    protocol = get_protocol("default")
    params = parse_params(args.param)
    tracks = []
    for name in args.methods:
        kw = protocol_method_params(name, protocol, params.get(name, {}), seed=0)
        tracks.append(make_track(name, create_method(name, **kw), args.window, fps, protocol.band))
    return tracks


def live(args: argparse.Namespace) -> int:
    """Run the session ``args`` describe; print its summary."""
    from ..preprocessing.params import FaceParams
    from ..preprocessing.streaming import FaceTracker, LatencyStats
    from .draw import compose
    from .recorder import SessionRecorder
    from .session import LiveSummary, hr_line, run_live

    window = None
    if not args.headless:
        from .display import Window, check_display

        check_display()
    frames, fps, name = open_source(args)
    tracks = build_tracks(args, fps)
    face = FaceParams(min_detection_confidence=args.face_confidence, roi=args.roi)
    region_of = ROI_TABLE[args.roi].polygons
    recorder = SessionRecorder(args.record, fps or 30.0, name) if args.record else None
    last: dict = {}

    def remember(face_frame, region, states) -> bool:
        last.update(frame=face_frame.frame, region=region, states=states)
        return True

    def show(face_frame, region, states) -> bool:
        remember(face_frame, region, states)
        return window.show(compose(face_frame.frame, region, states, args.window))

    def print_update(t, states) -> None:
        print(hr_line(t, states), flush=True)

    tracker = FaceTracker(face)
    try:
        if not args.headless:
            window = Window()
        summary = run_live(frames, tracker, region_of, tracks, update_s=args.update,
                           summary=LiveSummary(source=name, source_fps=fps or float("nan")),
                           on_update=print_update if args.headless else None,
                           on_frame=remember if args.headless else show, recorder=recorder, duration=args.duration)
    finally:
        tracker.close()
        if window is not None:
            window.close()
        saved = recorder.close() if recorder is not None else None
    if args.screenshot and last:
        import cv2

        Path(args.screenshot).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(args.screenshot, compose(last["frame"], last["region"], last["states"], args.window))
        print(f"screenshot: {args.screenshot}")
    if saved is not None:
        print(f"recorded: {args.record} and {saved.name} (frame times; line 1 awaits a reference, docs/live.md)")
    print(summary.text(), flush=True)
    for track in tracks:  # learned methods: their streaming scorer's own figures
        scorer = getattr(track, "scorer", None)
        if scorer is not None and scorer.model_ms:
            lat = LatencyStats.of(scorer.latency_ms)
            print(f"{track.name}: {len(scorer.model_ms)} model runs of {sum(scorer.model_ms) / len(scorer.model_ms):.0f} "
                  f"ms (window {scorer.window}, hop {scorer.hop} frames); frame -> value latency median "
                  f"{lat.median_ms:.0f} / p95 {lat.p95_ms:.0f} ms")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ..datasets.errors import RecordingError

    try:
        return live(args)
    except (UnknownNameError, ValueError, TypeError, RecordingError, OSError, RuntimeError) as exc:  # NoDisplayError too
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD


if __name__ == "__main__":
    sys.exit(main())
