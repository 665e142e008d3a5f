"""Ops built from other ops: no derivative code of their own."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd.op import apply, raw
from autograd.tensor_ops import Axis, Concat, Where, _keepdims_shape, axes_of, shift

if TYPE_CHECKING:
    from autograd.tensor import Tensor

__all__ = ["concat", "log_softmax", "mean", "softmax", "stack", "where"]


def mean(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The mean over `axis`: a sum times 1/count; nan over no elements, as numpy."""
    count = x.size // max(1, math.prod(_keepdims_shape(x.shape, axes_of("mean", axis, x.shape))))
    if count == 0:
        warnings.warn("mean: the mean of an empty tensor is nan", RuntimeWarning, stacklevel=3)
    total: Tensor = x.sum(axis=axis, keepdims=keepdims) * (1.0 / count if count else math.nan)
    return total


def softmax(x: Tensor, axis: Axis = -1) -> Tensor:
    """exp(x) normalised along `axis`, computed from ``x - max(x)``: exact for any finite x."""
    e: Tensor = (x - shift(x.data, axes_of("softmax", axis, x.shape))).exp()
    if e.size == 0:  # nothing to normalise (and no 1 / 0 to warn about)
        return e
    out: Tensor = e / e.sum(axis=axis, keepdims=True)
    return out


def log_softmax(x: Tensor, axis: Axis = -1) -> Tensor:
    """The log of softmax along `axis`, computed from ``x - max(x)``: exact for any finite x.

    ``x - logsumexp(x)`` would lose the digits of x below the rounding of a large logsumexp
    (at 1e16 a row of softmax summed to 0.42). The shift is a constant of the graph: the
    result does not depend on it, so no gradient needs to flow through the maximum.
    """
    shifted = x - shift(x.data, axes_of("log_softmax", axis, x.shape))
    out: Tensor = shifted - shifted.logsumexp(axis=axis, keepdims=True)
    return out


def concat(tensors: Sequence[Any], axis: int | None = 0) -> Tensor:
    """Join tensors along an existing axis (None: flattened first, as numpy).

    Example:
        >>> from autograd import Tensor
        >>> concat([Tensor([1.0]), Tensor([2.0, 3.0])]).data
        array([1., 2., 3.])
    """
    if not tensors:
        raise ValueError("concat: expected at least one tensor, got none")
    ts = _as_tensors(tensors)
    if axis is not None:
        axes_of("concat", axis, ts[0].shape)
    return apply(Concat, *ts, axis=axis)


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
    return apply(Where, a, b, cond=mask)


def _as_tensors(items: Sequence[Any]) -> list[Tensor]:
    from autograd.tensor import Tensor

    like = next((t for t in items if isinstance(t, Tensor)), None)
    if like is None:
        return [Tensor(t) for t in items]
    return [t if isinstance(t, Tensor) else Tensor._lift(t, like) for t in items]
