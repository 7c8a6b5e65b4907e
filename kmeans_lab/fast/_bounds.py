"""Hamerly's bounds on every point's distances to the centroids (private).

Lloyd's reassignment need not measure a point whose label provably cannot
change. Hamerly (2010) keeps two bounds per point: an upper bound ``u`` on
its distance to its own centroid, and a lower bound ``l`` on its distance to
every other centroid. When the centroids move, ``u`` grows by the move of
the point's centroid and ``l`` shrinks by the largest move of another one;
while ``u <= l`` the label stands.

Both loosenings depend on the point's label only, so :class:`Bounds` keeps
them per centroid, summed over the rounds (``moved`` and ``drift``), and a
point stores its bounds relative to them: ``upper = u - moved[label]`` and
``slack = (l + drift[label]) - upper``. A round then touches one float32
and one label per point: the bounds overlap when ``slack < moved[label] +
drift[label]`` (:attr:`Bounds.loosening`). The bounds are float32 with
margins (:data:`BOUND_EPS`, :func:`round_down`) so that float32 rounding
never lets a point be skipped that should have been measured.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._colours import label_dtype
from ._search import _SQ_EPS

#: Safety margin of the float32 bounds (distances in [0, 1] units).
BOUND_EPS = np.float32(4e-6)


def round_down(x: NDArray) -> NDArray[np.float32]:
    """float32 values at most ``x`` less a margin for the rounding of float32
    distances (relative 1e-6 and :data:`BOUND_EPS`); inf stays inf."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):  # inf stays inf
        x = np.where(np.isfinite(x), x - np.abs(x) * 1e-6, x) - float(BOUND_EPS)
    return np.nextafter(x.astype(np.float32), np.float32(-np.inf))


def round_up(x: NDArray) -> NDArray[np.float32]:
    """The float32 just above ``x`` (float64): a point is skipped only when
    float32 proves it safe."""
    return np.nextafter(x.astype(np.float32), np.float32(np.inf))


def from_distances(d1_sq, d2_sq):
    """``(upper, slack)`` from the squared distances to the closest and the
    second closest centroid: an upper bound on the distance to the closest,
    and a lower bound on the distance to the second closest less that upper
    bound, both safe against float32 rounding."""
    upper = np.sqrt(d1_sq + np.float32(_SQ_EPS))
    slack = np.sqrt(np.maximum(d2_sq - np.float32(_SQ_EPS), 0.0))
    slack -= upper
    return upper, slack


class Bounds:
    """Every point's label and Hamerly's bounds on it, during one Lloyd run.

    Parameters
    ----------
    n, K : int
        Numbers of points and centroids.
    max_iter : int
        Lloyd rounds at most (``since`` holds 0 to ``max_iter``).

    Attributes
    ----------
    labels : (n,) unsigned integer
        Each point's centroid.
    upper : (n,) float32
        Upper bound on the distance to its centroid, less ``moved[label]``.
    slack : (n,) float32
        Lower bound on the distance to any other centroid, plus
        ``drift[label]``, less ``upper``.
    since : (n,) unsigned integer
        The round in which the point's bounds were last set (0: the first
        assignment); see :mod:`._movers`.
    moved : (K,) float64
        How far each centroid moved, summed over the rounds.
    drift : (K,) float64
        Per centroid, the largest move of another centroid (big movers left
        out, :meth:`._movers.Movers.drop`), summed over the rounds.
    moved32, drift32 : (K,) float32
        The same, rounded to float32.
    loosening : (K,) float32
        ``moved + drift`` rounded up: a point whose ``slack`` is below
        ``loosening[label]`` may have changed label.
    """

    def __init__(self, n: int, K: int, max_iter: int):
        self.labels = np.empty(n, dtype=label_dtype(K))
        self.upper = np.empty(n, dtype=np.float32)
        self.slack = np.empty(n, dtype=np.float32)
        self.since = np.zeros(n, dtype=label_dtype(max_iter + 1))
        self.moved = np.zeros(K)
        self.drift = np.zeros(K)
        self.moved32 = self.drift32 = self.loosening = None

    def set_first(self, a: int, b: int, labels, d1_sq, d2_sq) -> None:
        """The first assignment of the points ``a:b`` (``labels``, squared
        distances to the closest and second closest centroid)."""
        self.labels[a:b] = labels
        self.upper[a:b], self.slack[a:b] = from_distances(d1_sq, d2_sq)

    def loosen(self, moves: NDArray[np.float64], drop: NDArray[np.float64]) -> None:
        """After the centroids moved by ``moves`` (K,): ``drop`` (K,) is how
        much the lower bounds of each centroid's points shrink."""
        self.moved += moves
        self.drift += drop
        self.loosening = round_up(self.moved + self.drift)
        self.moved32 = self.moved.astype(np.float32)
        self.drift32 = self.drift.astype(np.float32)

    def overlap(self, a: int, b: int) -> NDArray[np.bool_]:
        """(b - a,) whether the points ``a:b`` fail Hamerly's test: their
        label may have changed."""
        return self.slack[a:b] < self.loosening[self.labels[a:b]]

    def lower(self, idx: NDArray[np.intp], own: NDArray) -> NDArray[np.float32]:
        """Lower bound on the distance of the points ``idx`` (labels ``own``)
        to every other centroid (big movers left out: :mod:`._movers`)."""
        return self.slack[idx] + self.upper[idx] - self.drift32[own] - BOUND_EPS

    def tighten(self, idx, own, upper, lower, round_no) -> None:
        """Store the bounds ``upper`` and ``lower`` (float32, distances) of the
        points ``idx`` that keep their label ``own``, set in round ``round_no``."""
        self.upper[idx] = upper - self.moved32[own] + BOUND_EPS
        self.slack[idx] = lower + self.drift32[own] - self.upper[idx] - BOUND_EPS
        self.since[idx] = round_no

    def reset(self, idx, own, new, d1_sq, d2_sq, round_no):
        """After a search: the points ``idx`` (labels ``own``) are closest to
        ``new``, at squared distances ``d1_sq`` and ``d2_sq`` from their two
        closest centroids. Returns the indices, new and old labels of the
        points whose label changed."""
        upper, slack = from_distances(d1_sq, d2_sq)
        self.upper[idx] = upper - self.moved[new].astype(np.float32) + BOUND_EPS
        loosening = (self.drift[new] + self.moved[new]).astype(np.float32)
        self.slack[idx] = slack + loosening - BOUND_EPS
        self.since[idx] = round_no
        changed = new != own
        moved = idx[changed]
        self.labels[moved] = new[changed]
        return moved, new[changed], own[changed]

    def forget(self, i: int, label: int) -> None:
        """Point ``i`` was given to centroid ``label`` (an empty cluster's):
        its label is decided afresh in the next round."""
        self.labels[i] = label
        self.slack[i] = -np.inf
