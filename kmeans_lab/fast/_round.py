"""One Lloyd round's reassignment of the points (private).

After the centroids moved, a :class:`Round` holds what the round's tests need
(the new centroids, the distance from each to its nearest other one, the big
movers' tables) and reassigns the points one part at a time
(:meth:`Round.reassign`, run on the thread pool) in three steps:

1. :meth:`~Round.suspects`: the points whose bounds (:class:`._bounds.Bounds`)
   overlap, the only ones whose label may have changed;
2. :meth:`~Round.tighten`: their exact distance to their own centroid, a
   tighter upper bound; those it proves keep their label and new bounds;
3. :meth:`~Round.search`: the others are searched among all the centroids
   (:func:`._search.nearest_two`) or, for many centroids, among those near
   their own (:func:`._search.nearest_two_near`).

The labels are the same as measuring every point.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from numpy.typing import NDArray

from ._bounds import BOUND_EPS, Bounds, round_down
from ._movers import Movers
from ._search import Neighbours, centroid_gaps, nearest_two, nearest_two_near


class Round:
    """The reassignment of one Lloyd round.

    Parameters
    ----------
    number : int
        The round (1 for the first); stored in ``bounds.since``.
    points : :class:`._lloyd.Points`
    centroids : (K, 3) float64
        The centroids after this round's move.
    bounds : :class:`._bounds.Bounds`
        Already loosened by this round's moves; updated in place.
    movers : :class:`._movers.Movers`
    many : bool
        Search near each point's own centroid (Elkan) rather than among all K.

    Attributes
    ----------
    C32T : (3, K) float32
        The centroids transposed.
    near : :class:`._search.Neighbours` or None
        The centroids seen from each centroid (when ``many``).
    gap : (K,) float32
        Distance from each centroid to its nearest other one, rounded down: a
        point within ``u`` of its centroid is at least ``gap - u`` from any other.
    movers : :class:`._movers.MoverTests` or None
        The tests against the big movers (None when there are none).
    """

    def __init__(self, number, points, centroids, bounds: Bounds, movers: Movers, many: bool):
        self.number = bounds.since.dtype.type(number)
        self.points, self.C, self.bounds, self.many = points, centroids, bounds, many
        self.C32T = np.ascontiguousarray(centroids.T, dtype=np.float32)
        gaps = centroid_gaps(centroids)
        self.near = Neighbours(centroids, gaps) if many else None
        self.gap = round_down(self.near.by_gap[:, 1] if many else _nearest_gap(gaps))
        self.movers = movers.tests(gaps, self.gap, bounds) if movers.m else None

    def reassign(self, a: int, b: int):
        """Reassign the points ``a:b``; return the indices, new and old labels
        of those whose label changed."""
        todo, own = self.suspects(a, b)
        todo, own, d_own = self.tighten(todo, own)
        if not todo.size:
            return todo, own, own
        return self.search(todo, own, d_own)

    def suspects(self, a: int, b: int) -> tuple[NDArray[np.intp], NDArray]:
        """The points of ``a:b`` whose label may have changed, and their labels."""
        bounds = self.bounds
        own = bounds.labels[a:b]
        overlap = bounds.overlap(a, b)
        if self.movers is not None:
            # Hamerly's test failed only for the big movers left out of it?
            loose = bounds.upper[a:b] > self.movers.safe_upper[own]
            overlap &= loose
            check = np.flatnonzero(loose & ~overlap)
            fail = self.movers.still_overlap(bounds, check + a, own[check])
            overlap[check[fail]] = True
        todo = np.flatnonzero(overlap)
        own = own[todo]
        todo += a
        return todo, own

    def tighten(self, todo: NDArray[np.intp], own: NDArray):
        """Measure the points ``todo`` (labels ``own``) to their own centroid;
        keep the label of those whose new upper bound is below their lower
        bound. Returns the others, their labels and squared distances to
        their centroid (float32)."""
        d_own = self._distances_to_own(todo, own)
        upper = np.sqrt(d_own) * np.float32(1 + 1e-5) + BOUND_EPS
        lower = self.bounds.lower(todo, own)
        if self.movers is not None:
            self.movers.improve(lower, upper, self.bounds.since[todo], own)
        # Elkan's bound from the centroids' own spacing (Hamerly's s(a)/2 test)
        np.maximum(lower, self.gap[own] - upper, out=lower)
        keep = upper <= lower
        self.bounds.tighten(todo[keep], own[keep], upper[keep], lower[keep], self.number)
        rest = ~keep
        return todo[rest], own[rest], d_own[rest]

    def search(self, todo: NDArray[np.intp], own: NDArray, d_own: NDArray[np.float32]):
        """Search the closest centroid of the points ``todo`` (labels ``own``,
        squared distances ``d_own`` to them), set their bounds; return the
        indices, new and old labels of those whose label changed."""
        points = self.points
        exact = partial(_rows64_of, points, todo)
        x = np.take(points.XT, todo, axis=1)
        if self.many:
            new, d1, d2 = nearest_two_near(x, self.near, own, exact, d_own)
        else:
            new, d1, d2 = nearest_two(x, points.xx[todo], self.C, exact)
        return self.bounds.reset(todo, own, new, d1, d2, self.number)

    def _distances_to_own(self, todo, own) -> NDArray[np.float32]:
        """Squared float32 distances of the points ``todo`` to their centroids ``own``."""
        XT, C32T = self.points.XT, self.C32T
        d_own = np.zeros(todo.size, dtype=np.float32)
        for j in range(3):
            diff = XT[j].take(todo)
            diff -= C32T[j].take(own)
            diff *= diff
            d_own += diff
        return d_own


def _rows64_of(points, idx: NDArray[np.intp], near: NDArray[np.intp]) -> NDArray[np.float64]:
    """Exact float64 rows of the points ``idx[near]``."""
    return points.rows64(idx[near])


def _nearest_gap(gaps: NDArray) -> NDArray[np.float32]:
    """(K,) distance from each centroid to the nearest other one (inf if K = 1),
    from the (K, K) distances between the centroids."""
    gap = gaps.copy()
    np.fill_diagonal(gap, np.inf)
    return gap.min(axis=1).astype(np.float32)
