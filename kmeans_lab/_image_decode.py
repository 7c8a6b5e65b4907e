"""How an image file becomes an array, safely: checks before decoding, then conversions.

The private half of :mod:`kmeans_lab.image_io`, shared by its loaders, the
explorer's uploads and the command line, so that all of them refuse the same
files with the same explanations: the size is read from the header and
checked against ``max_pixels`` before any pixel is decoded (decompression
bombs), a truncated or damaged file is named as such, and every Pillow mode
becomes the course's (H, W, 3) float64 image in [0, 1] (or uint8, for the
opaque 8-bit files the command line keeps as they are).
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["ImageLoadError", "decode_image", "image_from_pil", "image_8bit_or_float", "check_size"]


class ImageLoadError(ValueError):
    """An image file could not be loaded; the message names the file and why."""


#: Pillow modes whose colours convert to 8-bit RGB exactly (no alpha, no more
#: than 8 bits a channel).
_MODES_8BIT = ("1", "L", "P", "RGB", "CMYK", "YCbCr", "LAB", "HSV")


def image_8bit_or_float(im: Image.Image) -> NDArray:
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
                check_size(width, height, max_pixels, fail)
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
            check_size(*size, max_pixels, fail)
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


def check_size(width: int, height: int, max_pixels: int, fail) -> None:
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
