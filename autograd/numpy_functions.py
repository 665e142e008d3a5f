"""numpy's array functions on Tensors: the rules `Tensor.__array_function__` dispatches to.

``np.dot(X, W)``, ``np.sum(t, axis=1, keepdims=True)`` and the rest call the Tensor's own
methods and functions, so the tutorials' numpy builds the same graph as the Tensor API. A
function missing here raises `TypeError` (see `op.refusal`): numpy must never fall back to
an object array of Tensors. The ufuncs (``np.exp``, ``np.maximum``, ``np.matmul``) have their
table beside their ops, in `tensor_ops.UFUNCS`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd import composite
from autograd.op import binary, raw
from autograd.tensor_ops import Axis, MatMul, Mul, check_int

__all__ = ["ACCEPTED", "FUNCTIONS"]


def _dot(a: Any, b: Any) -> Any:
    """``np.dot``: a product when either side is 0-d, else a matrix product."""
    if np.ndim(raw(a)) == 0 or np.ndim(raw(b)) == 0:
        return binary(Mul, a, b)
    if np.ndim(raw(b)) > 2:
        raise TypeError(
            f"np.dot: no rule for a right operand with {np.ndim(raw(b))} dimensions on Tensors "
            "(np.dot pairs every row of a with every matrix of b); use a @ b, which batches "
            "the leading axes, or reshape to 2-D first"
        )
    return binary(MatMul, a, b)


def _sum(a: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return a.sum(axis=axis, keepdims=keepdims)


def _mean(a: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return a.mean(axis=axis, keepdims=keepdims)


def _max(a: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return a.max(axis=axis, keepdims=keepdims)


def _min(a: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return a.min(axis=axis, keepdims=keepdims)


def _var(a: Any, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> Any:
    return a.var(axis=axis, ddof=ddof, keepdims=keepdims)


def _std(a: Any, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> Any:
    return a.std(axis=axis, ddof=ddof, keepdims=keepdims)


def _argmax(a: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    return a.argmax(axis=axis, keepdims=keepdims)


def _argmin(a: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    return a.argmin(axis=axis, keepdims=keepdims)


def _reshape(a: Any, shape: Any) -> Any:
    return a.reshape(shape)


def _transpose(a: Any, axes: Sequence[int] | None = None) -> Any:
    return a.transpose(*(axes or ()))


def _concatenate(arrays: Sequence[Any], axis: int = 0) -> Any:
    return composite.concat(arrays, axis=axis)


def _stack(arrays: Sequence[Any], axis: int = 0) -> Any:
    return composite.stack(arrays, axis=axis)


def _where(condition: Any, x: Any = None, y: Any = None) -> Any:
    if x is None and y is None:  # the indices where the condition holds: no node
        return np.where(raw(condition))
    return composite.where(condition, x, y)


def _clip(a: Any, a_min: Any = None, a_max: Any = None) -> Any:
    return a.clip(a_min, a_max)


def _squeeze(a: Any, axis: Axis = None) -> Any:
    return a.squeeze(axis)


def _expand_dims(a: Any, axis: int | Sequence[int]) -> Any:
    """``np.expand_dims``: each axis is a position in the result, as numpy counts them."""
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    ndim = a.ndim + len(axes)
    for ax in axes:
        check_int("expand_dims", ax, axis)
        if not -ndim <= ax < ndim:
            raise ValueError(f"expand_dims: axis {ax} is out of range for {ndim} dimensions")
    places = {int(ax) % ndim for ax in axes}
    if len(places) != len(axes):
        raise ValueError(f"expand_dims: axis {axis} names an axis twice")
    for ax in sorted(places):  # in increasing order, each is already its final position
        a = a.unsqueeze(ax)
    return a


def _zeros_like(a: Any, dtype: Any = None) -> Any:
    return type(a)(np.zeros_like(a.data, dtype=dtype))


def _ones_like(a: Any, dtype: Any = None) -> Any:
    return type(a)(np.ones_like(a.data, dtype=dtype))


def _on_data(function: Callable[..., Any]) -> Callable[..., Any]:
    """A numpy function that reads the data only (shapes, closeness): no node, no gradient."""

    def rule(*args: Any, **kwargs: Any) -> Any:
        return function(*[raw(a) for a in args], **{k: raw(v) for k, v in kwargs.items()})

    return rule


_DATA_ONLY = (np.shape, np.ndim, np.size, np.allclose, np.isclose, np.array_equal)

FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.dot: _dot,
    np.sum: _sum,
    np.mean: _mean,
    np.max: _max,
    np.amax: _max,
    np.min: _min,
    np.amin: _min,
    np.var: _var,
    np.std: _std,
    np.argmax: _argmax,
    np.argmin: _argmin,
    np.reshape: _reshape,
    np.transpose: _transpose,
    np.concatenate: _concatenate,
    np.stack: _stack,
    np.where: _where,
    np.clip: _clip,
    np.squeeze: _squeeze,
    np.expand_dims: _expand_dims,
    np.zeros_like: _zeros_like,
    np.ones_like: _ones_like,
    **{f: _on_data(f) for f in _DATA_ONLY},
}
"""The rule for each numpy array function on Tensors."""

ACCEPTED: dict[Any, set[str] | None] = {
    f: None if f in _DATA_ONLY else set(inspect.signature(rule).parameters)
    for f, rule in FUNCTIONS.items()
}
"""The keyword arguments each rule takes (None: any); others (``out=``) are refused."""
