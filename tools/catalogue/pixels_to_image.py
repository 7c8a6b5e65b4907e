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


@catalogue.wrong("width_first", hint="width first")
def image_width_first(pixels, shape):
    H, W, C = shape
    return pixels.reshape(W, H, C)


@catalogue.wrong("returns_pixels", hint="the pixels' own shape")
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


@catalogue.wrong("float32", hint="in dtype float32", not_hint=("row by row", "order"))
def image_float32(pixels, shape):
    return pixels.reshape(shape[0], shape[1], -1).astype(np.float32)


@catalogue.wrong(
    "reshape_to_shape_as_given",
    kind="raises",
    hint="gives shape as (H, W)",
    not_hint=("pixels.reshape(shape)",),
)
def image_reshape(pixels, shape):
    # right for (H, W, C), but the exercise also gives shape as (H, W)
    return pixels.reshape(shape)


@catalogue.wrong("unpacks_three_sizes", kind="raises", hint="gives shape as (H, W)")
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


# -- Attempts written for issue 19 from notebook 01's exercise text ------------------------


@catalogue.wrong(
    "swapped_parameters",
    kind="signature",
    hint="def pixels_to_image(pixels, shape):",
    not_hint=("does not fit",),
)
def pixels_swapped_parameters(shape, pixels):
    # the parameters in the other order, the body as the exercise reads
    return np.reshape(pixels, shape)


@catalogue.wrong(
    "assumes_three_channels_for_two_sizes",
    kind="raises",
    hint="gives shape as (H, W)",
)
def pixels_assumes_three_channels(pixels, shape):
    C = shape[2] if len(shape) == 3 else 3  # "an image has 3 channels"
    return pixels.reshape(shape[0], shape[1], C)


@catalogue.wrong(
    "sorted_columns",
)
def pixels_sorted_columns(pixels, shape):
    return np.sort(pixels, axis=0).reshape(shape[0], shape[1], pixels.shape[1])


@catalogue.wrong("tuple_with_shape", hint="a tuple of 2 values", not_hint=("np.array(",))
def pixels_tuple_with_shape(pixels, shape):
    image = pixels.reshape(shape[0], shape[1], pixels.shape[1])
    return image, image.shape


@catalogue.wrong("to_uint8")
def pixels_to_uint8(pixels, shape):
    # "images are 8-bit": converting float pixels in [0, 1] to uint8 rounds them all to 0
    return pixels.reshape(shape[0], shape[1], pixels.shape[1]).astype(np.uint8)


@catalogue.wrong("upside_down")
def pixels_upside_down(pixels, shape):
    return pixels.reshape(shape[0], shape[1], pixels.shape[1])[::-1]


@catalogue.right("transpose_then_reshape")
def pixels_transpose_then_reshape(pixels, shape):
    H, W = shape[0], shape[1]
    C = pixels.shape[1]
    return pixels.T.reshape(C, H, W).transpose(1, 2, 0)
