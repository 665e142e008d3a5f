"""Ops built from other ops: no derivative code of their own.

This module sits below `autograd.tensor` (whose methods call it): it reaches the node kinds
only through their bound op families (`TensorOp.node_type`), never by import.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd import tensor_ops, value_ops
from autograd.engine import Node
from autograd.op import TensorOp, ValueOp, apply, raw
from autograd.tensor_ops import (
    Axis,
    Concat,
    SoftmaxCrossEntropy,
    Where,
    axes_of,
    check_int,
    shift,
)

Tensor = Any  # in annotations: the class is `TensorOp.node_type`, bound by autograd.tensor

__all__ = [
    "binary_cross_entropy",
    "concat",
    "log_softmax",
    "mean",
    "softmax",
    "softmax_cross_entropy",
    "stack",
    "std",
    "var",
    "where",
]


def mean(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The mean over `axis`: a sum times 1/count; nan over no elements, as numpy.

    float16 is summed in float32, as in PyTorch: its sums overflow at 65504.
    """
    if x.data.dtype == np.float16:
        half: Tensor = mean(x.astype(np.float32), axis, keepdims).astype(np.float16)
        return half
    count = _count("mean", x, axis)
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


def softmax_cross_entropy(logits: Tensor, target: Any) -> Tensor:
    """The mean over rows of ``-sum(target * log_softmax(logits))``, as one fused node.

    Stable for any finite logits, and its gradient is one subtraction,
    ``(softmax(logits) - target) / rows``: the ``probs - onehot`` of numpy tutorials.

    Args:
        logits: A Tensor of shape (..., C): a row of C class scores per sample.
        target: Class probabilities (one-hot rows) shaped like `logits`, or integer class
            indices shaped like ``logits.shape[:-1]``.

    Returns:
        A 0-d Tensor.

    Raises:
        TypeError: When `logits` is not a Tensor.
        ValueError: When there is no row or no class, the target's shape fits neither
            form, or an index is not an integer in range.

    Example:
        >>> from autograd import Tensor
        >>> loss = softmax_cross_entropy(Tensor([[0.0, 0.0], [3.0, -3.0]]), [1, 0])
        >>> round(loss.item(), 6)  # (log 2 + log(1 + e ** -6)) / 2
        0.347811
    """
    name = "softmax_cross_entropy"
    data = getattr(logits, "data", None)
    if not isinstance(logits, Node) or not isinstance(data, np.ndarray):
        raise TypeError(f"{name}: expected the logits as a Tensor, got {type(logits).__name__}")
    shape = data.shape
    if not shape or data.size == 0:
        raise ValueError(
            f"{name}: expected logits of shape (..., C) with at least one row and one class, "
            f"got shape {shape}"
        )
    _constant_target(name, target)
    t = target if type(target) is np.ndarray else np.asarray(raw(target))
    if t.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected the target as numbers, got dtype {t.dtype}")
    if t.shape == shape[:-1]:
        t = _one_hot(name, t, shape[-1])
    elif t.shape != shape:
        raise ValueError(
            f"{name}: logits have shape {shape} but target has shape {t.shape}; "
            f"expected probabilities of shape {shape} or class indices of shape {shape[:-1]}"
        )
    out: Tensor = apply(SoftmaxCrossEntropy, logits, target=t.astype(data.dtype, copy=False))
    return out


def binary_cross_entropy(prob: Any, target: Any) -> Any:
    """Elementwise ``-(t log p + (1 - t) log(1 - p))`` with PyTorch's clamps, as one node.

    Each log is clamped at -100 and the derivative ``(p - t) / (p (1 - p))`` has its
    denominator clamped at 1e-12, so a saturated probability (exactly 0 or 1, after a
    sigmoid of a huge logit) gives PyTorch's finite loss and gradient.

    Args:
        prob: A Value, or a Tensor of probabilities in [0, 1].
        target: A number for a Value; for a Tensor, numbers that broadcast to its shape.

    Returns:
        A Value, or a Tensor shaped like `prob` (take its ``mean()`` for the usual loss).

    Raises:
        TypeError: When `prob` is neither a Value nor a Tensor, or `target` requires grad.
        ValueError: When a probability or a target is outside [0, 1].

    Example:
        >>> from autograd import Value
        >>> round(binary_cross_entropy(Value(0.5), 1.0).data, 6)  # log 2
        0.693147
    """
    _constant_target("binary_cross_entropy", target)
    if isinstance(prob, TensorOp.node_type):
        t = np.broadcast_to(np.asarray(raw(target), dtype=prob.data.dtype), prob.data.shape)
        return apply(tensor_ops.BinaryCrossEntropy, prob, target=_probabilities(t))
    if isinstance(prob, ValueOp.node_type):
        t = _probabilities(np.asarray(float(raw(target))))
        return apply(value_ops.BinaryCrossEntropy, prob, target=float(t))
    raise TypeError(
        f"binary_cross_entropy: expected a Value or a Tensor of probabilities, "
        f"got {type(prob).__name__}"
    )


def _probabilities(t: np.ndarray) -> np.ndarray:
    """`t`, checked to be targets in [0, 1] (labels 1 and 2, or nan, are a bug: torch's check)."""
    bad = t[~((t >= 0) & (t <= 1))]
    if bad.size:
        raise ValueError(
            f"binary_cross_entropy: expected targets in [0, 1], got {float(bad.ravel()[0]):g}; "
            "use labels 0 and 1 (or probabilities)"
        )
    return t


def _constant_target(name: str, target: Any) -> None:
    """Refuse a target with a gradient to lose: the loss takes its target as a constant.

    A leaf Value (a label; every Value "requires grad") is a constant, as a number is.
    """
    if isinstance(target, TensorOp.node_type) and target.requires_grad:
        raise TypeError(
            f"{name}: the target requires grad, but gets none (it is a constant of the loss); "
            "pass target.detach() to use its values"
        )
    if isinstance(target, Node) and target._rule is not None:
        raise TypeError(
            f"{name}: the target was computed in a graph, which the loss would cut off "
            "silently (it is a constant of the loss); pass target.data to use its value"
        )


def _one_hot(name: str, indices: np.ndarray, classes: int) -> np.ndarray:
    bad = indices[(indices != np.round(indices)) | (indices < 0) | (indices >= classes)]
    if bad.size:
        raise ValueError(
            f"{name}: class indices must be integers in 0..{classes - 1}, "
            f"got {float(bad.ravel()[0]):g}"
        )
    return np.eye(classes)[indices.astype(np.intp)]


def concat(tensors: Sequence[Any], axis: int | None = 0) -> Tensor:
    """Join tensors along an existing axis (None: flattened first, as numpy).

    Example:
        >>> from autograd import Tensor
        >>> concat([Tensor([1.0]), Tensor([2.0, 3.0])]).data
        array([1., 2., 3.])
    """
    if len(tensors) == 0:  # (not `not tensors`: a Tensor of tensors has no truth value)
        raise ValueError("concat: expected at least one tensor, got none")
    ts = _as_tensors("concat", tensors)
    if axis is not None:
        check_int("concat", axis)
        axes_of("concat", axis, ts[0].shape)
    out: Tensor = apply(Concat, *ts, axis=axis)
    return out


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis.

    Example:
        >>> from autograd import Tensor
        >>> stack([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])]).shape
        (2, 2)
    """
    if len(tensors) == 0:  # (not `not tensors`: a Tensor of tensors has no truth value)
        raise ValueError("stack: expected at least one tensor, got none")
    ts = _as_tensors("stack", tensors)
    shapes = {t.shape for t in ts}
    if len(shapes) > 1:
        raise ValueError(f"stack: expected tensors of one shape, got shapes {sorted(shapes)}")
    ndim = ts[0].ndim + 1
    check_int("stack", axis)
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
    a, b = _as_tensors("where", [a, b])
    out: Tensor = apply(Where, a, b, cond=mask)
    return out


def _as_tensors(name: str, items: Sequence[Any]) -> list[Tensor]:
    """Tensors as they are, other data as constants; a Value raises (it would lose its graph)."""
    kind = TensorOp.node_type

    for item in items:
        if isinstance(item, Node) and not isinstance(item, kind):
            raise TypeError(
                f"{name}: expected Tensors, got a {type(item).__name__}, which would become a "
                "constant and "
                f"lose its gradient; pass Tensor(v.data) for a constant, or build with Tensors"
            )
    like = next((t for t in items if isinstance(t, kind)), None)
    if like is None:
        return [kind(t) for t in items]
    return [t if isinstance(t, kind) else kind._lift(t, like) for t in items]


def var(x: Tensor, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """The variance over `axis`: the mean squared deviation, divided by ``count - ddof``.

    With ``count <= ddof`` the result is nan, with a warning (numpy and PyTorch agree).
    """
    count = _count("var", x, axis)
    if count <= ddof:
        warnings.warn(
            f"var: {count} element(s) with ddof={ddof} leave no degrees of freedom; "
            "the result is nan",
            RuntimeWarning,
            stacklevel=3,
        )
    deviation = x - x.mean(axis=axis, keepdims=True)
    scale = 1.0 / (count - ddof) if count > ddof else math.nan
    out: Tensor = (deviation * deviation).sum(axis=axis, keepdims=keepdims) * scale
    return out


def std(x: Tensor, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """The standard deviation ``sqrt(var)``; its gradient is 0 where it is 0, as in PyTorch.

    (The chain rule alone would give sqrt'(0) * 0 = inf * 0 = nan for a constant row.)
    A reduction over elements so large that their squares could overflow is taken of x
    divided by a power of two, and multiplied back: exact, and finite where the result is.
    """
    axes = axes_of("std", axis, x.shape)
    scale = _overflow_scale(x.data, axes)
    if scale is not None:
        back = scale if keepdims else scale.reshape(np.sum(scale, axis=axes).shape)
        out: Tensor = std(x / scale, axis, keepdims, ddof) * back
        return out
    v = var(x, axis, keepdims, ddof)
    positive = v.data > 0
    root: Tensor = where(positive, where(positive, v, 1.0).sqrt(), v)
    return root


def _overflow_scale(data: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray | None:
    """Per reduction, a power of two near the largest |x| where x ** 2 could overflow (else 1).

    None when no reduction needs one (the usual case: the graph stays as it was).
    """
    largest = np.max(np.abs(data), axis=axes, keepdims=True, initial=0.0)
    big = np.isfinite(largest) & (largest > np.finfo(data.dtype).max ** 0.25)
    if not big.any():
        return None
    _, exponent = np.frexp(largest)  # largest = m * 2 ** exponent with 0.5 <= m < 1
    power = np.ldexp(np.ones_like(largest), exponent - 1)
    return np.where(big, power, 1.0).astype(data.dtype)


def _count(name: str, x: Tensor, axis: Axis) -> int:
    """How many elements each result of a reduction over `axis` takes (checking `axis`)."""
    axes = axes_of(name, axis, x.shape)
    return x.size if axes is None else math.prod(x.shape[a] for a in axes)
