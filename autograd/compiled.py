"""`compile`: a training step's graph recorded once, then replayed as generated code."""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import engine
from autograd.codegen import Graph, Writer, helper_sources, load
from autograd.engine import Node

__all__ = ["CompiledStep", "compile"]


class _Plan:
    """One recording: the generated function, its leaves and (for Tensors) its buffers.

    The function takes the leaves' data, the buffers and the reached leaves; it replays
    forward and backward, hands the gradients over into ``.grad`` and returns the output,
    or returns None at once when a Tensor leaf's data no longer has its recorded shape and
    dtype (the recording does not fit).
    """

    def __init__(self, root: Node) -> None:
        graph = Graph(root, inputs="all", buffers=isinstance(root.data, np.ndarray))
        w = graph.writer
        self.leaves = graph.leaves
        self.reached = [n for n in graph.leaves if n in graph.grads and n.requires_grad]
        tensor = graph.kind == "tensor"
        names = [w.text(graph.grads[n]) for n in self.reached]
        own = [
            w.buffer_named(name) if tensor and names.count(name) == 1 else None for name in names
        ]
        own = [  # a buffer the leaf's gradient alone lives in, of the leaf's shape and dtype
            b if b is not None and _like(w.buffers[b], n.data) else None
            for b, n in zip(own, self.reached, strict=True)
        ]
        lines = [*w.lines, f"return {graph.names[root]}, ({''.join(n + ', ' for n in names)})"]
        self.buffers: list[np.ndarray] = []
        slots: list[int | None] = own  # per reached leaf: the buffer handed over as .grad
        if tensor:
            lines, self.buffers, where = share_buffers(lines, w, {b for b in own if b is not None})
            slots = [None if b is None else where[b] for b in own]
        self.source = _source(graph, self.reached, lines, len(self.buffers), names, slots)
        constants = {**w.constants, "_lock": engine._grad_lock}
        if tensor:  # what the leaves' data must still be for the recording to fit
            constants["_shapes"] = tuple(n.data.shape for n in self.leaves)
            constants["_dtypes"] = tuple(n.data.dtype for n in self.leaves)
        constants.update(_getrefcount=sys.getrefcount, _empty_like=empty_like)
        self.fn = load(self.source, "step", constants)

    def run(self, data: list[Any]) -> Any:
        """The output (None when the recording does not fit `data`), gradients handed over."""
        return self.fn(data, self.buffers, self.reached)


def _source(
    graph: Graph,
    reached: list[Node],
    lines: list[str],
    buffers: int,
    names: list[str],
    slots: list[int | None],
) -> str:
    """The step's code: unpack and check, renew held buffers, replay, hand over, return."""
    unpack = []
    leaves = [graph.names[n] for n in graph.leaves]
    if leaves:
        unpack.append(f"{', '.join(leaves)}, = L")
    if graph.kind == "tensor" and leaves:
        shapes, dtypes = ("".join(f"{n}.{a}, " for n in leaves) for a in ("shape", "dtype"))
        unpack.append(f"if ({shapes}) != _shapes or ({dtypes}) != _dtypes: return None")
    if buffers:
        unpack.append(f"{', '.join(f'_b{i}' for i in range(buffers))}, = B")
    if reached:
        unpack.append(f"{', '.join(f'_n{k}' for k in range(len(reached)))}, = N")
    body = [*unpack, *_fresh_buffers(slots), *lines[:-1]]  # the last: a return, for liveness
    # (names read variables, never a buffer by its name: the renaming of lines cannot miss one)
    if graph.kind == "value":  # a negative base's root is complex, not an error, in Python
        out = graph.names[graph.root]
        body.append(f"if {out}.__class__ is not float: raise TypeError({out})")
    body += [*_hand_over(reached, names, slots), f"return {graph.names[graph.root]}"]
    head = "import math\nimport numpy as np\n\n" + helper_sources(graph.writer)
    return head + "\ndef step(L, B, N):\n" + "".join(f"    {s}\n" for s in body)


def _fresh_buffers(slots: list[int | None]) -> list[str]:
    """Lines that give a gradient buffer still held since the last call a new array."""
    # The references: the list B's, the local's and getrefcount's argument.
    return [
        f"if _getrefcount(_b{b}) > 3: _b{b} = B[{b}] = _empty_like(_b{b})"
        for b in slots
        if b is not None
    ]


def _hand_over(leaves: list[Node], names: list[str], slots: list[int | None]) -> list[str]:
    """Lines that add each gradient into its leaf's ``.grad`` (its own buffer: handed over)."""
    lines = ["with _lock:"] if names else []
    for k, (leaf, name, slot) in enumerate(zip(leaves, names, slots, strict=True)):
        if type(leaf)._accumulate is Node._add_to_grad:  # a float: the method's body, inline
            lines.append(f"    _n{k}.grad += {name}")
        elif slot is None:
            lines.append(f"    _n{k}._accumulate({name})")
        else:  # its own buffer: the caller's until it lets go of it
            lines += [
                f"    if _n{k}.grad is None:",
                f"        _n{k}.grad = {name}",
                "    else:",
                f"        _n{k}._accumulate({name})",
            ]
    return lines


def _like(a: np.ndarray, b: Any) -> bool:
    return bool(a.shape == np.shape(b) and a.dtype == getattr(b, "dtype", None))


_NAME = re.compile(r"[A-Za-z_]\w*")
_BUFFER = re.compile(r"\b_b(\d+)\b")


def share_buffers(
    lines: list[str], writer: Writer, kept: set[int]
) -> tuple[list[str], list[np.ndarray], dict[int, int]]:
    """Let lines write into buffers whose values are dead, so fewer buffers are allocated.

    Each buffered line of `writer` has a buffer of its own; a value is dead after the last
    line that reads it (or any variable made from it: a view, an alias). An elementwise ufunc
    may write over an input that dies on its own line (numpy allows the overlap). Buffers in
    `kept` are never shared (they are handed over as gradients).

    Returns:
        The lines rewritten to the shared buffers, the buffers, and where each of `kept` is.
    """
    refs: dict[str, set[int]] = {}  # variable -> the buffers its value may live in
    last: dict[int, int] = {}  # buffer -> the last line that reads it
    writes: list[int | None] = []
    for j, line in enumerate(lines):
        lhs, _, rhs = line.partition(" = ") if not line.startswith("return ") else ("", "", line)
        read: set[int] = set()
        for name in set(_NAME.findall(rhs)):
            read |= refs.get(name, set())
        for b in read:
            last[b] = j
        own = writer.buffer_of.get(lhs)
        writes.append(own)
        if own is not None:
            last.setdefault(own, j)
        refs[lhs] = {own} if own is not None else read
    dying: dict[int, list[int]] = {}
    for b, j in last.items():
        if b not in kept:
            dying.setdefault(j, []).append(b)
    free: dict[tuple[Any, ...], list[int]] = {}
    buffers: list[np.ndarray] = []
    where: dict[int, int] = {}
    for j, own in enumerate(writes):
        ends = dying.get(j, [])
        if own is not None:
            example = writer.buffers[own]
            key = (example.shape, example.dtype)
            pool = free.setdefault(key, [])
            twin = next(
                (b for b in ends if own in writer.elementwise and _key(writer, b) == key), None
            )
            if own in kept:
                where[own] = len(buffers)
                buffers.append(empty_like(example))
            elif twin is not None:  # in place: the input dies here
                ends.remove(twin)
                where[own] = where[twin]
            elif pool:
                where[own] = pool.pop()
            else:
                where[own] = len(buffers)
                buffers.append(empty_like(example))
        for b in ends:
            if b in where:
                free.setdefault(_key(writer, b), []).append(where[b])
    rewritten = [_BUFFER.sub(lambda m: f"_b{where[int(m.group(1))]}", line) for line in lines]
    return rewritten, buffers, {b: where[b] for b in kept}


_LINE = 64  # bytes: a cache line (numpy's allocator promises 16)


def empty_like(a: np.ndarray) -> np.ndarray:
    """An uninitialised C-ordered array like `a` that starts on a cache line.

    Measured (benchmarks/compiled.py, MLP (64, 784, 128, 10)): steps 0.5-0.8% faster than
    in numpy's own 16-byte-aligned buffers; the buffers are allocated once, so it is free.
    """
    raw = np.empty(a.nbytes + _LINE, np.uint8)
    start = -raw.ctypes.data % _LINE
    return raw[start : start + a.nbytes].view(a.dtype).reshape(a.shape)


def _key(writer: Writer, b: int) -> tuple[Any, ...]:
    return (writer.buffers[b].shape, writer.buffers[b].dtype)


class CompiledStep:
    """A step compiled by `compile`: call it to replay forward and backward."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._fn = fn
        self._plan: _Plan | None = None
        self._lock = threading.RLock()  # one replay at a time: a plan's buffers are shared
        self._inside_fn = False
        self.recordings = 0
        """How many times the step recorded its graph."""
        functools.update_wrapper(self, fn)

    @property
    def source(self) -> str:
        """The generated code of the current recording ("" before the first call)."""
        return "" if self._plan is None else self._plan.source

    def __call__(self) -> float:
        """Replay one step: the output as a float; gradients added into the leaves' ``.grad``."""
        with self._lock:
            plan = self._plan
            if plan is None:
                plan = self._plan = self._record()
            try:
                out = plan.run([n.data for n in plan.leaves])
                if out is None:  # a Tensor leaf's shape or dtype changed
                    plan = self._plan = self._record()
                    out = plan.run([n.data for n in plan.leaves])
            except (ArithmeticError, ValueError, TypeError):
                return self._eager()
            return float(out)

    def _eager(self) -> float:
        """One step by the engine, where the replay stopped at the edge of an op's domain.

        Plain Python raises at 0.0 ** -1, math.exp(1000) or a negative base's root, where the
        engine gives inf (and a warning) or its own error; the replay adds no gradient before
        it has finished, so the engine's pass is the whole step.
        """
        with engine._recording():
            root = self._fn()
        root.backward()
        return float(root.data)

    def _record(self) -> _Plan:
        if self._inside_fn:
            raise RuntimeError(
                f"compile: the step of {getattr(self._fn, '__name__', 'fn')} was called while "
                "its own function was being recorded; call it outside that function"
            )
        self._inside_fn = True
        try:
            with engine._recording():  # a step always computes gradients, even in no_grad
                root = self._fn()
        finally:
            self._inside_fn = False
        if not isinstance(root, Node) or np.size(root.data) != 1:
            what = (
                f"a {type(root).__name__} of shape {np.shape(root.data)}"
                if isinstance(root, Node)
                else f"a {type(root).__name__}"
            )
            raise ValueError(
                f"compile: the function must return a one-element output (a Value, or a "
                f"Tensor of size 1, e.g. a loss reduced with .sum() or .mean()); got {what}"
            )
        if not root.requires_grad:
            raise RuntimeError(
                "compile: nothing in the function's graph requires grad; create the leaves "
                "you want gradients for with requires_grad=True"
            )
        self.recordings += 1
        return _Plan(root)


def compile(fn: Callable[[], Any]) -> CompiledStep:  # noqa: A001 - the name API.md gives
    """A training step that records `fn`'s graph once and then replays it as generated code.

    `fn` takes no arguments and returns a one-element output (a loss) built from leaves it
    reads: a model's parameters, data arrays. The first call runs `fn` and records its
    graph; every call then replays forward and backward from the leaves' current ``.data``
    without building nodes, adds the gradients into each leaf's ``.grad`` exactly as
    ``backward()`` would (intermediate nodes get none), and returns the output as a float.
    Values replay as straight-line Python (bit-identical to the eager pass); Tensors as
    numpy calls into buffers allocated once. A Tensor leaf whose shape or dtype changed
    makes the step record again.

    What a replay cannot see: Python control flow in `fn` that depends on the data (an
    ``if loss > 1`` or a loop over a data-dependent count is taken as it was on the
    recording); leaves `fn` builds anew on each call from numbers or rebound arrays (the
    recorded ones are replayed, with their data as it was); hooks on the nodes. A Tensor
    leaf's data updated in place, or replaced by an array of the same shape, is seen.

    The step records with gradients on, also inside `no_grad`; threads sharing a step
    replay one at a time. Where a Value replay meets the edge of an op's domain (``0.0 **
    -0.5``, ``exp(1000)``, a negative base's root), that call runs through the engine, so
    its result, warning or error is ``backward()``'s.

    Args:
        fn: The step's forward pass, e.g. ``lambda: loss_fn(model(X), y)``.

    Returns:
        A `CompiledStep`: calling it runs one replay and returns the output as a float.

    Raises:
        ValueError: On the first call, when `fn` does not return a one-element output.

    Example:
        >>> from autograd import Value
        >>> w = Value(2.0)
        >>> step = compile(lambda: (w * w - 1.0).tanh())
        >>> loss = step()
        >>> w.grad == (1 - loss**2) * 4.0
        True
    """
    return CompiledStep(fn)
