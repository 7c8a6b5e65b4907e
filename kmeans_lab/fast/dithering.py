"""Floyd-Steinberg dithering with a given palette.

Mapping every pixel to its closest palette colour (what K-means does) turns
smooth gradients into flat bands. Dithering hides the bands: pixels are
visited in order and each one's rounding error
:math:`e = x - \\hat x` is pushed onto the neighbours not yet visited,

.. math::

    \\begin{array}{ccc}
        & \\ast & \\tfrac{7}{16} e \\\\
    \\tfrac{3}{16} e & \\tfrac{5}{16} e & \\tfrac{1}{16} e
    \\end{array}

so that *on average* over a small area the colour is right. Each single pixel
is further from its true colour, so the PSNR goes down while, seen from a
normal distance, the picture looks closer to the original. The work is done
by Pillow's ``Image.quantize(palette=..., dither=Image.Dither.FLOYDSTEINBERG)``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._validation import as_colours, as_rgb_image
from ..compression import CompressedImage
from ..image_io import to_uint8

__all__ = ["dither"]


def dither(image: ArrayLike, palette: ArrayLike) -> CompressedImage:
    """Floyd-Steinberg dither an image with a fixed palette.

    Parameters
    ----------
    image : array-like of shape (H, W, 3)
        Floats in [0, 1] or uint8.
    palette : array-like of shape (K, 3)
        Colours in [0, 1], 1 <= K <= 256 (for instance the ``palette`` of
        :func:`kmeans_lab.quantize`). Rounded to 8 bits.

    Returns
    -------
    CompressedImage
        The same palette (K colours, some possibly unused) and one index per
        pixel, chosen by error diffusion rather than by nearest colour.

    Raises
    ------
    TypeError
        ``image`` is not an array, or not uint8 or float; ``palette`` is not
        an array of numbers.
    ValueError
        Wrong shapes (image (H, W, 3), palette (K, 3) with 1 <= K <= 256),
        values outside [0, 1], NaN or infinity.

    Examples
    --------
    >>> import numpy as np
    >>> ramp = np.repeat(np.linspace(0, 1, 64)[None, :, None], 3, axis=2).repeat(8, axis=0)
    >>> d = dither(ramp, [[0, 0, 0], [1, 1, 1]])
    >>> d.n_colors, d.labels.shape
    (2, (8, 64))
    >>> # half way along the ramp about half of the pixels are white
    >>> bool(0.3 < d.labels[:, 28:36].mean() < 0.7)
    True
    """
    from PIL import Image

    rgb = to_uint8(as_rgb_image(image))
    colours = as_colours(palette, "palette", max_colours=256)
    colours8 = to_uint8(colours[None], "palette")[0]
    K = colours8.shape[0]
    # pad to 256 entries with copies of colour 0, so that an index >= K (some
    # Pillow versions use the padding) is the same colour as index 0
    padded = np.concatenate([colours8, np.repeat(colours8[:1], 256 - K, axis=0)])
    palette_image = Image.new("P", (1, 1))
    palette_image.putpalette(padded.reshape(-1).tolist())
    dithered = Image.fromarray(rgb, "RGB").quantize(
        palette=palette_image, dither=Image.Dither.FLOYDSTEINBERG
    )
    labels = np.asarray(dithered, dtype=np.uint8)
    labels = np.where(labels >= K, 0, labels).astype(np.uint8)
    return CompressedImage(colours8.astype(np.float64) / 255.0, labels, rgb.shape)
