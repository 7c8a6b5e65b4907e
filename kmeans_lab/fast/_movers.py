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

import numpy as np
from numpy.typing import NDArray

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


def _largest_other(delta: NDArray[np.float64], ranked: NDArray[np.intp]) -> NDArray[np.float64]:
    """(K,) for each centroid, the largest move ``delta`` among the centroids
    ``ranked`` (sorted by move, not empty) other than itself."""
    out = np.full(delta.shape[0], delta[ranked[-1]])
    if ranked.size > 1:
        out[ranked[-1]] = delta[ranked[-2]]
    return out
