"""The op catalogue: every primitive with its chainrule call, a PyTorch reference and a domain.

`test_value_ops` and `test_tensor_ops` run every case; `test_registry_*` fails when a
registered op has no case here, so adding an op means adding one line below. The edge
cases (`VALUE_EDGES`, `TENSOR_EDGES`) run the same checks at fixed inputs: 0, negative axes,
huge magnitudes, 0-d and empty shapes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import autograd


@dataclass(frozen=True)
class Case:
    """One op: `call` on chainrule nodes, `ref` on torch tensors (same signature)."""

    op: str  # the registry name the case covers
    call: Callable[..., Any]
    ref: Callable[..., Any]
    shapes: tuple[tuple[int, ...], ...] = ((3, 4),)  # one shape per input (Tensor cases)
    low: float = -2.0
    high: float = 2.0
    # Second derivatives against torch (scalar cases); None: torch's own rule differs there.
    second_rtol: float | None = 1e-11
    # Fixed inputs instead of random ones in [low, high]: scalar cases give tuples of floats,
    # tensor cases a function of the dtype returning one array per input.
    at: Any = None
    fd: bool = True  # central differences apply (not at a kink, a domain edge, a huge input)
    note: str = ""

    @property
    def arity(self) -> int:
        return len(self.shapes)

    def __str__(self) -> str:
        return f"{self.op} {self.note}".strip()


def _u(call: Callable[..., Any], ref: Callable[..., Any], op: str, **kw: Any) -> Case:
    return Case(op, call, ref, shapes=((),), **kw)


def _b(call: Callable[..., Any], ref: Callable[..., Any], op: str, **kw: Any) -> Case:
    return Case(op, call, ref, shapes=((), ()), **kw)


def _torch_bce(p: Any, target: Any) -> Any:
    import torch

    t = torch.as_tensor(target, dtype=p.dtype)
    return torch.nn.functional.binary_cross_entropy(p, t, reduction="none")


_BCE_TARGET = np.linspace(0.0, 1.0, 12).reshape(3, 4)


# Scalar cases: inputs are Values (call) or 0-d float64 torch tensors (ref).
VALUE_CASES = [
    _b(lambda x, y: x + y, lambda x, y: x + y, "+"),
    _b(lambda x, y: x * y, lambda x, y: x * y, "*"),
    _u(lambda x: x**3, lambda x: x**3, "**n"),
    _u(lambda x: x**-1.5, lambda x: x**-1.5, "**n", low=0.2),
    _b(lambda x, y: x**y, lambda x, y: x**y, "**", low=0.2),
    _u(lambda x: 2.5**x, lambda x: 2.5**x, "**"),
    _u(lambda x: x.exp(), lambda x: x.exp(), "exp"),
    _u(lambda x: x.log(), lambda x: x.log(), "log", low=0.1, high=4.0),
    _u(lambda x: x.tanh(), lambda x: x.tanh(), "tanh"),
    _u(lambda x: x.sigmoid(), lambda x: x.sigmoid(), "sigmoid", low=-30.0, high=30.0),
    _u(lambda x: x.relu(), lambda x: x.relu(), "relu"),
    _u(lambda x: x.sqrt(), lambda x: x.sqrt(), "sqrt", low=0.1, high=4.0),
    _u(lambda x: x.sin(), lambda x: x.sin(), "sin", low=-4.0, high=4.0),
    _u(lambda x: x.cos(), lambda x: x.cos(), "cos", low=-4.0, high=4.0),
    _u(lambda x: x.abs(), lambda x: x.abs(), "abs"),
    _b(lambda x, y: x - y, lambda x, y: x - y, "-"),
    _u(lambda x: 3.0 - x, lambda x: 3.0 - x, "-"),
    _u(lambda x: -x, lambda x: -x, "neg"),
    _u(
        lambda p: autograd.binary_cross_entropy(p, 0.3),
        lambda p: _torch_bce(p, 0.3),
        "binary_cross_entropy",
        low=0.05,
        high=0.95,
        second_rtol=1e-9,  # torch's double backward adds 1e-12 to p and 1 - p; ours is exact
    ),
    # expressed through other ops (no class of their own)
    _b(lambda x, y: x / y, lambda x, y: x / y, "/", low=0.3),
    _u(lambda x: 3.0 / x, lambda x: 3.0 / x, "rdiv", low=0.3),
    # numpy's ufuncs on Values
    _b(lambda x, y: np.divide(x, y), lambda x, y: x / y, "/", low=0.3),
    _u(lambda x: np.tanh(np.exp(x)), lambda x: x.exp().tanh(), "tanh"),
    _u(lambda x: np.float64(2.0) * np.square(x), lambda x: 2.0 * x**2, "**n"),
    _b(lambda x, y: np.power(x, y), lambda x, y: x**y, "**", low=0.2),
]


def _t(op: str, call: Callable[..., Any], ref: Callable[..., Any], *shapes: Any, **kw: Any) -> Case:
    return Case(op, call, ref, shapes=tuple(shapes) or ((3, 4),), **kw)


def _onehot(n: int, c: int) -> np.ndarray:
    return np.eye(c)[np.arange(n) % c]


def _ce_call(x: Any) -> Any:
    return autograd.softmax_cross_entropy(x, _onehot(*x.shape))


def _ce_ref(x: Any) -> Any:
    import torch

    return torch.nn.functional.cross_entropy(x, torch.tensor(np.arange(x.shape[0]) % x.shape[1]))


def _scatter_call(x: Any) -> Any:
    from autograd.op import apply
    from autograd.tensor_ops import Scatter

    return apply(Scatter, x, shape=(4, 4), key=(np.array([0, 2, 2]),))


def _scatter_ref(x: Any) -> Any:
    import torch

    out = torch.zeros((4, 4), dtype=x.dtype)
    return out.index_add(0, torch.tensor([0, 2, 2]), x)


def _broadcast_call(x: Any) -> Any:
    from autograd.tensor_ops import expand

    return expand(x, (2, 3, 4))


# Tensor cases: inputs are Tensors (call) or torch tensors (ref) of the given shapes.
TENSOR_CASES = [
    _t("+", lambda x, y: x + y, lambda x, y: x + y, (3, 4), (3, 4)),
    _t("+", lambda x, y: x + y, lambda x, y: x + y, (3, 4), (4,)),
    _t("+", lambda x, y: x + y, lambda x, y: x + y, (2, 1, 4), (3, 1)),
    _t("*", lambda x, y: x * y, lambda x, y: x * y, (3, 4), (3, 1)),
    _t("*", lambda x, y: 2.0 * x * y, lambda x, y: 2.0 * x * y, (1,), (2, 3)),
    _t("-", lambda x, y: x - y, lambda x, y: x - y, (3, 4), (4,)),
    _t("-", lambda x: 1.0 - x, lambda x: 1.0 - x),
    _t("neg", lambda x: -x, lambda x: -x),
    _t("/", lambda x, y: x / y, lambda x, y: x / y, (3, 4), (3, 4), low=0.3),
    _t("**n", lambda x: x**3, lambda x: x**3),
    _t("**n", lambda x: x**0.5, lambda x: x**0.5, low=0.2),
    _t("@", lambda x, y: x @ y, lambda x, y: x @ y, (3, 4), (4, 2)),
    _t("@", lambda x, y: x @ y, lambda x, y: x @ y, (4,), (4, 2)),
    _t("@", lambda x, y: x @ y, lambda x, y: x @ y, (3, 4), (4,)),
    _t("@", lambda x, y: x @ y, lambda x, y: x @ y, (4,), (4,)),
    _t("@", lambda x, y: x @ y, lambda x, y: x @ y, (2, 3, 4), (2, 4, 5)),
    _t("@", lambda x, y: x @ y, lambda x, y: x @ y, (2, 3, 4), (4, 5)),
    _t("@", lambda x, y: x @ y, lambda x, y: x @ y, (4,), (2, 4, 3)),
    _t("exp", lambda x: x.exp(), lambda x: x.exp()),
    _t("log", lambda x: x.log(), lambda x: x.log(), low=0.1, high=4.0),
    _t("tanh", lambda x: x.tanh(), lambda x: x.tanh()),
    _t("sigmoid", lambda x: x.sigmoid(), lambda x: x.sigmoid(), low=-30.0, high=30.0),
    _t("relu", lambda x: x.relu(), lambda x: x.relu()),
    _t("sqrt", lambda x: x.sqrt(), lambda x: x.sqrt(), low=0.1, high=4.0),
    _t("abs", lambda x: x.abs(), lambda x: x.abs()),
    _t("sum", lambda x: x.sum(), lambda x: x.sum()),
    _t("sum", lambda x: x.sum(axis=0), lambda x: x.sum(dim=0), (3, 4)),
    _t(
        "sum",
        lambda x: x.sum(axis=(0, 2), keepdims=True),
        lambda x: x.sum(dim=(0, 2), keepdim=True),
        (2, 3, 4),
    ),
    _t("mean", lambda x: x.mean(axis=-1), lambda x: x.mean(dim=-1)),
    _t("max", lambda x: x.max(axis=1), lambda x: x.amax(dim=1)),
    _t("max", lambda x: x.max(), lambda x: x.amax()),
    _t("logsumexp", lambda x: x.logsumexp(axis=-1), lambda x: x.logsumexp(dim=-1)),
    _t(
        "logsumexp",
        lambda x: x.logsumexp(axis=0, keepdims=True),
        lambda x: x.logsumexp(dim=0, keepdim=True),
    ),
    _t("softmax", lambda x: x.softmax(axis=-1), lambda x: x.softmax(dim=-1)),
    _t("log_softmax", lambda x: x.log_softmax(axis=0), lambda x: x.log_softmax(dim=0)),
    _t("cross_entropy", _ce_call, _ce_ref, (5, 3)),
    _t(
        "binary_cross_entropy",
        lambda p: autograd.binary_cross_entropy(p, _BCE_TARGET),
        lambda p: _torch_bce(p, _BCE_TARGET),
        low=0.05,
        high=0.95,
    ),
    _t("reshape", lambda x: x.reshape(2, 6), lambda x: x.reshape(2, 6)),
    _t("reshape", lambda x: x.reshape((4, -1)), lambda x: x.reshape(4, -1)),
    _t("transpose", lambda x: x.T, lambda x: x.T),
    _t("transpose", lambda x: x.transpose(2, 0, 1), lambda x: x.permute(2, 0, 1), (2, 3, 4)),
    _t("broadcast", _broadcast_call, lambda x: x.expand(2, 3, 4), (3, 1)),
    _t("index", lambda x: x[1], lambda x: x[1]),
    _t("index", lambda x: x[:, 1:3], lambda x: x[:, 1:3]),
    _t("index", lambda x: x[[0, 2, 0]], lambda x: x[[0, 2, 0]]),
    _t(
        "index",
        lambda x: x[np.array([[0, 1], [2, 0]]), np.array([1, 1])],
        lambda x: x[[[0, 1], [2, 0]], [1, 1]],
    ),
    _t("index", lambda x: x[x.data > 0], lambda x: x[x > 0]),
    _t("scatter", _scatter_call, _scatter_ref, (3, 4)),
    _t(
        "concat",
        lambda x, y: autograd.concat([x, y], axis=1),
        lambda x, y: __import__("torch").cat([x, y], dim=1),
        (3, 4),
        (3, 2),
    ),
    _t(
        "concat",
        lambda x, y: autograd.stack([x, y], axis=1),
        lambda x, y: __import__("torch").stack([x, y], dim=1),
        (3, 4),
        (3, 4),
    ),
    _t(
        "where",
        lambda x, y: autograd.where(x.data > y.data, x, y),
        lambda x, y: __import__("torch").where(x > y, x, y),
        (3, 4),
        (4,),
    ),
    # more ops (numpy habits)
    _t("/", lambda x: x / 2.0, lambda x: x / 2.0),
    _t("/", lambda x: 3.0 / x, lambda x: 3.0 / x, low=0.3),
    _t("/", lambda x, y: x / y, lambda x, y: x / y, (3, 4), (4,), low=0.3),
    _t("/", lambda x, y: x / y, lambda x, y: x / y, (), (2, 3), low=0.3),
    _t("**", lambda x, y: x**y, lambda x, y: x**y, (3, 4), (3, 4), low=0.2),
    _t("**", lambda x, y: x**y, lambda x, y: x**y, (3, 1), (4,), low=0.2),
    _t("**", lambda x: 2.5**x, lambda x: 2.5**x),
    _t("**", lambda x: x**x, lambda x: x**x, low=0.2),
    _t("sin", lambda x: x.sin(), lambda x: x.sin(), low=-4.0, high=4.0),
    _t("cos", lambda x: x.cos(), lambda x: x.cos(), low=-4.0, high=4.0),
    _t("clip", lambda x: x.clip(-0.5, 0.7), lambda x: x.clamp(-0.5, 0.7)),
    _t("clip", lambda x: x.clip(lo=0.0), lambda x: x.clamp(min=0.0)),
    _t("clip", lambda x: x.clip(hi=0.0), lambda x: x.clamp(max=0.0), ()),
    _t(
        "maximum",
        lambda x, y: autograd.maximum(x, y),
        lambda x, y: __import__("torch").maximum(x, y),
        (3, 4),
        (4,),
    ),
    _t(
        "minimum",
        lambda x, y: autograd.minimum(x, y),
        lambda x, y: __import__("torch").minimum(x, y),
        (2, 1),
        (3,),
    ),
    _t("min", lambda x: x.min(axis=1), lambda x: x.amin(dim=1)),
    _t("min", lambda x: x.min(), lambda x: x.amin()),
    _t("min", lambda x: x.min(axis=-1, keepdims=True), lambda x: x.amin(dim=-1, keepdim=True)),
    _t("min", lambda x: x.min(), lambda x: x.amin(), ()),
    _t("astype", lambda x: x.astype(np.float64).astype(x.dtype), lambda x: x.double().to(x.dtype)),
    _t("var", lambda x: x.var(), lambda x: x.var(correction=0)),
    _t("var", lambda x: x.var(axis=1, ddof=1), lambda x: x.var(dim=1, correction=1)),
    _t(
        "var",
        lambda x: x.var(axis=-1, keepdims=True),
        lambda x: x.var(dim=-1, correction=0, keepdim=True),
        (2, 3, 4),
    ),
    _t("std", lambda x: x.std(axis=0), lambda x: x.std(dim=0, correction=0)),
    _t("std", lambda x: x.std(ddof=1), lambda x: x.std(correction=1)),
    _t("reshape", lambda x: x.flatten(), lambda x: x.flatten(), (2, 3, 4)),
    _t("reshape", lambda x: x.flatten(), lambda x: x.flatten(), ()),
    _t("reshape", lambda x: x.squeeze(), lambda x: x.squeeze(), (3, 1, 4, 1)),
    _t("reshape", lambda x: x.squeeze(-1), lambda x: x.squeeze(-1), (3, 1, 4, 1)),
    _t("reshape", lambda x: x.unsqueeze(-1), lambda x: x.unsqueeze(-1), (3, 4)),
    _t("reshape", lambda x: x.unsqueeze(0), lambda x: x.unsqueeze(0), ()),
    # numpy's ufuncs and functions on Tensors build the same nodes
    _t("@", lambda x, y: np.dot(x, y), lambda x, y: x @ y, (3, 4), (4, 2)),
    _t("@", lambda x, y: np.dot(x, y), lambda x, y: x @ y, (4,), (4,)),
    _t("*", lambda x, y: np.dot(x, y), lambda x, y: x * y, (), (3,)),
    _t("@", lambda x, y: np.matmul(x, y), lambda x, y: x @ y, (2, 3, 4), (4, 5)),
    _t("+", lambda x, y: np.add(x, y), lambda x, y: x + y, (3, 4), (4,)),
    _t("-", lambda x, y: np.subtract(x, y), lambda x, y: x - y, (3, 4), (4,)),
    _t("*", lambda x, y: np.multiply(x, y), lambda x, y: x * y, (3, 1), (4,)),
    _t("/", lambda x, y: np.divide(x, y), lambda x, y: x / y, (3, 4), (3, 4), low=0.3),
    _t("neg", lambda x: np.negative(x), lambda x: -x),
    _t("**", lambda x, y: np.power(x, y), lambda x, y: x**y, (3, 4), (4,), low=0.2),
    _t("**n", lambda x: np.power(x, 3), lambda x: x**3),
    _t("**n", lambda x: np.square(x), lambda x: x**2),
    _t("exp", lambda x: np.exp(x), lambda x: x.exp()),
    _t("log", lambda x: np.log(x), lambda x: x.log(), low=0.1, high=4.0),
    _t("tanh", lambda x: np.tanh(x), lambda x: x.tanh()),
    _t("sqrt", lambda x: np.sqrt(x), lambda x: x.sqrt(), low=0.1, high=4.0),
    _t("abs", lambda x: np.abs(x), lambda x: x.abs()),
    _t("sin", lambda x: np.sin(x), lambda x: x.sin()),
    _t("cos", lambda x: np.cos(x), lambda x: x.cos()),
    _t(
        "maximum",
        lambda x, y: np.maximum(x, y),
        lambda x, y: __import__("torch").maximum(x, y),
        (3, 4),
        (3, 4),
    ),
    _t(
        "minimum",
        lambda x, y: np.minimum(x, y),
        lambda x, y: __import__("torch").minimum(x, y),
        (3, 4),
        (4,),
    ),
    _t(
        "sum",
        lambda x: np.sum(x, axis=1, keepdims=True),
        lambda x: x.sum(dim=1, keepdim=True),
    ),
    _t("sum", lambda x: np.sum(x), lambda x: x.sum()),
    _t("mean", lambda x: np.mean(x, axis=0), lambda x: x.mean(dim=0)),
    _t("max", lambda x: np.max(x, axis=-1), lambda x: x.amax(dim=-1)),
    _t("min", lambda x: np.min(x, axis=0), lambda x: x.amin(dim=0)),
    _t("var", lambda x: np.var(x, axis=1, ddof=1), lambda x: x.var(dim=1, correction=1)),
    _t("std", lambda x: np.std(x), lambda x: x.std(correction=0)),
    _t("reshape", lambda x: np.reshape(x, (4, 3)), lambda x: x.reshape(4, 3)),
    _t("transpose", lambda x: np.transpose(x), lambda x: x.T),
    _t(
        "transpose",
        lambda x: np.transpose(x, (1, 2, 0)),
        lambda x: x.permute(1, 2, 0),
        (2, 3, 4),
    ),
    _t(
        "concat",
        lambda x, y: np.concatenate([x, y], axis=0),
        lambda x, y: __import__("torch").cat([x, y], dim=0),
        (2, 4),
        (3, 4),
    ),
    _t(
        "concat",
        lambda x, y: np.stack([x, y], axis=-1),
        lambda x, y: __import__("torch").stack([x, y], dim=-1),
        (3, 4),
        (3, 4),
    ),
    _t(
        "where",
        lambda x, y: np.where(x > y, x, y),
        lambda x, y: __import__("torch").where(x > y, x, y),
        (3, 4),
        (3, 4),
    ),
    _t("clip", lambda x: np.clip(x, -0.5, 0.5), lambda x: x.clamp(-0.5, 0.5)),
    _t("reshape", lambda x: np.squeeze(x, axis=1), lambda x: x.squeeze(1), (3, 1, 4)),
    _t("reshape", lambda x: np.expand_dims(x, -1), lambda x: x.unsqueeze(-1)),
]


# ------------------------------------------------------------------------------ edge inputs

HUGE = {np.float64: 1e16, np.float32: 1e8}
"""The largest logits the softmax family and the losses must take exactly, per dtype."""


def _v(op: str, call: Callable[..., Any], ref: Callable[..., Any], *at: Any, **kw: Any) -> Case:
    """A scalar case at fixed points (tuples of floats), not checked by central differences."""
    return Case(op, call, ref, shapes=tuple(() for _ in at[0]), at=at, fd=False, **kw)


# Scalar edges: zeros, huge magnitudes, the limits of the powers at 0.
VALUE_EDGES = [
    _v("**n", lambda x: x**0, lambda x: x**0, (0.0,), (-3.0,), note="x ** 0"),
    _v("**n", lambda x: x**1, lambda x: x**1, (0.0,), note="x ** 1"),
    _v("**n", lambda x: x**3, lambda x: x**3, (0.0,), note="x ** 3"),
    _v("**n", lambda x: x**0.5, lambda x: x**0.5, (0.0,), note="x ** 0.5"),
    # At base 0 torch's second derivatives in the exponent are nan (0 * log 0 inside its
    # masked rule): test_edges checks ours against the closed form there.
    _v(
        "**",
        lambda x, y: x**y,
        lambda x, y: x**y,
        (0.0, 0.0),
        (0.0, 1.0),
        (0.0, 2.0),
        second_rtol=None,
    ),
    _v("**", lambda x, y: x**y, lambda x, y: x**y, (2.0, 0.0)),
    _v("**", lambda y: 0.0**y, lambda y: 0.0**y, (0.0,), (2.5,), note="0 ** y", second_rtol=None),
    _v("*", lambda x, y: x * y, lambda x, y: x * y, (1e200, 1e200), (0.0, -1e308)),
    _v("+", lambda x, y: x + y, lambda x, y: x + y, (1e308, 1e308), (1e16, 1.0)),
    _v("exp", lambda x: x.exp(), lambda x: x.exp(), (-1000.0,), (1000.0,), (0.0,)),
    _v("log", lambda x: x.log(), lambda x: x.log(), (1e300,), (1e-300,)),
    _v("tanh", lambda x: x.tanh(), lambda x: x.tanh(), (1e16,), (-1e16,), (0.0,)),
    _v("sigmoid", lambda x: x.sigmoid(), lambda x: x.sigmoid(), (1e16,), (-1e16,), (0.0,)),
    _v("relu", lambda x: x.relu(), lambda x: x.relu(), (0.0,)),
    _v("abs", lambda x: x.abs(), lambda x: x.abs(), (0.0,)),
    _v("sqrt", lambda x: x.sqrt(), lambda x: x.sqrt(), (0.0,)),
    _v("/", lambda x, y: x / y, lambda x, y: x / y, (1e308, 1e-10), (0.0, 1e-300), (-1.0, 1e16)),
    _v("sin", lambda x: x.sin(), lambda x: x.sin(), (0.0,), (1e6,)),
    _v("cos", lambda x: x.cos(), lambda x: x.cos(), (0.0,), (1e6,)),
    _v(
        "binary_cross_entropy",
        lambda p: autograd.binary_cross_entropy(p, 0.3),
        lambda p: _torch_bce(p, 0.3),
        (0.0,),
        (1.0,),
        (1e-20,),
        second_rtol=None,  # torch's double backward adds 1e-12 to p and 1 - p
    ),
]


def _e(op: str, call: Callable[..., Any], ref: Callable[..., Any], *arrays: Any, **kw: Any) -> Case:
    """A tensor case at fixed arrays (float64 data, cast to each dtype)."""
    at = tuple(np.asarray(a, dtype=np.float64) for a in arrays)
    shapes = tuple(a.shape for a in at)
    kw.setdefault("fd", False)
    return Case(op, call, ref, shapes=shapes, at=lambda dtype: [a.astype(dtype) for a in at], **kw)


def _huge(op: str, call: Callable[..., Any], ref: Callable[..., Any], **kw: Any) -> Case:
    """A tensor case at rows near ±HUGE[dtype]: ties at the maximum, spreads below it."""
    offsets = np.array([[0, 0, -1, -2], [0, -3, -30, -700], [0, 0, 0, 0], [5, 0, 0, 0]])

    def at(dtype: Any) -> list[np.ndarray]:
        c = HUGE[dtype]
        return [np.concatenate([c + offsets, -c + offsets]).astype(dtype)]

    return Case(op, call, ref, shapes=((8, 4),), at=at, fd=False, note="huge", **kw)


def _torch(name: str) -> Any:
    import torch

    return getattr(torch, name)


_MASKED = np.array([[-np.inf, 0.0, 1.0, 2.0], [3.0, -np.inf, -np.inf, 0.5]])
_SATURATED = np.array([[0.0, 1.0, 1e-20, 0.5], [1.0, 0.0, 1e-30, 1.0]])
_BCE_EDGE_TARGET = np.array([[1.0, 0.0, 1.0, 0.5], [1.0, 1.0, 0.0, 0.0]])


# Tensor edges: 0-d and empty shapes, negative and tuple axes (random data in [low, high]),
# and fixed data at 0 and at huge magnitudes.
TENSOR_EDGES = [
    _t("+", lambda x, y: x + y, lambda x, y: x + y, (0, 3), (3,), note="empty"),
    _t("*", lambda x, y: x * y, lambda x, y: x * y, (), (2, 3), note="0-d"),
    _t("-", lambda x, y: x - y, lambda x, y: x - y, (), (), note="0-d"),
    _t("neg", lambda x: -x, lambda x: -x, (0,), note="empty"),
    _t("/", lambda x, y: x / y, lambda x, y: x / y, (), (3,), low=0.3, note="0-d"),
    _t("**n", lambda x: x**3, lambda x: x**3, (), note="0-d"),
    _t("@", lambda x, y: x @ y, lambda x, y: x @ y, (0, 4), (4, 2), note="empty"),
    _t("@", lambda x, y: x @ y, lambda x, y: x @ y, (3, 0), (0, 2), note="empty inner"),
    _t("exp", lambda x: x.exp(), lambda x: x.exp(), (0, 2), note="empty"),
    _t("sum", lambda x: x.sum(axis=-1), lambda x: x.sum(dim=-1), (2, 3, 4), note="axis -1"),
    _t(
        "sum",
        lambda x: x.sum(axis=(0, -1), keepdims=True),
        lambda x: x.sum(dim=(0, -1), keepdim=True),
        (2, 3, 4),
        note="axes (0, -1)",
    ),
    _t("sum", lambda x: x.sum(axis=-1), lambda x: x.sum(dim=-1), (), note="0-d"),
    _t("sum", lambda x: x.sum(axis=0), lambda x: x.sum(dim=0), (0, 3), note="empty"),
    _t(
        "mean",
        lambda x: x.mean(axis=(-1, 0), keepdims=True),
        lambda x: x.mean(dim=(-1, 0), keepdim=True),
        (2, 3, 4),
        note="axes (-1, 0)",
    ),
    _t("mean", lambda x: x.mean(axis=0), lambda x: x.mean(dim=0), (), note="0-d"),
    _t("mean", lambda x: x.mean(axis=-1), lambda x: x.mean(dim=-1), (3, 0), note="empty"),
    _t("max", lambda x: x.max(axis=-2), lambda x: x.amax(dim=-2), (2, 3, 4), note="axis -2"),
    _t(
        "max",
        lambda x: x.max(axis=(0, -1), keepdims=True),
        lambda x: x.amax(dim=(0, -1), keepdim=True),
        (2, 3, 4),
        note="axes (0, -1)",
    ),
    _t("max", lambda x: x.max(axis=-1), lambda x: x.amax(dim=-1), (), note="0-d"),
    _t("max", lambda x: x.max(axis=0), lambda x: x.amax(dim=0), (3, 0), note="empty"),
    _e(
        "max",
        lambda x: x.max(axis=-1),
        lambda x: x.amax(dim=-1),
        [[1e16, 1e16, -1e16], [0.0, 0.0, 0.0]],
        note="ties",
    ),
    _t("logsumexp", lambda x: x.logsumexp(axis=None), lambda x: x.logsumexp(dim=(0, 1)), (2, 3)),
    _t("logsumexp", lambda x: x.logsumexp(axis=-2), lambda x: x.logsumexp(dim=-2), (2, 3, 4)),
    _t(
        "logsumexp", lambda x: x.logsumexp(axis=None), lambda x: x.logsumexp(dim=()), (), note="0-d"
    ),
    _t("logsumexp", lambda x: x.logsumexp(), lambda x: x.logsumexp(dim=-1), (3, 0), note="empty"),
    _huge("logsumexp", lambda x: x.logsumexp(), lambda x: x.logsumexp(dim=-1)),
    _e("logsumexp", lambda x: x.logsumexp(), lambda x: x.logsumexp(-1), _MASKED, note="-inf"),
    _e("softmax", lambda x: x.softmax(), lambda x: x.softmax(-1), _MASKED, note="-inf"),
    _e("log_softmax", lambda x: x.log_softmax(), lambda x: x.log_softmax(-1), _MASKED, note="-inf"),
    _t("softmax", lambda x: x.softmax(axis=-2), lambda x: x.softmax(dim=-2), (2, 3, 4)),
    _t("softmax", lambda x: x.softmax(), lambda x: x.softmax(dim=-1), (), note="0-d"),
    _t("softmax", lambda x: x.softmax(), lambda x: x.softmax(dim=-1), (3, 0), note="empty"),
    _huge("softmax", lambda x: x.softmax(), lambda x: x.softmax(dim=-1)),
    _t("log_softmax", lambda x: x.log_softmax(), lambda x: x.log_softmax(dim=-1), (2, 3, 4)),
    _t("log_softmax", lambda x: x.log_softmax(0), lambda x: x.log_softmax(0), (), note="0-d"),
    _t("log_softmax", lambda x: x.log_softmax(0), lambda x: x.log_softmax(0), (0, 3), note="empty"),
    _huge("log_softmax", lambda x: x.log_softmax(), lambda x: x.log_softmax(dim=-1)),
    _t("cross_entropy", _ce_call, _ce_ref, (1, 1), note="one class"),
    _huge("cross_entropy", _ce_call, _ce_ref),
    _e(
        "binary_cross_entropy",
        lambda p: autograd.binary_cross_entropy(p, _BCE_EDGE_TARGET),
        lambda p: _torch_bce(p, _BCE_EDGE_TARGET),
        _SATURATED,
        note="saturated",
    ),
    _e("exp", lambda x: x.exp(), lambda x: x.exp(), [-1000.0, 0.0, 1000.0], note="huge"),
    _e("log", lambda x: x.log(), lambda x: x.log(), [0.0, 1.0, 1e30], note="at 0"),
    _e("tanh", lambda x: x.tanh(), lambda x: x.tanh(), [-1e16, 0.0, 1e16], note="huge"),
    _e("sigmoid", lambda x: x.sigmoid(), lambda x: x.sigmoid(), [-1e16, 0.0, 1e16], note="huge"),
    _e("relu", lambda x: x.relu(), lambda x: x.relu(), [0.0, -1.0, 1.0], note="at 0"),
    _e("abs", lambda x: x.abs(), lambda x: x.abs(), [0.0, -1.0, 1.0], note="at 0"),
    _e("sqrt", lambda x: x.sqrt(), lambda x: x.sqrt(), [0.0, 1.0, 1e30], note="at 0"),
    _e("**n", lambda x: x**0, lambda x: x**0, [0.0, -3.0, 2.0], note="x ** 0 at 0"),
    _e("**n", lambda x: x**3, lambda x: x**3, [0.0, -3.0, 2.0], note="x ** 3 at 0"),
    _e("**n", lambda x: x**0.5, lambda x: x**0.5, [0.0, 2.0], note="x ** 0.5 at 0"),
    _e("**n", lambda x: x**-1, lambda x: x**-1, [0.0, 2.0], note="x ** -1 at 0"),
    _e("/", lambda x, y: x / y, lambda x, y: x / y, [1.0, -1.0], [0.0, 0.0], note="by 0"),
    _t("/", lambda x, y: x / y, lambda x, y: x / y, (0, 3), (3,), low=0.3, note="empty"),
    _e(
        "**",
        lambda x, y: x**y,
        lambda x, y: x**y,
        [0.0, 0.0, 0.0, 2.0, -2.0],
        [0.0, 0.5, 2.0, 0.0, 3.0],
        note="base 0, exponent 0, negative base",
    ),
    _t("**", lambda x, y: x**y, lambda x, y: x**y, (), (3,), low=0.2, note="0-d"),
    _t("**", lambda x, y: x**y, lambda x, y: x**y, (0, 3), (3,), low=0.2, note="empty"),
    _t("sin", lambda x: x.sin(), lambda x: x.sin(), (), note="0-d"),
    _t("cos", lambda x: x.cos(), lambda x: x.cos(), (0, 2), note="empty"),
    _e(
        "clip",
        lambda x: x.clip(-0.5, 0.5),
        lambda x: x.clamp(-0.5, 0.5),
        [-0.5, 0.5, -1e16, 1e16, 0.0],
        note="at the limits",
    ),
    _t("clip", lambda x: x.clip(-0.5, 0.5), lambda x: x.clamp(-0.5, 0.5), (0, 3), note="empty"),
    _e(
        "maximum",
        lambda x, y: autograd.maximum(x, y),
        lambda x, y: _torch("maximum")(x, y),
        [1.0, -1e16, 0.0],
        [1.0, 1e16, -0.0],
        note="ties",
    ),
    _t(
        "minimum",
        lambda x, y: autograd.minimum(x, y),
        lambda x, y: _torch("minimum")(x, y),
        (),
        (3,),
        note="0-d",
    ),
    _e(
        "minimum",
        lambda x, y: autograd.minimum(x, y),
        lambda x, y: _torch("minimum")(x, y),
        [2.0, 1e16],
        [2.0, -1e16],
        note="ties",
    ),
    _t("min", lambda x: x.min(axis=(0, -1)), lambda x: x.amin(dim=(0, -1)), (2, 3, 4), note="axes"),
    _t("min", lambda x: x.min(axis=-1), lambda x: x.amin(dim=-1), (), note="0-d"),
    _t("min", lambda x: x.min(axis=0), lambda x: x.amin(dim=0), (3, 0), note="empty"),
    _e(
        "min",
        lambda x: x.min(axis=-1),
        lambda x: x.amin(dim=-1),
        [[-1e16, -1e16, 1e16], [0.0, 0.0, 0.0]],
        note="ties",
    ),
    _t(
        "astype",
        lambda x: x.astype(np.float64).astype(x.dtype),
        lambda x: x.double().to(x.dtype),
        (),
        note="0-d",
    ),
    _t(
        "astype",
        lambda x: x.astype(np.float32).astype(x.dtype),
        lambda x: x.float().to(x.dtype),
        (0, 2),
        note="empty",
    ),
    _e(
        "std",
        lambda x: x.std(axis=-1),
        lambda x: x.std(-1, correction=0),
        [[1e30, 0.0, -1e30], [1e30, 2e30, 4e30], [1.0, 2.0, 4.0]],
        note="squares overflow float32",
    ),
    _e("relu", lambda x: x.relu(), lambda x: x.relu(), [np.nan, 1.0, -1.0], note="nan"),
    _e("abs", lambda x: x.abs(), lambda x: x.abs(), [np.nan, 1.0, -1.0], note="nan"),
    _e(
        "maximum",
        lambda x, y: autograd.maximum(x, y),
        lambda x, y: _torch("maximum")(x, y),
        [np.nan, 1.0, np.nan, 2.0],
        [0.5, np.nan, np.nan, 2.0],
        note="nan",
    ),
    _t("reshape", lambda x: x.reshape(1, 1), lambda x: x.reshape(1, 1), (), note="0-d"),
    _t("reshape", lambda x: x.reshape(3, 0), lambda x: x.reshape(3, 0), (0, 3), note="empty"),
    _t("reshape", lambda x: x.reshape(-1), lambda x: x.reshape(-1), (2, 3, 4), note="-1"),
    _t(
        "transpose",
        lambda x: x.transpose(-1, 0, 1),
        lambda x: x.permute(-1, 0, 1),
        (2, 3, 4),
        note="(-1, 0, 1)",
    ),
    _t(
        "transpose",
        lambda x: x.transpose(0, -1, -2),
        lambda x: x.permute(0, -1, -2),
        (2, 3, 4),
        note="(0, -1, -2)",
    ),
    _t("transpose", lambda x: x.T, lambda x: x.permute(()), (), note="0-d"),
    _t("transpose", lambda x: x.T, lambda x: x.permute(0), (4,), note="1-d"),
    _t("broadcast", lambda x: _broadcast_call(x), lambda x: x.expand(2, 3, 4), (), note="0-d"),
    _t("index", lambda x: x[-1], lambda x: x[-1], note="-1"),
    _t("index", lambda x: x[..., -1], lambda x: x[..., -1], (2, 3, 4), note="[..., -1]"),
    _t("index", lambda x: x[2:2], lambda x: x[2:2], note="empty slice"),
    _t("index", lambda x: x[[-1, 0, -1]], lambda x: x[[-1, 0, -1]], note="negative indices"),
    _t("index", lambda x: x[()], lambda x: x[()], (), note="0-d"),
    _t(
        "concat",
        lambda x, y: autograd.concat([x, y], axis=-1),
        lambda x, y: _torch("cat")([x, y], dim=-1),
        (3, 4),
        (3, 2),
        note="axis -1",
    ),
    _t(
        "concat",
        lambda x, y: autograd.concat([x, y]),
        lambda x, y: _torch("cat")([x, y]),
        (0, 4),
        (3, 4),
        note="empty",
    ),
    _t(
        "concat",
        lambda x, y: autograd.stack([x, y], axis=-1),
        lambda x, y: _torch("stack")([x, y], dim=-1),
        (3, 4),
        (3, 4),
        note="stack axis -1",
    ),
    _t(
        "concat",
        lambda x, y: autograd.stack([x, y]),
        lambda x, y: _torch("stack")([x, y]),
        (),
        (),
        note="stack 0-d",
    ),
    _t(
        "where",
        lambda x, y: autograd.where(x.data > y.data, x, y),
        lambda x, y: _torch("where")(x > y, x, y),
        (),
        (3,),
        note="0-d",
    ),
    _t(
        "where",
        lambda x, y: autograd.where(x.data > y.data, x, y),
        lambda x, y: _torch("where")(x > y, x, y),
        (0, 3),
        (3,),
        note="empty",
    ),
]
