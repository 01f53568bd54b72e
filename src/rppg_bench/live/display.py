"""The live view's window (OpenCV highgui): checking that a display is there, showing a picture, quitting.

Qt ends the whole process when it cannot reach the display, so
:func:`check_display` first looks at ``$DISPLAY`` / ``$WAYLAND_DISPLAY`` (or a
``$QT_QPA_PLATFORM`` that needs neither) and then opens a window in a child
process; either failure raises :class:`NoDisplayError` with the reason.
"""

from __future__ import annotations

import os
import subprocess
import sys

import cv2
import numpy as np

#: keys that close the view: q and Esc
QUIT_KEYS = (ord("q"), 27)
#: Qt platforms that need no display server
HEADLESS_QT = ("offscreen", "minimal", "vnc")
_PROBE = "import cv2; cv2.namedWindow('rppg-bench probe'); cv2.waitKey(1); cv2.destroyAllWindows()"


class NoDisplayError(RuntimeError):
    """No window can be opened (no display, or Qt cannot reach it)."""


def display_problem(env: dict[str, str]) -> str | None:
    """Why ``env`` offers no display for a window, or None when it names one."""
    if env.get("QT_QPA_PLATFORM", "").split(":")[0] in HEADLESS_QT:
        return None
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return "no display: $DISPLAY is not set"
    return None


def check_display(timeout_s: float = 30.0) -> None:
    """Raise :class:`NoDisplayError` unless a highgui window opens here (probed in a child process)."""
    problem = display_problem(dict(os.environ))
    if problem is None:
        try:
            probe = subprocess.run([sys.executable, "-c", _PROBE], check=False, capture_output=True, text=True,
                                   timeout=timeout_s)
        except subprocess.TimeoutExpired:
            problem = f"no display: opening a window on {os.environ.get('DISPLAY')} timed out"
        else:
            if probe.returncode != 0:
                last = (probe.stderr.strip().splitlines() or ["(no message)"])[-1]
                problem = f"no display: OpenCV/Qt cannot open a window on {os.environ.get('DISPLAY')!r}: {last}"
    if problem:
        raise NoDisplayError(f"{problem}; use --headless to print the heart rates instead")


class Window:
    """A highgui window titled ``title``: :meth:`show` draws a BGR picture and says whether to go on
    (False after q, Esc, or the window was closed)."""

    def __init__(self, title: str = "rppg-bench live"):
        self.title = title
        cv2.namedWindow(title, cv2.WINDOW_AUTOSIZE)

    def show(self, canvas: np.ndarray) -> bool:
        cv2.imshow(self.title, canvas)
        key = cv2.waitKey(1) & 0xFF
        if key in QUIT_KEYS:
            return False
        return cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) >= 1

    def close(self) -> None:
        cv2.destroyWindow(self.title)
        cv2.waitKey(1)
