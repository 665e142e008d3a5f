"""Op base classes, their registries, and `apply`: coerce, run forward, record parents."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from autograd.engine import Node, _Mode

__all__ = ["Op", "TensorOp", "ValueOp", "apply", "is_finite", "raw"]


class Op:
    """A primitive: `forward` on raw data, `vjp` on raw data or on nodes.

    Subclasses set `name`, `forward(*datas, **params)` and
    ``vjp(g, out, *inputs, **params) -> tuple`` (one gradient per input, ``None`` for none).
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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            cls.registry[cls.name] = cls

    @classmethod
    def describe(cls, params: dict[str, Any]) -> str:
        """The name shown for a node made by this op (pictures, ``node.op``)."""
        return cls.name


class ValueOp(Op):
    """A scalar primitive over Python floats."""

    registry: ClassVar[dict[str, type[Op]]] = {}


class TensorOp(Op):
    """An n-dimensional primitive over numpy arrays."""

    registry: ClassVar[dict[str, type[Op]]] = {}


def apply(op: type[Op], *inputs: Any, **params: Any) -> Any:
    """Run `op` on `inputs` (nodes, numbers or arrays) and return the output node.

    Non-node inputs become constant nodes; parents are recorded unless `no_grad` is active
    or (for Tensors) no input requires grad.
    """
    kind = op.node_type
    like = next(x for x in inputs if isinstance(x, kind))
    nodes = tuple(x if isinstance(x, kind) else kind._lift(x, like) for x in inputs)
    data = op.forward(*[n.data for n in nodes], **params)
    if _Mode.anomaly and not is_finite(data):
        raise FloatingPointError(
            f"detect_anomaly: '{op.describe(params)}' produced a non-finite value {data!r}"
        )
    if _Mode.grad_enabled and any(n.requires_grad for n in nodes):
        return kind._from_op(data, nodes, op, params or None)
    return kind._from_op(data, (), None, None)


def raw(x: Any) -> Any:
    """The raw data of a node, or `x` itself: for masks and tests inside rules."""
    return x.data if isinstance(x, Node) else x


def is_finite(x: Any) -> bool:
    """Whether every element of raw data or a node is finite."""
    x = raw(x)
    if isinstance(x, float):
        return math.isfinite(x)
    return bool(np.isfinite(x).all())
