"""Functions that make Tensors: `maximum`/`minimum` of two operands, and the constructors.

Example:
    >>> x = randn(2, 3, seed=0, requires_grad=True)
    >>> maximum(x, zeros_like(x)).shape
    (2, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.op import binary
from autograd.tensor import Tensor
from autograd.tensor_ops import Maximum, Minimum

__all__ = [
    "arange",
    "eye",
    "full",
    "maximum",
    "minimum",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "zeros",
    "zeros_like",
]

Shape = int | tuple[int, ...]


def maximum(a: Any, b: Any) -> Tensor:
    """The elementwise larger of `a` and `b` (Tensors, arrays or numbers), broadcast.

    Where they tie, each side gets half the gradient, as in PyTorch.
    """
    out: Tensor = binary(Maximum, *_one_tensor("maximum", a, b))
    return out


def minimum(a: Any, b: Any) -> Tensor:
    """The elementwise smaller of `a` and `b`; ties share the gradient equally."""
    out: Tensor = binary(Minimum, *_one_tensor("minimum", a, b))
    return out


def _one_tensor(name: str, a: Any, b: Any) -> tuple[Any, Any]:
    """`a` and `b`, with `a` made a Tensor when neither is one (binary needs a node)."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a)
    return a, b


def zeros(shape: Shape, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A Tensor of zeros."""
    return Tensor(np.zeros(shape, dtype), requires_grad=requires_grad, dtype=dtype)


def ones(shape: Shape, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A Tensor of ones."""
    return Tensor(np.ones(shape, dtype), requires_grad=requires_grad, dtype=dtype)


def full(shape: Shape, fill: float, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A Tensor with every element `fill`."""
    return Tensor(np.full(shape, fill, dtype), requires_grad=requires_grad, dtype=dtype)


def eye(
    n: int, m: int | None = None, dtype: Any = np.float64, requires_grad: bool = False
) -> Tensor:
    """The (n, m) identity matrix (square by default)."""
    return Tensor(np.eye(n, m, dtype=dtype), requires_grad=requires_grad, dtype=dtype)


def arange(*args: float, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A floating Tensor of ``np.arange(stop)`` or ``np.arange(start, stop[, step])``."""
    return Tensor(np.arange(*args, dtype=dtype), requires_grad=requires_grad, dtype=dtype)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and, by default, the dtype) of `t` (a Tensor or an array)."""
    data = t.data if isinstance(t, Tensor) else np.asarray(t)
    return zeros(data.shape, dtype or _float_dtype(data), requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and, by default, the dtype) of `t` (a Tensor or an array)."""
    data = t.data if isinstance(t, Tensor) else np.asarray(t)
    return ones(data.shape, dtype or _float_dtype(data), requires_grad)


def randn(
    *shape: int, seed: int | None = None, dtype: Any = np.float64, requires_grad: bool = False
) -> Tensor:
    """Standard normal samples; `seed` makes them repeatable (numpy's ``default_rng``)."""
    data = np.random.default_rng(seed).standard_normal(shape)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def rand(
    *shape: int, seed: int | None = None, dtype: Any = np.float64, requires_grad: bool = False
) -> Tensor:
    """Uniform samples in [0, 1); `seed` makes them repeatable (numpy's ``default_rng``)."""
    data = np.random.default_rng(seed).random(shape)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def _float_dtype(data: np.ndarray) -> Any:
    return data.dtype if data.dtype.kind == "f" else np.float64
