"""Images of different character for judging the quantizer's quality (private).

:func:`quantize` is tuned on photos; its quality bar (an inertia no worse than
scikit-learn's ``KMeans`` from k-means++ with 10 Lloyd rounds) must also hold
on images that look nothing like the benchmark's photos. :func:`corpus` makes
them, deterministically, from the bundled photos and from scratch:

- photos at several sizes (downscaled, native, upscaled), with illumination
  gradients and sensor-like noise, and a grey one;
- smooth gradients (linear, radial), a hue wheel;
- a screenshot: flat panels, anti-aliased text, a few icons;
- posterised images (fewer distinct colours than some K), pixel art, a
  dithered image;
- a dark, low-contrast photo; an image with one dominant colour;
- noise with more distinct colours than half its pixels.

Used by ``benchmarks/bench_quantize.py --corpus`` (``size="full"``) and by
``tests/test_quantize.py`` (``size="small"``, a few seconds).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["corpus", "SIZES"]

#: ``size`` argument of :func:`corpus`: the side of the images' longer edge
#: is multiplied by this (1 = the benchmark's corpus).
SIZES = {"full": 1.0, "small": 0.25}


def _photo(name: str, width: int, height: int) -> NDArray[np.float32]:
    """A bundled photo resized (bicubic) to width x height, float32 levels."""
    from PIL import Image

    from ..datasets import sample_image_path

    with Image.open(sample_image_path(name)) as im:
        im = im.convert("RGB").resize((width, height), Image.Resampling.BICUBIC)
        return np.asarray(im).astype(np.float32)


def _to_u8(levels: NDArray) -> NDArray[np.uint8]:
    return np.clip(np.rint(levels), 0, 255).astype(np.uint8)


def _noisy(levels, sigma: float, seed: int) -> NDArray[np.uint8]:
    noise = np.random.default_rng(seed).normal(0.0, sigma, levels.shape)
    return _to_u8(levels + noise.astype(np.float32))


def _gradient_light(levels, strength: float, vertical: bool = False):
    """Times an illumination gradient of ``1 +- strength`` across the image."""
    H, W = levels.shape[:2]
    if vertical:
        light = np.linspace(1 - strength, 1 + strength, H, dtype=np.float32)[:, None, None]
    else:
        light = np.linspace(1 - strength, 1 + strength, W, dtype=np.float32)[None, :, None]
    return levels * light


def _hue_wheel(side: int) -> NDArray[np.uint8]:
    y, x = np.mgrid[-1 : 1 : side * 1j, -1 : 1 : side * 1j]
    hue = (np.arctan2(y, x) / (2 * np.pi)) % 1.0
    sat = np.clip(np.hypot(x, y), 0, 1)
    k = (np.array([5.0, 3.0, 1.0]) + hue[..., None] * 6) % 6
    rgb = 1 - sat[..., None] * np.clip(np.minimum(k, 4 - k), 0, 1)
    return _to_u8(255 * rgb)


def _linear_gradient(width: int, height: int) -> NDArray[np.uint8]:
    y, x = np.mgrid[0 : 1 : height * 1j, 0 : 1 : width * 1j]
    rgb = np.stack([255 * x, 255 * y, 255 * (1 - 0.5 * x - 0.5 * y)], axis=-1)
    return _to_u8(rgb)


def _radial_sky(side: int) -> NDArray[np.uint8]:
    y, x = np.mgrid[0 : 1 : side * 1j, 0 : 1 : side * 1j]
    r = np.clip(np.hypot(x - 0.7, y - 0.2) / 1.1, 0, 1)[..., None]
    sun, sky = np.array([255.0, 236, 180]), np.array([40.0, 90, 170])
    return _to_u8((1 - r) * sun + r * sky)


def _screenshot(width: int, height: int) -> NDArray[np.uint8]:
    """A window: title bar, sidebar, panels, buttons and anti-aliased text."""
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("RGB", (width, height), (250, 250, 250))
    draw = ImageDraw.Draw(im)
    draw.rectangle([0, 0, width, height // 14], fill=(45, 52, 64))
    draw.rectangle([0, height // 14, width // 5, height], fill=(232, 236, 241))
    size = max(8, height // 40)
    font = ImageFont.load_default(size=size)
    words = "K-means compresses an image by replacing each colour with its centroid".split()
    rng = np.random.default_rng(3)
    for row, top in enumerate(range(height // 10, height - size, int(size * 1.6))):
        left = width // 5 + size
        text = " ".join(rng.choice(words, size=8))
        colour = (20, 20, 20) if row % 7 else (30, 90, 200)
        draw.text((left, top), text, fill=colour, font=font)
        draw.text((size // 2, top), f"item {row}", fill=(60, 60, 60), font=font)
    for i, colour in enumerate([(220, 53, 69), (40, 167, 69), (255, 193, 7), (0, 123, 255)]):
        x0 = width - (i + 1) * width // 9
        draw.rounded_rectangle(
            [x0, height // 40, x0 + width // 12, height // 40 + height // 30],
            radius=4,
            fill=colour,
        )
    draw.ellipse([width // 2, height // 2, width // 2 + height // 6, height // 2 + height // 6],
                 outline=(0, 123, 255), width=3)  # fmt: skip
    return np.asarray(im).copy()


def _posterised(levels, per_channel: int) -> NDArray[np.uint8]:
    step = 255.0 / (per_channel - 1)
    return _to_u8(np.rint(levels / step) * step)


def _few_colours(width: int, height: int, n: int, seed: int) -> NDArray[np.uint8]:
    """A flat map of ``n`` colours: random rectangles (fewer colours than K)."""
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, (n, 3))
    out = np.empty((height, width, 3), dtype=np.uint8)
    out[:] = palette[0]
    for _ in range(60):
        x0, y0 = rng.integers(0, width), rng.integers(0, height)
        x1, y1 = x0 + rng.integers(4, width // 3), y0 + rng.integers(4, height // 3)
        out[y0:y1, x0:x1] = palette[rng.integers(0, n)]
    return out


def _pixel_art(width: int, height: int) -> NDArray[np.uint8]:
    """A photo shrunk to a 40-pixel-wide 32-colour sprite, blown up (nearest)."""
    from PIL import Image

    small = _to_u8(_photo("chelsea", 40, max(1, 40 * height // width)))
    sprite = Image.fromarray(small).quantize(32, method=Image.Quantize.MEDIANCUT)
    return np.asarray(sprite.convert("RGB").resize((width, height), Image.Resampling.NEAREST))


def _dithered(levels) -> NDArray[np.uint8]:
    """Floyd-Steinberg dithered to a 16-colour palette (Pillow's)."""
    from PIL import Image

    im = Image.fromarray(_to_u8(levels))
    return np.asarray(im.quantize(16, dither=Image.Dither.FLOYDSTEINBERG).convert("RGB"))


def _dominant(levels) -> NDArray[np.uint8]:
    """A flat blue field (90% of the pixels) around a small photo."""
    H, W = levels.shape[:2]
    out = np.empty((H, W, 3), dtype=np.uint8)
    out[:] = (31, 78, 121)
    h, w = H // 3, W // 3
    out[H // 3 : H // 3 + h, W // 3 : W // 3 + w] = _to_u8(levels[:h, :w])
    return out


def _uniform_noise(width: int, height: int, seed: int) -> NDArray[np.uint8]:
    """Every pixel an independent random colour (distinct colours > pixels / 2)."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def corpus(size: str = "full") -> dict[str, Callable[[], NDArray[np.uint8]]]:
    """The corpus: image name -> a function that makes the (H, W, 3) uint8 image.

    Parameters
    ----------
    size : {"full", "small"}
        "full": 21 images of 0.02 to 1 megapixel (the benchmark's);
        "small": the same images with sides 4 times shorter (for tests).

    Returns
    -------
    dict
        Images are made when their function is called (deterministic).

    Examples
    --------
    >>> images = corpus("small")
    >>> len(images) >= 20, images["screenshot"]().dtype
    (True, dtype('uint8'))
    """
    if size not in SIZES:
        raise ValueError(f"size={size!r}: expected one of {sorted(SIZES)}")
    f = SIZES[size]

    def s(n: int) -> int:
        return max(16, int(round(n * f)))

    return {
        "astronaut 160x160": lambda: _to_u8(_photo("astronaut", s(160), s(160))),
        "chelsea 451x300": lambda: _to_u8(_photo("chelsea", s(451), s(300))),
        "coffee 600x400": lambda: _to_u8(_photo("coffee", s(600), s(400))),
        "astronaut 1024x1024, gradient, noise 4": lambda: _noisy(
            _gradient_light(_photo("astronaut", s(1024), s(1024)), 0.08), 4.0, 0
        ),
        "chelsea 900x600, strong gradient, noise 8": lambda: _noisy(
            _gradient_light(_photo("chelsea", s(900), s(600)), 0.3, vertical=True), 8.0, 1
        ),
        "coffee 300x200, noise 2": lambda: _noisy(_photo("coffee", s(300), s(200)), 2.0, 2),
        "grey chelsea 600x400": lambda: np.repeat(
            _to_u8(_photo("chelsea", s(600), s(400)).mean(axis=2))[..., None], 3, axis=2
        ),
        "linear gradient 512x512": lambda: _linear_gradient(s(512), s(512)),
        "radial sky 512x512": lambda: _radial_sky(s(512)),
        "hue wheel 400x400": lambda: _hue_wheel(s(400)),
        "screenshot": lambda: _screenshot(s(800), s(600)),
        "posterised coffee (3 levels a channel)": lambda: _posterised(
            _photo("coffee", s(600), s(400)), 3
        ),
        "posterised astronaut (5 levels a channel)": lambda: _posterised(
            _photo("astronaut", s(512), s(512)), 5
        ),
        "flat map of 12 colours": lambda: _few_colours(s(600), s(400), 12, 4),
        "pixel art (32 colours)": lambda: _pixel_art(s(640), s(426)),
        "dithered to 16 colours": lambda: _dithered(_photo("astronaut", s(400), s(400))),
        "dark low-contrast coffee": lambda: _noisy(
            _photo("coffee", s(600), s(400)) * 0.12 + 8, 1.0, 5
        ),
        "one dominant colour": lambda: _dominant(_photo("chelsea", s(600), s(400))),
        "uniform noise 400x400": lambda: _uniform_noise(s(400), s(400), 6),
        "coffee 600x400, heavy noise 24": lambda: _noisy(_photo("coffee", s(600), s(400)), 24, 7),
        "astronaut 256x256, noise 12": lambda: _noisy(_photo("astronaut", s(256), s(256)), 12, 8),
    }
