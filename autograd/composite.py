"""Ops built from other ops: no derivative code of their own."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd.op import apply, raw
from autograd.tensor_ops import Axis, Concat, Where, _keepdims_shape

if TYPE_CHECKING:
    from autograd.tensor import Tensor

__all__ = ["concat", "log_softmax", "mean", "softmax", "stack", "where"]


def mean(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The mean over `axis`: a sum times 1/count."""
    count = x.size // max(1, math.prod(_keepdims_shape(x.shape, axis)))
    total: Tensor = x.sum(axis=axis, keepdims=keepdims) * (1.0 / max(count, 1))
    return total


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x) normalised along `axis`; finite for any finite input (via logsumexp)."""
    out: Tensor = log_softmax(x, axis).exp()
    return out


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """The log of softmax: x - logsumexp(x) along `axis`; finite for any finite input."""
    out: Tensor = x - x.logsumexp(axis=axis, keepdims=True)
    return out


def concat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis.

    Example:
        >>> from autograd import Tensor
        >>> concat([Tensor([1.0]), Tensor([2.0, 3.0])]).data
        array([1., 2., 3.])
    """
    if not tensors:
        raise ValueError("concat: expected at least one tensor, got none")
    out: Tensor = apply(Concat, *_as_tensors(tensors), axis=axis)
    return out


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis.

    Example:
        >>> from autograd import Tensor
        >>> stack([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])]).shape
        (2, 2)
    """
    if not tensors:
        raise ValueError("stack: expected at least one tensor, got none")
    ts = _as_tensors(tensors)
    shapes = {t.shape for t in ts}
    if len(shapes) > 1:
        raise ValueError(f"stack: expected tensors of one shape, got shapes {sorted(shapes)}")
    ndim = ts[0].ndim + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"stack: axis {axis} is out of range for {ndim} dimensions")
    axis %= ndim
    return concat([t.reshape(*t.shape[:axis], 1, *t.shape[axis:]) for t in ts], axis=axis)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Elementwise `a` where `cond` holds, else `b`; gradients flow to the chosen side.

    Example:
        >>> from autograd import Tensor
        >>> where(np.array([True, False]), Tensor([1.0, 2.0]), 0.0).data
        array([1., 0.])
    """
    mask = np.asarray(raw(cond), dtype=bool)
    a, b = _as_tensors([a, b])
    out: Tensor = apply(Where, a, b, cond=mask)
    return out


def _as_tensors(items: Sequence[Any]) -> list[Tensor]:
    from autograd.tensor import Tensor

    like = next((t for t in items if isinstance(t, Tensor)), None)
    if like is None:
        return [Tensor(t) for t in items]
    return [t if isinstance(t, Tensor) else Tensor._lift(t, like) for t in items]


def var(x: Tensor, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """The variance over `axis`: the mean squared deviation, divided by ``count - ddof``.

    With ``count <= ddof`` the result is nan, with a warning (numpy and PyTorch agree).
    """
    centre = x.mean(axis=axis, keepdims=True)
    count = x.size // max(1, centre.size)
    if count <= ddof:
        warnings.warn(
            f"var: {count} element(s) with ddof={ddof} leave no degrees of freedom; "
            "the result is nan",
            RuntimeWarning,
            stacklevel=3,
        )
    deviation = x - centre
    scale = 1.0 / (count - ddof) if count > ddof else math.nan
    out: Tensor = (deviation * deviation).sum(axis=axis, keepdims=keepdims) * scale
    return out
