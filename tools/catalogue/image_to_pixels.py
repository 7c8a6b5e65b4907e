"""Student solutions of ``image_to_pixels(image)``, wrong and right."""

from __future__ import annotations

import numpy as np

from . import LIST_HINT, LOOP_HINT, Catalogue

catalogue = Catalogue("image_to_pixels")


@catalogue.wrong("column_major", hint="walks down the columns first")
def pixels_column_major(image):
    return image.reshape(image.shape[0] * image.shape[1], image.shape[2], order="F")


@catalogue.wrong("transposed_axes", hint="swapping the height and width axes")
def pixels_transposed(image):
    return image.transpose(1, 0, 2).reshape(-1, image.shape[2])


@catalogue.wrong("hard_coded_128", kind="raises", hint="sizes do not multiply")
def pixels_hard_coded_128(image):
    return image.reshape(128 * 128, 3)


@catalogue.wrong("returns_input", hint="reshape returns a new array")
def pixels_returns_input(image):
    image.reshape(-1, image.shape[2])
    return image


@catalogue.wrong("three_channels")
def pixels_three_channels(image):
    return image.reshape(-1, 3)


@catalogue.wrong("flat_vector", hint="one long vector")
def pixels_flat(image):
    return image.reshape(-1)


@catalogue.wrong("channels_first", hint="(C, H * W) = (3, 6)")
def pixels_channels_first(image):
    return image.reshape(-1, image.shape[2]).T


@catalogue.wrong("reshapes_in_place", kind="mutation")
def pixels_reshapes_in_place(image):
    image.shape = (image.shape[0] * image.shape[1], image.shape[2])
    return image


@catalogue.wrong("square_assumption", kind="raises")
def pixels_square_assumption(image):
    H = image.shape[0]
    return image.reshape(H * H, image.shape[2])


@catalogue.wrong("tolist", hint=LIST_HINT)
def pixels_tolist(image):
    return image.reshape(-1, image.shape[2]).tolist()


@catalogue.wrong("nested_lists", hint=LIST_HINT)
def pixels_nested_lists(image):
    return [list(p) for row in image for p in row]


@catalogue.wrong("float32", hint="in dtype float32", not_hint=("row by row", "order"))
def pixels_float32(image):
    return image.reshape(-1, image.shape[2]).astype(np.float32)


@catalogue.wrong("wrong_signature", kind="signature", hint="def image_to_pixels(image):")
def pixels_wrong_signature(image, shape):
    return image.reshape(shape)


@catalogue.right("reshape_minus_one")
def pixels_reshape_minus_one(image):
    return image.reshape(-1, image.shape[-1])


@catalogue.right("np_reshape")
def pixels_np_reshape(image):
    H, W, C = image.shape
    return np.reshape(image, (H * W, C))


@catalogue.wrong("loops", kind="loop", hint=LOOP_HINT)
def pixels_loops(image):
    H, W, C = image.shape
    out = np.empty((H * W, C), dtype=image.dtype)
    for r in range(H):
        for c in range(W):
            out[r * W + c] = image[r, c]
    return out


@catalogue.right("ravel")
def pixels_ravel(image):
    return image.ravel().reshape(-1, image.shape[2])


@catalogue.wrong("list_wrapped_in_array", kind="loop", hint=LOOP_HINT)
def pixels_list_wrapped_in_array(image):
    return np.array([p for row in image for p in row])


@catalogue.wrong(
    "uint8_result",
    hint="a reshape only moves values",
    not_hint=("row by row", "order"),
    message="your values are not the input's values",
)
def pixels_uint8(image):
    # "pixels are 0 to 255": scaled and converted, so neither the values nor the dtype are kept
    return (image * 255).astype(np.uint8).reshape(-1, image.shape[2])


@catalogue.right("reshape_with_shape_unpacked")
def pixels_unpacked(image):
    height, width, channels = image.shape
    return image.reshape(height * width, channels)


# -- Attempts written for issue 19 from notebook 01's exercise text ------------------------


@catalogue.wrong(
    "unique_pixels",
)
def image_unique_pixels(image):
    # "one row per colour": np.unique drops repeated colours and sorts the rest
    return np.unique(image.reshape(-1, image.shape[2]), axis=0)


@catalogue.wrong(
    "sorted_columns",
)
def image_sorted_columns(image):
    return np.sort(image.reshape(-1, image.shape[2]), axis=0)


@catalogue.wrong("rows_bottom_up")
def image_rows_bottom_up(image):
    # the image's rows read from the bottom, as in a plot with origin="lower"
    return image[::-1].reshape(-1, image.shape[2])


@catalogue.wrong("tuple_with_shape", hint="a tuple of 2 values", not_hint=("np.array(",))
def image_tuple_with_shape(image):
    # keeps the shape for later, as pixels_to_image will need it
    H, W, C = image.shape
    return image.reshape(H * W, C), (H, W)


@catalogue.wrong("scaled_to_unit_range")
def image_scaled_to_unit_range(image):
    # "normalise the colours" on the way
    return image.reshape(-1, image.shape[2]) / 255


@catalogue.wrong("drops_last_image_row")
def image_drops_last_row(image):
    H, W, C = image.shape
    return image[: H - 1].reshape((H - 1) * W, C) if H > 1 else image.reshape(W, C)


@catalogue.right("channels_last_via_transpose")
def image_channels_last_via_transpose(image):
    C = image.shape[2]
    return image.transpose(2, 0, 1).reshape(C, -1).T
