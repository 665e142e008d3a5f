"""Op classes and `apply`: coerce the inputs, run forward, record the parents.

A primitive is one class with a `forward` on raw data and a `vjp` (vector-Jacobian product)
written with operators, so the same line runs on raw data in a plain backward pass and on
nodes with ``create_graph``. `Op.bind` gives each op class a `Rule`, the record its output
nodes keep for the engine. This module sits above `engine` and below the node kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from autograd import engine
from autograd.engine import Node, Rule

__all__ = ["Op", "Operators", "TensorOp", "ValueOp", "apply", "binary", "raw", "refusal"]


class Op:
    """A primitive: `forward` on raw data, `vjp` on raw data or on nodes.

    Subclasses set `name`, ``forward(*datas, **params)`` and
    ``vjp(g, out, *inputs, **params) -> tuple`` (one gradient per input, None for none).
    A rule written with operators and the helpers of its module accepts raw data and
    nodes alike, so the same line serves a fast plain backward and ``create_graph``.
    """

    name: ClassVar[str]
    forward: ClassVar[Callable[..., Any]]
    vjp: ClassVar[Callable[..., tuple[Any, ...]]]
    node_type: ClassVar[type[Node]]
    registry: ClassVar[dict[str, type[Op]]]
    needs_mask: ClassVar[bool] = False
    """When set, `vjp` also receives ``needs``: which inputs want a gradient."""
    saves: ClassVar[bool] = False
    """When set, `forward` returns ``(output, saved)`` and `vjp` receives ``saved``: raw
    intermediates of the forward pass that the plain backward reuses instead of recomputing."""
    rule: ClassVar[Rule]
    """What the op's output nodes keep and `apply` reads (made by `bind`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            cls.registry[cls.name] = cls
        if hasattr(cls, "node_type"):  # defined after its node kind was bound
            cls._make_rule()

    @classmethod
    def bind(cls, kind: type[Node]) -> None:
        """Make `kind` the node type of this family of ops (called once per kind)."""
        cls.node_type = kind
        stack = [cls]
        while stack:  # every subclass gets its own rule, named or not
            op = stack.pop()
            op._make_rule()
            stack += op.__subclasses__()

    @classmethod
    def _make_rule(cls) -> None:
        if hasattr(cls, "forward") and hasattr(cls, "vjp"):  # not an abstract base
            special = cls.saves or cls.needs_mask  # these take apply's `_finish`
            cls.rule = Rule(cls, cls.forward, cls.vjp, cls.node_type, special)

    @classmethod
    def describe(cls, params: dict[str, Any]) -> str:
        """The name shown for a node made by this op (pictures, ``node.op``)."""
        return cls.name

    @classmethod
    def explain(
        cls, error: ValueError, inputs: tuple[Node, ...], params: dict[str, Any]
    ) -> Exception:
        """The error to raise when `forward` raised `error` (a domain error as it is)."""
        return error


class ValueOp(Op):
    """A scalar primitive over Python floats."""

    registry: ClassVar[dict[str, type[Op]]] = {}


class TensorOp(Op):
    """An n-dimensional primitive over numpy arrays."""

    registry: ClassVar[dict[str, type[Op]]] = {}


_special = engine._special  # a global: read on every op
_modes = engine._modes


def apply(op: type[Op], *inputs: Any, **params: Any) -> Any:
    """Run `op` on `inputs` (nodes, numbers or arrays) and return the output node.

    Non-node inputs become constant nodes; parents are recorded unless `no_grad` is active
    or (for Tensors) no input requires grad.
    """
    if len(inputs) == 2 and not params:
        return binary(op, *inputs)
    rule = op.rule
    try:
        if len(inputs) == 1:  # a method's own node
            data = rule.forward(inputs[0].data, **params)
        else:
            if not all(isinstance(x, op.node_type) for x in inputs):
                inputs = _lift_all(op.node_type, inputs)
            data = rule.forward(*[x.data for x in inputs], **params)
    except ValueError as e:
        raise op.explain(e, inputs, params) from None
    if rule.special or _special.count:
        return _finish(rule, data, inputs, params)
    for x in inputs:
        if x.requires_grad:
            return rule.make(data, rule, params or None, *_slots(inputs))
    return rule.make(data, None, None, None, None, None)


def binary(op: type[Op], x: Any, y: Any) -> Any:
    """`apply` for two inputs and no parameters: the path of every arithmetic operator.

    Written out apart from `apply` because it runs once per node of most graphs: no
    argument tuple or keyword dict to build, no loop over the inputs.
    """
    rule = op.rule
    kind = rule.kind
    if not isinstance(x, kind):
        x = kind._lift(x, y)
    elif not isinstance(y, kind):
        y = kind._lift(y, x)
    try:
        data = rule.forward(x.data, y.data)
    except ValueError as e:
        raise op.explain(e, (x, y), {}) from None
    if rule.special or _special.count:
        return _finish(rule, data, (x, y), {})
    if x.requires_grad or y.requires_grad:
        return rule.make(data, rule, None, x, y, None)
    return rule.make(data, None, None, None, None, None)


def _finish(rule: Rule, data: Any, inputs: tuple[Node, ...], params: dict[str, Any]) -> Any:
    """The rest of `apply` for ops with saved intermediates or a mask, and in special modes."""
    op = rule.op_class
    if op.saves:
        data, params["saved"] = data
    usual = not _special.count  # no thread is in a special mode: skip the thread-local reads
    if not usual and _modes.anomaly and not op.node_type._all_finite(data):
        raise FloatingPointError(
            f"detect_anomaly: '{op.describe(params)}' produced a non-finite value {data!r}"
        )
    if usual or _modes.grad_enabled:
        for x in inputs:  # a loop, not any(): a generator costs a frame per op
            if x.requires_grad:
                if op.needs_mask:
                    params["needs"] = tuple([x.requires_grad for x in inputs])
                return rule.make(data, rule, params or None, *_slots(inputs))
    return rule.make(data, None, None, None, None, None)


def _slots(inputs: tuple[Node, ...]) -> tuple[Node, Node | None, tuple[Node, ...] | None]:
    """A node's three parent slots for these inputs (see `Node._left`)."""
    n = len(inputs)
    return inputs[0], (inputs[1] if n > 1 else None), (inputs[2:] if n > 2 else None)


def _lift_all(kind: type[Node], inputs: tuple[Any, ...]) -> tuple[Node, ...]:
    like = next(x for x in inputs if isinstance(x, kind))
    return tuple(x if isinstance(x, kind) else kind._lift(x, like) for x in inputs)


def raw(x: Any) -> Any:
    """The raw data of a node, or `x` itself: for masks and tests inside rules."""
    return x.data if isinstance(x, Node) else x


class Operators:
    """The operators and methods Value and Tensor share (each names its primitives' module)."""

    __slots__ = ()
    primitives: ClassVar[Any]  # the module of primitives: value_ops or tensor_ops

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """Run a numpy ufunc on nodes (``np.exp(x)``, ``ndarray * x``) by its rule in `UFUNCS`."""
        if method == "__call__" and not kwargs:
            rule = self.primitives.UFUNCS.get(ufunc)
            if rule is not None:
                return rule(*inputs)
        raise refusal(type(self).__name__, ufunc.__name__, method, kwargs)

    def __add__(self, other: Any) -> Any:
        return binary(self.primitives.Add, self, other)

    def __radd__(self, other: Any) -> Any:
        return binary(self.primitives.Add, other, self)

    def __mul__(self, other: Any) -> Any:
        return binary(self.primitives.Mul, self, other)

    def __rmul__(self, other: Any) -> Any:
        return binary(self.primitives.Mul, other, self)

    def __neg__(self) -> Any:
        return apply(self.primitives.Neg, self)

    def __sub__(self, other: Any) -> Any:
        return binary(self.primitives.Sub, self, other)

    def __rsub__(self, other: Any) -> Any:
        return binary(self.primitives.Sub, other, self)

    def __truediv__(self, other: Any) -> Any:
        return binary(self.primitives.Div, self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return binary(self.primitives.Div, other, self)

    def __pow__(self, other: Any) -> Any:
        raise NotImplementedError  # each kind decides which exponents it takes

    # Comparisons look at the data and make no node; == and != stay identity (see Node).
    def __lt__(self, other: Any) -> Any:
        return raw(self) < raw(other)

    def __le__(self, other: Any) -> Any:
        return raw(self) <= raw(other)

    def __gt__(self, other: Any) -> Any:
        return raw(self) > raw(other)

    def __ge__(self, other: Any) -> Any:
        return raw(self) >= raw(other)

    def exp(self) -> Any:
        """Elementwise e ** x; overflows to inf."""
        return apply(self.primitives.Exp, self)

    def log(self) -> Any:
        """Natural logarithm (a Value raises ValueError for x <= 0; a Tensor follows numpy)."""
        return apply(self.primitives.Log, self)

    def tanh(self) -> Any:
        """Hyperbolic tangent."""
        return apply(self.primitives.Tanh, self)

    def sigmoid(self) -> Any:
        """Logistic sigmoid 1 / (1 + e ** -x), stable for large inputs."""
        return apply(self.primitives.Sigmoid, self)

    def relu(self) -> Any:
        """max(0, x); its derivative at 0 is 0, as in PyTorch."""
        return apply(self.primitives.Relu, self)

    def sqrt(self) -> Any:
        """Square root (a Value raises ValueError for x < 0; a Tensor follows numpy)."""
        return apply(self.primitives.Sqrt, self)

    def abs(self) -> Any:
        """Absolute value; its derivative at 0 is 0, as in PyTorch."""
        return apply(self.primitives.Abs, self)

    def __abs__(self) -> Any:
        return self.abs()


_ALTERNATIVES = {
    "log1p": "(1 + x).log()",
    "expm1": "x.exp() - 1",
    "reciprocal": "1 / x",
    "exp2": "2 ** x",
    "log2": "x.log() / math.log(2)",
    "log10": "x.log() / math.log(10)",
    "fmax": "autograd.maximum(x, y)",
    "fmin": "autograd.minimum(x, y)",
    "true_divide": "x / y",
    "sign": "x.data > 0 (a mask, outside the graph)",
    "prod": "x.log().sum().exp() for positive x, or a loop of *",
    "cumsum": "a loop of + over slices",
    "outer": "x.reshape(-1, 1) * y.reshape(1, -1)",
    "einsum": "@ with reshape and transpose",
    "tensordot": "@ with reshape and transpose",
    "linalg.norm": "(x * x).sum().sqrt()",
    "copy": "x * 1 (a new node) or x.detach() (a constant)",
    "average": "x.mean(...) or (x * w).sum() / w.sum()",
}


def refusal(kind: str, name: str, method: str = "__call__", kwargs: Any = None) -> TypeError:
    """The error for a numpy function or ufunc that has no rule for nodes of `kind`."""
    full = f"np.{name}" + ("" if method == "__call__" else f".{method}")
    if kwargs:
        return TypeError(
            f"{full}: keyword argument(s) {', '.join(sorted(kwargs))} are not supported on "
            f"{kind}s (the result is always a new node); call it without them"
        )
    hint = _ALTERNATIVES.get(name, f"the {kind} methods and operators")
    return TypeError(
        f"{full}: no rule for {kind}s, so it cannot build a graph node; use {hint}, or call "
        f"it on x.data for a constant outside the graph"
    )
