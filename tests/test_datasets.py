import numpy as np
import pytest

import kmeans_lab as kl


@pytest.mark.parametrize("name", kl.sample_image_names())
def test_every_bundled_image_loads(name):
    image = kl.load_sample_image(name)
    assert image.dtype == np.float64 and image.ndim == 3 and image.shape[2] == 3
    assert 0.0 <= image.min() < image.max() <= 1.0
    if name.startswith("course"):
        assert image.shape == (128, 128, 3)
    else:
        assert min(image.shape[:2]) >= 256  # "a few hundred pixels a side"


def test_bundle_is_small_and_documented():
    paths = [kl.sample_image_path(n) for n in kl.sample_image_names()]
    assert sum(p.stat().st_size for p in paths) < 1_000_000
    readme = (paths[0].parent / "README.md").read_text()
    for p in paths:
        assert p.name in readme
    assert "CC0" in readme and "public domain" in readme


def test_unknown_name_lists_the_available_ones():
    with pytest.raises(ValueError, match="available: course, course_jpeg, chelsea"):
        kl.load_sample_image("lena")
