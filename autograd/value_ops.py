"""Scalar primitives: `forward` on Python floats, `vjp` on floats or on Values.

Each rule is written with operators and the helpers below, which accept raw data as well
as nodes, so one line serves the fast plain backward and ``create_graph``. Where the math is
the same for arrays, `tensor_ops` reuses the rule.
"""

from __future__ import annotations

import math
import operator
import os
import sys
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from autograd.engine import Node, Undefined
from autograd.op import ValueOp, apply, binary, raw

# ----------------------------------------------------------------- helpers for the rules


def _cos(x: Any) -> Any:
    return math.cos(x) if isinstance(x, float) else x.cos()


def _sin(x: Any) -> Any:
    return math.sin(x) if isinstance(x, float) else x.sin()


def _log(x: Any) -> Any:
    return math.log(x) if isinstance(x, float) else x.log()


def _at_least(x: Any, low: float) -> Any:
    """max(x, low) for a rule: raw floats and arrays, or nodes (slope 1 above low, 0 below)."""
    if isinstance(x, (np.ndarray, np.generic)):
        return np.maximum(x, low)
    if isinstance(x, float):
        return x if x > low else low
    return x + (low - x).relu()


def _power(x: Any, n: Any) -> Any:
    """Power inside a rule: 0 ** negative is the limit inf (a derivative at 0), not an error.

    Raw floats and Values take the lenient ops below; arrays and Tensors follow numpy, whose
    0 ** -1 is inf already.
    """
    if isinstance(x, float) and isinstance(n, float):
        return _float_pow(x, n, strict=False)
    if isinstance(n, ValueOp.node_type):  # a Value exponent: both are Values
        return apply(_LimitPow, x, n)
    if isinstance(x, ValueOp.node_type):
        return apply(_LimitPowConst, x, n=n)
    return x**n


def _float_pow(x: float, n: float, strict: bool = True) -> float:
    """Power on floats, with clear domain errors; overflow gives inf and a RuntimeWarning.

    Without `strict`, 0 ** negative is the limit inf instead of an error.
    """
    try:
        out = x**n
    except ZeroDivisionError:
        if strict:
            raise ValueError(
                f"pow: 0.0 ** {n:g} is undefined (division by zero); "
                "expected a non-zero base for a negative exponent"
            ) from None
        return math.inf
    except OverflowError:
        negative = x < 0 and float(n).is_integer() and int(n) % 2 == 1
        out = -math.inf if negative else math.inf
        _warn(f"pow: {x:g} ** {n:g} overflowed to {out}")
        return out
    if not isinstance(out, float):  # a negative base to a fractional power is complex
        raise ValueError(
            f"pow: {x:g} ** {n:g} is not a real number; "
            "expected a non-negative base for a non-integer exponent"
        )
    return out


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _warn(message: str) -> None:
    """A RuntimeWarning (as numpy's on overflow), shown at the caller's line outside autograd."""
    level = 2  # stacklevel 2 is the frame that called _warn
    frame: Any = sys._getframe(1)
    while frame is not None and os.path.dirname(frame.f_code.co_filename) == _PACKAGE:
        level, frame = level + 1, frame.f_back
    warnings.warn(message, RuntimeWarning, stacklevel=level)


# ----------------------------------------------------------------------- the primitives


class Add(ValueOp):
    """x + y; both derivatives are 1."""

    name = "+"
    forward = staticmethod(operator.add)  # a C function: no Python frame on the hot path

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        return g, g


class Sub(ValueOp):
    """x - y; d/dx = 1, d/dy = -1."""

    name = "-"
    forward = staticmethod(operator.sub)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        return g, -g


class Neg(ValueOp):
    """-x; its derivative is -1."""

    name = "neg"
    forward = staticmethod(operator.neg)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (-g,)


class Mul(ValueOp):
    """x * y; d/dx = y, d/dy = x."""

    name = "*"
    forward = staticmethod(operator.mul)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        return g * y, g * x


class PowConst(ValueOp):
    """x ** n for a constant n; its derivative is n * x ** (n - 1)."""

    name = "**n"

    @classmethod
    def describe(cls, params: dict[str, Any]) -> str:
        return f"**{params['n']:g}"

    @staticmethod
    def forward(x: float, n: float) -> float:
        return _float_pow(x, n)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, n: float) -> tuple[Any]:
        if n == 0:  # x ** 0 is 1 everywhere: 0, not 0 * inf at x = 0 (as PyTorch)
            return (g * 0.0,)
        return (g * (n * _power(x, n - 1)),)


class Pow(ValueOp):
    """x ** y for two Values; d/dx = y * x ** (y - 1), d/dy = x ** y * log(x).

    At x = 0 the limits, with PyTorch's 0 at y = 0: d/dx is 0 for y = 0 (x ** 0 is 1), and
    d/dy is 0 for y >= 0. For x < 0 (an integer y) d/dy is not real: `Undefined`, which
    raises only if the pass uses it.
    """

    name = "**"

    @staticmethod
    def forward(x: float, y: float) -> float:
        return _float_pow(x, y)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        base, exponent = raw(x), raw(y)
        dx = g * 0.0 if exponent == 0 else g * (y * _power(x, y - 1))
        if base > 0:
            dy = g * (out * _log(x))
        elif base == 0:  # the limit of x ** y * log(x) as x -> 0+
            dy = g * (0.0 if exponent >= 0 else -math.inf)
        else:
            dy = Undefined(
                f"pow: d(x ** y)/dy is not real at x = {base:g}; "
                "expected a positive base when the exponent's gradient is needed"
            )
        return dx, dy


class _LimitPowConst(PowConst):
    """x ** n inside a derivative rule: 0 ** negative is the limit inf, not an error."""

    @staticmethod
    def forward(x: float, n: float) -> float:
        return _float_pow(x, n, strict=False)


class _LimitPow(Pow):
    """x ** y inside a derivative rule: 0 ** negative is the limit inf, not an error."""

    @staticmethod
    def forward(x: float, y: float) -> float:
        return _float_pow(x, y, strict=False)


class Exp(ValueOp):
    """exp(x); its derivative is exp(x). Overflows to inf."""

    name = "exp"

    @staticmethod
    def forward(x: float) -> float:
        try:
            return math.exp(x)
        except OverflowError:
            _warn(f"exp: exp({x:g}) overflowed to inf")
            return math.inf

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * out,)


class Log(ValueOp):
    """log(x) for x > 0; its derivative is 1 / x."""

    name = "log"

    @staticmethod
    def forward(x: float) -> float:
        if x <= 0:
            raise ValueError(f"log: expected a positive number, got {x!r}")
        return math.log(x)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g / x,)


class Tanh(ValueOp):
    """tanh(x); its derivative is 1 - tanh(x) ** 2."""

    name = "tanh"
    forward = staticmethod(math.tanh)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * (1.0 - out * out),)


class Sigmoid(ValueOp):
    """1 / (1 + exp(-x)); its derivative is s * (1 - s)."""

    name = "sigmoid"

    @staticmethod
    def forward(x: float) -> float:
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)  # for x < 0 this form never overflows
        return e / (1.0 + e)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * (out * (1.0 - out)),)


class Relu(ValueOp):
    """max(0, x); its derivative is 1 for x > 0, else 0; nan and 1 at nan (as in PyTorch)."""

    name = "relu"

    @staticmethod
    def forward(x: float) -> float:
        return 0.0 if x <= 0 else x  # (not x > 0: nan stays nan)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * (0.0 if raw(x) <= 0 else 1.0),)


class Sqrt(ValueOp):
    """sqrt(x) for x >= 0; its derivative is 1 / (2 sqrt(x)), +inf at 0 as in PyTorch."""

    name = "sqrt"

    @staticmethod
    def forward(x: float) -> float:
        if x < 0:
            raise ValueError(f"sqrt: expected a non-negative number, got {x!r}")
        return math.sqrt(x)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * (0.5 * _power(out, -1.0)),)


def _finite(name: str, x: float) -> float:
    """`x`, or the domain error of `name` at an infinity (math's own says only "domain")."""
    if math.isinf(x):
        raise ValueError(f"{name}: expected a finite number, got {x!r} (it has no {name})")
    return x


class Sin(ValueOp):
    """sin(x); its derivative is cos(x)."""

    name = "sin"

    @staticmethod
    def forward(x: float) -> float:
        return math.sin(_finite("sin", x))

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * _cos(x),)


class Cos(ValueOp):
    """cos(x); its derivative is -sin(x)."""

    name = "cos"

    @staticmethod
    def forward(x: float) -> float:
        return math.cos(_finite("cos", x))

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * -_sin(x),)


class Abs(ValueOp):
    """|x|; its derivative is sign(x), 0 at 0 (as in PyTorch)."""

    name = "abs"

    @staticmethod
    def forward(x: float) -> float:
        return abs(x)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        v = raw(x)
        return (g * (1.0 if v > 0 else -1.0 if v < 0 else 0.0),)


# ------------------------------------------------------------ more ops (numpy habits)


class Div(ValueOp):
    """x / y; d/dx = 1 / y, d/dy = -x / y ** 2 (written -out / y, reusing the output)."""

    name = "/"

    @staticmethod
    def forward(x: float, y: float) -> float:
        try:
            return x / y
        except ZeroDivisionError:
            raise ZeroDivisionError(
                f"/: division by zero ({x!r} / {y!r}); expected a non-zero divisor"
            ) from None

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        return g / y, -(g * out) / y


# ------------------------------------------------------------------ numpy's ufuncs


def _ufunc_power(x: Any, y: Any) -> Any:
    if isinstance(y, Node):
        return binary(Pow, x, y)
    return apply(PowConst, x, n=float(y))


def compare(ufunc: Any) -> Callable[[Any, Any], Any]:
    """A comparison ufunc on the operands' data: a bool or a boolean array, no node."""
    return lambda x, y: ufunc(raw(x), raw(y))


def same(x: Any, y: Any) -> bool:
    """``np.equal`` on a node: identity, as ``==`` (nodes key dicts and sets)."""
    return x is y


def different(x: Any, y: Any) -> bool:
    """``np.not_equal`` on a node: identity, as ``!=``."""
    return x is not y


_BINARY = {np.add: "Add", np.subtract: "Sub", np.multiply: "Mul", np.divide: "Div"}
_UNARY = {
    np.negative: "Neg",
    np.exp: "Exp",
    np.log: "Log",
    np.tanh: "Tanh",
    np.sqrt: "Sqrt",
    np.absolute: "Abs",
    np.sin: "Sin",
    np.cos: "Cos",
}


def ufunc_rules(ops: dict[str, Any]) -> dict[Any, Callable[..., Any]]:
    """The ufunc rules shared by both node kinds, over the op classes named in `ops`."""
    rules: dict[Any, Callable[..., Any]] = {
        np.square: partial(apply, ops["PowConst"], n=2.0),
        np.greater: compare(np.greater),
        np.greater_equal: compare(np.greater_equal),
        np.less: compare(np.less),
        np.less_equal: compare(np.less_equal),
        np.equal: same,
        np.not_equal: different,
    }
    rules.update({u: partial(binary, ops[name]) for u, name in _BINARY.items()})
    rules.update({u: partial(apply, ops[name]) for u, name in _UNARY.items()})
    return rules


UFUNCS = {**ufunc_rules(globals()), np.power: _ufunc_power}
"""The rule for each numpy ufunc on a Value (`Operators.__array_ufunc__` reads it)."""


_LOG_FLOOR = -100.0
"""PyTorch clamps each log of binary cross-entropy at -100: p = 0 or 1 gives a finite loss."""
_BCE_EPS = float(np.float32(1e-12))
"""PyTorch clamps the denominator p (1 - p) of the derivative at its float32 constant 1e-12."""


def probability_error(p: float) -> ValueError:
    """The error of binary cross-entropy for a number `p` outside [0, 1]."""
    return ValueError(
        f"binary_cross_entropy: expected probabilities in [0, 1], got {p:g}; "
        "apply sigmoid to the model's output first"
    )


class BinaryCrossEntropy(ValueOp):
    """-(t log p + (1 - t) log(1 - p)), logs clamped at -100; d/dp = (p - t) / p (1 - p).

    PyTorch's rule, with the denominator of the derivative clamped at 1e-12: at a saturated p
    (exactly 0 or 1) the loss is at most 100 and the gradient large but finite, so training
    can leave the saturation (the derivative of the clamped loss would be 0 there). `target`
    is the constant t.
    """

    name = "binary_cross_entropy"

    @staticmethod
    def forward(p: float, target: float) -> float:
        if not 0.0 <= p <= 1.0:
            raise probability_error(p)
        log_p = math.log(p) if p > 0.0 else -math.inf
        log_q = math.log1p(-p) if p < 1.0 else -math.inf
        return -(target * max(log_p, _LOG_FLOOR) + (1.0 - target) * max(log_q, _LOG_FLOOR))

    @staticmethod
    def vjp(g: Any, out: Any, p: Any, target: Any) -> tuple[Any]:
        return (g * (p - target) / _at_least(p * (1.0 - p), _BCE_EPS),)
