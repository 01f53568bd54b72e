"""Frame decoding for the preprocessing pass: video files as recordings, decoding ahead on a thread,
OpenCV's thread count, and the times of the decoded frames."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

from ..datasets.errors import RecordingError
from ..datasets.recording import Recording, VideoFile


def recording_from_video(path: str | Path) -> Recording:
    """A ``Recording`` for a bare video file (no ground truth)."""
    path = Path(path)
    if not path.is_file():
        raise RecordingError(path, "video file does not exist")
    return Recording(name=path.name, dataset="file", source=VideoFile(path),
                     ppg=np.empty(0), ppg_times=np.empty(0))


def as_recording(video: Recording | str | Path) -> Recording:
    """Accept a ``Recording`` or a path to a video file."""
    return video if isinstance(video, Recording) else recording_from_video(video)


def decoded_ahead(frames: Iterator[np.ndarray], depth: int = 4) -> Iterator[np.ndarray]:
    """The items of ``frames``, produced by a background thread up to ``depth`` ahead of the consumer.

    Decoding (which releases the GIL) then overlaps the consumer's work on
    another core; at most ``depth + 1`` frames are held. An exception raised by
    ``frames`` is raised here after the items before it; when the consumer
    stops early, the thread stops and closes ``frames`` (releasing the video).
    """
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def produce() -> None:
        try:
            for item in frames:
                while not stop.is_set():
                    try:
                        out.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            else:
                out.put((end, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, in order
            out.put((end, exc))
        finally:
            close_source(frames)

    worker = threading.Thread(target=produce, name="decode-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, exc = out.get()
            if item is end:
                if exc is not None:
                    raise exc
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                out.get(timeout=0.1)
            except queue.Empty:
                pass
        worker.join()


def close_source(frames: Iterable) -> None:
    """Close ``frames`` if it can be closed (a generator over a video reader then releases the file)."""
    close = getattr(frames, "close", None)
    if close is not None:
        close()


def with_grey(frames: Iterable[np.ndarray]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(frame, grey)`` per RGB frame (H, W, 3) uint8 of ``frames``: the frame and its grey (H, W) uint8
    (for ``--landmarks track``'s optical flow; made here so that ``decoded_ahead`` converts on its
    thread). Closing it closes ``frames``."""
    try:
        for frame in frames:
            yield frame, cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    finally:
        close_source(frames)


@contextmanager
def opencv_threads(n: int) -> Iterator[None]:
    """OpenCV's worker-thread count set to ``n`` inside the block, restored after (process-wide)."""
    previous = cv2.getNumThreads()
    cv2.setNumThreads(n)
    try:
        yield
    finally:
        cv2.setNumThreads(previous)


def decoded_frame_times(video: Recording, n: int) -> np.ndarray:
    """Times (s) of the ``n`` decoded frames: the source's times, extended at 1/fps if short."""
    t = np.asarray(video.frame_times, dtype=float)[:n]
    if t.size < n:
        fps = video.fps
        extra = t[-1] + np.arange(1, n - t.size + 1) / fps if t.size else np.arange(n) / fps
        t = np.concatenate([t, extra])
    return t
