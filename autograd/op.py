"""Op base classes, their registries, and `apply`: coerce, run forward, record parents."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import numpy as np

from autograd.engine import Node, _mode

if TYPE_CHECKING:  # named in the string type arguments of ValueOp and TensorOp below
    from autograd.tensor import Tensor  # noqa: F401
    from autograd.value import Value  # noqa: F401

N = TypeVar("N", bound=Node)

__all__ = ["Op", "Operators", "TensorOp", "ValueOp", "apply", "binary", "is_finite", "raw"]


class Op(Generic[N]):
    """A primitive: `forward` on raw data, `vjp` on raw data or on nodes.

    Subclasses set `name`, `forward(*datas, **params)` and
    ``vjp(g, out, *inputs, **params) -> tuple`` (one gradient per input, ``None`` for none).
    A rule written with operators and the helpers of its module accepts raw data and
    nodes alike, so the same line serves a fast plain backward and ``create_graph``.
    """

    name: ClassVar[str]
    forward: ClassVar[Callable[..., Any]]
    vjp: ClassVar[Callable[..., tuple[Any, ...]]]
    node_type: ClassVar[type[Any]]
    registry: ClassVar[dict[str, type[Op[Any]]]]
    needs_mask: ClassVar[bool] = False
    """When set, `vjp` also receives ``needs``: which inputs want a gradient."""
    saves: ClassVar[bool] = False
    """When set, `forward` returns ``(output, saved)`` and `vjp` receives ``saved``: raw
    intermediates of the forward pass that the plain backward reuses instead of recomputing."""

    rule: ClassVar[Rule]
    """The op as its output nodes keep it and as `apply` reads it (set by `bind`)."""

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
            cls.rule = Rule(cls)

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


class Rule:
    """An op's hot attributes copied into slots, kept by every node the op makes.

    On Python 3.11 reading an attribute of a class is several times slower than reading a
    slot, and `apply` and the backward pass read these once per node. Copied when the op
    class is created (or its node kind bound): give `forward` and `vjp` in the class body.
    """

    __slots__ = ("forward", "kind", "make", "op", "special", "vjp")

    def __init__(self, op: type[Op[Any]]) -> None:
        self.op = op
        self.kind = op.node_type
        self.forward = op.forward
        self.vjp = op.vjp
        self.special = op.saves or op.needs_mask  # these take apply's slow path
        self.make = self.kind._from_op


class ValueOp(Op["Value"]):
    """A scalar primitive over Python floats."""

    registry: ClassVar[dict[str, type[Op[Any]]]] = {}


class TensorOp(Op["Tensor"]):
    """An n-dimensional primitive over numpy arrays."""

    registry: ClassVar[dict[str, type[Op[Any]]]] = {}


def apply(op: type[Op[N]], *inputs: Any, **params: Any) -> N:
    """Run `op` on `inputs` (nodes, numbers or arrays) and return the output node.

    Non-node inputs become constant nodes; parents are recorded unless `no_grad` is active
    or (for Tensors) no input requires grad. Ops that save intermediates or take a mask,
    and the no_grad and anomaly modes, take `_finish`.
    """
    if len(inputs) == 2 and not params:
        return binary(op, *inputs)
    rule = op.rule
    try:
        if len(inputs) == 1:  # a method's own node
            data = rule.forward(inputs[0].data, **params)
        else:
            if not all(isinstance(x, rule.kind) for x in inputs):
                inputs = _lift_all(rule.kind, inputs)
            data = rule.forward(*[x.data for x in inputs], **params)
    except ValueError as e:
        raise op.explain(e, inputs, params) from None
    if rule.special or not _mode.plain:
        return _finish(rule, data, inputs, params)  # type: ignore[no-any-return]
    for x in inputs:
        if x.requires_grad:
            return rule.make(data, *_slots(inputs), rule, params or None)  # type: ignore[no-any-return]
    return rule.make(data, None, None, None, None)  # type: ignore[no-any-return]


def binary(op: type[Op[N]], x: Any, y: Any) -> N:
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
    if rule.special or not _mode.plain:
        return _finish(rule, data, (x, y), {})  # type: ignore[no-any-return]
    if x.requires_grad or y.requires_grad:
        return rule.make(data, x, y, rule, None)  # type: ignore[no-any-return]
    return rule.make(data, None, None, None, None)  # type: ignore[no-any-return]


def _finish(rule: Rule, data: Any, inputs: tuple[Node, ...], params: dict[str, Any]) -> Any:
    """The rest of `apply` for ops with saved intermediates or a mask, and in special modes."""
    op = rule.op
    if op.saves:
        data, params["saved"] = data
    if _mode.anomaly and not is_finite(data):
        raise FloatingPointError(
            f"detect_anomaly: '{op.describe(params)}' produced a non-finite value {data!r}"
        )
    if _mode.grad_enabled:
        for x in inputs:
            if x.requires_grad:
                if op.needs_mask:
                    params["needs"] = tuple([x.requires_grad for x in inputs])
                return rule.make(data, *_slots(inputs), rule, params or None)
    return rule.make(data, None, None, None, None)


def _slots(inputs: tuple[Node, ...]) -> tuple[Node, Any]:
    """A node's two parent slots (`Node._a`, `Node._b`) for these inputs."""
    rest = inputs[1:]
    return inputs[0], (rest[0] if len(rest) == 1 else rest or None)


def _lift_all(kind: type[Node], inputs: tuple[Any, ...]) -> tuple[Node, ...]:
    like = next(x for x in inputs if isinstance(x, kind))
    return tuple(x if isinstance(x, kind) else kind._lift(x, like) for x in inputs)


def raw(x: Any) -> Any:
    """The raw data of a node, or `x` itself: for masks and tests inside rules."""
    return x.data if isinstance(x, Node) else x


def is_finite(x: Any) -> bool:
    """Whether every element of raw data or a node is finite."""
    x = raw(x)
    if isinstance(x, float):
        return math.isfinite(x)
    return bool(np.isfinite(x).all())


class Operators:
    """The operators and methods Value and Tensor share; each kind names its primitives in `ops`.

    Division is built from ``*`` and ``**``: no class of its own, so no derivative code of
    its own.
    """

    __slots__ = ()
    ops: ClassVar[Any]  # the module of primitives: value_ops or tensor_ops

    def __add__(self, other: Any) -> Any:
        return binary(self.ops.Add, self, other)

    def __radd__(self, other: Any) -> Any:
        return binary(self.ops.Add, other, self)

    def __mul__(self, other: Any) -> Any:
        return binary(self.ops.Mul, self, other)

    def __rmul__(self, other: Any) -> Any:
        return binary(self.ops.Mul, other, self)

    def __neg__(self) -> Any:
        return apply(self.ops.Neg, self)

    def __sub__(self, other: Any) -> Any:
        return binary(self.ops.Sub, self, other)

    def __rsub__(self, other: Any) -> Any:
        return binary(self.ops.Sub, other, self)

    def __truediv__(self, other: Any) -> Any:
        if isinstance(other, Operators):
            return self * other**-1
        return self * self._inverse(other)  # a constant: no node for its reciprocal

    def __rtruediv__(self, other: Any) -> Any:
        return binary(self.ops.Mul, other, self**-1)

    def __pow__(self, other: Any) -> Any:
        raise NotImplementedError  # each kind decides which exponents it takes

    @staticmethod
    def _inverse(constant: Any) -> Any:
        """1 / constant, with the kind's own rules for zero."""
        raise NotImplementedError

    def exp(self) -> Any:
        """Elementwise e ** x; overflows to inf."""
        return apply(self.ops.Exp, self)

    def log(self) -> Any:
        """Natural logarithm (a Value raises ValueError for x <= 0; a Tensor follows numpy)."""
        return apply(self.ops.Log, self)

    def tanh(self) -> Any:
        """Hyperbolic tangent."""
        return apply(self.ops.Tanh, self)

    def sigmoid(self) -> Any:
        """Logistic sigmoid 1 / (1 + e ** -x), stable for large inputs."""
        return apply(self.ops.Sigmoid, self)

    def relu(self) -> Any:
        """max(0, x); its derivative at 0 is 0, as in PyTorch."""
        return apply(self.ops.Relu, self)

    def sqrt(self) -> Any:
        """Square root (a Value raises ValueError for x < 0; a Tensor follows numpy)."""
        return apply(self.ops.Sqrt, self)

    def abs(self) -> Any:
        """Absolute value; its derivative at 0 is 0, as in PyTorch."""
        return apply(self.ops.Abs, self)

    def __abs__(self) -> Any:
        return self.abs()
