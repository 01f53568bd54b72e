"""GREEN: the green channel of the mean skin colour.

Verkruysse W., Svaasand L. O., Nelson J. S. (2008). Remote plethysmographic
imaging using ambient light. Optics Express 16(26), 21434-21445.
doi:10.1364/OE.16.021434

The green channel carries the strongest plethysmographic signal of the three
(haemoglobin absorbs green most). No illumination or motion compensation: any
change of brightness goes straight into the pulse. Sign convention of all
classical methods here: the pulse rises with the skin's reflected green light
(it is inverted relative to an oximeter's blood-volume waveform).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import ClassicalMethod
from .windows import check_rgb


def green_pulse(rgb: np.ndarray, fps: float) -> np.ndarray:
    """Green channel of ``rgb`` (N, 3) at ``fps`` Hz, minus its mean, shape (N,)."""
    g = check_rgb(rgb, fps)[:, 1]
    return g - g.mean()


@dataclass
class Green(ClassicalMethod):
    """Verkruysse et al. 2008: the green channel (no parameters of its own)."""

    name = "green"
    kind = "classical"
    paper = "Verkruysse et al. 2008, doi:10.1364/OE.16.021434"

    def pulse(self, rgb: np.ndarray, fps: float) -> np.ndarray:
        return green_pulse(rgb, fps)
