"""Reading and writing images, and turning them into pixel matrices.

Every image in the course is a float64 array of shape (H, W, 3) with values
in [0, 1], whatever the file format. (``matplotlib.pyplot.imread`` returns a
PNG as floats in [0, 1] but a JPEG as uint8 in [0, 255]: code written for one
silently breaks on the other. :func:`load_image` never does that.)
"""

from __future__ import annotations

import numbers
import os
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from PIL import Image

from ._image_decode import (
    ImageLoadError,
    check_size,
    decode_image,
    image_8bit_or_float,
    image_from_pil,
)

__all__ = [
    "ImageLoadError",
    "DEFAULT_MAX_PIXELS",
    "load_image",
    "load_image_8bit",
    "image_from_pil",
    "save_image",
    "to_uint8",
    "as_float_image",
    "image_to_pixels",
    "pixels_to_image",
]

#: Largest image (in pixels, width x height) :func:`load_image` accepts by
#: default: 50 megapixels, larger than any camera photo in common use but far
#: below a "decompression bomb" that would fill memory.
DEFAULT_MAX_PIXELS = 50_000_000


def _image_file(path, max_pixels) -> tuple[Path, int, Callable[[str], ImageLoadError]]:
    """Check the arguments of the loaders and that ``path`` names a non-empty file.

    Returns the path, ``max_pixels`` and ``fail(problem)``, which makes the
    :class:`ImageLoadError` naming the file; raises the first of them that applies.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or path-like, got {type(path).__name__}")
    from ._validation import check_int

    max_pixels = check_int(max_pixels, "max_pixels", minimum=1)
    path = Path(path)

    def fail(problem: str) -> ImageLoadError:
        return ImageLoadError(f"cannot load image '{path}': {problem}")

    if not path.exists():
        raise fail(f"no such file; check the path and the current directory ({Path.cwd()})")
    if path.is_dir():
        raise fail("it is a directory, not an image file; give the path of a file inside it")
    if path.stat().st_size == 0:
        raise fail(
            "the file is empty (0 bytes); it may not have been copied or downloaded completely"
        )
    return path, max_pixels, fail


def load_image(
    path: str | os.PathLike, *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> NDArray[np.float64]:
    """Load an image file as an RGB float array in [0, 1].

    Reads whatever Pillow reads (PNG of any bit depth and colour type, JPEG
    including CMYK, GIF, BMP, TIFF, WebP, ...). The JPEG/TIFF EXIF orientation
    is applied, so the array looks the way a photo viewer shows the file.
    Grey images are repeated on the three channels; 16-bit images are scaled
    by 65535; transparent pixels are **composited on white** (a pixel with
    alpha ``a`` becomes ``a * colour + (1 - a) * 1``). An animated image gives
    its first frame.

    Parameters
    ----------
    path : str or path-like
        The file to read.
    max_pixels : int, default=DEFAULT_MAX_PIXELS (50,000,000)
        Refuse images with more pixels than this (protection against
        decompression bombs). The header is checked before any decoding.

    Returns
    -------
    image : ndarray of shape (H, W, 3), float64
        Values in [0, 1].

    Raises
    ------
    ImageLoadError
        (a ``ValueError``) if the path is missing, is a directory, is empty,
        is not an image, is truncated or damaged, has zero size, or has more
        than ``max_pixels`` pixels. The message names the file.

    Examples
    --------
    >>> from kmeans_lab import load_image, sample_image_path
    >>> image = load_image(sample_image_path("course"))
    >>> image.shape, image.dtype, float(image.min()) >= 0, float(image.max()) <= 1
    ((128, 128, 3), dtype('float64'), True, True)
    """
    path, max_pixels, fail = _image_file(path, max_pixels)
    return decode_image(path, fail, max_pixels=max_pixels)[0]


def load_image_8bit(
    path: str | os.PathLike, *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> NDArray[np.uint8] | NDArray[np.float64]:
    """Load an image file as 8-bit data when that is what it holds.

    The same checks, orientation and conversions as :func:`load_image`, but
    a file whose colours are 8 bits a channel and opaque (most photos: JPEG,
    8-bit PNG, GIF, ...) gives its uint8 values, 3 bytes a pixel instead of
    24: ``load_image_8bit(path) / 255`` equals ``load_image(path)``. Other
    files (16-bit, floating point, or with transparent pixels) give the
    float64 array of :func:`load_image`. The command line uses it.

    Returns
    -------
    image : ndarray of shape (H, W, 3), uint8 or float64

    Examples
    --------
    >>> from kmeans_lab import load_image, sample_image_path
    >>> image = load_image_8bit(sample_image_path("course"))
    >>> image.dtype, bool((image / 255 == load_image(sample_image_path("course"))).all())
    (dtype('uint8'), True)
    """
    path, max_pixels, fail = _image_file(path, max_pixels)
    # a plain 8-bit RGB PNG is decoded a band of rows at a time, straight into
    # the array (24 MP: 96 MB less at the peak); anything else goes to Pillow
    from ._png_bands import read_rgb8

    try:
        image = read_rgb8(path, lambda w, h: check_size(w, h, max_pixels, fail))
    except ImageLoadError:
        raise
    except (OSError, ValueError, EOFError, SyntaxError, zlib.error):
        image = None  # the usual path says what is wrong with the file
    if image is not None:
        return image
    return decode_image(path, fail, max_pixels=max_pixels, convert=image_8bit_or_float)[0]


def to_uint8(image: ArrayLike, name: str = "image") -> NDArray[np.uint8]:
    """Convert an image in [0, 1] (float) or [0, 255] (uint8) to uint8.

    Floats are rounded to the nearest of the 256 levels. Raises ``ValueError``
    for values outside [0, 1], NaN, or shapes that are not (H, W), (H, W, 3)
    or (H, W, 4).
    """
    arr = np.asarray(image)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise ValueError(f"{name} must have shape (H, W), (H, W, 3) or (H, W, 4), got {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise TypeError(f"{name} must be float in [0, 1] or uint8, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.integer):
        raise TypeError(
            f"{name} has integer dtype {arr.dtype}; use uint8 in [0, 255] or floats in [0, 1]"
        )
    _check_unit_range(arr, name)
    return np.round(arr * 255.0).astype(np.uint8)


def _check_unit_range(arr: NDArray, name: str) -> None:
    """Float image values must be finite and lie in [0, 1]: never clipped silently."""
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity; every value must lie in [0, 1]")
    if arr.min() < 0 or arr.max() > 1:
        raise ValueError(
            f"{name} values must lie in [0, 1], got [{arr.min():.4g}, {arr.max():.4g}]; "
            "divide 8-bit data by 255, or clip with np.clip(image, 0, 1)"
        )


def save_image(path: str | os.PathLike, image: ArrayLike, *, overwrite: bool = True) -> Path:
    """Save an image to a file; the format comes from the extension.

    Parameters
    ----------
    path : str or path-like
        Where to write (``.png``, ``.jpg``, ``.bmp``, ``.tif``, ``.webp``, ...).
    image : array-like of shape (H, W, 3) or (H, W)
        Floats in [0, 1] (rounded to 8 bits) or uint8.
    overwrite : bool, default=True
        If false, refuse to replace an existing file.

    Returns
    -------
    path : pathlib.Path
        The path written.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "grey.png"
    >>> save_image(out, np.full((4, 4, 3), 0.5)).name
    'grey.png'
    """
    path = Path(path)
    data = to_uint8(image)
    if path.exists() and not overwrite:
        raise FileExistsError(f"'{path}' already exists; pass overwrite=True to replace it")
    if path.is_dir():
        raise ValueError(
            f"'{path}' is a directory; give a file name such as '{path / 'image.png'}'"
        )
    if not path.parent.is_dir():
        raise ValueError(f"cannot save '{path}': directory '{path.parent}' does not exist")
    try:
        Image.fromarray(data).save(path)
    except (KeyError, ValueError) as exc:
        raise ValueError(
            f"cannot save '{path}': unknown or unsupported file extension ({exc}); "
            "use .png, .jpg, .bmp, .tif or .webp"
        ) from None
    except OSError as exc:
        raise ValueError(f"cannot save '{path}': {exc}") from None
    return path


def as_float_image(image: ArrayLike, name: str = "image") -> NDArray[np.float64]:
    """Return an RGB image as (H, W, 3) float64 in [0, 1].

    uint8 data is divided by 255; floats must already lie in [0, 1]. Raises
    ``ValueError`` / ``TypeError`` for other shapes, dtypes, NaN or values
    out of range (never clips silently).

    Examples
    --------
    >>> import numpy as np
    >>> float(as_float_image(np.full((1, 1, 3), 255, np.uint8)).max())
    1.0
    """
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must have shape (H, W, 3), got {arr.shape}")
    if arr.dtype == np.uint8:
        return arr.astype(np.float64) / 255.0
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"{name} must be uint8 (0..255) or floats in [0, 1], got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    _check_unit_range(arr, name)
    return arr


def image_to_pixels(image: ArrayLike) -> NDArray:
    """Reshape an (H, W, C) image into an (H*W, C) matrix, one pixel a row.

    Pixels are taken row by row (row-major, C order): pixel ``(r, c)`` goes to
    row ``r * W + c``. The inverse is :func:`pixels_to_image`.

    Parameters
    ----------
    image : array-like of shape (H, W, C)

    Returns
    -------
    X : ndarray of shape (H*W, C)
        Same dtype as ``image`` (a view when possible).

    Examples
    --------
    >>> import numpy as np
    >>> image_to_pixels(np.zeros((128, 128, 3))).shape
    (16384, 3)
    """
    arr = np.asarray(image)
    if arr.ndim != 3:
        raise ValueError(
            f"image must have shape (H, W, C), got {arr.ndim}-D shape {arr.shape}"
            + ("; a grey image needs a channel axis: image[:, :, None]" if arr.ndim == 2 else "")
        )
    return arr.reshape(arr.shape[0] * arr.shape[1], arr.shape[2])


def pixels_to_image(pixels: ArrayLike, shape: tuple[int, ...]) -> NDArray:
    """Reshape an (N, C) pixel matrix back into an image of ``shape``.

    Parameters
    ----------
    pixels : array-like of shape (H*W, C)
    shape : tuple
        ``(H, W, C)``, or ``(H, W)`` to keep C from ``pixels``.

    Returns
    -------
    image : ndarray of shape (H, W, C)
        Row-major: the inverse of :func:`image_to_pixels`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((6, 3))
    >>> pixels_to_image(X, (2, 3, 3)).shape
    (2, 3, 3)
    """
    arr = np.asarray(pixels)
    items = tuple(shape) if isinstance(shape, (tuple, list, np.ndarray)) else None
    if items is None or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, (bool, np.bool_)) for s in items
    ):
        raise TypeError(f"shape must be a tuple of integers such as (H, W, 3), got {shape!r}")
    shape = tuple(int(s) for s in items)
    if arr.ndim != 2:
        raise ValueError(f"pixels must have shape (N, C), got shape {arr.shape}")
    if len(shape) == 2:
        shape = shape + (arr.shape[1],)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"shape must be (H, W) or (H, W, C) with positive sizes, got {shape}")
    if shape[0] * shape[1] != arr.shape[0] or shape[2] != arr.shape[1]:
        raise ValueError(
            f"cannot reshape {arr.shape[0]} pixels of {arr.shape[1]} channels into {shape}: "
            f"H*W must equal N and C must equal {arr.shape[1]}"
        )
    return arr.reshape(shape)
