"""Photographs shipped with the package (see ``data/README.md`` for sources)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .image_io import load_image

__all__ = ["SAMPLE_IMAGES", "sample_image_names", "sample_image_path", "load_sample_image"]

#: name -> (file, description)
SAMPLE_IMAGES: dict[str, tuple[str, str]] = {
    "course": ("course.png", "the course image: Chelsea the cat's face, 128 x 128 PNG"),
    "course_jpeg": ("course.jpg", "the same picture saved as JPEG (quality 92)"),
    "chelsea": ("chelsea.png", "Chelsea the cat, 451 x 300 PNG"),
    "coffee": ("coffee.png", "a cup of coffee on a wooden table, 450 x 300 PNG"),
    "astronaut": ("astronaut.png", "astronaut Eileen Collins, 320 x 320 PNG"),
}


def sample_image_names() -> list[str]:
    """Names accepted by :func:`load_sample_image`, the course image first."""
    return list(SAMPLE_IMAGES)


def sample_image_path(name: str = "course") -> Path:
    """Path of a bundled image file.

    Parameters
    ----------
    name : str, default="course"
        One of :func:`sample_image_names`.

    Returns
    -------
    path : pathlib.Path

    Examples
    --------
    >>> sample_image_path("course").name
    'course.png'
    """
    if not isinstance(name, str) or name not in SAMPLE_IMAGES:
        raise ValueError(
            f"unknown sample image {name!r}; available: {', '.join(sample_image_names())}"
        )
    return Path(str(resources.files("kmeans_lab") / "data" / SAMPLE_IMAGES[name][0]))


def load_sample_image(name: str = "course") -> NDArray[np.float64]:
    """Load a bundled photograph as an (H, W, 3) float64 array in [0, 1].

    Parameters
    ----------
    name : str, default="course"
        ``"course"`` (128 x 128, the image of the course), ``"course_jpeg"``
        (the same as JPEG), ``"chelsea"``, ``"coffee"`` or ``"astronaut"``.

    Returns
    -------
    image : ndarray of shape (H, W, 3), float64

    Examples
    --------
    >>> load_sample_image().shape
    (128, 128, 3)
    """
    return load_image(sample_image_path(name))
