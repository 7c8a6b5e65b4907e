"""One fact, one place: conventions shared by the public functions (#9).

- The initialisation methods are the names of ``kmeans_lab.kmeans.INIT_METHODS``:
  ``compress_image``, ``quantize``, ``fit_palette`` and the command line offer
  exactly those, and refuse any other name with the same message.
- Arguments are checked by ``kmeans_lab._validation`` alone, with one rule: the
  wrong *type* raises TypeError, the right type with a wrong *value* ValueError;
  ``quantize``, ``dither`` and ``compress_image`` check images alike.
- Randomness is ``rng=`` (an int seed, a numpy Generator, or None; Scientific
  Python SPEC 7), default 0; ``seed=``, its old name, still works for one
  release with a DeprecationWarning, and gives the same results.
"""

import inspect
import warnings

import numpy as np
import pytest

import kmeans_lab as kl
from kmeans_lab.cli import build_parser
from kmeans_lab.fast import palette
from kmeans_lab.kmeans import INIT_METHODS

IMAGE = kl.load_sample_image()[::8, ::8]  # 16 x 16


# ------------------------------------------------------------------ init names


def test_the_fast_path_has_a_weighted_version_of_every_init_method():
    assert list(palette._WEIGHTED_INITS) == list(INIT_METHODS)


@pytest.mark.parametrize("function", [kl.compress_image, kl.quantize, kl.fit_palette])
def test_an_unknown_init_name_gets_the_same_message_everywhere(function):
    with pytest.raises(ValueError) as info:
        function(IMAGE, 4, init="kmeans++")
    assert str(info.value) == "init must be one of 'k-means++', 'random', got 'kmeans++'"


@pytest.mark.parametrize("name", list(INIT_METHODS))
def test_compress_image_runs_the_init_method_of_the_table(name):
    X = kl.image_to_pixels(IMAGE)
    initial = INIT_METHODS[name](X, 4, np.random.default_rng(3))
    expected = kl.CompressedImage.from_kmeans(*kl.run_kmeans(X, initial, 10), IMAGE.shape)
    got = kl.compress_image(IMAGE, 4, init=name, rng=3)
    np.testing.assert_array_equal(got.palette, expected.palette)
    np.testing.assert_array_equal(got.labels, expected.labels)


@pytest.mark.parametrize("name", list(INIT_METHODS))
def test_quantize_accepts_every_init_method(name):
    assert kl.quantize(IMAGE, 4, init=name, rng=0).n_colors == 4


def test_the_command_line_offers_the_init_methods():
    compress = next(a for a in build_parser()._actions if a.dest == "command").choices["compress"]
    init = next(a for a in compress._actions if a.dest == "init")
    assert list(init.choices) == list(INIT_METHODS)
    assert init.default in INIT_METHODS


# --------------------------------------- wrong type -> TypeError, wrong value -> ValueError

GOOD = np.zeros((4, 4, 3))
PALETTE = np.array([[0.0, 0, 0], [1, 1, 1]])


@pytest.mark.parametrize(
    "call, error, message",
    [
        # wrong type: TypeError (each of these was a ValueError, or passed, before #9)
        (lambda: kl.quantize(GOOD, tol="0.1"), TypeError, "tol must be a number, got '0.1' (str)"),
        (lambda: kl.quantize(GOOD, tol=True), TypeError, "tol must be a number, got True (bool)"),
        (
            lambda: kl.quantize(GOOD, 1, init=None),
            TypeError,
            "init must be an array of RGB colours",
        ),
        (
            lambda: kl.quantize(GOOD, 1, init=np.zeros((1, 3), complex)),
            TypeError,
            "init must be an array of RGB colours",
        ),
        (lambda: kl.compress_image("photo.png", 2), TypeError, "load_image"),
        (
            lambda: kl.compress_image(None, 2),
            TypeError,
            "image must be an array of shape (H, W, 3)",
        ),
        (lambda: kl.compress_image(GOOD, 2, init=None), TypeError, "init must be a string"),
        (lambda: kl.dither("photo.png", PALETTE), TypeError, "load_image"),
        (
            lambda: kl.dither(GOOD, [["a", "b", "c"]]),
            TypeError,
            "palette must be an array of RGB colours",
        ),
        (lambda: kl.dither(GOOD, None), TypeError, "palette must be an array of RGB colours"),
        (
            lambda: kl.CompressedImage.from_kmeans(PALETTE, [0, 1], ("a", 2)),
            TypeError,
            "shape must be a tuple of integers",
        ),
        (
            lambda: kl.CompressedImage.from_kmeans(PALETTE, [0, 1], (1.5, 2)),
            TypeError,
            "shape must be a tuple of integers",
        ),
        (
            lambda: kl.CompressedImage.load_png(kl.sample_image_path("course"), max_pixels="x"),
            TypeError,
            "max_pixels must be an integer",
        ),
        # the same image checks for quantize, dither and compress_image
        (
            lambda: kl.quantize(np.zeros((4, 4, 3), np.int64)),
            TypeError,
            "uint8 in [0, 255] or float",
        ),
        (
            lambda: kl.dither(np.zeros((4, 4, 3), np.int64), PALETTE),
            TypeError,
            "uint8 in [0, 255] or float",
        ),
        (
            lambda: kl.compress_image(np.zeros((4, 4, 3), np.int64), 2),
            TypeError,
            "uint8 in [0, 255] or float",
        ),
        # right type, wrong value: ValueError
        (lambda: kl.quantize(GOOD, tol=-1.0), ValueError, "tol must be a finite number >= 0"),
        (
            lambda: kl.quantize(GOOD, 2, init=[[0, 0, 0], [2, 0, 0]]),
            ValueError,
            "colours in [0, 1]",
        ),
        (lambda: kl.dither(GOOD, PALETTE * 2), ValueError, "palette must be colours in [0, 1]"),
        (lambda: kl.dither(GOOD, np.zeros((0, 3))), ValueError, "with 1 <= K <= 256"),
        (
            lambda: kl.dither(np.zeros((4, 4)), PALETTE),
            ValueError,
            "a grey image needs three channels",
        ),
        (
            lambda: kl.compress_image(np.zeros((4, 4)), 2),
            ValueError,
            "a grey image needs three channels",
        ),
        (lambda: kl.compress_image(GOOD + 2, 2), ValueError, "must lie in [0, 1]"),
        (
            lambda: kl.CompressedImage.from_kmeans(PALETTE, [0, 1], (1, 2, 4)),
            ValueError,
            "shape must be (H, W) or (H, W, 3)",
        ),
    ],
)
def test_wrong_type_is_a_TypeError_and_wrong_value_a_ValueError(call, error, message):
    with pytest.raises(Exception) as info:
        call()
    assert info.type is error, f"{info.type.__name__}: {info.value}"
    assert message in str(info.value)


# ----------------------------------------------------------------- rng, seed

RANDOMISED = [kl.compress_image, kl.quantize, kl.fit_palette]


def _arrays(result):
    """What a result is made of: palette and labels, or centroids and labels."""
    if isinstance(result, kl.CompressedImage):
        return result.palette, result.labels
    return result.centroids, result.labels


def _assert_same(a, b):
    for x, y in zip(_arrays(a), _arrays(b)):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("function", RANDOMISED, ids=lambda f: f.__name__)
def test_rng_is_the_randomness_parameter_and_defaults_to_seed_0(function):
    parameters = inspect.signature(function).parameters
    assert parameters["rng"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["rng"].default == 0 and repr(parameters["rng"].default) == "0"
    assert list(parameters)[-1] == "seed"  # the deprecated alias comes last
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rng= and the default warn about nothing
        _assert_same(function(IMAGE, 4), function(IMAGE, 4, rng=0))
        _assert_same(function(IMAGE, 4, rng=5), function(IMAGE, 4, rng=np.random.default_rng(5)))
        function(IMAGE, 4, rng=None)  # fresh randomness


@pytest.mark.parametrize("function", RANDOMISED, ids=lambda f: f.__name__)
@pytest.mark.parametrize("value", [0, 3, "generator"])
def test_seed_still_works_with_a_deprecation_warning_and_the_same_result(function, value):
    def given():
        return np.random.default_rng(11) if value == "generator" else value

    with pytest.warns(
        DeprecationWarning, match=rf"^{function.__name__}: seed= is deprecated .* use rng="
    ) as caught:
        old = function(IMAGE, 4, seed=given())
    assert len(caught) == 1
    assert caught[0].filename == __file__  # the warning points at the caller's line
    _assert_same(old, function(IMAGE, 4, rng=given()))


@pytest.mark.parametrize("function", RANDOMISED, ids=lambda f: f.__name__)
@pytest.mark.parametrize("rng", [0, 1, np.random.default_rng(1)], ids=["0", "1", "generator"])
def test_rng_and_seed_together_is_a_TypeError(function, rng):
    with pytest.raises(TypeError, match=rf"^{function.__name__}: give rng= only"):
        function(IMAGE, 4, rng=rng, seed=1)


@pytest.mark.parametrize("function", RANDOMISED, ids=lambda f: f.__name__)
def test_a_bad_rng_or_seed_is_named_in_the_message(function):
    with pytest.raises(TypeError, match="^rng must be a numpy.random.Generator or an int seed"):
        function(IMAGE, 4, rng="zero")
    with pytest.raises(ValueError, match="^rng must be a non-negative seed"):
        function(IMAGE, 4, rng=-1)
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="^seed must be"):
        function(IMAGE, 4, seed="zero")
