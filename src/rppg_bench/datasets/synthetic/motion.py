"""Head motion: placing the face in the frame, slow random walks, talking / nodding and head turns."""

from __future__ import annotations

import cv2
import numpy as np

from .face import Appearance


def _as3x3(affine: np.ndarray) -> np.ndarray:
    return np.vstack([affine, [0.0, 0.0, 1.0]])


def placement_affine(centre: np.ndarray, face_width_px: float, look: Appearance,
                     size: tuple[int, int]) -> np.ndarray:
    """2x3 affine from photo pixels to frame pixels placing the face as ``look`` says."""
    w, h = size
    scale = look.face_width * w / face_width_px
    target = (look.face_centre[0] * w, look.face_centre[1] * h)
    rot = cv2.getRotationMatrix2D((0.0, 0.0), look.tilt_deg, scale)  # about the origin
    flip = np.diag([-1.0 if look.flip else 1.0, 1.0, 1.0])
    to_origin = np.array([[1, 0, -centre[0]], [0, 1, -centre[1]], [0, 0, 1]], float)
    to_target = np.array([[1, 0, target[0]], [0, 1, target[1]], [0, 0, 1]], float)
    return (to_target @ _as3x3(rot) @ flip @ to_origin)[:2]


def motion_affines(placement: np.ndarray, centre: tuple[float, float], dx: np.ndarray,
                   dy: np.ndarray, rot_deg: np.ndarray, scale: np.ndarray | None = None,
                   yaw_deg: np.ndarray | None = None, *, head_radius_px: float = 0.0) -> np.ndarray:
    """(N, 2, 3) photo->frame affines, per frame: ``placement``, then the head's pose change
    about the frame point ``centre``: a turn (yaw) by ``yaw_deg``, seen by the camera as a
    horizontal foreshortening by cos(yaw) and a sideways shift of ``head_radius_px`` x sin(yaw)
    (the face turns about the neck, behind it), a zoom by ``scale`` (relative, 1 = none;
    moving toward or away from the camera), an in-plane rotation (roll) by ``rot_deg``, and a
    shift by (``dx``, ``dy``) px. ``scale`` and ``yaw_deg`` default to no change."""
    n = len(dx)
    scale = np.ones(n) if scale is None else np.asarray(scale, dtype=float)
    yaw = np.zeros(n) if yaw_deg is None else np.radians(np.asarray(yaw_deg, dtype=float))
    to_origin = np.array([[1, 0, -centre[0]], [0, 1, -centre[1]], [0, 0, 1]], float)
    place = _as3x3(placement)
    out = np.empty((n, 2, 3))
    for i in range(n):
        turn = np.array([[np.cos(yaw[i]), 0.0, head_radius_px * np.sin(yaw[i])],
                         [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        roll = _as3x3(cv2.getRotationMatrix2D((0.0, 0.0), float(rot_deg[i]), float(scale[i])))
        back = np.array([[1, 0, centre[0] + dx[i]], [0, 1, centre[1] + dy[i]], [0, 0, 1]], float)
        out[i] = (back @ roll @ turn @ to_origin @ place)[:2]
    return out


def smooth_random_walk(times: np.ndarray, rng: np.random.Generator, *, bound: float,
                       corner_hz: float = 0.2, step_s: float = 0.05) -> np.ndarray:
    """Smooth random walk at ``times`` (s), centred, scaled so max |x| = ``bound``.

    A Gaussian random walk on a ``step_s`` grid, low-passed by a Gaussian with
    cut-off about ``corner_hz`` (Hz), linearly interpolated to ``times``.
    """
    from scipy.ndimage import gaussian_filter1d
    times = np.asarray(times, dtype=float)
    grid = np.arange(times.min(), times.max() + 2 * step_s, step_s)
    walk = np.cumsum(rng.standard_normal(grid.size))
    walk = gaussian_filter1d(walk, sigma=1.0 / (2 * np.pi * corner_hz * step_s), mode="nearest")
    walk -= walk.mean()
    walk *= bound / max(float(np.abs(walk).max()), 1e-12)
    return np.interp(times, grid, walk)


def motion_episodes(times: np.ndarray, rng: np.random.Generator, *, fraction: float,
                    band_hz: tuple[float, float], duration_s: tuple[float, float] = (2.0, 5.0),
                    ramp_s: float = 0.4) -> tuple[np.ndarray, list[dict[str, float]]]:
    """Talking and nodding: rhythmic head motion inside the heart-rate band, in episodes.

    Episodes of ``duration_s`` s start at random times until they cover
    ``fraction`` of the recording. Each oscillates at one frequency drawn from
    ``band_hz`` (Hz), with its own phase per component and raised-cosine ramps of
    ``ramp_s`` s. Returns the motion (N, 4), columns (dx, dy, roll, yaw) in units
    of the caller's amplitude (weights 0.4, 1, 0.5, 1 times a strength of
    0.6-1 per episode: nodding moves the head mostly up and down), and the
    episodes as ``{"start_s", "duration_s", "hz", "strength"}``.
    """
    t = np.asarray(times, dtype=float)
    span = float(t[-1] - t[0])
    motion = np.zeros((t.size, 4))
    covered = np.zeros(t.size, dtype=bool)
    weights = np.array([0.4, 1.0, 0.5, 1.0])
    episodes: list[dict[str, float]] = []
    while fraction > 0 and covered.mean() < fraction and len(episodes) < 32:
        duration = min(float(rng.uniform(*duration_s)), span)
        start = float(t[0] + rng.uniform(0.0, span - duration))
        hz = float(rng.uniform(*band_hz))
        strength = float(rng.uniform(0.6, 1.0))
        phases = rng.uniform(0.0, 2 * np.pi, 4)
        u = t - start
        inside = (u >= 0) & (u <= duration)
        ramp = np.clip(np.minimum(u, duration - u) / ramp_s, 0.0, 1.0)
        envelope = np.where(inside, 0.5 - 0.5 * np.cos(np.pi * ramp), 0.0)
        motion += strength * envelope[:, None] * weights * np.sin(2 * np.pi * hz * u[:, None] + phases)
        covered |= inside
        episodes.append({"start_s": start, "duration_s": duration, "hz": hz, "strength": strength})
    return motion, episodes


def head_turns(times: np.ndarray, rng: np.random.Generator, *, count: int,
               amplitude_deg: tuple[float, float],
               duration_s: tuple[float, float] = (0.8, 1.6)) -> tuple[np.ndarray, list[dict[str, float]]]:
    """``count`` quick glances aside: yaw (N,) deg, each turn out and back as
    ``A sin^2(pi u)`` over ``duration_s`` s, ``|A|`` drawn from ``amplitude_deg``, either
    side; returns the yaw and the turns as ``{"start_s", "duration_s", "deg"}``."""
    t = np.asarray(times, dtype=float)
    yaw = np.zeros(t.size)
    turns = []
    for _ in range(count):
        duration = float(rng.uniform(*duration_s))
        start = float(t[0] + rng.uniform(0.0, max(float(t[-1] - t[0]) - duration, 0.0)))
        deg = float(rng.uniform(*amplitude_deg) * rng.choice([-1.0, 1.0]))
        u = np.clip((t - start) / duration, 0.0, 1.0)
        yaw += deg * np.sin(np.pi * u) ** 2
        turns.append({"start_s": start, "duration_s": duration, "deg": deg})
    return yaw, turns
