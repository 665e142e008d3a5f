"""Optimizers `SGD` and `Adam` over `Value` and `Tensor` parameters, as in torch.optim.

The updates follow PyTorch's formulas term by term (same order of operations), so a run
here and a float64 run of ``torch.optim.SGD`` / ``torch.optim.Adam`` agree to rounding.
Gradients are read, never written: a ``.grad`` array may be shared between nodes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np

from autograd import Value
from autograd.engine import Node

__all__ = ["SGD", "Adam", "AdamW", "Optimizer"]


class Optimizer:
    """Base class: holds the parameters and per-parameter state, and zeroes gradients.

    Args:
        params: `Value` or `Tensor` parameters (a list, or ``model.parameters()``).
            A parameter listed twice is kept once.

    Raises:
        ValueError: When `params` is empty.
        TypeError: When `params` is a module or a single parameter, or an element is not a
            Value or a Tensor.
    """

    def __init__(self, params: Iterable[Node]) -> None:
        name = type(self).__name__
        if callable(getattr(params, "parameters", None)):
            raise TypeError(
                f"{name}: expected parameters, got the module {type(params).__name__}; "
                "pass model.parameters()"
            )
        if isinstance(params, Node):  # iterating a Tensor would give new nodes: its rows
            raise TypeError(
                f"{name}: expected a list of parameters, got one {type(params).__name__}; "
                "pass [param] or model.parameters()"
            )
        self.params: list[Node] = []
        seen: set[int] = set()
        for p in params:
            if not isinstance(p, Node):
                raise TypeError(
                    f"{name}: expected Value or Tensor parameters, got {type(p).__name__}"
                )
            if id(p) not in seen:
                seen.add(id(p))
                self.params.append(p)
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list; pass model.parameters()")
        self.state: dict[int, dict[str, Any]] = {}

    def zero_grad(self) -> None:
        """Reset gradients: a `Value`'s to 0.0, a `Tensor`'s to None (PyTorch's default)."""
        for p in self.params:
            p.zero_grad()  # the node kind knows its empty gradient

    def step(self) -> None:
        """Update every parameter that has a gradient (a Tensor with grad None is skipped).

        Raises:
            ValueError: When a gradient's shape is not its parameter's (a ``.grad`` set by
                hand); every shape is checked first, so then no parameter is changed.
        """
        for i, p in enumerate(self.params):
            if not isinstance(p, Value) and p.grad is not None and np.shape(p.grad) != p.data.shape:
                raise ValueError(
                    f"{type(self).__name__}: parameter {i} has shape {p.data.shape} but its "
                    f"gradient has shape {np.shape(p.grad)}; set .grad to an array of the "
                    "parameter's shape (or zero_grad() and run backward again)"
                )
        for p in self.params:
            if p.grad is None:
                continue
            new = self._update(p.data, p.grad, self.state.setdefault(id(p), {}))
            if isinstance(p, Value):
                p.data = float(new)
            else:
                p.data[...] = new

    def _update(self, x: Any, g: Any, state: dict[str, Any]) -> Any:
        """The parameter's new data from its data `x`, gradient `g` and its state."""
        raise NotImplementedError


def _check(name: str, arg: str, value: Any, low: float = 0.0, high: float = math.inf) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not low <= value < high:
        bounds = f">= {low:g}" if high == math.inf else f"in [{low:g}, {high:g})"
        raise ValueError(f"{name}: {arg} must be a number {bounds}, got {value!r}")
    return float(value)


def _copy(x: Any) -> Any:
    return np.array(x, copy=True) if isinstance(x, np.ndarray) else x  # floats are immutable


def _sqrt(x: Any) -> Any:
    return math.sqrt(x) if isinstance(x, float) else np.sqrt(x)


def _lerp(start: Any, end: Any, weight: float) -> Any:
    """Compute start + weight * (end - start), rounded the way torch.lerp rounds it.

    PyTorch updates Adam's first moment with lerp rather than ``b1 * m + (1 - b1) * g``;
    the two differ in the last bits, so follow lerp to agree with float64 torch runs.
    """
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and L2 weight decay.

    Per step, as ``torch.optim.SGD`` (no dampening, no Nesterov): ``g = grad + wd * p``;
    with momentum, ``buf = g`` on the first step and ``buf = momentum * buf + g`` after,
    and ``g = buf``; then ``p = p - lr * g``.

    Args:
        params: `Value` or `Tensor` parameters.
        lr: The learning rate; it may be changed between steps (``opt.lr = ...``).
        momentum: The momentum factor, >= 0.
        weight_decay: The L2 penalty factor, >= 0.

    Raises:
        ValueError: For an empty parameter list or a negative hyperparameter.

    Example:
        >>> from autograd import Value
        >>> w = Value(1.0)
        >>> opt = SGD([w], lr=0.1)
        >>> (w * w).backward()
        >>> opt.step()
        >>> w.data
        0.8
    """

    def __init__(
        self,
        params: Iterable[Node],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        self.lr = _check("SGD", "lr", lr)
        self.momentum = _check("SGD", "momentum", momentum)
        self.weight_decay = _check("SGD", "weight_decay", weight_decay)
        super().__init__(params)

    def _update(self, x: Any, g: Any, state: dict[str, Any]) -> Any:
        if self.weight_decay != 0:
            g = g + self.weight_decay * x
        if self.momentum != 0:
            buf = state.get("momentum_buffer")
            # The buffer is its own array (g may be the .grad itself, zeroed in place later),
            # and it is never changed in place.
            buf = _copy(g) if buf is None else self.momentum * buf + g
            state["momentum_buffer"] = buf
            g = buf
        return x - self.lr * g


class Adam(Optimizer):
    """Adam (Kingma and Ba), with L2 weight decay added to the gradient as in PyTorch.

    Per step ``t``, as ``torch.optim.Adam`` (amsgrad off): ``g = grad + wd * p``,
    ``m = b1 * m + (1 - b1) * g``, ``v = b2 * v + (1 - b2) * g * g``,
    ``p = p - lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)``.

    Args:
        params: `Value` or `Tensor` parameters.
        lr: The learning rate; it may be changed between steps (``opt.lr = ...``).
        betas: Decay rates ``(b1, b2)`` of the moment estimates, each in [0, 1).
        eps: Added to the denominator for stability, >= 0.
        weight_decay: The L2 penalty factor, >= 0.

    Raises:
        ValueError: For an empty parameter list or a hyperparameter out of range.

    Example:
        >>> from autograd import Value
        >>> w = Value(1.0)
        >>> opt = Adam([w], lr=0.1)
        >>> (w * w).backward()
        >>> opt.step()
        >>> round(w.data, 6)  # the first Adam step moves by lr in the gradient's sign
        0.9
    """

    def __init__(
        self,
        params: Iterable[Node],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        name = type(self).__name__  # Adam or AdamW: errors name the class the user called
        self.lr = _check(name, "lr", lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (b1, b2), got {betas!r}")
        self.betas = (
            _check(name, "betas[0]", betas[0], high=1.0),
            _check(name, "betas[1]", betas[1], high=1.0),
        )
        self.eps = _check(name, "eps", eps)
        self.weight_decay = _check(name, "weight_decay", weight_decay)
        super().__init__(params)

    _decoupled: ClassVar[bool] = False  # AdamW decays the weights instead of the gradient

    def _update(self, x: Any, g: Any, state: dict[str, Any]) -> Any:
        b1, b2 = self.betas
        if self.weight_decay != 0 and not self._decoupled:
            g = g + self.weight_decay * x
        t = state["step"] = state.get("step", 0) + 1
        m = state.get("exp_avg", 0.0)
        v = state.get("exp_avg_sq", 0.0)
        m = _lerp(m, g, 1.0 - b1)
        v = v * b2 + (1.0 - b2) * (g * g)
        state["exp_avg"], state["exp_avg_sq"] = m, v
        bias_correction1 = 1.0 - b1**t
        bias_correction2 = 1.0 - b2**t
        step_size = self.lr / bias_correction1
        denom = _sqrt(v) / bias_correction2**0.5 + self.eps
        return x - step_size * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter), as ``torch.optim.AdamW``.

    Each step first shrinks the parameter, ``p = p * (1 - lr * weight_decay)``, then takes
    the Adam step on the plain gradient (no L2 term in it).

    Args:
        params: `Value` or `Tensor` parameters.
        lr: The learning rate.
        betas: Decay rates ``(b1, b2)`` of the moment estimates, each in [0, 1).
        eps: Added to the denominator for stability, >= 0.
        weight_decay: The decay factor per unit of learning rate, >= 0.

    Raises:
        ValueError: For an empty parameter list or a hyperparameter out of range.
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Node],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def _update(self, x: Any, g: Any, state: dict[str, Any]) -> Any:
        return super()._update(x * (1.0 - self.lr * self.weight_decay), g, state)
