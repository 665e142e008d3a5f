"""Small toy data sets for classification demos, and a mini-batch iterator.

Every generator is seeded (``numpy.random.default_rng(seed)``), so the same call gives the
same arrays on every machine. Each returns ``(X, y)``: ``X`` a float64 array of shape
``(points, features)``, ``y`` an int64 array of shape ``(points,)`` of class labels.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["and_gate", "batches", "circles", "moons", "spiral", "xor"]

Seed = int | np.random.Generator | None


def _check_count(name: str, arg: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n <= 0:
        raise ValueError(f"{name}: {arg} must be a positive int, got {n!r}")
    return int(n)


def _generator(name: str, seed: Seed) -> np.random.Generator:
    """``numpy.random.default_rng(seed)``, or a ValueError naming `name` for a bad seed."""
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError):  # numpy's message names neither the function nor the fix
        raise ValueError(
            f"{name}: seed must be an int >= 0, a numpy.random.Generator or None, got {seed!r}"
        ) from None


def _check_noise(name: str, noise: Any) -> float:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or noise < 0:
        raise ValueError(f"{name}: noise must be a number >= 0, got {noise!r}")
    if not math.isfinite(noise):  # nan or inf would give points of nan or inf
        raise ValueError(f"{name}: noise must be finite (a standard deviation), got {noise!r}")
    return float(noise)


def moons(n: int, noise: float = 0.1, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's ``make_moons``).

    Args:
        n: The total number of points: ``n // 2`` on the upper moon (label 0), the rest
            on the lower one (label 1).
        noise: The standard deviation of Gaussian noise added to each coordinate.
        seed: Seed or generator for ``numpy.random.default_rng``.

    Returns:
        ``(X, y)``: X of shape (n, 2), float64; y of shape (n,), int64, in {0, 1}.
        The points come shuffled.

    Raises:
        ValueError: For ``n <= 0``, a negative or non-finite noise, or a bad seed.

    Example:
        >>> X, y = moons(100)
        >>> X.shape, y.shape, sorted(set(y.tolist()))
        ((100, 2), (100,), [0, 1])
    """
    n = _check_count("moons", "n", n)
    noise = _check_noise("moons", noise)
    rng = _generator("moons", seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    X = np.concatenate(
        [
            np.stack([np.cos(t_out), np.sin(t_out)], axis=1),
            np.stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    X = X + rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def circles(
    n: int, noise: float = 0.05, factor: float = 0.5, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A small circle inside a large one (as scikit-learn's ``make_circles``).

    Args:
        n: The total number of points: ``n // 2`` on the outer circle (label 0), the rest
            on the inner one (label 1).
        noise: The standard deviation of Gaussian noise added to each coordinate.
        factor: The inner circle's radius (the outer one's is 1), in (0, 1).
        seed: Seed or generator for ``numpy.random.default_rng``.

    Returns:
        ``(X, y)``: X of shape (n, 2), float64; y of shape (n,), int64, in {0, 1}.
        The points come shuffled.

    Raises:
        ValueError: For ``n <= 0``, a negative or non-finite noise, a factor outside
            (0, 1), or a bad seed.

    Example:
        >>> X, y = circles(10, noise=0.0)
        >>> np.round(np.hypot(X[:, 0], X[:, 1]), 6)[np.argsort(y)].tolist()
        [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5]
    """
    n = _check_count("circles", "n", n)
    noise = _check_noise("circles", noise)
    if not isinstance(factor, numbers.Real) or not 0 < factor < 1:
        raise ValueError(f"circles: factor must be in (0, 1), got {factor!r}")
    rng = _generator("circles", seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0.0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0.0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate(
        [
            np.stack([np.cos(t_out), np.sin(t_out)], axis=1),
            factor * np.stack([np.cos(t_in), np.sin(t_in)], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    X = X + rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def spiral(n: int, classes: int = 3, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the cs231n data set).

    As in cs231n, `n` counts the points of **each** class: ``spiral(100, classes=3)``
    has 300 points. Arm ``j`` has radii ``linspace(0, 1, n)`` and angles
    ``linspace(4j, 4(j + 1), n)`` plus Gaussian noise of standard deviation 0.2.

    Args:
        n: Points per class.
        classes: The number of arms (classes).
        seed: Seed or generator for ``numpy.random.default_rng``.

    Returns:
        ``(X, y)``: X of shape (n * classes, 2), float64; y of shape (n * classes,),
        int64, in ``0 .. classes - 1``, ordered class by class as in cs231n.

    Raises:
        ValueError: For ``n <= 0``, ``classes <= 0`` or a bad seed.

    Example:
        >>> X, y = spiral(100, classes=3)
        >>> X.shape, np.bincount(y).tolist()
        ((300, 2), [100, 100, 100])
    """
    n = _check_count("spiral", "n", n)
    classes = _check_count("spiral", "classes", classes)
    rng = _generator("spiral", seed)
    X = np.zeros((n * classes, 2))
    y = np.zeros(n * classes, dtype=np.int64)
    for j in range(classes):
        rows = slice(n * j, n * (j + 1))
        r = np.linspace(0.0, 1.0, n)
        t = np.linspace(j * 4.0, (j + 1) * 4.0, n) + rng.normal(scale=0.2, size=n)
        X[rows] = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        y[rows] = j
    return X, y


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table.

    Returns:
        ``(X, y)``: X = [[0, 0], [0, 1], [1, 0], [1, 1]] (float64), y = [0, 1, 1, 0]
        (int64).

    Example:
        >>> xor()[1].tolist()
        [0, 1, 1, 0]
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0, 1, 1, 0], dtype=np.int64)


def and_gate() -> tuple[np.ndarray, np.ndarray]:
    """The AND truth table.

    Returns:
        ``(X, y)``: X = [[0, 0], [0, 1], [1, 0], [1, 1]] (float64), y = [0, 0, 0, 1]
        (int64).

    Example:
        >>> and_gate()[1].tolist()
        [0, 0, 0, 1]
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0, 0, 0, 1], dtype=np.int64)


def batches(
    X: Any, y: Any, batch_size: int, shuffle: bool = True, seed: Seed = 0
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Mini-batches ``(Xb, yb)`` covering every row once; the last one may be smaller.

    Args:
        X: Inputs, indexed by their first axis (an array or anything ``np.asarray`` takes).
        y: Targets with as many rows as `X`.
        batch_size: Rows per batch.
        shuffle: Visit the rows in a random order (else in order).
        seed: Seed or generator for ``numpy.random.default_rng``. Pass one generator
            to successive calls to get a new order each epoch, still reproducibly.

    Returns:
        An iterator of ``(Xb, yb)`` array pairs.

    Raises:
        ValueError: For ``batch_size <= 0``, a 0-d or ragged `X` or `y`, `X` and `y` of
            different lengths, or a bad seed.

    Example:
        >>> X, y = np.arange(10).reshape(5, 2), np.arange(5)
        >>> [yb.tolist() for _, yb in batches(X, y, 2, shuffle=False)]
        [[0, 1], [2, 3], [4]]
    """
    batch_size = _check_count("batches", "batch_size", batch_size)
    X, y = _rows("batches", "X", X), _rows("batches", "y", y)
    if len(X) != len(y):
        raise ValueError(
            f"batches: X and y must have the same number of rows, got {len(X)} and {len(y)}"
        )
    order = _generator("batches", seed).permutation(len(X)) if shuffle else np.arange(len(X))
    # Checked above, iterated below: errors surface at the call, not at the first batch.
    return _iterate(X, y, order, batch_size)


def _rows(name: str, arg: str, data: Any) -> np.ndarray:
    """`data` as an array with a first axis (one row per sample), or a ValueError."""
    try:
        arr = np.asarray(data)
    except ValueError:  # a ragged list
        raise ValueError(
            f"{name}: {arg} must be a rectangular array (every row the same length), got "
            "rows of different lengths"
        ) from None
    if arr.ndim == 0:
        raise ValueError(
            f"{name}: {arg} must have a first axis, one row per sample, got "
            f"{type(data).__name__} {data!r} (0-d)"
        )
    return arr


def _iterate(
    X: np.ndarray, y: np.ndarray, order: np.ndarray, batch_size: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start in range(0, len(X), batch_size):
        rows = order[start : start + batch_size]
        yield X[rows], y[rows]
