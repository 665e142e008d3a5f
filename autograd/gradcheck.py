"""Check the engine's gradients against central finite differences."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.engine import Node, grad, no_grad

__all__ = ["gradcheck"]


def gradcheck(
    fn: Callable[..., Node],
    inputs: Sequence[Node],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare `autograd.grad` of ``fn(*inputs)`` with central finite differences.

    Every element of the Jacobian is checked: for a Tensor output with several elements,
    one backward pass per output element. Values are always checked; Tensors only when
    they require grad. Use float64 data: float32 is too coarse for differences.

    Args:
        fn: Builds the output from the inputs.
        inputs: Values or Tensors.
        eps: The finite-difference step.
        atol: Absolute tolerance.
        rtol: Relative tolerance (relative to the numeric derivative).

    Returns:
        True when every element agrees.

    Raises:
        AssertionError: Naming the input, the element and both numbers on a mismatch.
        TypeError: When `inputs` is not a list of Values and Tensors.
        ValueError: When `eps` is not a positive finite step.

    Example:
        >>> from autograd import Value
        >>> gradcheck(lambda x, y: (x * y).tanh(), [Value(0.3), Value(-1.2)])
        True
    """
    inputs = _checked_inputs(inputs)
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"gradcheck: eps must be a positive finite step, got {eps!r}")
    checked = [i for i, x in enumerate(inputs) if getattr(x, "requires_grad", True)]
    out = fn(*inputs)
    if not isinstance(out, Node):
        raise TypeError(f"gradcheck: fn must return a Value or Tensor, got {type(out).__name__}")
    out_size = np.size(out.data)
    for k in range(out_size):
        seed = np.zeros(np.shape(out.data), dtype=np.asarray(out.data).dtype)
        seed.flat[k] = 1.0
        analytic = grad(out, [inputs[i] for i in checked], grad_output=_like(out, seed))
        for i, g in zip(checked, analytic, strict=True):
            numeric = _numeric_column(fn, inputs, i, k, eps)
            _compare(inputs[i], i, k, out_size, np.asarray(g, dtype=float), numeric, atol, rtol)
    return True


def _checked_inputs(inputs: Any) -> list[Node]:
    if isinstance(inputs, Node):
        raise TypeError(
            "gradcheck: expected a list of Values or Tensors as inputs, e.g. gradcheck(fn, [x]); "
            f"got a single {type(inputs).__name__}"
        )
    nodes: list[Node] = []
    for i, x in enumerate(inputs):
        nodes.append(x)
        if not isinstance(x, Node):
            raise TypeError(
                f"gradcheck: input {i} is a {type(x).__name__}, expected a Value or a Tensor "
                "(build constants inside fn)"
            )
    return nodes


def _like(out: Node, seed: np.ndarray) -> Any:
    return float(seed.reshape(())) if isinstance(out.data, float) else seed


def _numeric_column(
    fn: Callable[..., Node], inputs: list[Node], i: int, k: int, eps: float
) -> np.ndarray:
    """d(output element k)/d(input i) for every element of input i, by central differences."""
    x = inputs[i]
    original = x.data  # never changed in place: each bump is a new object
    base = np.array(original, dtype=float)
    numeric = np.zeros(base.shape)
    try:
        with no_grad():
            for j in range(base.size):
                values = []
                for step in (eps, -eps):
                    bumped = base.copy()
                    bumped.flat[j] += step
                    x.data = (
                        float(bumped)
                        if isinstance(original, float)
                        else bumped.astype(original.dtype)
                    )
                    values.append(np.asarray(fn(*inputs).data, dtype=float).flat[k])
                numeric.flat[j] = (values[0] - values[1]) / (2 * eps)
    finally:  # also when fn raises at a bumped input (a step across the edge of its domain)
        x.data = original
    return numeric


def _compare(
    x: Node,
    i: int,
    k: int,
    out_size: int,
    analytic: np.ndarray,
    numeric: np.ndarray,
    atol: float,
    rtol: float,
) -> None:
    bad = ~np.isclose(analytic, numeric, atol=atol, rtol=rtol)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        index = np.unravel_index(j, numeric.shape)
        where = "[" + ", ".join(str(int(i)) for i in index) + "]" if numeric.ndim else ""
        name = f"input {i}" + (f" ({x.label!r})" if x.label else "")
        of = f" of output element {k}" if out_size > 1 else ""
        dtype = np.asarray(x.data).dtype
        hint = "" if dtype == np.float64 else f" (the input is {dtype}: use float64 data)"
        raise AssertionError(
            f"gradcheck: {name}{where}{of}: autograd gives {float(analytic.flat[j])!r}, "
            f"central differences give {float(numeric.flat[j])!r}{hint}"
        )
