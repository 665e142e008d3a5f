"""Tensor modules: `Linear`, `Sequential` and the activations `ReLU`, `Tanh`, `Sigmoid`.

Each is called on an (N, nin) `Tensor` (or anything `Tensor` accepts, such as a numpy
array) and returns a Tensor.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from autograd import Tensor
from nn.module import Module

__all__ = ["Linear", "ReLU", "Sequential", "Sigmoid", "Tanh"]


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


class Linear(Module):
    """A fully connected layer, ``x @ weight + bias``.

    The weight is stored as (nin, nout), so the forward pass is one matmul on an
    (N, nin) batch (PyTorch stores the transpose, (nout, nin)). Both weight and bias
    start uniform in ``[-1/sqrt(nin), 1/sqrt(nin))``, PyTorch's default for
    ``nn.Linear``, drawn from ``numpy.random.default_rng(seed)``.

    Args:
        nin: Input features.
        nout: Output features.
        bias: Whether to add a learned bias.
        seed: An int for reproducible weights, a ``numpy.random.Generator`` to share one
            stream between layers (``rng = np.random.default_rng(0)``, then
            ``Linear(2, 16, seed=rng)``, ``Linear(16, 1, seed=rng)``), or None for fresh
            randomness.

    Raises:
        ValueError: For ``nin < 1`` or ``nout < 1``.

    Example:
        >>> layer = Linear(3, 2, seed=0)
        >>> layer.weight.shape, layer.bias.shape
        ((3, 2), (2,))
        >>> layer(np.ones((4, 3))).shape
        (4, 2)
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        bias: bool = True,
        *,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        for arg, value in (("nin", nin), ("nout", nout)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"Linear: {arg} must be a positive int, got {value!r}")
        rng = np.random.default_rng(seed)
        bound = 1.0 / math.sqrt(nin)
        self.nin, self.nout = int(nin), int(nout)
        self.weight = Tensor(
            rng.uniform(-bound, bound, size=(self.nin, self.nout)),
            requires_grad=True,
            label="weight",
        )
        self.bias = (
            Tensor(rng.uniform(-bound, bound, size=self.nout), requires_grad=True, label="bias")
            if bias
            else None
        )

    def forward(self, x: Any) -> Tensor:
        """Apply the layer to a batch.

        Args:
            x: An (N, nin) Tensor or array (a single (nin,) row works too).

        Returns:
            The (N, nout) output.

        Raises:
            ValueError: When the last axis of `x` is not ``nin`` long.
        """
        x = _as_tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.nin:
            raise ValueError(
                f"Linear: expected input of shape (N, {self.nin}), got shape {x.shape}"
            )
        out: Tensor = x @ self.weight
        if self.bias is not None:
            out = out + self.bias
        return out

    def extra_repr(self) -> str:
        """``nin, nout`` and whether there is a bias."""
        return f"{self.nin}, {self.nout}, bias={self.bias is not None}"


class ReLU(Module):
    """``max(0, x)`` elementwise."""

    def forward(self, x: Any) -> Tensor:
        """Apply the activation."""
        out: Tensor = _as_tensor(x).relu()
        return out


class Tanh(Module):
    """``tanh(x)`` elementwise."""

    def forward(self, x: Any) -> Tensor:
        """Apply the activation."""
        out: Tensor = _as_tensor(x).tanh()
        return out


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` elementwise."""

    def forward(self, x: Any) -> Tensor:
        """Apply the activation."""
        out: Tensor = _as_tensor(x).sigmoid()
        return out


class Sequential(Module):
    """Modules applied one after another; parameters are named ``0.weight``, ``0.bias``...

    The names match PyTorch's ``nn.Sequential``, except that a `Linear` weight here is the
    transpose of PyTorch's.

    Args:
        *modules: The modules, in order.

    Raises:
        TypeError: When an argument is not a `Module`.

    Example:
        >>> model = Sequential(Linear(2, 4, seed=0), ReLU(), Linear(4, 1, seed=1))
        >>> [name for name, _ in model.named_parameters()]
        ['0.weight', '0.bias', '2.weight', '2.bias']
        >>> model(np.zeros((5, 2))).shape
        (5, 1)
    """

    def __init__(self, *modules: Module) -> None:
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(
                    f"Sequential: argument {i} must be a Module, got {type(m).__name__}"
                )
        self.modules = list(modules)

    def _children(self) -> Iterator[tuple[str, Any]]:
        return ((str(i), m) for i, m in enumerate(self.modules))

    def forward(self, x: Any) -> Any:
        """Feed `x` through every module in turn."""
        for m in self.modules:
            x = m(x)
        return x

    def __getitem__(self, index: int) -> Module:
        return self.modules[index]

    def __len__(self) -> int:
        return len(self.modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.modules)
