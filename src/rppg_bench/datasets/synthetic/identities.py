"""The face photos a training corpus draws its subjects from: portraits the dependencies ship.

Each loads offline and MediaPipe FaceMesh finds its face (checked by the tests).
:data:`TRAINING_IDENTITIES` are the ones a training corpus uses by default;
:data:`HELD_OUT_IDENTITIES` are kept for held-out test corpora, so a model is
scored on a face it never saw. Each corpus recording also warps its photo
(:func:`warp_photo`), so recordings of one photo are not one face.
:data:`LFW_IDENTITIES` are 97 more faces, small and blurry (scikit-image's 25x25
crops of Labeled Faces in the Wild, enlarged): not drawn by default (the shipped
weights' corpus did not use them); ``--faces training+lfw`` adds them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
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


#: images of ``skimage.data.lfw_subset()`` that are faces (its first 100; the other 100 are not faces)
LFW_SUBSET_FACES = 100
#: of those, the three in which FaceMesh finds no face once enlarged (:func:`lfw_face`)
LFW_NO_FACE = (4, 30, 76)


def lfw_face(index: int) -> np.ndarray:
    """Face ``index`` of ``skimage.data.lfw_subset()`` (a 25x25 grey crop of Labeled Faces in the Wild,
    brows to chin), enlarged 6x (bicubic), its corners faded out, in a 400x400 canvas of its median
    grey, tinted like :func:`cameraman`: (400, 400, 3) RGB uint8. The face takes 37 % of the width, as
    FaceMesh's static detector needs (at 19 % of an 800 px canvas it missed half of them); where a
    corpus frame shows more than the canvas, the renderer reflects it, as for the portraits. Blurry:
    the detail of a 25 px face."""
    import cv2
    from skimage import data
    if not 0 <= index < LFW_SUBSET_FACES:
        raise ValueError(f"lfw_subset holds faces 0-{LFW_SUBSET_FACES - 1}, not {index}")
    grey = data.lfw_subset()[index].astype(np.float32) * 255.0
    side, canvas_side = 150, 400
    face = cv2.resize(grey, (side, side), interpolation=cv2.INTER_CUBIC)
    r = np.hypot(*np.mgrid[:side, :side] - (side - 1) / 2.0) / (side / 2.0)
    alpha = np.clip((1.15 - r) / 0.3, 0.0, 1.0)  # 1 inside, fading to 0 in the corners
    background = float(np.median(grey))
    canvas = np.full((canvas_side, canvas_side), background, np.float32)
    top, left = (canvas_side - side) // 2 - 20, (canvas_side - side) // 2
    canvas[top:top + side, left:left + side] = alpha * face + (1.0 - alpha) * background
    tint = np.array([1.0, 0.82, 0.70], np.float32)
    return np.clip(canvas[..., None] * tint * 1.1, 0, 255).astype(np.uint8)


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


#: the LFW faces FaceMesh finds (:func:`lfw_face`), as identity names ``lfw00`` ... ``lfw99``
LFW_IDENTITIES: tuple[str, ...] = tuple(f"lfw{i:02d}" for i in range(LFW_SUBSET_FACES) if i not in LFW_NO_FACE)

#: identity name -> loader of its photo ((H, W, 3) RGB uint8)
IDENTITIES: MappingProxyType[str, Callable[[], np.ndarray]] = MappingProxyType({
    "astronaut": astronaut,
    "grace_hopper": grace_hopper,
    "cameraman": cameraman,
    **{name: partial(lfw_face, int(name[3:])) for name in LFW_IDENTITIES},
})

#: the identities training corpora draw from by default
TRAINING_IDENTITIES: tuple[str, ...] = ("astronaut", "grace_hopper")
#: identities never used for training by default: the held-out test corpus's faces
HELD_OUT_IDENTITIES: tuple[str, ...] = ("cameraman",)
#: named sets of identities (the corpus command's ``--faces``)
FACE_SETS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "training": TRAINING_IDENTITIES,
    "held-out": HELD_OUT_IDENTITIES,
    "lfw": LFW_IDENTITIES,
    "training+lfw": TRAINING_IDENTITIES + LFW_IDENTITIES,
})


def identity_photo(name: str) -> np.ndarray:
    """The photo of identity ``name`` (a key of :data:`IDENTITIES`)."""
    try:
        return IDENTITIES[name]()
    except KeyError:
        raise ValueError(f"unknown identity {name!r}; known: {', '.join(IDENTITIES)}") from None
