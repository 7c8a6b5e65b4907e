"""The exercise registry: every fact about an exercise, in one record.

The checks (:mod:`kmeans_lab.checks`), the hidden tests
(:mod:`kmeans_lab.grading`), the tests of the course and the README's points
table all read these records; nothing else spells out an exercise's
parameters, points, reference implementation or forbidden calls.

Examples
--------
>>> from kmeans_lab.checks.registry import REGISTRY
>>> exercise = REGISTRY["find_closest_centroids"]
>>> exercise.params, exercise.points, exercise.notebook
(('X', 'centroids'), 3, '03_find_closest_centroids')
>>> exercise.forbidden
('kmeans_lab.kmeans.find_closest_centroids',)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "EXERCISES",
    "REGISTRY",
    "Exercise",
    "COURSE_FAST",
    "LIBRARIES",
    "LIBRARY_KMEANS",
    "LIBRARY_NEAREST",
    "points_summary",
]

#: Modules whose code a K-means step must not run: the course's fast
#: quantizer does every step at once.
COURSE_FAST: tuple[str, ...] = ("kmeans_lab.fast",)

#: Library code that does a K-means step's whole job (a library K-means computes every step).
#: Computing distances is allowed (``scipy.spatial.distance.cdist``,
#: ``sklearn.metrics.pairwise_distances``): the student still chooses the closest centroid.
LIBRARY_KMEANS: tuple[str, ...] = ("sklearn.cluster", "scipy.cluster")
#: ... and library calls that find each point's closest centroid at once.
LIBRARY_NEAREST: tuple[str, ...] = (
    "sklearn.metrics.pairwise_distances_argmin",
    "sklearn.metrics.pairwise_distances_argmin_min",
    "sklearn.neighbors",
    "scipy.spatial.KDTree",
    "scipy.spatial.cKDTree",
)

#: Library packages with a K-means of their own, and their names in messages.
LIBRARIES: Mapping[str, str] = MappingProxyType({"sklearn": "scikit-learn", "scipy": "SciPy"})


@dataclass(frozen=True)
class Exercise:
    """One exercise of the course.

    Attributes
    ----------
    name : str
        The function the student writes, e.g. ``"run_kmeans"``; its check is
        ``check_<name>``.
    notebook : str
        The notebook (without ``.ipynb``) whose solution cell defines it.
    params : tuple of str
        The parameters of the student's function, in order.
    points : int
        Points of its check cell in nbgrader.
    reference : str
        Dotted name of the course's reference implementation.
    also_forbidden : tuple of str
        Other course functions doing the same job, which a student's
        version must not call (dotted names).
    forbidden_modules : tuple of str
        Module prefixes whose code a student's version must not run.
    uses : tuple of str
        Other reference functions the check computes expected values with
        (the hidden tests verify they were not replaced).
    hidden_seed, hidden_n_random : int
        The arguments of the hidden test in the check cell.
    """

    name: str
    notebook: str
    params: tuple[str, ...]
    points: int
    reference: str
    also_forbidden: tuple[str, ...] = ()
    forbidden_modules: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    hidden_seed: int = 0
    hidden_n_random: int = 25

    @property
    def check_name(self) -> str:
        """``check_<name>``, the function a notebook's check cell calls."""
        return f"check_{self.name}"

    @property
    def forbidden(self) -> tuple[str, ...]:
        """Dotted names of the course functions a student's version must not call."""
        return (self.reference,) + self.also_forbidden

    @property
    def relies_on(self) -> tuple[str, ...]:
        """Dotted names of every course function the check trusts."""
        return self.forbidden + self.uses

    def reference_function(self) -> Callable:
        """The reference implementation itself (imported on first use)."""
        return resolve(self.reference)

    def signature(self) -> str:
        """``def name(a, b):``, the line that starts the student's function."""
        return f"def {self.name}({', '.join(self.params)}):"

    def hidden_call(self) -> str:
        """The hidden test's line in the check cell."""
        return (
            f'hidden_check("{self.name}", {self.name}, n_random={self.hidden_n_random}, '
            f"seed={self.hidden_seed})"
        )


def resolve(dotted: str) -> Callable:
    """The object a dotted name ``package.module.function`` names."""
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


_KMEANS = "kmeans_lab.kmeans."
_IMAGE_IO = "kmeans_lab.image_io."
_COMPRESSION = "kmeans_lab.compression."

_EXERCISES = (
    Exercise(
        name="image_to_pixels",
        notebook="01_load_and_reshape",
        params=("image",),
        points=1,
        reference=_IMAGE_IO + "image_to_pixels",
        hidden_seed=101,
    ),
    Exercise(
        name="pixels_to_image",
        notebook="01_load_and_reshape",
        params=("pixels", "shape"),
        points=1,
        reference=_IMAGE_IO + "pixels_to_image",
        hidden_seed=102,
    ),
    Exercise(
        name="init_centroids",
        notebook="02_init_centroids",
        params=("X", "K", "rng"),
        points=2,
        reference=_KMEANS + "init_centroids",
        also_forbidden=(_KMEANS + "kmeans_plusplus",),
        forbidden_modules=LIBRARY_KMEANS + COURSE_FAST,
        hidden_seed=202,
    ),
    Exercise(
        name="find_closest_centroids",
        notebook="03_find_closest_centroids",
        params=("X", "centroids"),
        points=3,
        reference=_KMEANS + "find_closest_centroids",
        forbidden_modules=LIBRARY_KMEANS + LIBRARY_NEAREST + COURSE_FAST,
        hidden_seed=303,
    ),
    Exercise(
        name="compute_centroids",
        notebook="04_compute_centroids",
        params=("X", "labels", "centroids"),
        points=3,
        reference=_KMEANS + "compute_centroids",
        # sklearn.neighbors.NearestCentroid computes the centroids of labelled points
        forbidden_modules=LIBRARY_KMEANS + ("sklearn.neighbors",) + COURSE_FAST,
        hidden_seed=404,
    ),
    Exercise(
        name="run_kmeans",
        notebook="04_compute_centroids",
        params=("X", "initial_centroids", "max_iters"),
        points=2,
        reference=_KMEANS + "run_kmeans",
        # A library K-means does every step at once; the reference steps
        # find_closest_centroids and compute_centroids are allowed (notebook 04
        # hands them out), and the check computes with them.
        forbidden_modules=LIBRARY_KMEANS + COURSE_FAST,
        uses=(_KMEANS + "find_closest_centroids", _KMEANS + "compute_centroids"),
        hidden_seed=405,
    ),
    Exercise(
        name="compressed_bits",
        notebook="05_compress_image",
        params=("n_pixels", "K"),
        points=1,
        reference=_COMPRESSION + "compressed_bits",
        also_forbidden=(_COMPRESSION + "bits_per_index",),
        hidden_seed=505,
    ),
)

#: Every exercise by name, in course order.
REGISTRY: Mapping[str, Exercise] = MappingProxyType({e.name: e for e in _EXERCISES})

#: The exercises that have a check, in course order.
EXERCISES: tuple[str, ...] = tuple(REGISTRY)


def points_summary() -> str:
    """The README's sentence of points, e.g. ``The 13 points: `image_to_pixels` 1, ...``.

    Examples
    --------
    >>> points_summary()[:40]
    'The 13 points: `image_to_pixels` 1, `pix'
    """
    total = sum(e.points for e in REGISTRY.values())
    parts = ", ".join(f"`{e.name}` {e.points}" for e in REGISTRY.values())
    return f"The {total} points: {parts}."
