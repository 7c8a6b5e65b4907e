"""Student solutions of ``compressed_bits(n_pixels, K)``, wrong and right."""

from __future__ import annotations

import math

import numpy as np

import kmeans_lab

from . import Catalogue

catalogue = Catalogue("compressed_bits")


@catalogue.wrong("no_palette", hint="add the palette")
def bits_no_palette(n_pixels, K):
    return n_pixels * math.ceil(math.log2(K))


@catalogue.wrong("no_ceil", hint="round log2 K up", not_hint=("math.ceil", "24 * 3 + 100"))
def bits_no_ceil(n_pixels, K):
    return 24 * K + n_pixels * math.log2(K)


@catalogue.wrong("floor_not_ceil", hint="one bit too few")
def bits_floor(n_pixels, K):
    return 24 * K + n_pixels * math.floor(math.log2(K))


@catalogue.wrong("log2_K_minus_1", hint="yours is 172")
def bits_log2_k_minus_1(n_pixels, K):
    return 24 * K + n_pixels * math.ceil(math.log2(K - 1))


@catalogue.wrong("float_result", hint="return an int", message="expected 272 (int)")
def bits_float_result(n_pixels, K):
    return 24 * K + n_pixels * np.ceil(np.log2(K))


@catalogue.wrong("8_bits_per_colour", hint="3 x 8 = 24 bits")
def bits_8_per_colour(n_pixels, K):
    return 8 * K + n_pixels * math.ceil(math.log2(K))


@catalogue.wrong("K1_at_least_one_bit", hint="K = 1")
def bits_at_least_one(n_pixels, K):
    return 24 * K + n_pixels * max(1, math.ceil(math.log2(K)))


@catalogue.wrong("bit_length_of_K", hint="the bits the largest index needs")
def bits_bit_length_of_K(n_pixels, K):
    return 24 * K + n_pixels * K.bit_length()


@catalogue.wrong("floor_plus_one")
def bits_floor_plus_one(n_pixels, K):
    return 24 * K + n_pixels * (int(np.log2(K)) + 1)


@catalogue.wrong("palette_per_pixel", hint="not for each pixel")
def bits_palette_per_pixel(n_pixels, K):
    return 24 * n_pixels + n_pixels * math.ceil(math.log2(K))


@catalogue.wrong("returns_bytes")
def bits_returns_bytes(n_pixels, K):
    return (24 * K + n_pixels * math.ceil(math.log2(K))) // 8


@catalogue.wrong("calls_bits_per_index", kind="provenance")
def bits_calls_bits_per_index(n_pixels, K):
    return 24 * K + n_pixels * kmeans_lab.bits_per_index(K)


@catalogue.wrong("calls_reference", kind="provenance")
def bits_calls_reference(n_pixels, K):
    return kmeans_lab.compressed_bits(n_pixels, K)


@catalogue.wrong("extra_parameter", kind="signature", hint="def compressed_bits(n_pixels, K):")
def bits_extra_parameter(n_pixels, K, bits_per_colour):
    return bits_per_colour * K + n_pixels * (K - 1).bit_length()


@catalogue.right("math_ceil_log2")
def bits_math(n_pixels, K):
    return 24 * K + n_pixels * math.ceil(math.log2(K))


@catalogue.right("bit_length")
def bits_bit_length(n_pixels, K):
    return 24 * K + n_pixels * (K - 1).bit_length()


@catalogue.right("counting_loop")
def bits_counting_loop(n_pixels, K):
    bits = 0
    while 2**bits < K:
        bits += 1
    return 24 * K + n_pixels * bits


@catalogue.right("numpy_int")
def bits_numpy_int(n_pixels, K):
    return np.int64(24 * K + n_pixels * int(np.ceil(np.log2(K))))


# -- Attempts written for issue 19 from notebook 05's exercise text ------------------------


@catalogue.wrong(
    "natural_log", hint="yours is 49536 (int), which is 384 + 16384 x 3", not_hint=("too few",)
)
def bits_natural_log(n_pixels, K):
    return 24 * K + n_pixels * math.ceil(np.log(K))


@catalogue.wrong("round_not_ceil")
def bits_round_not_ceil(n_pixels, K):
    return 24 * K + n_pixels * round(math.log2(K))


@catalogue.wrong("palette_in_bytes")
def bits_palette_in_bytes(n_pixels, K):
    # 3 bytes a colour, but counted as 3
    return 3 * K + n_pixels * math.ceil(math.log2(K))


@catalogue.wrong("int_log2_plus_one")
def bits_int_log2_plus_one(n_pixels, K):
    return 24 * K + n_pixels * (int(math.log2(K)) + 1)


@catalogue.wrong("log10", not_hint=("too few",))
def bits_log10(n_pixels, K):
    return 24 * K + n_pixels * math.ceil(math.log10(K))


@catalogue.wrong("tuple_palette_and_indices", hint="a tuple of 2 values")
def bits_tuple_palette_and_indices(n_pixels, K):
    return 24 * K, n_pixels * math.ceil(math.log2(K))
