"""Student solutions of ``pixels_to_image(pixels, shape)``, wrong and right."""

from __future__ import annotations

import math

import numpy as np

import kmeans_lab

from . import LIST_HINT, Catalogue

catalogue = Catalogue("pixels_to_image")


@catalogue.wrong("column_major", hint="order='F'")
def image_column_major(pixels, shape):
    return pixels.reshape(shape, order="F")


@catalogue.wrong("width_first_transposed", hint="(W, H, C) array and transposing")
def image_width_first_transposed(pixels, shape):
    H, W, C = shape
    return pixels.reshape(W, H, C).transpose(1, 0, 2)


@catalogue.wrong("width_first", hint="height (rows) first")
def image_width_first(pixels, shape):
    H, W, C = shape
    return pixels.reshape(W, H, C)


@catalogue.wrong("returns_pixels", hint="returns the pixels unchanged")
def image_returns_pixels(pixels, shape):
    pixels.reshape(shape)
    return pixels


@catalogue.wrong("hard_coded_128", kind="raises")
def image_hard_coded_128(pixels, shape):
    return pixels.reshape(128, 128, 3)


@catalogue.wrong("three_channels", kind="raises")
def image_three_channels(pixels, shape):
    return pixels.reshape(shape[0], shape[1], 3)


@catalogue.wrong("square_assumption", kind="raises")
def image_square_assumption(pixels, shape):
    side = int(math.isqrt(pixels.shape[0]))
    return pixels.reshape(side, side, shape[2])


@catalogue.wrong("calls_reference", kind="provenance")
def image_calls_reference(pixels, shape):
    return kmeans_lab.pixels_to_image(pixels, shape)


@catalogue.wrong("tolist", hint=LIST_HINT)
def image_tolist(pixels, shape):
    return pixels.reshape(shape[0], shape[1], -1).tolist()


@catalogue.wrong("float32", hint="keep the input's dtype", not_hint=("row by row", "order"))
def image_float32(pixels, shape):
    return pixels.reshape(shape[0], shape[1], -1).astype(np.float32)


@catalogue.wrong(
    "reshape_to_shape_as_given",
    kind="raises",
    hint="shape may be given as (H, W)",
    not_hint=("pixels.reshape(shape)",),
)
def image_reshape(pixels, shape):
    # right for (H, W, C), but the exercise also gives shape as (H, W)
    return pixels.reshape(shape)


@catalogue.wrong("unpacks_three_sizes", kind="raises", hint="shape may be given as (H, W)")
def image_np_reshape(pixels, shape):
    H, W, C = shape
    return np.reshape(pixels, (H, W, C))


@catalogue.right("two_sizes_and_channels")
def image_two_sizes(pixels, shape):
    return pixels.reshape(shape[0], shape[1], pixels.shape[1])


@catalogue.right("np_reshape_minus_one")
def image_np_reshape_minus_one(pixels, shape):
    return np.reshape(pixels, (shape[0], shape[1], -1))


@catalogue.right("loops")
def image_loops(pixels, shape):
    H, W = shape[0], shape[1]
    out = np.empty((H, W, pixels.shape[1]), dtype=pixels.dtype)
    for i in range(len(pixels)):
        out[i // W, i % W] = pixels[i]
    return out
