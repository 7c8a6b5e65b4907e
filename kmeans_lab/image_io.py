"""Reading and writing images, and turning them into pixel matrices.

Every image in the course is a float64 array of shape (H, W, 3) with values
in [0, 1], whatever the file format. (``matplotlib.pyplot.imread`` returns a
PNG as floats in [0, 1] but a JPEG as uint8 in [0, 255]: code written for one
silently breaks on the other. :func:`load_image` never does that.)
"""

from __future__ import annotations

import numbers
import os
import threading
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

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


class ImageLoadError(ValueError):
    """An image file could not be loaded; the message names the file and why."""


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
        image = read_rgb8(path, lambda w, h: _check_size(w, h, max_pixels, fail))
    except ImageLoadError:
        raise
    except (OSError, ValueError, EOFError, SyntaxError, zlib.error):
        image = None  # the usual path says what is wrong with the file
    if image is not None:
        return image
    return decode_image(path, fail, max_pixels=max_pixels, convert=_image_8bit_or_float)[0]


#: Pillow modes whose colours convert to 8-bit RGB exactly (no alpha, no more
#: than 8 bits a channel).
_MODES_8BIT = ("1", "L", "P", "RGB", "CMYK", "YCbCr", "LAB", "HSV")


def _image_8bit_or_float(im: Image.Image) -> NDArray:
    """uint8 (H, W, 3) for opaque 8-bit images, else :func:`image_from_pil`."""
    ImageOps.exif_transpose(im, in_place=True)  # (otherwise a copy, even when upright)
    opaque = im
    if im.mode in ("RGBA", "LA", "PA") and "transparency" not in im.info:
        alpha = im.getchannel("A")
        if alpha.getextrema() == (255, 255):  # an alpha channel with nothing transparent
            opaque = im.convert("RGB")
    if opaque.mode not in _MODES_8BIT or "transparency" in opaque.info:
        return image_from_pil(im)
    width, height = opaque.size
    if width == 0 or height == 0:
        raise ImageLoadError(f"the image has zero size ({width} x {height} pixels)")
    # a band of rows at a time: Pillow keeps 4 bytes a pixel, and a whole-image
    # conversion would add two more full copies (the RGB bytes and the array)
    rgb = np.empty((height, width, 3), dtype=np.uint8)
    rows = max(1, (1 << 18) // width)
    for top in range(0, height, rows):
        band = opaque.crop((0, top, width, min(top + rows, height)))
        rgb[top : top + rows] = np.asarray(band if band.mode == "RGB" else band.convert("RGB"))
    return rgb


def decode_image(source, fail, *, max_pixels: int, convert=None, draft_size: int | None = None):
    """Open, check and decode an image file or binary stream (private helper).

    Shared by :func:`load_image` and the explorer's uploads, so both refuse the
    same files with the same explanations.

    Parameters
    ----------
    source : path or binary file object
    fail : callable
        ``fail(problem) -> ImageLoadError`` puts the file's name on a message.
    max_pixels : int
        Checked on the header, before any decoding.
    convert : callable, optional
        ``convert(pil_image) -> array``; default :func:`image_from_pil`.
    draft_size : int, optional
        Let the JPEG decoder shrink the image towards this size (faster).

    Returns
    -------
    (array, (width, height))
        The converted image and the size the file declares.
    """
    convert = image_from_pil if convert is None else convert
    # Pillow refuses images above 2 x Image.MAX_IMAGE_PIXELS (~179 MP) by itself;
    # our own, documented max_pixels is the limit, so lift Pillow's to it (under a
    # lock: it is a global) while this file is opened.
    with _PILLOW_LIMIT_LOCK:
        saved = Image.MAX_IMAGE_PIXELS
        if saved is not None and max_pixels > saved:
            Image.MAX_IMAGE_PIXELS = max_pixels
        try:
            return _decode(source, fail, max_pixels, convert, draft_size)
        finally:
            Image.MAX_IMAGE_PIXELS = saved


_PILLOW_LIMIT_LOCK = threading.Lock()


def _decode(source, fail, max_pixels, convert, draft_size):
    try:
        with warnings.catch_warnings():
            # we enforce our own, documented pixel limit below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(source) as im:
                width, height = im.size
                _check_size(width, height, max_pixels, fail)
                if draft_size is not None and im.format == "JPEG":
                    im.draft(im.mode, (draft_size, draft_size))
                try:
                    im.load()
                except (OSError, SyntaxError, ValueError, EOFError) as exc:
                    raise fail(
                        f"the file is truncated or damaged ({exc}); "
                        "try re-saving it or copying it again"
                    ) from None
                try:
                    return convert(im), (width, height)
                except ImageLoadError as exc:
                    raise fail(str(exc)) from None
    except ImageLoadError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow refuses > 2 x Image.MAX_IMAGE_PIXELS before we can ask for the size
        size = _header_size(source)
        if size is not None:
            _check_size(*size, max_pixels, fail)
        raise fail(
            f"the image has too many pixels to decode safely ({exc}); shrink it first"
        ) from None
    except UnidentifiedImageError:
        size = _header_size(source)
        if size is not None and 0 in size:
            raise fail(f"the image has zero size ({size[0]} x {size[1]} pixels)") from None
        raise fail(
            "not an image file that Pillow can read (PNG, JPEG, GIF, BMP, TIFF, WebP, ...)"
        ) from None
    except PermissionError:
        raise fail("permission denied; check the file's permissions") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise fail(
            f"the file is damaged or not a readable image ({type(exc).__name__}: {exc})"
        ) from None


def _header_size(source) -> tuple[int, int] | None:
    """Width and height from a PNG or GIF header, or None. (Pillow refuses a
    zero size, or a huge one, without saying the size, so we look ourselves.)"""
    if hasattr(source, "read"):
        source.seek(0)
        head = source.read(26)
    else:
        with open(source, "rb") as fh:
            head = fh.read(26)
    if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR" and len(head) >= 24:
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        return int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")
    return None


def _check_size(width: int, height: int, max_pixels: int, fail) -> None:
    if width <= 0 or height <= 0:
        raise fail(f"the image has zero size ({width} x {height} pixels)")
    if width * height > max_pixels:
        raise fail(
            f"the image is {width} x {height} = {width * height:,} pixels, more than "
            f"max_pixels={max_pixels:,}; shrink it first, or raise the limit if you "
            "trust the file (max_pixels=..., or --max-pixels on the command line)"
        )


def image_from_pil(im: Image.Image) -> NDArray[np.float64]:
    """Convert a loaded Pillow image to an (H, W, 3) float64 array in [0, 1].

    Applies the EXIF orientation, composites transparency on white and scales
    8-bit, 16-bit and 32-bit integer data; see :func:`load_image`.

    Parameters
    ----------
    im : PIL.Image.Image
        Any mode Pillow supports.

    Returns
    -------
    image : ndarray of shape (H, W, 3), float64
    """
    im = ImageOps.exif_transpose(im) or im
    mode = im.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        grey = np.asarray(im, dtype=np.float64)
        scale = 65535.0 if grey.size == 0 or grey.max() <= 65535 else float(2**31 - 1)
        rgb = np.repeat((np.clip(grey, 0, None) / scale)[:, :, None], 3, axis=2)
        if isinstance(im.info.get("transparency"), int):  # PNG tRNS: one grey level is transparent
            rgb[grey == im.info["transparency"]] = 1.0
    elif mode == "F":
        grey = np.asarray(im, dtype=np.float64)
        if not np.all(np.isfinite(grey)) or grey.min() < 0 or grey.max() > 1:
            raise ImageLoadError(
                "floating-point image has values outside [0, 1] (or NaN); "
                "rescale it to [0, 1] or save it as an 8-bit image"
            )
        rgb = np.repeat(grey[:, :, None], 3, axis=2)
    else:
        has_alpha = "A" in mode or "a" in mode or "transparency" in im.info
        if has_alpha:
            rgba = np.asarray(im.convert("RGBA"), dtype=np.float64) / 255.0
            alpha = rgba[:, :, 3:4]
            rgb = rgba[:, :, :3] * alpha + (1.0 - alpha)
        else:
            rgb = np.asarray(im.convert("RGB"), dtype=np.float64) / 255.0
    rgb = np.ascontiguousarray(np.clip(rgb, 0.0, 1.0))
    if rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ImageLoadError(f"the image has zero size ({rgb.shape[1]} x {rgb.shape[0]} pixels)")
    return rgb


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
