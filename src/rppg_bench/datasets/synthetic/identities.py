"""The face photos a training corpus draws its subjects from: portraits the dependencies ship.

Each loads offline and MediaPipe FaceMesh finds its face (checked by the tests).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Callable

import numpy as np


def astronaut() -> np.ndarray:
    """Eileen Collins, ``skimage.data.astronaut()``: (512, 512, 3) RGB uint8."""
    from .face import base_face_image
    return base_face_image()


def grace_hopper() -> np.ndarray:
    """Grace Hopper, matplotlib's sample ``grace_hopper.jpg``: (600, 512, 3) RGB uint8."""
    from matplotlib.cbook import get_sample_data
    from PIL import Image
    with Image.open(get_sample_data("grace_hopper.jpg")) as image:
        return np.asarray(image.convert("RGB"))


#: identity name -> loader of its photo ((H, W, 3) RGB uint8)
IDENTITIES: MappingProxyType[str, Callable[[], np.ndarray]] = MappingProxyType({
    "astronaut": astronaut,
    "grace_hopper": grace_hopper,
})


def identity_photo(name: str) -> np.ndarray:
    """The photo of identity ``name`` (a key of :data:`IDENTITIES`)."""
    try:
        return IDENTITIES[name]()
    except KeyError:
        raise ValueError(f"unknown identity {name!r}; known: {', '.join(IDENTITIES)}") from None
