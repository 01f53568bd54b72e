"""MediaPipe's native log lines kept off the terminal.

MediaPipe (0.10) logs from C++ straight to file descriptor 2: TensorFlow
Lite's ``INFO: Created TensorFlow Lite XNNPACK delegate for CPU.`` and absl
warnings such as ``W0000 ... inference_feedback_manager.cc:114] ...``, when a
FaceMesh graph opens, and ``landmark_projection_calculator.cc`` once per
process, when the first face is found. absl ignores ``GLOG_minloglevel`` /
``TF_CPP_MIN_LOG_LEVEL`` there, so the lines are silenced by pointing file
descriptor 2 at ``/dev/null`` around the calls that print them.

Set ``RPPG_VERBOSE=1`` (the command line's ``--verbose``) to see them; worker
processes inherit the setting through the environment.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

#: environment variable that lets the native log lines through when set to anything but "" or "0"
VERBOSE_ENV = "RPPG_VERBOSE"
#: file descriptor 2 is one per process: threads take turns redirecting it, so that each restores what it found
_FD2_LOCK = threading.RLock()


def native_logs_wanted(environ: Mapping[str, str] | None = None) -> bool:
    """Whether native log lines should reach the terminal: ``$RPPG_VERBOSE`` set, not ``"0"``."""
    environ = os.environ if environ is None else environ
    return environ.get(VERBOSE_ENV, "") not in ("", "0")


@contextmanager
def quiet_native_logs(quiet: bool | None = None) -> Iterator[None]:
    """File descriptor 2 (stderr, where C++ code logs) sent to ``/dev/null`` inside the block and restored
    after; ``quiet=None`` decides by ``$RPPG_VERBOSE`` (:func:`native_logs_wanted`), ``False`` leaves it alone.

    Process-wide: whatever any thread writes to stderr inside the block is
    dropped; other threads entering such a block meanwhile wait for it to end.
    """
    if quiet is None:
        quiet = not native_logs_wanted()
    if not quiet:
        yield
        return
    with _FD2_LOCK:
        sys.stderr.flush()
        saved = os.dup(2)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 2)
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            os.close(null)
