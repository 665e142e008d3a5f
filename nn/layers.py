"""Tensor modules: `Linear`, `Sequential` and the activations `ReLU`, `Tanh`, `Sigmoid`.

Each is called on an (N, nin) `Tensor` (or anything `Tensor` accepts, such as a numpy
array) and returns a Tensor.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import Any, overload

import numpy as np

from autograd import Tensor
from nn.data import _generator
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
        dtype: The parameters' floating dtype (``np.float32`` for a float32 model).

    Raises:
        ValueError: For ``nin < 1``, ``nout < 1`` or a seed numpy refuses (``-1``).

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
        dtype: Any = np.float64,
    ) -> None:
        for arg, value in (("nin", nin), ("nout", nout)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"Linear: {arg} must be a positive int, got {value!r}")
        rng = _generator("Linear", seed)
        bound = 1.0 / math.sqrt(nin)
        self.nin, self.nout = int(nin), int(nout)
        self.weight = Tensor(
            rng.uniform(-bound, bound, size=(self.nin, self.nout)),
            requires_grad=True,
            dtype=dtype,
            label="weight",
        )
        self.bias = (
            Tensor(
                rng.uniform(-bound, bound, size=self.nout),
                requires_grad=True,
                dtype=dtype,
                label="bias",
            )
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

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: slice) -> Sequential: ...
    def __getitem__(self, index: int | slice) -> Module:
        """The module at `index`, or a `Sequential` of the same modules for a slice."""
        if isinstance(index, slice):
            return Sequential(*self.modules[index])
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(
                f"Sequential: index must be an int or a slice, got {type(index).__name__}"
            )
        try:
            return self.modules[index]
        except IndexError:
            raise IndexError(
                f"Sequential: index {index} is out of range for {len(self.modules)} modules"
            ) from None

    def __len__(self) -> int:
        return len(self.modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.modules)


class Dropout(Module):
    """Zero each element with probability `p` in training mode, scaling the rest by 1/(1-p).

    In evaluation mode (``model.eval()``) it is the identity, as in PyTorch.

    Args:
        p: The probability of dropping an element, in [0, 1].
        seed: An int or ``numpy.random.Generator`` for reproducible masks, or None.

    Raises:
        ValueError: For `p` outside [0, 1], or a seed numpy refuses (``-1``).
    """

    p: float
    _rng: np.random.Generator

    def __init__(self, p: float = 0.5, *, seed: int | np.random.Generator | None = None) -> None:
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)
        self._rng = _generator("Dropout", seed)

    def forward(self, x: Any) -> Tensor:
        """Apply dropout (in training mode) to a Tensor or array."""
        t = _as_tensor(x)
        if not self.training or self.p == 0.0:
            return t
        keep = self._rng.random(t.shape) >= self.p
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)  # p = 1 drops everything
        out: Tensor = t * (keep * scale).astype(t.dtype)
        return out

    def extra_repr(self) -> str:
        """``p``."""
        return f"p={self.p:g}"


class LayerNorm(Module):
    """Normalise the last axis to mean 0 and variance 1, then scale and shift elementwise.

    ``(x - mean) / sqrt(var + eps) * weight + bias`` over the last axis (the biased
    variance), with `weight` starting at ones and `bias` at zeros: ``torch.nn.LayerNorm(n)``.

    Args:
        n: The size of the last axis.
        eps: Added to the variance for stability.
        dtype: The parameters' floating dtype.

    Raises:
        ValueError: For ``n < 1``, or an `eps` that is not a finite number >= 0 (a negative
            one makes the square root of a constant row nan).
    """

    n: int
    eps: float
    weight: Tensor
    bias: Tensor

    def __init__(self, n: int, eps: float = 1e-5, *, dtype: Any = np.float64) -> None:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"LayerNorm: n must be a positive int, got {n!r}")
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 <= eps < math.inf:
            raise ValueError(f"LayerNorm: eps must be a finite number >= 0, got {eps!r}")
        self.n = int(n)
        self.eps = float(eps)
        self.weight = Tensor(np.ones(self.n), requires_grad=True, dtype=dtype, label="weight")
        self.bias = Tensor(np.zeros(self.n), requires_grad=True, dtype=dtype, label="bias")

    def forward(self, x: Any) -> Tensor:
        """Normalise a (..., n) Tensor or array.

        Raises:
            ValueError: When the last axis of `x` is not ``n`` long.
        """
        t = _as_tensor(x)
        if t.ndim == 0 or t.shape[-1] != self.n:
            raise ValueError(f"LayerNorm: expected input of shape (..., {self.n}), got {t.shape}")
        centred = t - t.mean(axis=-1, keepdims=True)
        spread = (t.var(axis=-1, keepdims=True) + self.eps).sqrt()
        out: Tensor = centred / spread * self.weight + self.bias
        return out

    def extra_repr(self) -> str:
        """``n`` and ``eps``."""
        return f"{self.n}, eps={self.eps:g}"


class Flatten(Module):
    """Flatten every axis after the first: (N, ...) to (N, features), as ``torch.nn.Flatten``."""

    def forward(self, x: Any) -> Tensor:
        """Reshape a Tensor or array of at least one axis to two axes.

        Raises:
            ValueError: For a 0-d input.
        """
        t = _as_tensor(x)
        if t.ndim == 0:
            raise ValueError("Flatten: expected an input with a batch axis, got a 0-d tensor")
        return t.reshape(t.shape[0], math.prod(t.shape[1:]))
