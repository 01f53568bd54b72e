"""The face photos a training corpus draws its subjects from: portraits the dependencies ship.

Each loads offline and MediaPipe FaceMesh finds its face (checked by the tests).
:data:`TRAINING_IDENTITIES` are the ones a training corpus uses by default;
:data:`HELD_OUT_IDENTITIES` are kept for held-out test corpora, so a model is
scored on a face it never saw. Each corpus recording also warps its photo
(:func:`warp_photo`), so recordings of one photo are not one face.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

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


def cameraman() -> np.ndarray:
    """The man of ``skimage.data.camera()`` (a grey (512, 512) photo, looking into a camera, face
    in profile, about 70 px wide),
    tinted with a light skin colour: (512, 512, 3) RGB uint8. Held out of training corpora."""
    from skimage import data
    grey = data.camera().astype(np.float32)
    tint = np.array([1.0, 0.82, 0.70], np.float32)  # a light skin's RGB ratios
    return np.clip(grey[..., None] * tint * 1.1, 0, 255).astype(np.uint8)


def warp_photo(image: np.ndarray, rng: np.random.Generator, *, strength: float) -> np.ndarray:
    """``image`` (H, W, 3) uint8 under a smooth random displacement field: (H, W, 3) uint8.

    The field is Gaussian noise blurred to a scale of a fifth of the image's
    short side, scaled so its largest displacement is ``strength`` times that
    side (0: the image unchanged); it reshapes the face (wider jaw, narrower
    eyes...) so that recordings of one photo show different faces.
    """
    if strength <= 0:
        return image
    import cv2
    h, w = image.shape[:2]
    side = min(h, w)
    small = (max(4, w // 16), max(4, h // 16))
    fields = []
    for _ in range(2):
        f = cv2.GaussianBlur(rng.standard_normal(small[::-1]).astype(np.float32), (0, 0), small[0] / 5)
        f = cv2.resize(f, (w, h), interpolation=cv2.INTER_CUBIC)
        fields.append(f * (strength * side / max(float(np.abs(f).max()), 1e-12)))
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(image, gx + fields[0], gy + fields[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


#: identity name -> loader of its photo ((H, W, 3) RGB uint8)
IDENTITIES: MappingProxyType[str, Callable[[], np.ndarray]] = MappingProxyType({
    "astronaut": astronaut,
    "grace_hopper": grace_hopper,
    "cameraman": cameraman,
})

#: the identities training corpora draw from by default
TRAINING_IDENTITIES: tuple[str, ...] = ("astronaut", "grace_hopper")
#: identities never used for training by default: the held-out test corpus's faces
HELD_OUT_IDENTITIES: tuple[str, ...] = ("cameraman",)


def identity_photo(name: str) -> np.ndarray:
    """The photo of identity ``name`` (a key of :data:`IDENTITIES`)."""
    try:
        return IDENTITIES[name]()
    except KeyError:
        raise ValueError(f"unknown identity {name!r}; known: {', '.join(IDENTITIES)}") from None
