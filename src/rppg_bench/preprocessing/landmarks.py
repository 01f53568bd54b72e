"""MediaPipe FaceMesh landmarks of a video's frames: per frame, on every k-th frame with the frames between
interpolated, or on keyframes with the landmarks between tracked by optical flow (``landmark_track``).

FaceMesh (468 landmarks, tracking mode) is most of the cost of the
preprocessing pass (about 2.5 ms a frame on one CPU core, 2-3 times the
decoding of a 640x480 frame). ``FaceParams(landmark_every=k)`` runs it on
every k-th frame only (:func:`keyframe_landmarks`): a faster pass, but the
signals are measurably worse on moving faces (docs/speed.md; likely because
MediaPipe's tracking then crops each keyframe from landmarks k frames old, and
because the interpolation misses motion between keyframes). Decoding is
overlapped with FaceMesh: a background thread decodes the next few frames
(OpenCV releases the GIL) while FaceMesh works on the current one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from threadpoolctl import threadpool_limits

from ..datasets.recording import Recording
from ..native_logs import native_logs_wanted, quiet_native_logs
from .decode import decoded_ahead, opencv_threads, with_grey
from .landmark_track import landmarks_tracked_on_grey
from .params import FaceParams


class QuietFaceMesh:
    """MediaPipe FaceMesh (tracking mode, one face, 468 landmarks) whose native log lines stay off the
    terminal unless ``quiet`` is False (None: as ``$RPPG_VERBOSE`` says; see ``native_logs``).

    Its graph is opened, and waited for, with stderr silenced (it logs from its
    own threads when it opens); ``process`` is silenced until the first face is
    found (MediaPipe warns once when it first projects landmarks). A context
    manager, closed by ``close``.
    """

    def __init__(self, params: FaceParams, quiet: bool | None = None):
        import mediapipe as mp

        self._quiet = not native_logs_wanted() if quiet is None else quiet
        with quiet_native_logs(self._quiet):
            self._mesh = mp.solutions.face_mesh.FaceMesh(
                static_image_mode=False, max_num_faces=1, refine_landmarks=False,
                min_detection_confidence=params.min_detection_confidence,
                min_tracking_confidence=params.min_tracking_confidence)
            graph = getattr(self._mesh, "_graph", None)
            if graph is not None:
                graph.wait_until_idle()

    def process(self, frame: np.ndarray):
        """FaceMesh's result for ``frame`` (H, W, 3) RGB."""
        with quiet_native_logs(self._quiet):
            result = self._mesh.process(frame)
        self._quiet = self._quiet and not result.multi_face_landmarks
        return result

    def close(self) -> None:
        self._mesh.close()

    def __enter__(self) -> QuietFaceMesh:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def face_mesh(params: FaceParams, quiet: bool | None = None) -> QuietFaceMesh:
    """A FaceMesh with ``params``' confidences, its native log lines silenced (see :class:`QuietFaceMesh`)."""
    return QuietFaceMesh(params, quiet)


#: wire format of one ``NormalizedLandmark`` holding x, y and z only, inside a ``NormalizedLandmarkList``:
#: field 1 (length 15), then x, y, z as fields 1-3 (little-endian float32, each after its tag byte)
_LANDMARK_WIRE = np.dtype([("tag", "u1"), ("size", "u1"), ("tx", "u1"), ("x", "<f4"), ("ty", "u1"), ("y", "<f4"),
                           ("tz", "u1"), ("z", "<f4")])


def landmarks_to_pixels(landmarks, width: int, height: int) -> np.ndarray:
    """MediaPipe normalised landmarks -> (468, 2) float pixel coordinates.

    Reads x and y of all landmarks at once from the message's serialised
    bytes when every landmark holds exactly x, y and z (as FaceMesh's do);
    otherwise, one landmark at a time. Both give the same values.
    """
    data, n = landmarks.SerializeToString(), len(landmarks.landmark)
    if len(data) == n * _LANDMARK_WIRE.itemsize:
        w = np.frombuffer(data, _LANDMARK_WIRE)
        if ((w["tag"] == 0x0A) & (w["size"] == 15) & (w["tx"] == 0x0D) & (w["ty"] == 0x15) & (w["tz"] == 0x1D)).all():
            return np.stack([w["x"].astype(float) * width, w["y"].astype(float) * height], axis=1).astype(np.float32)
    return np.array([(p.x * width, p.y * height) for p in landmarks.landmark], dtype=np.float32)


def frame_landmarks(mesh, frame: np.ndarray) -> np.ndarray | None:
    """Landmarks (468, 2) px of the face in ``frame`` (H, W, 3) RGB, or None."""
    result = mesh.process(frame)
    if not result.multi_face_landmarks:
        return None
    return landmarks_to_pixels(result.multi_face_landmarks[0], frame.shape[1], frame.shape[0])


def keyframe_landmarks(mesh, frames: Iterator[np.ndarray], every: int = 1) -> Iterator[tuple[np.ndarray,
                                                                                            np.ndarray | None]]:
    """``(frame, points)`` per frame of ``frames`` (RGB, in order): FaceMesh landmarks (468, 2) px of
    frames 0, ``every``, 2 ``every``, ...; those of the frames between two such keyframes linearly
    interpolated (None when either keyframe has no face); frames after the last keyframe hold its
    landmarks. Holds at most ``every - 1`` frames."""
    prev: np.ndarray | None = None
    pending: list[np.ndarray] = []
    for i, frame in enumerate(frames):
        if i % every:
            pending.append(frame)
            continue
        points = frame_landmarks(mesh, frame)
        for j, held in enumerate(pending, start=1):
            both = prev is not None and points is not None
            yield held, (prev + (points - prev) * (j / every)) if both else None
        pending = []
        yield frame, points
        prev = points
    for held in pending:
        yield held, prev


#: (FaceMesh, RGB frames as decoded, params) -> ``(frame, landmarks (468, 2) px or None)`` per frame, in order;
#: each source decodes ahead on a thread (``decoded_ahead``), with what else it wants done there
LandmarkSource = Callable[[QuietFaceMesh, Iterator[np.ndarray], FaceParams], Iterator[tuple[np.ndarray,
                                                                                           np.ndarray | None]]]

#: how each ``FaceParams.landmarks`` mode gets the landmarks of a video's frames
LANDMARK_SOURCES: dict[str, LandmarkSource] = {
    "every": lambda mesh, frames, params: keyframe_landmarks(mesh, decoded_ahead(frames), params.landmark_every),
    "track": lambda mesh, frames, params: landmarks_tracked_on_grey(lambda frame: frame_landmarks(mesh, frame),
                                                                    decoded_ahead(with_grey(frames))),
}


def tracked_frames(video: Recording, params: FaceParams) -> Iterator[tuple[np.ndarray, np.ndarray | None,
                                                                           np.ndarray | None]]:
    """``(frame, points, face)`` per decoded frame of ``video``: the RGB frame, its FaceMesh
    landmarks (468, 2) px or None, and the face to use (the last one found; None before the first).

    OpenCV runs on one thread meanwhile: its per-frame calls (colour conversion,
    ROI mean, crop) are too small to gain from its pool, whose threads spin
    after each call on the cores that decoding and FaceMesh's threads need
    (measured: about 3 s less CPU and 4-8 % less wall time on 8 20-s videos).
    For the same reason NumPy's BLAS runs on one thread: the small solves of
    ``--landmarks track`` woke OpenBLAS's pool on every frame (measured: 3.1 s
    of system time on 1200 frames, 0.4 s on one thread).
    """
    face: np.ndarray | None = None
    with opencv_threads(1), threadpool_limits(limits=1, user_api="blas"), face_mesh(params) as mesh:
        source = LANDMARK_SOURCES[params.landmarks]
        for frame, points in source(mesh, video.frames(), params):
            face = points if points is not None else face
            yield frame, points, face
