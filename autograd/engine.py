"""The graph walk shared by every node kind: nodes, order, backpropagation, modes.

Read this file top-down to follow ``y.backward()``:

1. `Node` records how it was made: its parents (in operand order), the `Rule` of the op that
   made it, and the op's parameters. The node kinds (`Value`, `Tensor`) fill in a few hooks.
2. `topological_order` lists every node the root depends on, inputs first.
3. `backprop` is the chain rule: walk that order in reverse, ask each node's rule for its
   vector-Jacobian product, add the results into the parents' gradients.
4. `Node.backward` and `grad` run `backprop` and hand the gradients on (into ``.grad``, or
   back to the caller). `backward_steps` records each step of the walk as data.

A plain pass runs the rules on raw data (floats, arrays), so no nodes are built; with
``create_graph=True`` the same rules run on nodes, so the gradients are differentiable.
Every pass keeps its state in locals, so passes may nest (a rule or hook may call `grad`)
and run in several threads at once. `_fast_backward`, at the end of the file, is the one
optimised path: a plain ``backward()`` that keeps its state on the nodes while no other pass
uses them. This module knows nothing of Value, Tensor or numpy.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, SupportsIndex, TypeVar

__all__ = [
    "Node",
    "Rule",
    "Step",
    "Undefined",
    "backprop",
    "backward_steps",
    "detect_anomaly",
    "grad",
    "no_grad",
    "topological_order",
]

F = TypeVar("F", bound=Callable[..., Any])


# --------------------------------------------------------------------------- the nodes


class Rule:
    """How to differentiate the nodes an op makes: what the engine keeps on each node.

    `vjp(g, out, *inputs, **params)` returns one gradient per input (None for none); `name`
    gives the op's name for pictures and errors. `op.py` builds one per op class, with the
    op's forward beside it for `apply` (slots: reading a class attribute per node costs
    several times a slot read on Python 3.11).
    """

    __slots__ = ("forward", "kind", "make", "op_class", "special", "vjp")

    def __init__(
        self,
        op_class: Any,
        forward: Callable[..., Any],
        vjp: Callable[..., tuple[Any, ...]],
        kind: type[Node],
        special: bool,
    ) -> None:
        self.op_class = op_class
        self.forward = forward
        self.vjp = vjp
        self.kind = kind
        self.make = kind._from_op
        self.special = special

    def __reduce__(self) -> Any:
        return getattr, (self.op_class, "rule")  # by reference: the one rule of its op

    def name(self, params: dict[str, Any] | None) -> str:
        """The op's name as pictures and ``node.op`` show it (``**2``, ``sum(axis=1)``)."""
        return str(self.op_class.describe(params or {}))


class Node:
    """Base of `Value` and `Tensor`: data, gradient and the record of how it was made.

    A node kind fills in the hooks below; every pass calls them with the same meaning.

    - `_ones()` / `_zeros()`: raw data shaped like the node (a seed; an unreached input).
    - `_seed(grad)`: check and convert a user's starting gradient.
    - `_from_hook(g, create_graph)`: check and convert a gradient a hook returned (a node
      with `create_graph`, raw data otherwise).
    - `_own(g)`: a gradient `grad` hands back for this node: in the node's own dtype.
    - `_fit(g)`: shape a gradient sent to this node like it (a Tensor un-broadcasts).
    - `_accumulate(g)`: add a pass's gradient to ``.grad``. A leaf's `g` is never an object
      another node keeps (where a rule passes a gradient on unchanged to a leaf, the engine
      hands it ``g + leaf._zeros()``); intermediates may share one. `g` may also be a view
      of another gradient or of another dtype: a kind with mutable data checks what it
      keeps, and adds into an intermediate's ``.grad`` out of place.
    - `zero_grad()` (public): reset ``.grad`` to its value before any pass.
    - `_lift(x, like)` / `_wrap(data)`: a constant node from an operand or from raw data.
    - `_all_finite(data)`: whether raw data holds no nan or inf (`detect_anomaly`).
    """

    __slots__ = (
        "_hooks",
        "_left",
        "_more",
        "_params",
        "_right",
        "_rule",
        "_scratch",
        "data",
        "grad",
        "label",
        "requires_grad",
    )

    data: Any
    grad: Any
    label: str
    requires_grad: bool
    _rule: Rule | None
    """The rule of the op that made this node (None for a leaf or a constant)."""
    _params: dict[str, Any] | None
    """The op's keyword parameters (None when it has none)."""
    _left: Node | None
    _right: Node | None
    _more: tuple[Node, ...] | None
    """The parents: first, second, and any after those (each None when absent). Slots rather
    than a tuple: a tuple per node doubles the objects the garbage collector tracks."""
    _hooks: list[Callable[[Any], Any]] | None
    _scratch: Any
    """Owned by `_fast_backward` while it runs (see there); None otherwise."""
    _grad_start: ClassVar[Any] = None
    """``.grad`` before any pass reaches the node."""

    # Nodes keep object's identity == and hash, so they key the engine's dicts and sets;
    # a node kind must not define an elementwise ==.

    def __init__(self, data: Any, label: str = "") -> None:
        self.data = data
        self.requires_grad = True
        self.grad = self._grad_start
        self.label = label
        self._rule = self._params = None
        self._left = self._right = self._more = None
        self._hooks = self._scratch = None

    @classmethod
    def _from_op(
        cls,
        data: Any,
        rule: Rule | None,
        params: dict[str, Any] | None,
        left: Node | None,
        right: Node | None,
        more: tuple[Node, ...] | None,
    ) -> Any:
        """The output node of an op with these parents, or a constant when all are None.

        Built without `__init__`'s checks (forward is trusted); the parents come in the
        three slots, not a tuple, because this runs once per node of every graph.
        """
        node = object.__new__(cls)
        node.data = data
        node.requires_grad = True
        node.grad = cls._grad_start
        node.label = ""
        node._rule = rule
        node._params = params
        node._left = left
        node._right = right
        node._more = more
        node._hooks = node._scratch = None
        return node

    @property
    def parents(self) -> tuple[Node, ...]:
        """The nodes this one was computed from, in operand order (() for a leaf)."""
        if self._left is None:
            return ()
        if self._right is None:
            return (self._left,)
        if self._more is None:
            return (self._left, self._right)
        return (self._left, self._right, *self._more)

    @property
    def op(self) -> str:
        """The name of the op that made this node ("" for a leaf)."""
        return "" if self._rule is None else self._rule.name(self._params)

    def backward(self, grad: Any = None) -> None:
        """Add d(self)/d(node) to the ``.grad`` of every node that self depends on.

        Each call adds exactly its own pass's gradients: calling it twice leaves every
        ``.grad`` at twice the derivative. The rules read the nodes' ``.data`` as it is now:
        changing it in place after the forward pass changes the gradient, and nothing
        checks for that (PyTorch raises, through a version counter).

        Args:
            grad: The gradient of some final output with respect to self; defaults to ones.

        Raises:
            RuntimeError: When nothing in the graph requires grad.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: nothing in this graph requires grad; create the leaves you want "
                "gradients for with requires_grad=True"
            )
        seed = self._seed(grad)
        if not _fast_backward(self, seed):
            with _grad_lock:
                backprop(self, seed, accumulate=True)

    def register_hook(self, fn: Callable[[Any], Any]) -> _HookHandle:
        """Call ``fn(grad)`` when this node's gradient is complete, in every kind of pass.

        A return value other than None replaces the gradient that is passed on.

        Returns:
            A handle whose ``remove()`` takes the hook off again.
        """
        if not callable(fn):
            raise TypeError(
                f"register_hook: expected a function of the gradient, got {type(fn).__name__}"
            )
        if self._hooks is None:
            self._hooks = _Hooks()
        self._hooks.append(fn)
        _hook_count.change(+1)
        return _HookHandle(self, fn)

    # Copies: pickle and copy.deepcopy take the whole graph as one flat list.
    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        """Pickle (and ``copy.deepcopy``) a graph as records in order: no recursion down it.

        A leaf pickles as itself, so it keeps its identity within one pickle (a model's
        parameters and its loss); each op node is rebuilt from its record, inputs first, so
        two op nodes pickled together share their leaves but not the ops between them.
        """
        if self._left is None:
            return super().__reduce_ex__(protocol)
        order = topological_order(self)
        index = {node: i for i, node in enumerate(order)}
        records = [
            node
            if node._left is None
            else (type(node), _state(node), [index[p] for p in node.parents])
            for node in order
        ]
        return _rebuild, (records,)

    def __setstate__(self, state: Any) -> None:
        extra, slots = state if isinstance(state, tuple) else (state, None)
        if extra:
            self.__dict__.update(extra)
        for name, value in (slots or {}).items():
            setattr(self, name, value)
        self._scratch = None
        if self._hooks:  # its own list, counted: the fast backward skips nodes with hooks
            self._hooks = _Hooks(self._hooks)
            _hook_count.change(len(self._hooks))

    def __copy__(self) -> Any:
        """A shallow copy: the same parents, data and hooks."""
        node = object.__new__(type(self))
        node.__setstate__(self.__getstate__())
        return node

    # Hooks the node kinds fill in (see the class docstring).
    def _ones(self) -> Any:
        raise NotImplementedError

    def _zeros(self) -> Any:
        raise NotImplementedError

    def _seed(self, grad: Any) -> Any:
        return self._ones() if grad is None else grad

    def _fit(self, g: Any) -> Any:
        return g

    def _from_hook(self, g: Any, create_graph: bool) -> Any:
        raise NotImplementedError

    def _own(self, g: Any) -> Any:
        return g

    def _accumulate(self, g: Any) -> None:
        raise NotImplementedError

    def _add_to_grad(self, g: Any) -> None:
        """An `_accumulate` for immutable gradients (floats): ``.grad += g``."""
        self.grad += g

    def zero_grad(self) -> None:
        """Reset ``.grad`` to its value before any pass (0.0 for a Value, None for a Tensor)."""
        self.grad = self._grad_start

    @classmethod
    def _lift(cls, x: Any, like: Node) -> Node:
        raise NotImplementedError

    @classmethod
    def _wrap(cls, data: Any) -> Node:
        raise NotImplementedError

    @staticmethod
    def _all_finite(data: Any) -> bool:
        raise NotImplementedError


def _state(node: Node) -> Any:
    """The node's slots without its parents (its record names them by position)."""
    state: Any = node.__getstate__()
    extra, slots = state  # (a dict or None, the slots): a Node always has slots
    parents = ("_left", "_right", "_more")
    return extra, {k: v for k, v in slots.items() if k not in parents}


def _rebuild(records: list[Any]) -> Node:
    """The last node of a graph pickled by `Node.__reduce_ex__`, with all it depends on."""
    built: list[Node] = []
    for record in records:
        if isinstance(record, Node):
            built.append(record)
            continue
        kind, state, parents = record
        node = object.__new__(kind)
        node.__setstate__(state)
        node._left, node._right, node._more = _slots_of([built[i] for i in parents])
        built.append(node)
    return built[-1]


def _slots_of(parents: list[Node]) -> tuple[Node | None, Node | None, tuple[Node, ...] | None]:
    n = len(parents)
    return parents[0], (parents[1] if n > 1 else None), (tuple(parents[2:]) if n > 2 else None)


class Undefined:
    """A derivative that does not exist, returned by a rule in place of a gradient.

    A rule returns one where the derivative may not be needed (d(x ** y)/dy at x < 0 when
    only d/dx is asked for): any use of it, such as adding it into a ``.grad``, raises the
    ValueError that says why, and `grad` raises it when it is asked for that input.
    """

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def _raise(self, *args: Any) -> Any:
        raise ValueError(self.message)

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _raise
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = __abs__ = _raise
    __float__ = __bool__ = __lt__ = __le__ = __gt__ = __ge__ = __array__ = _raise

    def __repr__(self) -> str:
        return f"Undefined({self.message!r})"


class _HookHandle:
    """What `Node.register_hook` returns: ``remove()`` detaches the hook."""

    def __init__(self, node: Node, fn: Callable[[Any], Any]) -> None:
        self._node: Node | None = node
        self._fn = fn

    def remove(self) -> None:
        """Detach the hook (a second call does nothing)."""
        node, self._node = self._node, None
        if node is not None and node._hooks is not None and self._fn in node._hooks:
            node._hooks.remove(self._fn)
            _hook_count.change(-1)


# ------------------------------------------------------------------------ the chain rule


def topological_order(root: Node) -> list[Node]:
    """Every node that `root` depends on, inputs first and `root` last.

    Iterative depth-first search, so chains far deeper than the recursion limit work.

    Example:
        >>> from autograd import Value
        >>> x = Value(2.0, label="x")
        >>> [n.label for n in topological_order((x * x).tanh())]
        ['x', '', '']
    """
    order: list[Node] = []
    state: dict[Node, bool] = {}  # False: its parents are being ordered; True: in `order`
    stack = [root]
    while stack:
        node = stack.pop()
        placed = state.get(node)
        if placed is None:  # first visit: come back to it after its parents
            state[node] = False
            stack.append(node)
            stack += [p for p in node.parents if p not in state]
        elif not placed:
            state[node] = True
            order.append(node)
    return order


def backprop(
    root: Node,
    seed: Any,
    *,
    create_graph: bool = False,
    keep: set[Node] | None = None,
    accumulate: bool = False,
    on_step: Callable[[Node, Any, tuple[Any, ...]], None] | None = None,
) -> dict[Node, Any]:
    """The chain rule from `root` back to every node it depends on (the reference pass).

    A node's gradient is complete when the reverse walk reaches it: its hooks run, then its
    rule sends a share to each parent.

    Args:
        root: The output node.
        seed: d(final)/d(root): raw data, or a node when `create_graph` is set.
        create_graph: Run the rules on nodes, so the gradients form a graph themselves.
        keep: The nodes whose gradients to return (default: every node reached).
        accumulate: Add each node's gradient to its ``.grad`` (`backward`; the caller holds
            `_grad_lock`).
        on_step: Called as ``on_step(node, grad, parent_grads)`` after each rule.

    Returns:
        The complete gradient of each kept node that the pass reached.
    """
    anomaly = _modes.anomaly
    order = topological_order(root)
    wanted = None if keep is None or on_step is not None else _leading_to(order, keep)
    grads: dict[Node, Any] = {root: seed}
    kept: dict[Node, Any] = {}
    for node in reversed(order):
        g = grads.pop(node, None)
        if g is None:  # no path from here to the root
            continue
        if node._hooks:
            g = _run_hooks(node, g, create_graph)
        if accumulate:
            node._accumulate(g)
        elif keep is None or node in keep:
            kept[node] = g
        if node._rule is None:
            continue
        results = _vjp(node, g, create_graph)
        if anomaly:
            _check_backward(node, results)
        if on_step is not None:
            on_step(node, g, results)
        if accumulate:
            results = _unshared(node, g, results)
        for parent, r in zip(node.parents, results, strict=True):
            if r is not None and parent.requires_grad and (wanted is None or parent in wanted):
                r = parent._fit(r)
                so_far = grads.get(parent)
                grads[parent] = r if so_far is None else so_far + r
    return kept


def _leading_to(order: list[Node], targets: set[Node]) -> set[Node]:
    """The nodes of `order` that are or depend on a target: all a pass for `targets` needs."""
    found: set[Node] = set()
    for node in order:
        if node in targets or any(p in found for p in node.parents):
            found.add(node)
    return found


def _unshared(node: Node, g: Any, results: tuple[Any, ...]) -> tuple[Any, ...]:
    """`results`, with a copy for each leaf that would get an object another node keeps.

    A rule may pass its gradient `g` on unchanged (``+``), or one object to two inputs; a
    leaf's ``.grad`` must be its own.
    """
    out = []
    for parent, r in zip(node.parents, results, strict=True):
        shared = r is g or sum(x is r for x in results) > 1
        if shared and r is not None and parent._rule is None and parent.requires_grad:
            r = r + parent._zeros()
        out.append(r)
    return tuple(out)


def _vjp(node: Node, g: Any, create_graph: bool = False) -> tuple[Any, ...]:
    """The node's rule applied to `g`: on nodes for `create_graph`, else on raw data."""
    assert node._rule is not None
    if create_graph:
        inputs: Sequence[Any] = node.parents
        out: Any = node
    else:
        inputs, out = [x.data for x in node.parents], node.data
    return node._rule.vjp(g, out, *inputs, **(node._params or {}))


def _run_hooks(node: Node, g: Any, create_graph: bool) -> Any:
    for fn in list(node._hooks or ()):
        replaced = fn(g)
        if replaced is not None:
            g = node._from_hook(replaced, create_graph)
            if _modes.anomaly and not node._all_finite(getattr(g, "data", g)):
                raise FloatingPointError(
                    f"detect_anomaly: a hook on {_described(node)} returned a non-finite gradient"
                )
    return g


def _described(node: Node) -> str:
    return f"the output of '{node.op}'" if node._rule is not None else "a leaf"


_grad_lock = threading.RLock()
"""Held while a pass adds into ``.grad``: concurrent passes never lose an update."""


def grad(
    output: Node,
    inputs: Sequence[Node],
    grad_output: Any = None,
    create_graph: bool = False,
) -> list[Any]:
    """d(output)/d(input) for each input, without touching any ``.grad``.

    Args:
        output: The node to differentiate.
        inputs: The nodes to differentiate with respect to (a list, even for one).
        grad_output: The seed gradient (defaults to ones, as in `backward`).
        create_graph: Return nodes in a graph, so they can be differentiated again; this
            records even inside `no_grad`.

    Returns:
        One gradient per input: raw data (a float or an ndarray), or nodes with
        `create_graph`. An input that `output` does not depend on gets zeros.

    Raises:
        TypeError: When `output` is not a node, or `inputs` is not a list of nodes.

    Example:
        >>> from autograd import Value
        >>> x = Value(3.0)
        >>> grad(x * x * x, [x])
        [27.0]
        >>> (dx,) = grad(x * x * x, [x], create_graph=True)
        >>> grad(dx, [x])
        [18.0]
    """
    if not isinstance(output, Node):
        raise TypeError(
            f"grad: expected a Value or a Tensor as the output, got {type(output).__name__}"
        )
    if isinstance(inputs, Node) or not all(isinstance(x, Node) for x in inputs):
        raise TypeError(
            "grad: expected a list of nodes as inputs, e.g. grad(y, [x]); "
            f"got {type(inputs).__name__}"
        )
    seed = output._seed(grad_output)
    if not create_graph:
        grads = backprop(output, seed.data if isinstance(seed, Node) else seed, keep=set(inputs))
        results = [grads[x] if x in grads else x._zeros() for x in inputs]
    else:
        with _recording():
            seed = seed if isinstance(seed, Node) else output._wrap(seed)
            grads = backprop(output, seed, create_graph=True, keep=set(inputs))
            results = [grads[x] if x in grads else x._wrap(x._zeros()) for x in inputs]
    for g in results:
        if isinstance(g, Undefined):  # asked for, so needed: say why it does not exist
            g._raise()
    return [x._own(g) for x, g in zip(inputs, results, strict=True)]


@dataclass(frozen=True)
class Step:
    """One application of the chain rule during a backward pass.

    Attributes:
        node: The node whose gradient is propagated to its parents.
        grad: The gradient arriving at `node`, complete at this point.
        contributions: For each parent, ``(parent, local, added)``: the local derivative
            d(node)/d(parent) and the amount added to the parent's gradient (local x grad).
    """

    node: Node
    grad: Any
    contributions: tuple[tuple[Node, Any, Any], ...]


def backward_steps(root: Node) -> list[Step]:
    """The backward pass from `root` as data, in the order the engine applies the chain rule.

    Touches no ``.grad``. Each step's contributions, summed per node, equal what
    ``root.backward()`` adds to that node's ``.grad``.

    Example:
        >>> from autograd import Value
        >>> x = Value(3.0, label="x")
        >>> steps = backward_steps(x * 2.0)
        >>> [(c[0].label, c[2]) for c in steps[0].contributions]
        [('x', 2.0), ('', 3.0)]
    """
    steps: list[Step] = []

    def record(node: Node, g: Any, results: tuple[Any, ...]) -> None:
        local = _vjp(node, node._ones())  # the rule applied to a gradient of ones
        contributions = tuple(
            (parent, parent._fit(d), parent._fit(r))
            for parent, d, r in zip(node.parents, local, results, strict=True)
            if r is not None and parent.requires_grad
        )
        steps.append(Step(node, g, contributions))

    backprop(root, root._seed(None), keep=set(), on_step=record)
    return steps


def _check_backward(node: Node, results: tuple[Any, ...]) -> None:
    for parent, r in zip(node.parents, results, strict=True):
        if r is not None and not parent._all_finite(getattr(r, "data", r)):
            raise FloatingPointError(
                f"detect_anomaly: the backward rule of '{node.op}' produced a non-finite "
                f"gradient for an input of shape {getattr(parent, 'shape', ())}"
            )


# ---------------------------------------------------------------------------- the modes


class _Modes(threading.local):
    """Grad mode and anomaly mode: per thread, as in PyTorch."""

    grad_enabled = True
    anomaly = False


_modes = _Modes()


class _Counter:
    """A count shared by all threads, read on every op as one slot.

    `_special` counts the threads whose modes differ from the defaults: while it is 0 (the
    usual case) an op skips the thread-local lookup.
    """

    __slots__ = ("_lock", "count")

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def change(self, by: int) -> None:
        with self._lock:
            self.count += by


_special = _Counter()
_hook_count = _Counter()
_dead_hooks: list[int] = []  # hooks of nodes that died with them on, not yet uncounted


class _Hooks(list):  # type: ignore[type-arg]
    """A node's hooks, counted in `_hook_count` while the list lives.

    A node freed with hooks still on gives their count back at the next backward (through
    `_dead_hooks`: a finalizer may run while this thread holds the counter's lock), so a
    forgotten hook does not keep every later pass off the fast path.
    """

    __slots__ = ()

    def __reduce__(self) -> Any:
        return list, (list(self),)  # a copy is counted when its node takes it

    def __del__(self) -> None:
        if self:
            _dead_hooks.append(len(self))


def _uncount_dead_hooks() -> None:
    while _dead_hooks:
        _hook_count.change(-_dead_hooks.pop())


@contextmanager
def _set_modes(grad_enabled: bool, anomaly: bool) -> Iterator[None]:
    before = (_modes.grad_enabled, _modes.anomaly)
    was_special = before != (True, False)
    is_special = (grad_enabled, anomaly) != (True, False)
    _modes.grad_enabled, _modes.anomaly = grad_enabled, anomaly
    _special.change(is_special - was_special)
    try:
        yield
    finally:
        _modes.grad_enabled, _modes.anomaly = before
        _special.change(was_special - is_special)


def _recording() -> Any:
    return _set_modes(True, _modes.anomaly)


class no_grad:  # noqa: N801 - named like torch.no_grad, used as a context manager
    """Context manager and decorator: ops inside record no parents (in this thread).

    One object may be entered again while it is active; a decorated generator function
    runs its body with recording off too.

    Example:
        >>> from autograd import Value
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     y = x * x
        >>> y.parents
        ()
    """

    def __new__(cls, fn: Any = None) -> Any:
        """``no_grad()`` makes a context manager; bare ``@no_grad`` decorates `fn` directly."""
        self = super().__new__(cls)
        return self if fn is None else self(fn)

    def __init__(self, fn: Any = None) -> None:
        self._active: list[Any] = []  # one entry per nested `with`, so reuse nests

    def __enter__(self) -> None:
        context = _set_modes(False, _modes.anomaly)
        context.__enter__()
        self._active.append(context)

    def __exit__(self, *exc: object) -> None:
        self._active.pop().__exit__(None, None, None)

    def __call__(self, fn: F) -> F:
        """Use as a decorator: the function (or generator) runs with recording off."""
        if inspect.isgeneratorfunction(fn):
            return _generator_without_grad(fn)  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with no_grad():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _generator_without_grad(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a generator function so each resumption of its body runs under `no_grad`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gen = fn(*args, **kwargs)
        try:
            with no_grad():
                value = next(gen)
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    gen.close()
                    raise
                except BaseException as error:  # thrown into the wrapper: pass it on
                    with no_grad():
                        value = gen.throw(error)
                else:
                    with no_grad():
                        value = gen.send(sent)
        except StopIteration as stop:
            return stop.value

    return wrapper


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise `FloatingPointError` naming the op when a nan or inf is produced (this thread).

    Checks every op's output in the forward pass and every gradient in the backward pass.

    Example:
        >>> from autograd import Tensor
        >>> x = Tensor([0.0, 1.0], requires_grad=True)
        >>> with detect_anomaly():
        ...     x.log()
        Traceback (most recent call last):
        ...
        FloatingPointError: detect_anomaly: 'log' produced a non-finite value ...
    """
    with _set_modes(_modes.grad_enabled, True):
        yield


# ----------------------------------------------------------------- the optimised path

_scratch_owner = threading.Lock()
"""Held by the one `_fast_backward` that owns every node's `_scratch` slot."""

_UNREACHED: Any = object()
_OPEN: Any = object()


def _fast_backward(root: Node, seed: Any) -> bool:
    """``backprop(accumulate=True)`` for one node kind, with the pass's state on the nodes.

    Returns False, having done nothing, when it may not run: another pass owns the scratch
    slots (a nested or concurrent pass: it takes `backprop`), a hook or anomaly mode is on,
    or the graph mixes node kinds. Otherwise it is the reference pass step for step, with
    the same hooks: it only skips `_fit` where the kind keeps `Node._fit` (the identity)
    and adds inline where the kind's `_accumulate` is `Node._add_to_grad`. A node's
    `_scratch` holds `_OPEN` while its parents are ordered, then `_UNREACHED`, then this
    pass's gradient so far, and None again once the walk has passed it. A slot is cheaper
    than a dict entry: see benchmarks/README.md for what this path buys.
    """
    if _dead_hooks:
        _uncount_dead_hooks()
    if _hook_count.count or _modes.anomaly or not _scratch_owner.acquire(blocking=False):
        return False
    kind = type(root)
    order: list[Node] = []
    try:
        if not _fast_order(root, kind, order):
            return False
        root._scratch = seed
        fit = None if kind._fit is Node._fit else kind._fit
        with _grad_lock:
            _fast_walk(order, fit, kind._accumulate is Node._add_to_grad)
    except BaseException:
        _clear(order)  # the walk clears each slot as it passes; an error stops it early
        raise
    finally:
        _scratch_owner.release()
    return True


def _fast_order(root: Node, kind: type[Node], order: list[Node]) -> bool:
    """`topological_order` into `order`, marking `_scratch` instead of using a set.

    Returns False, with every mark cleared, when a node is not of `kind`.
    """
    # A node popped unmarked is opened: pushed back with its unmarked parents above it.
    # Popped again while open, its parents are all in `order`, so it goes next. A node
    # pushed twice is already marked when its lower copy pops.
    stack = [root]
    push, pop, emit, unreached, opened = stack.append, stack.pop, order.append, _UNREACHED, _OPEN
    try:
        while stack:
            node = pop()
            mark = node._scratch
            if mark is opened:
                node._scratch = unreached
                emit(node)
                continue  # (a `continue` also lets Python 3.11 specialise this loop at once)
            if mark is not None:
                continue
            if type(node) is not kind:
                _clear(stack)
                _clear(order)
                order.clear()
                return False
            node._scratch = opened
            push(node)
            p = node._left
            if p is not None and p._scratch is None:
                push(p)
            p = node._right
            if p is not None and p._scratch is None:
                push(p)
            if node._more is not None:
                stack += [p for p in node._more if p._scratch is None]
    except BaseException:  # e.g. KeyboardInterrupt: opened nodes are not in `order` yet
        _clear(stack)
        raise
    return True


def _clear(nodes: list[Node]) -> None:
    for node in nodes:
        node._scratch = None


def _fast_walk(order: list[Node], fit: Callable[[Node, Any], Any] | None, add: bool) -> None:
    """The reverse walk of `backprop`, accumulating and clearing each node as it passes.

    `fit` is the kind's `_fit` (None: the identity); `add` says its `_accumulate` is
    ``.grad += g`` of immutable gradients, done inline (and no copies are needed).
    """
    unreached = _UNREACHED
    for node in reversed(order):
        g = node._scratch
        node._scratch = None
        if g is unreached:
            continue
        if add:
            node.grad += g
        else:
            node._accumulate(g)
        rule = node._rule
        if rule is None:
            continue
        p: Any = node._left
        q: Any = node._right
        params = node._params
        # Unary and binary ops, nearly every node, are called and unpacked by hand: a zip
        # loop over `parents` costs ~10% of the pass.
        if node._more is not None:
            results = _vjp(node, g)
            shares = results if add else _unshared(node, g, results)
            for parent, r in zip(node.parents, shares, strict=True):
                if r is not None and parent.requires_grad:
                    if fit is not None:
                        r = fit(parent, r)
                    parent._scratch = r if parent._scratch is unreached else parent._scratch + r
            continue
        if q is None:
            (r,) = (
                rule.vjp(g, node.data, p.data, **params)
                if params
                else rule.vjp(g, node.data, p.data)
            )
            if r is g and not add and p._rule is None:
                r = r + p._zeros()
        else:
            r, s = (
                rule.vjp(g, node.data, p.data, q.data, **params)
                if params
                else rule.vjp(g, node.data, p.data, q.data)
            )
            if not add:  # `_unshared`, written out: a leaf gets no object kept elsewhere
                r0 = r
                if r is not None and p._rule is None and (r is g or r is s):
                    r = r + p._zeros()
                if s is not None and q._rule is None and (s is g or s is r0):
                    s = s + q._zeros()
            if s is not None and q.requires_grad:
                if fit is not None:
                    s = fit(q, s)
                q._scratch = s if q._scratch is unreached else q._scratch + s
        if r is not None and p.requires_grad:
            if fit is not None:
                r = fit(p, r)
            p._scratch = r if p._scratch is unreached else p._scratch + r
