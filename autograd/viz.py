"""Pictures of computation graphs: `draw_graph` builds a Graphviz `Digraph`.

Building a picture needs only the ``graphviz`` Python package; rendering it (``.render``,
``.pipe``, inline display in Jupyter) runs Graphviz's ``dot`` program. When ``dot`` is
missing, rendering raises `GraphvizNotFoundError`, which says how to install it.

Each graph node is drawn as a record (its label, data and gradient; a Tensor also shows
its shape and dtype, and its values when it has at most six elements), each op as a small
ellipse between its inputs and its output, so edges follow the data: parents -> op -> node.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import graphviz  # type: ignore[import-untyped]
import numpy as np

from autograd.engine import Node, Step, backward_steps

__all__ = ["Drawing", "GraphvizNotFoundError", "draw_graph"]

INSTALL_HINT = (
    "rendering needs Graphviz's 'dot' program, which was not found on PATH. "
    "Install Graphviz: 'apt-get install graphviz' (Debian/Ubuntu), "
    "'brew install graphviz' (macOS), 'conda install graphviz' (conda), "
    "or see https://graphviz.org/download/. "
    "Building the graph and reading its .source work without it."
)

SMALL_TENSOR = 6
"""A Tensor with at most this many elements shows its values (larger ones: shape only)."""

FONT = "Helvetica,Arial,sans-serif"

# A calm palette: blue inputs, violet parameters, grey intermediates, a green output,
# amber ops; orange marks the current backward step, red the truncation note.
_STYLE = {
    "input": {"fillcolor": "#e0f2fe", "color": "#0284c7"},
    "param": {"fillcolor": "#ede9fe", "color": "#7c3aed"},
    "inner": {"fillcolor": "#f8fafc", "color": "#64748b"},
    "output": {"fillcolor": "#dcfce7", "color": "#16a34a"},
    "current": {"fillcolor": "#ffedd5", "color": "#ea580c", "penwidth": "2.5"},
}
_TEXT = "#1e293b"
_MUTED = "#94a3b8"
_EDGE = "#64748b"
_HIGHLIGHT = "#ea580c"
_RANKDIRS = ("LR", "RL", "TB", "BT")


class GraphvizNotFoundError(graphviz.ExecutableNotFound):  # type: ignore[misc]
    """Raised when a picture is rendered but Graphviz's ``dot`` program is missing.

    A subclass of ``graphviz.ExecutableNotFound`` (itself a `RuntimeError`), so code
    that catches either keeps working; the message says how to install Graphviz.
    """

    def __init__(self, detail: str = "") -> None:
        message = f"draw_graph: {INSTALL_HINT}"
        RuntimeError.__init__(self, f"{message} ({detail})" if detail else message)


@contextmanager
def _explain_missing_dot() -> Iterator[None]:
    """Turn graphviz's terse 'failed to execute' into `GraphvizNotFoundError`."""
    try:
        yield
    except GraphvizNotFoundError:
        raise
    except graphviz.ExecutableNotFound as err:
        raise GraphvizNotFoundError(str(err)) from err


class Drawing(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` whose rendering explains how to install a missing ``dot``.

    Everything else is ``graphviz.Digraph``: ``.source``, ``.render(path, format=...)``,
    ``.pipe(format=...)`` and inline display in Jupyter (``_repr_mimebundle_``).
    """

    def render(self, *args: Any, **kwargs: Any) -> Any:
        """Save the source and render it with ``dot``; see ``graphviz.Digraph.render``.

        Raises:
            GraphvizNotFoundError: When Graphviz's ``dot`` program is missing.
        """
        with _explain_missing_dot():
            return super().render(*args, **kwargs)

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        """Return the rendered picture as bytes or str; see ``graphviz.Digraph.pipe``.

        Raises:
            GraphvizNotFoundError: When Graphviz's ``dot`` program is missing.
        """
        with _explain_missing_dot():
            return super().pipe(*args, **kwargs)

    def view(self, *args: Any, **kwargs: Any) -> Any:
        """Render and open the picture; see ``graphviz.Digraph.view``.

        Raises:
            GraphvizNotFoundError: When Graphviz's ``dot`` program is missing.
        """
        with _explain_missing_dot():
            return super().view(*args, **kwargs)


def draw_graph(
    root: Node,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int = 500,
    step: int | None = None,
    params: Any = None,
) -> Drawing:
    """Draw the computation graph that `root` depends on.

    The walk is an iterative breadth-first search from `root` that keeps the `max_nodes`
    nodes nearest to it; the rest are only counted, and a note in the picture says how
    many were left out. Nothing here runs ``dot``.

    Args:
        root: The output node (a `Value` or a `Tensor`).
        rankdir: Graphviz layout direction: "LR" (inputs on the left), "RL", "TB" or "BT".
        show_grad: Whether records show each node's ``.grad``.
        max_nodes: The most graph nodes to draw (ops are not counted).
        step: Draw the backward pass as it stands after `step` of the steps of
            ``backward_steps(root)`` (0 to their number): gradients filled in so far
            (computed from the steps, not read from ``.grad``), the node of
            ``steps[step]`` highlighted and its incoming edges labelled with their local
            derivatives (and what each adds to its parent's gradient).
        params: A module (anything with ``named_parameters()``) or a mapping from name to
            node; those nodes are drawn as parameters, labelled with their names.

    Returns:
        A ``graphviz.Digraph`` (a `Drawing`): render it with
        ``.render(path, format="png")``, or display it in Jupyter.

    Raises:
        ValueError: For an unknown `rankdir`, ``max_nodes < 1`` or `step` out of range.
        TypeError: For `params` that is neither a module nor a mapping.

    Example:
        >>> from autograd import Value
        >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
        >>> y = x * w + 1.0
        >>> y.backward()
        >>> dot = draw_graph(y)
        >>> "x | {data 2 | grad -3}" in dot.source
        True
        >>> dot.render("graph", format="png")  # doctest: +SKIP
        'graph.png'
    """
    if rankdir not in _RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {_RANKDIRS}, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive int, got {max_nodes!r}")
    names = _parameter_names(params)
    kept, left_out = _nearest_nodes(root, max_nodes)

    steps: list[Step] = []
    grads: dict[int, Any] | None = None
    current: Step | None = None
    if step is not None:
        steps = backward_steps(root)
        if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= len(steps):
            raise ValueError(
                f"draw_graph: step must be an int from 0 to {len(steps)} "
                f"(the number of backward steps), got {step!r}"
            )
        grads = _grads_after(root, steps, step)
        current = steps[step] if step < len(steps) else None

    dot = Drawing(
        name="chainrule",
        graph_attr={
            "rankdir": rankdir,
            "bgcolor": "white",
            "fontname": FONT,
            "fontsize": "13",
            "fontcolor": _TEXT,
            "nodesep": "0.25",
            "ranksep": "0.35",
            "pad": "0.2",
        },
        node_attr={"fontname": FONT, "fontsize": "11", "fontcolor": _TEXT},
        edge_attr={"color": _EDGE, "arrowsize": "0.6", "fontname": FONT, "fontsize": "9"},
    )
    ids = {id(node): f"n{i}" for i, node in enumerate(kept)}
    horizontal = rankdir in ("TB", "BT")

    for node in kept:
        name = names.get(id(node), node.label)
        grad_text: str | None
        if grads is not None:
            g = grads.get(id(node))
            grad_text = _grad_text(node, g) if g is not None else "grad \u2026"
            reached = g is not None
        else:
            grad_text = _grad_text(node, node.grad) if show_grad else None
            reached = True
        if current is not None and current.node is node:
            kind = "current"
        elif id(node) in names:
            kind = "param"
        elif node is root:
            kind = "output"
        elif not node.parents:
            kind = "input"
        else:
            kind = "inner"
        attrs = {
            "shape": "Mrecord",
            "style": "filled" if reached else "filled,dashed",
            **_STYLE[kind],
        }
        if not reached:
            attrs["fontcolor"] = _MUTED
        label = _record(_rows(node, name, grad_text), horizontal)
        dot.node(
            ids[id(node)],
            graphviz.nohtml(label),
            tooltip=graphviz.nohtml(_tooltip(node, name)),
            **attrs,
        )

    cut_ops: list[str] = []
    for node in kept:
        if not node.parents:
            continue
        op_id = ids[id(node)] + "_op"
        is_current = current is not None and current.node is node
        dot.node(
            op_id,
            graphviz.nohtml(node.op or "?"),
            shape="ellipse",
            style="filled",
            fillcolor="#fef3c7",
            color=_HIGHLIGHT if is_current else "#d97706",
            fontcolor="#78350f",
            fontsize="12",
            margin="0.04,0.02",
            width="0.3",
            height="0.25",
            penwidth="2" if is_current else "1",
        )
        dot.edge(op_id, ids[id(node)], **_current_edge() if is_current else {})
        labels = _edge_labels(node, current) if is_current else {}
        cut = False
        for i, parent in enumerate(node.parents):
            if id(parent) not in ids:
                cut = True
                continue
            edge_attrs = {}
            if is_current:
                edge_attrs = _current_edge()
                if i in labels:
                    edge_attrs["label"] = graphviz.nohtml(labels[i])
                    edge_attrs["fontcolor"] = _HIGHLIGHT
            dot.edge(ids[id(parent)], op_id, **edge_attrs)
        if cut:
            cut_ops.append(op_id)

    if left_out:
        plural = "node" if left_out == 1 else "nodes"
        dot.node(
            "more",
            graphviz.nohtml(
                f"{left_out:,} more {plural} not shown\\n(max_nodes={max_nodes:,}; "
                f"{len(kept) + left_out:,} in all)"
            ),
            shape="note",
            style="filled",
            fillcolor="#fee2e2",
            color="#dc2626",
            fontcolor="#7f1d1d",
        )
        for op_id in cut_ops:
            dot.edge("more", op_id, style="dashed", color="#dc2626", arrowhead="none")

    if step is not None:
        dot.attr(
            label=graphviz.nohtml(_step_caption(steps, step, names)), labelloc="t", labeljust="l"
        )
    return dot


# ------------------------------------------------------------------------- the walk


def _nearest_nodes(root: Node, max_nodes: int) -> tuple[list[Node], int]:
    """The `max_nodes` nodes nearest to `root` (breadth first) and how many others exist.

    Both the search and the count of what is left out are loops over an explicit queue,
    so graphs far deeper than the recursion limit work. Beyond the kept nodes, the count
    only remembers ids.
    """
    found: list[Node] = [root]
    seen: set[int] = {id(root)}
    head = 0
    while head < len(found) and len(found) < max_nodes:
        for parent in found[head].parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                found.append(parent)
        head += 1
    # The last expansion may have found more than max_nodes; those are left out too.
    left_out = max(0, len(found) - max_nodes)
    stack = found[head:]  # found but not expanded: their parents are not counted yet
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                left_out += 1
                stack.append(parent)
    return found[:max_nodes], left_out


def _grads_after(root: Node, steps: list[Step], k: int) -> dict[int, Any]:
    """Each node's gradient after the first `k` steps: the seed plus what they added."""
    seed = steps[0].grad if steps else root._ones()
    grads: dict[int, Any] = {id(root): seed}
    for s in steps[:k]:
        for parent, _local, added in s.contributions:
            prev = grads.get(id(parent))
            grads[id(parent)] = added if prev is None else prev + added
    return grads


def _parameter_names(params: Any) -> dict[int, str]:
    """Map ``id(node)`` to a parameter's name, from a module or a name -> node mapping."""
    if params is None:
        return {}
    named = getattr(params, "named_parameters", None)
    if callable(named):
        pairs = list(named())
    elif isinstance(params, Mapping):
        pairs = list(params.items())
    else:
        raise TypeError(
            "draw_graph: params must be a module (with named_parameters()) or a mapping "
            f"from name to node, got {type(params).__name__}"
        )
    return {id(node): str(name) for name, node in pairs}


# ------------------------------------------------------------------------ the labels


def _num(x: Any) -> str:
    """A number in at most four significant digits: 0.8814, 1, -2.5e-7."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = f"{x:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return "0" if text == "-0" else text


def _array(a: np.ndarray) -> str:
    """A small array's values, one row of a matrix per line."""
    if a.ndim == 0:
        return _num(a)
    text: str = np.array2string(
        a, separator=", ", formatter={"all": _num}, max_line_width=48, threshold=SMALL_TENSOR
    )
    return text


def _is_tensor(node: Node) -> bool:
    return isinstance(node.data, np.ndarray)


def _rows(node: Node, name: str, grad_text: str | None) -> list[list[str]]:
    """The rows of a node's record; a row with several fields is laid out side by side."""
    rows: list[list[str]] = [[name]] if name else []
    if _is_tensor(node):
        data: np.ndarray = node.data
        dtype = getattr(node, "dtype", data.dtype)
        rows.append([f"{tuple(data.shape)}  {np.dtype(dtype).name}"])
        if data.size <= SMALL_TENSOR:
            rows.append([f"data {_array(data)}"])
        if grad_text is not None and getattr(node, "requires_grad", True):
            rows.append([grad_text])  # a constant Tensor never gets a gradient
    else:
        rows.append([f"data {_num(node.data)}"] + ([grad_text] if grad_text else []))
    return rows


def _grad_text(node: Node, g: Any) -> str:
    """'grad 0.42'; for a large Tensor its norm, for a Tensor not reached 'grad none'."""
    if g is None:
        return "grad none"
    if _is_tensor(node):
        g = np.asarray(g)
        if g.size <= SMALL_TENSOR:
            return f"grad {_array(g)}"
        return f"grad norm {_num(np.linalg.norm(g))}"
    return f"grad {_num(g)}"


def _escape(text: str) -> str:
    """Escape the characters that structure a record label."""
    text = text.replace("\\", "\\\\")
    for ch in '{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", "\\n")


def _record(rows: list[list[str]], horizontal: bool) -> str:
    """A record label: rows stacked, the fields of a row side by side, for any rankdir.

    In "LR" layouts a record's top-level fields stack vertically and each ``{...}`` flips
    the direction; in "TB" layouts it is the other way round, hence the extra braces.
    """
    parts = []
    for row in rows:
        fields = " | ".join(_escape(f) for f in row)
        parts.append(f"{{{fields}}}" if len(row) > 1 else fields)
    body = " | ".join(parts)
    return f"{{{body}}}" if horizontal else body


def _tooltip(node: Node, name: str) -> str:
    """Full-precision data for SVG tooltips."""
    data = node.data
    text = f"shape {tuple(data.shape)}" if _is_tensor(node) else f"data = {data!r}"
    return f"{name or node.op or 'leaf'}: {text}".replace("\\", "/")


def _current_edge() -> dict[str, str]:
    return {"color": _HIGHLIGHT, "penwidth": "2"}


def _edge_labels(node: Node, step: Step | None) -> dict[int, str]:
    """For each parent position of `node`, the local derivative and what it adds.

    `Step.contributions` lists the parents that receive a gradient, in operand order, so
    they are matched to positions one after the other.
    """
    if step is None:
        return {}
    labels: dict[int, str] = {}
    pending = list(step.contributions)
    for i, parent in enumerate(node.parents):
        if pending and pending[0][0] is parent:
            _, local, added = pending.pop(0)
            labels[i] = f"local {_value_text(local)}\\nadds {_value_text(added)}"
    return labels


def _value_text(x: Any) -> str:
    a = np.asarray(x)
    if a.ndim == 0:
        return _num(a)
    if a.size <= SMALL_TENSOR:
        return _array(a).replace("\n", "")
    return f"{a.shape} array"


def _step_caption(steps: list[Step], k: int, names: dict[int, str]) -> str:
    """The title of a step picture: where the backward pass stands."""
    total = len(steps)
    if k == total:
        return f"backward pass done: all {total} steps applied"
    s = steps[k]
    who = names.get(id(s.node), s.node.label) or f"the '{s.node.op}' node"
    return (
        f"backward step {k} of {total}: {who} (grad {_value_text(s.grad)}) "
        "passes its gradient to its inputs"
    )
