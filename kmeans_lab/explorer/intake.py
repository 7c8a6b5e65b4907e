"""Image intake of the explorer: what it works on, and where that comes from.

Every picture the explorer shows -- a bundled photo, an array, the bytes of
an uploaded file -- becomes an :class:`ExplorerImage`: float pixels in
[0, 1], shrunk to the working size (:data:`WORKING_SIZE`, 256 px on the
longest side) so that every update stays interactive, and a ``key`` that
names the pixels in the result cache.

- :func:`load_sample` -- a bundled photo (:func:`kmeans_lab.sample_image_names`);
- :func:`image_from_array` -- an (H, W, 3) array;
- :func:`decode_upload` -- the bytes of an uploaded file, checked before any
  decoding (size in bytes, pixel count from the header).

Examples
--------
>>> from kmeans_lab.explorer import load_sample
>>> image = load_sample("chelsea")
>>> image.key, image.size, image.source_size
('sample:chelsea', (256, 170), (451, 300))
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from PIL import Image, ImageOps

from .._validation import check_int, check_type
from ..datasets import load_sample_image
from ..image_io import (
    DEFAULT_MAX_PIXELS,
    ImageLoadError,
    as_float_image,
    decode_image,
    image_from_pil,
    to_uint8,
)

__all__ = [
    "WORKING_SIZE",
    "MAX_UPLOAD_BYTES",
    "ExplorerImage",
    "load_sample",
    "image_from_array",
    "decode_upload",
]

#: Longest side, in pixels, of the images the explorer works on. Larger
#: images (uploads and bundled photos alike) are shrunk to it with a Lanczos
#: filter, so one update takes tens of milliseconds, not seconds.
WORKING_SIZE = 256

#: Largest upload accepted, in bytes (20 MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, eq=False)
class ExplorerImage:
    """An image ready for the explorer.

    Attributes
    ----------
    key : str
        Identifies the pixels in caches: ``"sample:<name>"`` for a bundled
        photo, ``"upload:<name>:<digest>"`` for an upload (the digest of its
        bytes, so two different files with the same name never collide).
    label : str
        What the image menu shows.
    image : ndarray of shape (H, W, 3), float64
        The working copy, values in [0, 1], longest side at most the working size.
    source_size : tuple (width, height)
        Size of the file before any shrinking.
    """

    key: str
    label: str
    image: NDArray[np.float64]
    source_size: tuple[int, int]

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the working copy."""
        return int(self.image.shape[1]), int(self.image.shape[0])

    @property
    def n_pixels(self) -> int:
        """Number of pixels of the working copy."""
        return int(self.image.shape[0] * self.image.shape[1])

    @property
    def shrunk(self) -> bool:
        """Whether the working copy is smaller than the file."""
        return self.size != tuple(self.source_size)


def _target_size(width: int, height: int, working_size: int) -> tuple[int, int]:
    scale = working_size / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink_float(image: NDArray[np.float64], working_size: int) -> NDArray[np.float64]:
    """Shrink an (H, W, 3) float image so its longest side is ``working_size``."""
    height, width = image.shape[:2]
    if max(width, height) <= working_size:
        return image
    size = _target_size(width, height, working_size)
    channels = [
        np.asarray(
            Image.fromarray(
                np.ascontiguousarray(image[:, :, c], dtype=np.float32), mode="F"
            ).resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0),
            dtype=np.float64,
        )
        for c in range(3)
    ]
    return np.ascontiguousarray(np.clip(np.stack(channels, axis=2), 0.0, 1.0))


def load_sample(name: str = "course", *, working_size: int = WORKING_SIZE) -> ExplorerImage:
    """Load a bundled photo for the explorer, shrunk to the working size.

    Parameters
    ----------
    name : str, default="course"
        One of :func:`kmeans_lab.sample_image_names`.
    working_size : int, default=WORKING_SIZE (256)
        Longest side of the working copy; the 128 x 128 course image is
        kept as it is.

    Returns
    -------
    ExplorerImage

    Examples
    --------
    >>> load_sample("chelsea").size
    (256, 170)
    """
    working_size = check_int(working_size, "working_size", minimum=1)
    full = load_sample_image(name)
    return ExplorerImage(
        key=f"sample:{name}",
        label=name,
        image=_shrink_float(full, working_size),
        source_size=(int(full.shape[1]), int(full.shape[0])),
    )


def image_from_array(
    image: ArrayLike, label: str = "array", *, working_size: int = WORKING_SIZE
) -> ExplorerImage:
    """Wrap an (H, W, 3) array (floats in [0, 1] or uint8) for the explorer.

    Parameters
    ----------
    image : array-like of shape (H, W, 3)
    label : str, default="array"
        Name shown in the image menu.
    working_size : int, default=WORKING_SIZE (256)

    Returns
    -------
    ExplorerImage
        Its key holds a digest of the pixels.

    Examples
    --------
    >>> import numpy as np
    >>> image_from_array(np.zeros((4, 6, 3))).size
    (6, 4)
    """
    working_size = check_int(working_size, "working_size", minimum=1)
    arr = np.asarray(image)
    floats = as_float_image(arr)  # checks the shape, the dtype and the range of values
    data = to_uint8(arr)
    digest = hashlib.sha1(data.tobytes() + repr(arr.shape).encode()).hexdigest()[:12]
    return ExplorerImage(
        key=f"array:{label}:{digest}",
        label=label,
        image=_shrink_float(np.ascontiguousarray(floats), working_size),
        source_size=(int(arr.shape[1]), int(arr.shape[0])),
    )


def decode_upload(
    name: str,
    data: bytes,
    *,
    working_size: int = WORKING_SIZE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> ExplorerImage:
    """Decode the bytes of an uploaded file into a working image.

    The pixel count is read from the file's header and checked against
    ``max_pixels`` *before* any decoding, so a tiny file that claims to be a
    gigapixel image is refused at once. JPEGs are decoded directly at a
    reduced scale when they are much larger than the working size.

    Parameters
    ----------
    name : str
        File name (used in messages and in the image menu).
    data : bytes-like
        The file's content.
    working_size : int, default=WORKING_SIZE (256)
        Longest side of the working copy; larger images are shrunk with a
        Lanczos filter.
    max_pixels : int, default=DEFAULT_MAX_PIXELS (50,000,000)
        Refuse images with more pixels than this.
    max_bytes : int, default=MAX_UPLOAD_BYTES (20 MB)
        Refuse larger files.

    Returns
    -------
    ExplorerImage
        EXIF orientation applied, transparency composited on white (as
        :func:`kmeans_lab.load_image` does).

    Raises
    ------
    ImageLoadError
        (a ``ValueError``) for an empty file, a file too large, a file that
        is not an image, a damaged file, or too many pixels. The message
        names the upload and says what to do.
    TypeError
        If ``data`` is not bytes-like.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO()
    >>> Image.new("RGB", (600, 300), "red").save(buf, format="PNG")
    >>> decode_upload("red.png", buf.getvalue()).size
    (256, 128)
    """
    check_type(data, "data", (bytes, bytearray, memoryview), "bytes")
    working_size = check_int(working_size, "working_size", minimum=1)
    max_pixels = check_int(max_pixels, "max_pixels", minimum=1)
    max_bytes = check_int(max_bytes, "max_bytes", minimum=1)
    data = bytes(data)

    def fail(problem: str) -> ImageLoadError:
        return ImageLoadError(f"cannot load upload '{name}': {problem}")

    if len(data) == 0:
        raise fail(
            "the file is empty (0 bytes); it may not have been uploaded completely, try again"
        )
    if len(data) > max_bytes:
        raise fail(
            f"the file is {len(data) / 2**20:.1f} MB, more than the {max_bytes / 2**20:.0f} MB "
            "upload limit; shrink or re-save it first"
        )
    image, (width, height) = decode_image(
        io.BytesIO(data),
        fail,
        max_pixels=max_pixels,
        convert=lambda im: _pil_to_working(im, working_size),
        draft_size=working_size,
    )
    digest = hashlib.sha1(data).hexdigest()[:12]
    return ExplorerImage(
        key=f"upload:{name}:{digest}",
        label=f"upload: {name}",
        image=image,
        source_size=(int(width), int(height)),
    )


def _pil_to_working(im: Image.Image, working_size: int) -> NDArray[np.float64]:
    """Orient, shrink (in Pillow, before going to float64) and convert."""
    im = ImageOps.exif_transpose(im) or im
    if max(im.size) <= working_size:
        return image_from_pil(im)
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        # high bit depth grey: convert exactly first, shrink the floats
        return _shrink_float(image_from_pil(im), working_size)
    has_alpha = "A" in im.mode or "a" in im.mode or "transparency" in im.info
    if im.mode not in ("RGB", "RGBA", "L", "LA"):
        im = im.convert("RGBA" if has_alpha else "RGB")
    size = _target_size(im.size[0], im.size[1], working_size)
    return image_from_pil(im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0))
