"""The centroids that moved most, kept out of Hamerly's lower bounds (private).

Hamerly's lower bound on a point's distance to every other centroid shrinks
each round by the largest move of any other centroid. With many centroids a
few of them move far more than the rest (on a 0.25 MP photo at K = 256, the
largest move of a round is 2 to 8 times the ninth largest), and they alone
make most points fail the test every round. So the ``m`` centroids that moved
most in a round (:data:`BIG_MOVERS`, at most K / 8) are left out of that
round's loosening, and each point whose bounds were last set in round
``rho`` is checked against the big movers of the rounds after ``rho``
instead, by the triangle inequality on the current centroids: a point within
``u`` of its centroid ``a`` is at least ``||c_a - c_j|| - u`` from centroid
``j``. Hamerly's own test (every other centroid, by its largest move) stays
valid as well, with the loosening left out since ``rho`` added back; a point
keeps its label if either proves it. :class:`Movers` keeps the rounds' big
movers and gives, for every ``rho`` and ``a``, the distance from ``c_a`` to
the nearest of them and the loosening left out since round ``rho``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._bounds import round_down, round_up

#: At most this many centroids (and K // 8) are left out of a round's loosening.
BIG_MOVERS = 8
#: Below this K, none: the test costs more passes over the points than it saves.
MIN_K = 64


class Movers:
    """The big movers of every round of one run of Lloyd's algorithm.

    Parameters
    ----------
    K : int
        Number of centroids.
    """

    def __init__(self, K: int):
        self.K = K
        self.m = min(BIG_MOVERS, K // 8) if K >= MIN_K else 0
        self.rounds: list[NDArray[np.intp]] = []
        # Hamerly's loosening less ours, summed over the rounds, after each round
        self.left_out = [np.zeros(K)]

    def drop(self, delta: NDArray[np.float64]) -> NDArray[np.float64]:
        """Record a round's moves ``delta`` (K,); return the loosening of the
        lower bound of the points of each centroid: the largest move of
        another centroid that is not one of the round's big movers."""
        K, m = self.K, self.m
        order = np.argsort(delta)
        self.rounds.append(order[K - m :])
        drop = _largest_other(delta, order[: K - m])
        full = _largest_other(delta, order)  # Hamerly's: the largest other move
        self.left_out.append(self.left_out[-1] + (full - drop))
        return drop

    def left_out_since(self) -> NDArray[np.float64]:
        """(R + 1, K) after R rounds: row ``rho``, column ``a``, how much more
        Hamerly's loosening (the largest move of any other centroid) than
        :meth:`drop`'s took off the lower bound of the points of ``a`` in
        rounds ``rho + 1`` to ``R``."""
        return self.left_out[-1] - np.array(self.left_out)

    def reach(self, gaps: NDArray[np.float64]) -> NDArray[np.float64]:
        """(R + 1, K) after R rounds: row ``rho``, column ``a``, the distance
        from centroid ``a`` to the nearest other big mover of rounds ``rho +
        1`` to ``R`` (inf if none), from the (K, K) distances ``gaps``
        between the current centroids."""
        R = len(self.rounds)
        out = np.full((R + 1, self.K), np.inf)
        if self.m == 0:
            return out
        others = gaps.copy()
        np.fill_diagonal(others, np.inf)
        for q in range(R, 0, -1):
            np.minimum(out[q], others[:, self.rounds[q - 1]].min(axis=1), out=out[q - 1])
        return out

    def tests(self, gaps: NDArray[np.float64], gap: NDArray[np.float32], bounds) -> MoverTests:
        """This round's :class:`MoverTests`, from the (K, K) distances ``gaps``
        between the current centroids, each centroid's distance ``gap`` (K,)
        to its nearest other one (rounded down) and the :class:`._bounds.Bounds`."""
        moved, drift = bounds.moved, bounds.drift
        reach = round_down(self.reach(gaps))
        left_out = self.left_out_since()
        return MoverTests(
            K=self.K,
            safe_upper=round_down(0.5 * gap - moved),
            reach=reach,
            safe_upper_since=round_down(0.5 * reach - moved),
            loosening_since=round_up(moved + drift + left_out),
            left_out=round_up(left_out),
        )


@dataclass(frozen=True)
class MoverTests:
    """The tests of one round for the points whose bounds overlap only
    because of the big movers: tables per centroid, and per (round ``rho``
    in which a point's bounds were last set, centroid), float32 rounded to
    the safe side.

    Attributes
    ----------
    K : int
    safe_upper : (K,)
        A point of centroid ``a`` whose stored upper bound is at most
        ``safe_upper[a]`` (half the gap to the nearest other centroid, less
        ``moved[a]``) keeps its label.
    reach : (R + 1, K)
        :meth:`Movers.reach`: distance from ``a`` to the nearest big mover
        since ``rho``.
    safe_upper_since : (R + 1, K)
        The same test as ``safe_upper`` against the big movers since ``rho``.
    loosening_since : (R + 1, K)
        Hamerly's full loosening since the bounds were set: ``moved + drift``
        plus what was left out since ``rho``.
    left_out : (R + 1, K)
        :meth:`Movers.left_out_since`.
    """

    K: int
    safe_upper: NDArray[np.float32]
    reach: NDArray[np.float32]
    safe_upper_since: NDArray[np.float32]
    loosening_since: NDArray[np.float32]
    left_out: NDArray[np.float32]

    def cells(self, since: NDArray, labels: NDArray) -> NDArray[np.intp]:
        """Flat indices of (``since``, ``labels``) into the (R + 1, K) tables,
        for ``np.take``."""
        cell = since.astype(np.intp)
        cell *= self.K
        cell += labels
        return cell

    def still_overlap(self, bounds, idx, own) -> NDArray[np.bool_]:
        """Of the points ``idx`` (labels ``own``) that passed the test against
        the big movers, those that fail it against the big movers since
        their bounds were set, and Hamerly's full test as well."""
        cell = self.cells(bounds.since[idx], own)
        upper = bounds.upper[idx]
        fail = upper > np.take(self.safe_upper_since, cell)
        fail &= bounds.slack[idx] < np.take(self.loosening_since, cell)
        return fail

    def improve(self, lower, upper, since, own) -> None:
        """Raise, in place, the lower bounds ``lower`` of points at most
        ``upper`` from their centroid ``own``, bounds set in round ``since``:
        the nearest big mover's distance less ``upper``, or Hamerly's bound."""
        cell = self.cells(since, own)
        reach, left_out = np.take(self.reach, cell), np.take(self.left_out, cell)
        np.maximum(np.minimum(lower, reach - upper), lower - left_out, out=lower)


def _largest_other(delta: NDArray[np.float64], ranked: NDArray[np.intp]) -> NDArray[np.float64]:
    """(K,) for each centroid, the largest move ``delta`` among the centroids
    ``ranked`` (sorted by move, not empty) other than itself."""
    out = np.full(delta.shape[0], delta[ranked[-1]])
    if ranked.size > 1:
        out[ranked[-1]] = delta[ranked[-2]]
    return out
