"""The studio's seeded generator (mulberry32, src/lowrank/random.ts), bit for bit.

Its state only ever grows by a constant, so the k-th draw is a function of k: draws are computed
in bulk with numpy, which keeps He-normal initialisation of large nets fast.
"""

import math

import numpy as np

MASK = 0xFFFFFFFF
INCREMENT = 0x6D2B79F5


def _imul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b) & MASK


def _outputs(states: np.ndarray) -> np.ndarray:
    t = states.astype(np.uint64)
    t = _imul(t ^ (t >> np.uint64(15)), t | np.uint64(1))
    t = t ^ ((t + _imul(t ^ (t >> np.uint64(7)), t | np.uint64(61))) & MASK)
    return ((t ^ (t >> np.uint64(14))) & MASK).astype(np.float64) / 4294967296.0


class Random:
    """Uniform, integer and normal draws identical to the TypeScript Random."""

    def __init__(self, state: int) -> None:
        self.state = int(state) & MASK

    def uniforms(self, count: int) -> np.ndarray:
        """The next `count` values of next(), in [0, 1)."""
        steps = np.arange(1, count + 1, dtype=np.uint64)
        states = (np.uint64(self.state) + steps * np.uint64(INCREMENT)) & MASK
        self.state = (self.state + count * INCREMENT) & MASK
        return _outputs(states)

    def next(self) -> float:
        return float(self.uniforms(1)[0])

    def int(self, n: int) -> int:
        return math.floor(self.next() * n)

    def normals(self, count: int) -> np.ndarray:
        """`count` draws of normal() (two uniforms each, Box-Muller's cosine branch)."""
        pairs = self.uniforms(2 * count).reshape(count, 2)
        u = 1.0 - pairs[:, 0]
        return np.sqrt(-2.0 * np.log(u)) * np.cos(2.0 * math.pi * pairs[:, 1])

    def permutation(self, n: int) -> np.ndarray:
        """Fisher-Yates as the TypeScript one: the same draws, the same swaps."""
        order = np.arange(n, dtype=np.int64)
        if n < 2:
            return order
        draws = self.uniforms(n - 1)
        sizes = np.arange(n, 1, -1)
        picks = np.floor(draws * sizes).astype(np.int64)
        for i, j in zip(range(n - 1, 0, -1), picks.tolist()):
            order[i], order[j] = order[j], order[i]
        return order
