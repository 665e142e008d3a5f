"""Scalar modules over `Value`, compatible with micrograd: `Neuron`, `Layer`, `MLP`.

Weights are drawn with Python's `random` module exactly as micrograd draws them, so after
``random.seed(s)`` an ``MLP`` here and a micrograd ``MLP`` start from the same numbers.
"""

from __future__ import annotations

import numbers
import random
from collections.abc import Sequence
from typing import Any

from autograd import Tensor, Value
from nn.module import Module

__all__ = ["MLP", "Layer", "Neuron"]

ACTIVATIONS = ("relu", "tanh", "sigmoid")


def _check_one_sample(who: str, x: Any, nin: int) -> None:
    """Refuse what is not one input vector: a bare number, or a batch of them (2-D).

    Args:
        who: The module's name, to start the message with.
        x: What the module was called with.
        nin: The number of inputs the module takes.

    Raises:
        TypeError: For a number (no length) or one Tensor row.
        ValueError: For a batch: an array or Tensor of 2 or more dimensions, or a list of rows.
    """
    shape = getattr(x, "shape", None)  # an ndarray or a Tensor
    if shape is None and hasattr(x, "__len__"):
        rows = len(x) > 0 and (isinstance(x[0], (list, tuple)) or getattr(x[0], "ndim", 0) > 0)
        shape = (len(x), len(x[0])) if rows else (len(x),)
    if shape is None or len(shape) == 0:
        raise TypeError(f"{who}: expected one sample of {nin} inputs, got {type(x).__name__}")
    if len(shape) > 1:
        raise ValueError(
            f"{who}: got a batch of {shape[0]} samples (shape {tuple(shape)}), but the scalar "
            f"{who} takes one sample at a time: call it per sample, [model(row) for row in X], "
            "or use the Tensor modules for whole batches (nn.Sequential of nn.Linear layers)"
        )
    if isinstance(x, Tensor):  # its elements would be Tensors, which a Value cannot take
        raise TypeError(
            f"{who}: got a Tensor; the scalar {who} takes a list of numbers or Values: pass "
            "t.tolist() (or t.data), or use the Tensor modules (nn.Linear) for Tensors"
        )


def _check_size(who: str, arg: str, n: Any) -> int:
    """`n` as a positive int (numpy ints too); bools and floats are refused."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{who}: {arg} must be a positive int, got {n!r}")
    return int(n)


class Neuron(Module):
    """One unit: ``act(w . x + b)``, or just ``w . x + b`` when `nonlin` is False.

    Args:
        nin: The number of inputs.
        nonlin: Whether to apply the activation (micrograd's flag).
        activation: "relu", "tanh" or "sigmoid".

    Raises:
        ValueError: For ``nin < 1`` or an unknown activation.

    Example:
        >>> import math, random
        >>> random.seed(0)
        >>> n = Neuron(2, activation="tanh")
        >>> [p.label for p in n.parameters()]
        ['w0', 'w1', 'b']
        >>> n([1.0, -2.0]).data == math.tanh(n.w[0].data * 1.0 + n.w[1].data * -2.0)
        True
    """

    _repr_children = False

    def __init__(self, nin: int, nonlin: bool = True, activation: str = "relu") -> None:
        nin = _check_size("Neuron", "nin", nin)
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"Neuron: activation must be one of 'relu', 'tanh', 'sigmoid', got {activation!r}"
            )
        self.w = [Value(random.uniform(-1, 1), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")
        self.nonlin = nonlin
        self.activation = activation

    def forward(self, x: Sequence[Any]) -> Value:
        """The neuron's output for one input vector.

        Args:
            x: ``nin`` numbers or Values.

        Returns:
            A Value.

        Raises:
            TypeError: When `x` is a number or a Tensor.
            ValueError: When `x` is a batch or does not have ``nin`` elements.
        """
        _check_one_sample("Neuron", x, len(self.w))
        return self._output(x)

    def _output(self, x: Sequence[Any]) -> Value:
        """`forward` without the check for one sample: `Layer` and `MLP` check once."""
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        # One product and one sum node per input, starting from b: micrograd's graph and
        # summation order, so the numbers agree with micrograd's bit for bit.
        act: Value = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        if not self.nonlin:
            return act
        out: Value
        if self.activation == "relu":
            out = act.relu()
        elif self.activation == "tanh":
            out = act.tanh()
        else:
            out = act.sigmoid()
        return out

    def extra_repr(self) -> str:
        """``nin, activation`` ("linear" when `nonlin` is False)."""
        return f"{len(self.w)}, {self.activation if self.nonlin else 'linear'}"


class Layer(Module):
    """`nout` neurons, each seeing all `nin` inputs.

    Args:
        nin: The number of inputs.
        nout: The number of neurons (outputs).
        **kwargs: Passed to each `Neuron` (`nonlin`, `activation`).

    Raises:
        ValueError: For ``nout < 1`` and whatever `Neuron` refuses.

    Example:
        >>> import random
        >>> random.seed(0)
        >>> Layer(3, 2)
        Layer(3 -> 2, relu)
        >>> len(Layer(3, 2)([1.0, 2.0, 3.0]))
        2
    """

    _repr_children = False

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        nout = _check_size("Layer", "nout", nout)
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def forward(self, x: Sequence[Any]) -> Value | list[Value]:
        """Every neuron's output.

        Args:
            x: ``nin`` numbers or Values.

        Returns:
            A Value when the layer has one neuron, else a list of Values.

        Raises:
            TypeError: When `x` is a number or a Tensor.
            ValueError: When `x` is a batch or does not have ``nin`` elements.
        """
        _check_one_sample("Layer", x, len(self.neurons[0].w))
        out = self._outputs(x)
        return out[0] if len(out) == 1 else out

    def _outputs(self, x: Sequence[Any]) -> list[Value]:
        """Every neuron's output as a list, without the check for one sample."""
        return [n._output(x) for n in self.neurons]

    def extra_repr(self) -> str:
        """``nin -> nout, activation``."""
        first = self.neurons[0]
        return f"{len(first.w)} -> {len(self.neurons)}, " + first.extra_repr().split(", ")[1]


class MLP(Module):
    """A multilayer perceptron: hidden layers use `activation`, the last layer is linear.

    Args:
        nin: The number of inputs.
        nouts: The size of each layer, the output layer last.
        activation: "relu", "tanh" or "sigmoid" for the hidden layers.

    Raises:
        TypeError: When `nouts` is not a list of sizes (``MLP(2, 3)`` means ``MLP(2, [3])``).
        ValueError: For an empty `nouts` and whatever `Layer` refuses.

    Example:
        >>> import random
        >>> random.seed(1)
        >>> model = MLP(2, [16, 16, 1])
        >>> len(model.parameters())
        337
        >>> model
        MLP(
          (layers.0): Layer(2 -> 16, relu)
          (layers.1): Layer(16 -> 16, relu)
          (layers.2): Layer(16 -> 1, linear)
        )
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu") -> None:
        if isinstance(nouts, numbers.Integral):
            raise TypeError(
                f"MLP: nouts must be a list of layer sizes, got the number {nouts}; for one "
                f"layer of {nouts} neurons write nn.MLP({nin}, [{nouts}])"
            )
        if not isinstance(nouts, Sequence) or isinstance(nouts, str):
            raise TypeError(
                f"MLP: nouts must be a list of layer sizes, got {type(nouts).__name__}; "
                "e.g. nn.MLP(2, [16, 16, 1])"
            )
        if len(nouts) == 0:
            raise ValueError("MLP: nouts must list at least one layer size, got []")
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, activation=activation)
            for i in range(len(nouts))
        ]

    def forward(self, x: Sequence[Any]) -> Value | list[Value]:
        """The network's output for one input vector.

        Args:
            x: ``nin`` numbers or Values.

        Returns:
            A Value when the last layer has one neuron, else a list of Values.

        Raises:
            TypeError: When `x` is a number or a Tensor.
            ValueError: When `x` is a batch or does not have ``nin`` elements.
        """
        _check_one_sample("MLP", x, len(self.layers[0].neurons[0].w))
        out: list[Value] = list(x)
        for layer in self.layers:
            out = layer._outputs(out)
        return out[0] if len(out) == 1 else out
