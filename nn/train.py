"""`fit`: a small training loop with a progress bar, for scalar and Tensor models alike."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from tqdm import tqdm  # type: ignore[import-untyped]

import autograd
from autograd import Tensor, Value
from nn.data import _rows, batches
from nn.layers import Dropout
from nn.module import Module
from nn.optim import Optimizer

__all__ = ["fit"]


def fit(
    model: Module,
    loss_fn: Callable[[Any, Any], Any],
    optimizer: Optimizer,
    X: Any,  # noqa: N803 - named as in API.md (and scikit-learn)
    y: Any,
    epochs: int,
    batch_size: int | None = None,
    progress: bool = True,
    on_epoch: Callable[[int, float], object] | None = None,
    compile: bool = False,  # noqa: A002 - the name API.md gives
) -> list[float]:
    """Train `model` on ``(X, y)`` and return the loss of each epoch.

    Each step zeroes the optimizer's gradients, runs the model on a batch, computes
    ``loss_fn(pred, target)``, runs `backward` and calls ``optimizer.step()``.

    How a batch reaches the model depends on its parameters:

    - scalar modules (`Value` parameters, e.g. `nn.MLP`): each row of the batch is fed on
      its own, as a list of floats, and ``pred`` is the list of the outputs (Values, or
      lists of Values for several outputs);
    - Tensor modules (e.g. `nn.Sequential`): the whole batch is fed as one (B, nin)
      `Tensor`, and ``pred`` is the model's output Tensor.

    ``target`` is the batch's rows of `y` as a numpy array. Any extra term, such as L2
    regularisation, belongs in `loss_fn`.

    Args:
        model: The module to train.
        loss_fn: ``loss_fn(pred, target)`` returning a Value or a one-element Tensor, e.g.
            `nn.mse_loss` or a function adding a penalty to it.
        optimizer: Built on ``model.parameters()``.
        X: Inputs, one row per sample (array-like of shape (N, nin)).
        y: Targets, one row per sample.
        epochs: Passes over the data.
        batch_size: Rows per step; None uses all N rows in one step (full batch, in
            order). With a batch size the rows are shuffled every epoch, reproducibly
            (a generator seeded with 0).
        progress: Show a tqdm progress bar with the latest epoch loss.
        on_epoch: Called after each epoch as ``on_epoch(epoch, loss)``, the epoch counted
            from 0 and its loss as returned; it may change the optimizer (a learning-rate
            schedule: ``optimizer.lr = ...``) or record what it needs.
        compile: Train through `autograd.compile`: the step's graph is recorded once and
            replayed as generated code (same losses and gradients, much faster for scalar
            models). Needs the full batch (``batch_size=None``): a replay sees the recorded
            batch only, and the recorded random numbers (so `Dropout` is refused).

    Returns:
        The loss of each epoch: the mean of that epoch's batch losses.

    Every epoch trains in training mode (`Dropout` drops), even when `on_epoch` switched
    the model to evaluation mode; at the end every sub-module gets its mode back.

    Raises:
        TypeError: When `model` is not a `Module` or `optimizer` not an optimizer.
        ValueError: For ``epochs < 0``, ``batch_size <= 0``, `X` or `y` without rows (0-d),
            of different lengths, with no rows, `compile` with a batch size or `Dropout`, or an
            optimizer that holds none of the model's parameters.
        FloatingPointError: When a batch's loss is nan or inf: training stops before that
            step, with the parameters of the step before.

    Example:
        >>> import random
        >>> import nn
        >>> random.seed(0)
        >>> model = nn.MLP(2, [8, 1])
        >>> X, y = nn.data.xor()
        >>> opt = nn.SGD(model.parameters(), lr=0.1)
        >>> losses = fit(model, nn.mse_loss, opt, X, y, epochs=50, progress=False)
        >>> len(losses), losses[-1] < losses[0]
        (50, True)
    """
    _check_arguments(model, optimizer, epochs, batch_size, compile)
    inputs, targets = _data(X, y)
    scalar = _is_scalar(model)
    compiled = autograd.compile(lambda: _loss(model, loss_fn, inputs, targets, scalar))
    rng = np.random.default_rng(0)
    history: list[float] = []
    modes = [(module, module.training) for _, module in model.named_modules()]
    try:
        bar = tqdm(range(int(epochs)), desc="fit", unit="epoch", disable=not progress)
        for epoch in bar:
            # Each epoch, as on_epoch may have switched to eval mode; model.train() would walk
            # every parameter again (0.4 ms, ~4% of a compiled epoch of a 337-weight MLP).
            for module, _ in modes:
                module.training = True
            epoch_losses = []
            steps: Iterable[tuple[np.ndarray, np.ndarray]] = (
                [(inputs, targets)]
                if batch_size is None
                else batches(inputs, targets, int(batch_size), seed=rng)
            )
            for step, (xb, yb) in enumerate(steps):
                optimizer.zero_grad()
                if compile:
                    value = compiled()
                else:
                    loss = _loss(model, loss_fn, xb, yb, scalar)
                    loss.backward()
                    value = _to_float(loss)
                _check_finite(value, epoch, step)
                epoch_losses.append(value)
                optimizer.step()
            history.append(float(np.mean(epoch_losses)))
            bar.set_postfix(loss=f"{history[-1]:.4g}")
            if on_epoch is not None:
                on_epoch(epoch, history[-1])
    finally:
        for module, mode in modes:
            module.training = mode
    return history


def _check_arguments(
    model: Any,
    optimizer: Any,
    epochs: Any,
    batch_size: Any,
    compile: bool,  # noqa: A002
) -> None:
    """Refuse a model, optimizer, epoch count or batch size `fit` cannot train with."""
    if not isinstance(model, Module):
        raise TypeError(f"fit: model must be an nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"fit: optimizer must be an optimizer such as nn.SGD(model.parameters(), lr=0.1), "
            f"got {type(optimizer).__name__}"
        )
    params = {id(p) for p in model.parameters()}
    if params and not any(id(p) in params for p in optimizer.params):
        raise ValueError(
            "fit: the optimizer holds none of the model's parameters (was it built on another "
            "model?); build it with model.parameters()"
        )
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    if batch_size is not None and (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, numbers.Integral)
        or batch_size <= 0
    ):
        raise ValueError(f"fit: batch_size must be a positive int or None, got {batch_size!r}")
    if compile and batch_size is not None:
        raise ValueError(
            "fit: compile=True replays one recorded batch, so it needs batch_size=None "
            f"(got batch_size={batch_size!r})"
        )
    if compile and any(isinstance(m, Dropout) and m.p > 0 for _, m in model.named_modules()):
        raise ValueError(
            "fit: compile=True replays one recorded graph, so Dropout would drop the same "
            "elements at every step; train this model with compile=False"
        )


def _data(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:  # noqa: N803
    """The inputs as float64 rows and the targets as rows, checked to match."""
    inputs = _rows("fit", "X", X.data if isinstance(X, Tensor) else X)
    targets = _rows("fit", "y", y.data if isinstance(y, Tensor) else y)
    if len(inputs) != len(targets):
        raise ValueError(
            f"fit: X and y must have the same number of rows, got {len(inputs)} and {len(targets)}"
        )
    if len(inputs) == 0:
        raise ValueError("fit: got no data (X and y have 0 rows); expected at least one row")
    if inputs.dtype.kind not in "biuf":
        raise ValueError(f"fit: X must hold real numbers, got an array of {inputs.dtype}")
    return inputs.astype(np.float64), targets


def _check_finite(loss: float, epoch: int, step: int) -> None:
    """Stop training at a nan or inf loss, before the optimizer takes the step."""
    if not math.isfinite(loss):
        raise FloatingPointError(
            f"fit: the loss is {loss} at epoch {epoch} (batch {step}); training stopped before "
            "this step, so the parameters are those of the previous one. Lower the learning "
            "rate, or look for nan or inf in the data and in loss_fn"
        )


def _loss(model: Module, loss_fn: Callable[[Any, Any], Any], xb: Any, yb: Any, scalar: bool) -> Any:
    """The loss of one batch, checked to be a node."""
    pred = [model(row) for row in xb.tolist()] if scalar else model(Tensor(xb))
    loss = loss_fn(pred, yb)
    if not isinstance(loss, (Value, Tensor)):
        raise TypeError(
            f"fit: loss_fn must return a Value or a one-element Tensor, got {type(loss).__name__}"
        )
    if isinstance(loss, Tensor) and loss.size != 1:
        raise ValueError(
            f"fit: loss_fn must return one element, got shape {loss.shape}; reduce it to the "
            "batch's loss, e.g. with .mean()"
        )
    return loss


def _is_scalar(model: Module) -> bool:
    """Whether the model computes with Values (its parameters are Values)."""
    return any(isinstance(p, Value) for p in model.parameters())


def _to_float(loss: Any) -> float:
    """A loss (a Value or a one-element Tensor) as a float."""
    return loss.data if isinstance(loss, Value) else float(loss.item())
