"""Checks for the course's exercises: run a student's function, explain what is wrong.

Every exercise of the course has a check here, named after it::

    from kmeans_lab.checks import check_find_closest_centroids
    check_find_closest_centroids(find_closest_centroids)

How a check works
-----------------
1. It runs the student's function on a list of **fixed cases** designed to
   catch the usual mistakes (data with more than two features, so that an L1
   distance or ``np.sum(x - mu) ** 2`` gives different labels; ties; an empty
   cluster; non-square images; K = 1 ...), then on ``n_random`` **random
   cases** (drawn with ``numpy.random.default_rng(seed)``) compared against
   the course's reference implementation in :mod:`kmeans_lab`.
2. Every call gets *fresh copies* of its inputs; a function that changes its
   arguments in place (``rng.shuffle(X)``, ``X -= ...``) fails.
3. A function that delegates to the reference implementation of the same
   exercise fails too, whatever name it was imported under: the call runs
   under :func:`sys.setprofile`, which sees every Python frame entered (the
   previous profiler is restored afterwards), and recognises the course's
   functions by the file and line where they were defined
   (:mod:`.provenance`). Also forbidden: the course's
   other functions doing the same job (``kmeans_plusplus`` for
   ``init_centroids``, ``bits_per_index`` for ``compressed_bits``, the fast
   ``kmeans_lab.quantize`` code for the K-means steps) and, for
   ``run_kmeans``, a library K-means (scikit-learn, SciPy). ``run_kmeans``
   may call the reference ``find_closest_centroids`` and
   ``compute_centroids``: later notebooks hand them out.
4. On success a check returns a :class:`CheckResult`, which shows as one line
   (``find_closest_centroids: 13/13 checks passed``) in text and HTML.
   On the first failing case it raises :class:`CheckFailure`, an
   :class:`AssertionError` (so nbgrader deducts the cell's points) whose
   message names the case, shows what was expected and what came back
   (shape, dtype, values), points at the first mismatch and ends with one
   ``hint:`` line: a fact about the case, or a known mistake the function
   provably makes (it gives that mistake's output on every probe of the
   exercise, :mod:`.diagnosis`). In a notebook only that message is shown,
   not a traceback into this module.

:func:`student_or_reference` lets later cells of a notebook use the student's
function when it passes its check and the reference otherwise, so a
half-finished notebook still runs to the end.

The package
-----------
- :mod:`.registry` -- one record per exercise (parameters, points,
  reference, forbidden calls, hidden-test seed): every other part,
  the grader and the tests read it;
- :mod:`.runner` -- calls the student's function safely, case by case;
- :mod:`.provenance` -- recognises the course's own code (shared with
  :mod:`kmeans_lab.grading`);
- :mod:`.results`, :mod:`.messages`, :mod:`.answers` -- what a check returns,
  how values are shown, how a returned answer is inspected;
- one module per exercise (``image_to_pixels`` ... ``compressed_bits``), with
  its cases as module-level functions, its hints, its known mistakes and probes
  (:mod:`.diagnosis`) and its ``check_<exercise>``;
- :mod:`.fallback` -- :func:`student_or_reference`.

Nothing runs when the package is imported: each check builds its cases
when it is called.

Every check takes the keyword-only arguments ``n_random`` (number of random
cases, default 3) and ``seed`` (default 0), so hidden tests can run more
cases with other data: ``check_find_closest_centroids(f, n_random=25, seed=9173)``.

Examples
--------
>>> import numpy as np
>>> def find_closest_centroids(X, centroids):
...     distances = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
...     return np.argmin(distances, axis=1)
>>> check_find_closest_centroids(find_closest_centroids)
find_closest_centroids: 13/13 checks passed
"""

from __future__ import annotations

from .compressed_bits import check_compressed_bits
from .compute_centroids import check_compute_centroids
from .fallback import student_or_reference
from .find_closest_centroids import check_find_closest_centroids
from .image_to_pixels import check_image_to_pixels
from .init_centroids import check_init_centroids
from .inputs import case_inputs
from .pixels_to_image import check_pixels_to_image
from .registry import EXERCISES
from .results import CheckFailure, CheckResult
from .run_kmeans import check_run_kmeans

__all__ = [
    "CheckFailure",
    "CheckResult",
    "check_image_to_pixels",
    "check_pixels_to_image",
    "check_init_centroids",
    "check_find_closest_centroids",
    "check_compute_centroids",
    "check_run_kmeans",
    "check_compressed_bits",
    "student_or_reference",
    "case_inputs",
    "EXERCISES",
]
