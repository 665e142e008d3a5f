"""Loss functions for Tensors and for lists of Values, each the mean over the batch.

Each loss takes a prediction and a target. A `Tensor` prediction gives a one-element
Tensor; a list of `Value` predictions (one per sample, or one list per sample for
several outputs) gives a Value, built with Value ops so `backward` reaches every
parameter. Targets may be Tensors, numpy arrays or (nested) lists of numbers; they are
constants, never differentiated.

A target whose shape differs from the prediction's only by size-1 axes, such as labels
of shape (N,) for scores of shape (N, 1), is reshaped to the prediction's shape; any
other difference raises `ValueError` naming the loss and both shapes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Tensor, Value
from autograd.engine import Node

__all__ = ["binary_cross_entropy", "cross_entropy", "hinge_loss", "l1_loss", "mse_loss"]

# ---------------------------------------------------------------------- helpers


def _as_array(name: str, target: Any) -> np.ndarray:
    """A target (Tensor, array, number or nested list of numbers) as a float64 array.

    Refuses what is not numbers (None would become nan) and graph nodes (a target is a
    constant: a Value or a Tensor that requires grad would be detached silently).
    """
    detach = (
        f"{name}: the target is part of a graph (it requires grad), but a loss's target is a "
        "constant and would be detached silently; pass target.detach() (or plain numbers)"
    )
    if isinstance(target, Tensor) and not target.requires_grad:
        target = target.data
    elif isinstance(target, Node):
        raise TypeError(detach)
    try:
        arr = np.asarray(target)  # no dtype yet: None or a Value becomes an object array
    except ValueError:  # a ragged list
        arr = np.asarray(None)
    if arr.dtype == object:
        items = arr.ravel().tolist()
        if any(isinstance(v, Node) for v in items):
            raise TypeError(detach)
        if all(isinstance(v, numbers.Real) for v in items):  # Fractions: numbers after all
            arr = arr.astype(np.float64)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name}: expected the target as numbers (a Tensor, array or list), "
            f"got {type(target).__name__} (dtype {arr.dtype})"
        )
    return arr.astype(np.float64)


def _value_grid(name: str, pred: Any) -> tuple[list[Any], tuple[int, ...]]:
    """Flatten a Value, a list of Values or a list of lists of Values, with its shape."""
    if isinstance(pred, Value):
        return [pred], ()
    if not isinstance(pred, Sequence) or isinstance(pred, str):
        raise TypeError(
            f"{name}: expected a Tensor, a Value or a list of Values, got {type(pred).__name__}"
        )
    rows = list(pred)
    if rows and all(isinstance(r, Sequence) and not isinstance(r, str) for r in rows):
        widths = {len(r) for r in rows}
        if len(widths) != 1:
            raise ValueError(f"{name}: rows of pred have different lengths {sorted(widths)}")
        return [v for r in rows for v in r], (len(rows), widths.pop())
    return rows, (len(rows),)


def _match(name: str, pred_shape: tuple[int, ...], target: np.ndarray) -> np.ndarray:
    """The target reshaped to the prediction's shape, or a ValueError naming both."""
    if target.shape == pred_shape:
        return target
    squeeze = tuple(d for d in target.shape if d != 1)
    if squeeze == tuple(d for d in pred_shape if d != 1):
        return target.reshape(pred_shape)
    raise ValueError(
        f"{name}: pred has shape {pred_shape} but target has shape {target.shape}; "
        "expected the same shape (or one differing only by axes of size 1)"
    )


def _mean(name: str, terms: list[Any]) -> Value:
    """The mean of a list of Values (sum from the first term: no extra 0 + node)."""
    if not terms:
        raise ValueError(f"{name}: got an empty batch")
    total: Value = sum(terms[1:], terms[0])
    return total if len(terms) == 1 else total * (1.0 / len(terms))


def _as_pred_tensor(pred: Any) -> Tensor | None:
    """The prediction as a Tensor (an array becomes a constant one), or None for Values."""
    if isinstance(pred, Tensor):
        return pred
    if isinstance(pred, np.ndarray):
        return Tensor(pred)
    return None


def _tensor_target(name: str, pred: Tensor, target: Any) -> np.ndarray:
    """The target as an array of the prediction's shape and dtype."""
    return _match(name, pred.shape, _as_array(name, target)).astype(pred.dtype, copy=False)


def _check_nonempty(name: str, pred: Tensor) -> None:
    if pred.size == 0:
        raise ValueError(f"{name}: got an empty batch")


def _check_probabilities(name: str, target: np.ndarray) -> None:
    bad = target[~((target >= 0) & (target <= 1))]
    if bad.size:
        raise ValueError(
            f"{name}: targets must be in [0, 1] (as in PyTorch), got {float(bad.ravel()[0]):g}"
        )


def _check_labels(name: str, labels: np.ndarray) -> None:
    bad = labels[(labels != 1) & (labels != -1)]
    if bad.size:
        raise ValueError(
            f"{name}: labels must be -1 or +1, got {float(bad.ravel()[0]):g}; "
            "map 0/1 labels with 2 * y - 1"
        )


# ---------------------------------------------------------------------- losses


def mse_loss(pred: Any, target: Any) -> Any:
    """Mean squared error, ``mean((pred - target) ** 2)`` over every element.

    Args:
        pred: A Tensor, or a Value / list of Values / list of lists of Values.
        target: Numbers of the same shape.

    Returns:
        A one-element Tensor, or a Value.

    Raises:
        ValueError: When the shapes differ (beyond axes of size 1).

    Example:
        >>> from autograd import Value
        >>> mse_loss([Value(1.0), Value(3.0)], [0.0, 1.0]).data
        2.5
    """
    return _elementwise_mean("mse_loss", pred, target, lambda d: d**2)


def binary_cross_entropy(prob: Any, target: Any) -> Any:
    """Binary cross-entropy of probabilities: ``-mean(t log p + (1 - t) log(1 - p))``.

    As in PyTorch, each log is clamped below at -100, so a probability of exactly 0 or 1
    (a saturated sigmoid) gives a finite loss instead of inf or an error.

    Args:
        prob: Probabilities in [0, 1] (after a sigmoid): a Tensor, or Values.
        target: Numbers of the same shape, usually 0 or 1.

    Returns:
        A one-element Tensor, or a Value.

    Raises:
        ValueError: When the shapes differ, or a probability or a target is outside [0, 1].

    Example:
        >>> from autograd import Value
        >>> round(binary_cross_entropy([Value(0.5), Value(1.0)], [1, 0]).data, 4)
        50.3466
    """
    name = "binary_cross_entropy"
    tensor = _as_pred_tensor(prob)
    if tensor is not None:
        _check_nonempty(name, tensor)
        t = _tensor_target(name, tensor, target)
        _check_probabilities(name, t)
        return autograd.binary_cross_entropy(tensor, t).mean()
    preds, shape = _value_grid(name, prob)
    target_arr = _match(name, shape, _as_array(name, target))
    _check_probabilities(name, target_arr)
    targets = target_arr.ravel().tolist()
    terms = [
        autograd.binary_cross_entropy(p if isinstance(p, Value) else Value(p), t)
        for p, t in zip(preds, targets, strict=True)
    ]
    return _mean(name, terms)


def cross_entropy(logits: Any, target: Any) -> Any:
    """Softmax cross-entropy of logits, the mean over the batch.

    Stable for large logits (the row maximum is subtracted before ``exp``).

    Args:
        logits: An (N, C) Tensor, or a list of N lists of C Values.
        target: N class indices in ``0 .. C - 1``, or an (N, C) array of one-hot rows
            (or class probabilities).

    Returns:
        A one-element Tensor, or a Value.

    Raises:
        ValueError: When the target's shape fits neither form, or an index is not an
            integer in range.

    Example:
        >>> from autograd import Value
        >>> logits = [[Value(0.0), Value(0.0)], [Value(5.0), Value(5.0)]]
        >>> round(cross_entropy(logits, [0, 1]).data, 6)  # log 2
        0.693147
    """
    name = "cross_entropy"
    tensor = _as_pred_tensor(logits)
    if tensor is not None:
        if tensor.ndim != 2 or tensor.shape[0] == 0:
            raise ValueError(
                f"{name}: expected logits of shape (N, C) with N >= 1, got shape {tensor.shape}"
            )
        n, c = tensor.shape
        dense = _dense_target(name, (n, c), _as_array(name, target)).astype(tensor.dtype)
        # One fused op: softmax and log-likelihood together, stable for large logits,
        # with the simple gradient (softmax - target) / N.
        return autograd.softmax_cross_entropy(tensor, dense)
    flat, shape = _value_grid(name, logits)
    if len(shape) != 2:
        raise ValueError(
            f"{name}: expected logits as a list of N lists of C Values, got shape {shape}"
        )
    n, c = shape
    dense = _dense_target(name, (n, c), _as_array(name, target))
    terms = []
    for i in range(n):
        row = flat[i * c : (i + 1) * c]
        # Work with z - max(z): exp never overflows, and no digit of z is lost to the
        # rounding of a large logsumexp (the loss does not depend on the shift).
        top = max(z.data if isinstance(z, Value) else z for z in row)
        shifted = [z - top for z in row]
        exps = [s.exp() if isinstance(s, Value) else math.exp(s) for s in shifted]
        weights = dense[i]
        total = sum(exps[1:], exps[0])
        lse = total.log() if isinstance(total, Value) else math.log(total)
        term = lse * float(weights.sum())
        for w, s in zip(weights.tolist(), shifted, strict=True):
            if w != 0.0:
                term = term - (s if w == 1.0 else w * s)
        terms.append(term)
    return _mean(name, terms)


def _dense_target(name: str, shape: tuple[int, int], target: np.ndarray) -> np.ndarray:
    """Class indices or one-hot rows as an (N, C) float array of target probabilities."""
    n, c = shape
    if c == 0:
        raise ValueError(f"{name}: logits have shape {shape}; expected at least one class (C >= 1)")
    if target.shape == (n, c):
        return target
    if target.shape in ((n,), (n, 1)):
        idx = target.ravel()
        bad = idx[(idx != np.round(idx)) | (idx < 0) | (idx >= c)]
        if bad.size:
            raise ValueError(
                f"{name}: class indices must be integers in 0..{c - 1}, got {float(bad[0]):g}"
            )
        dense = np.zeros((n, c))
        dense[np.arange(n), idx.astype(np.int64)] = 1.0
        return dense
    raise ValueError(
        f"{name}: logits have shape {shape} but target has shape {target.shape}; "
        f"expected {n} class indices or an array of shape {shape}"
    )


def hinge_loss(scores: Any, labels: Any) -> Any:
    """Hinge loss for labels ±1: ``mean(relu(1 - labels * scores))`` (micrograd's demo).

    Args:
        scores: Raw scores (no sigmoid): a Tensor, or Values.
        labels: -1 or +1 for each score.

    Returns:
        A one-element Tensor, or a Value.

    Raises:
        ValueError: When the shapes differ or a label is not ±1.

    Example:
        >>> from autograd import Value
        >>> hinge_loss([Value(2.0), Value(0.5)], [1, 1]).data
        0.25
    """
    name = "hinge_loss"
    tensor = _as_pred_tensor(scores)
    if tensor is not None:
        _check_nonempty(name, tensor)
        y = _tensor_target(name, tensor, labels)
        _check_labels(name, y)
        return (1.0 - tensor * y).relu().mean()
    preds, shape = _value_grid(name, scores)
    labels_arr = _match(name, shape, _as_array(name, labels))
    _check_labels(name, labels_arr)
    return _mean(
        name,
        [(1.0 + (-y) * s).relu() for s, y in zip(preds, labels_arr.ravel().tolist(), strict=True)],
    )


def l1_loss(pred: Any, target: Any) -> Any:
    """Mean absolute error, ``mean(|pred - target|)`` over every element (PyTorch's l1_loss).

    The gradient of ``|x|`` at 0 is 0, as in PyTorch.

    Args:
        pred: A Tensor, or a Value / list of Values / list of lists of Values.
        target: Numbers of the same shape.

    Returns:
        A one-element Tensor, or a Value.

    Raises:
        ValueError: When the shapes differ (beyond axes of size 1).

    Example:
        >>> from autograd import Value
        >>> l1_loss([Value(1.0), Value(3.0)], [0.0, 1.0]).data
        1.5
    """
    return _elementwise_mean("l1_loss", pred, target, lambda d: d.abs())


def _elementwise_mean(name: str, pred: Any, target: Any, term: Callable[[Any], Any]) -> Any:
    """The mean of ``term(pred - target)`` over every element, for a Tensor or Values."""
    tensor = _as_pred_tensor(pred)
    if tensor is not None:
        _check_nonempty(name, tensor)
        return term(tensor - _tensor_target(name, tensor, target)).mean()
    preds, shape = _value_grid(name, pred)
    targets = _match(name, shape, _as_array(name, target)).ravel().tolist()
    return _mean(name, [term(p - t) for p, t in zip(preds, targets, strict=True)])
