"""One fact, one place: conventions shared by the public functions (#9).

- The initialisation methods are the names of ``kmeans_lab.kmeans.INIT_METHODS``:
  ``compress_image``, ``quantize``, ``fit_palette`` and the command line offer
  exactly those, and refuse any other name with the same message.
"""

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
    got = kl.compress_image(IMAGE, 4, init=name, seed=3)
    np.testing.assert_array_equal(got.palette, expected.palette)
    np.testing.assert_array_equal(got.labels, expected.labels)


@pytest.mark.parametrize("name", list(INIT_METHODS))
def test_quantize_accepts_every_init_method(name):
    assert kl.quantize(IMAGE, 4, init=name, seed=0).n_colors == 4


def test_the_command_line_offers_the_init_methods():
    compress = next(a for a in build_parser()._actions if a.dest == "command").choices["compress"]
    init = next(a for a in compress._actions if a.dest == "init")
    assert list(init.choices) == list(INIT_METHODS)
    assert init.default in INIT_METHODS
