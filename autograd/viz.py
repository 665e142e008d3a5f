"""Pictures of computation graphs: `draw_graph` builds a Graphviz `Digraph`.

Building a picture needs only the ``graphviz`` Python package; rendering it (``.render``,
``.pipe``, inline display in Jupyter) runs Graphviz's ``dot`` program. When ``dot`` is
missing, rendering raises `GraphvizNotFoundError`, which says how to install it.

Each graph node is drawn as a record (its label, data and gradient; a Tensor also shows
its shape and dtype, and its values when it has at most six elements), each op as a small
ellipse between its inputs and its output, so edges follow the data: parents -> op -> node.
The step-through page (`autograd.page`) lays out the same picture.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import graphviz  # type: ignore[import-untyped]
import numpy as np
from graphviz.quoting import NoHtml  # type: ignore[import-untyped]

from autograd.engine import Node, Step, backward_steps

__all__ = ["Drawing", "GraphvizNotFoundError", "draw_graph"]

INSTALL_HINT = (
    "rendering needs Graphviz's 'dot' program, which was not found on PATH. "
    "Install Graphviz: 'apt-get install graphviz' (Debian/Ubuntu), "
    "'brew install graphviz' (macOS), 'conda install graphviz' (conda), "
    "or see https://graphviz.org/download/. "
    "Building the graph and reading its .source work without it."
)

MAX_NODES = 60
"""draw_graph's default: micrograd's moons loss (3,600 nodes) cut there is a 3,950 x 1,130
pixel PNG that reads at 100 % zoom; at 500 it was 7,630 x 7,455 and unreadable."""

SMALL_TENSOR = 6
"""A Tensor with at most this many elements shows its values (larger ones: shape only)."""

LAYOUT_BUDGET = 2000
"""The most nodes, counting the hidden ones on long edges (`layout_cost`), that ``dot`` lays
out in about a second. Its time grows faster than the square of this count: measured, the
moons loss cut at 400 nodes (cost 1,900) takes 0.7 s and at 800 (3,900) 4.8 s; the
``x + x + ... + x`` of 50 terms (2,450) 2.5 s, of 64 terms (4,000) 20 s."""

LONGEST_TEXT = 6000
"""The most bytes of one text in a picture, as written in DOT; a longer one is cut, ending
in an ellipsis (Graphviz refuses a quoted string of more than 16,384 bytes)."""

FONT = "Helvetica,Arial,sans-serif"

# A calm palette: blue inputs, violet parameters, grey square constants, white intermediates,
# a green output, amber ops; orange marks the current backward step, red the truncation note.
STYLE = {
    "input": {"fillcolor": "#e0f2fe", "color": "#0284c7"},
    "param": {"fillcolor": "#ede9fe", "color": "#7c3aed"},
    "const": {"fillcolor": "#e5e7eb", "color": "#9ca3af", "shape": "record"},
    "inner": {"fillcolor": "#ffffff", "color": "#64748b"},
    "output": {"fillcolor": "#dcfce7", "color": "#16a34a"},
    "current": {"fillcolor": "#ffedd5", "color": "#ea580c", "penwidth": "2.5"},
}
OP_STYLE = {"fillcolor": "#fef3c7", "color": "#d97706", "fontcolor": "#78350f"}
KIND_NAMES = {
    "input": "input",
    "param": "parameter",
    "const": "constant",
    "inner": "computed",
    "output": "output",
}
TEXT = "#1e293b"
MUTED = "#94a3b8"
EDGE = "#64748b"
HIGHLIGHT = "#ea580c"
_RANKDIRS = ("LR", "RL", "TB", "BT")


class GraphvizNotFoundError(graphviz.ExecutableNotFound):  # type: ignore[misc]
    """Raised when a picture is rendered but Graphviz's ``dot`` program is missing.

    A subclass of ``graphviz.ExecutableNotFound`` (itself a `RuntimeError`), so code
    that catches either keeps working; the message says how to install Graphviz.
    """

    def __init__(self, detail: str = "", function: str = "draw_graph") -> None:
        message = f"{function}: {INSTALL_HINT}"
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


# ------------------------------------------------------------------------ escaping


class _Dot(NoHtml):  # type: ignore[misc]
    """Text already written in DOT's escString syntax (built here, or escaped verbatim)."""

    __slots__ = ()


class _Html(str):
    """An HTML-like DOT label built here from fixed text (the legend)."""

    __slots__ = ()


_TEXT_ATTRIBUTES = frozenset(
    ("label", "xlabel", "headlabel", "taillabel", "tooltip", "labeltooltip", "edgetooltip")
)
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
_ODD_FINAL_BACKSLASHES = re.compile(r"(?<!\\)(\\\\)*\\$")


def _verbatim(text: str) -> str:
    r"""`text` as DOT shows it letter for letter: no escapes, no HTML, lines kept.

    Backslashes are doubled (a final one would escape the closing quote), control
    characters and lone surrogates are spelled as Python escapes (``\x00``); a text
    longer than `LONGEST_TEXT` bytes is cut.
    """
    return _within_limit(text, _spelled)


def _spelled(text: str) -> str:
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)
    text = text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "\\n")


def _within_limit(text: str, spell: Callable[[str], str]) -> str:
    """``spell(text)``, or of its longest start that fits in `LONGEST_TEXT` with an ellipsis."""
    out = spell(text)
    if len(out.encode("utf-8")) <= LONGEST_TEXT:
        return out
    fits, too_long = 0, len(text)  # a binary search for the longest start that fits
    while too_long - fits > 1:
        mid = (fits + too_long) // 2
        if len(spell(text[:mid] + "\u2026").encode("utf-8")) <= LONGEST_TEXT:
            fits = mid
        else:
            too_long = mid
    return spell(text[:fits] + "\u2026")


def _dot_text(value: Any) -> Any:
    r"""Free text for a DOT attribute: shown verbatim, unless it is already DOT markup.

    A ``graphviz.nohtml`` or ``graphviz.escape`` string is the caller's own markup
    (``\l`` line ends, say); it is kept, except that a final odd backslash is doubled so
    the DOT stays well formed.
    """
    if not isinstance(value, str) or isinstance(value, (_Dot, _Html)):
        return value
    if isinstance(value, NoHtml):
        return _Dot(value + "\\" if _ODD_FINAL_BACKSLASHES.search(value) else value)
    if value and not value.strip():  # only blanks: dot aborts on an edge label of line
        return _Dot(" ")  # breaks beside an xlabel, and shows blanks as nothing anyway
    return _Dot(_verbatim(value))


def _dot_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: _dot_text(v) if k in _TEXT_ATTRIBUTES else v for k, v in attrs.items()}


def _escape(text: str) -> str:
    """Escape a record field: verbatim text, with the characters of record syntax quoted."""
    return _within_limit(text, _record_spelled)


def _record_spelled(text: str) -> str:
    text = _spelled(text)
    for ch in "{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text


class Drawing(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` that stays valid DOT and explains a missing ``dot``.

    Everything else is ``graphviz.Digraph``: ``.source``, ``.render(path, format=...)``,
    ``.pipe(format=...)`` and inline display in Jupyter (``_repr_mimebundle_``).
    Text given to ``node``, ``edge`` or ``attr`` as a label or tooltip is shown exactly as
    written (backslashes, quotes, ``<``, ``{`` and newlines included); wrap it in
    ``graphviz.nohtml`` to use DOT's own escapes instead.
    """

    def node(self, name: str, label: Any = None, _attributes: Any = None, **attrs: Any) -> None:
        """Add a node; see ``graphviz.Digraph.node``."""
        super().node(name, _dot_text(label), _attributes=_attributes, **_dot_attrs(attrs))

    def edge(
        self,
        tail_name: str,
        head_name: str,
        label: Any = None,
        _attributes: Any = None,
        **attrs: Any,
    ) -> None:
        """Add an edge; see ``graphviz.Digraph.edge``."""
        super().edge(
            tail_name, head_name, _dot_text(label), _attributes=_attributes, **_dot_attrs(attrs)
        )

    def attr(self, kw: str | None = None, _attributes: Any = None, **attrs: Any) -> None:
        """Set graph, node or edge attributes; see ``graphviz.Digraph.attr``."""
        super().attr(kw, _attributes=_attributes, **_dot_attrs(attrs))

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


# ------------------------------------------------------------------------ draw_graph


def draw_graph(
    root: Node,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int = MAX_NODES,
    step: int | None = None,
    params: Any = None,
) -> Drawing:
    """Draw the computation graph that `root` depends on.

    The walk is an iterative breadth-first search from `root` that keeps the `max_nodes`
    nodes nearest to it, and fewer when their edges would take ``dot`` more than a few
    seconds to lay out (a leaf used by every op of a long chain); the rest are only
    counted, and a note in the picture says how many were left out. A legend names the
    colours. Nothing here runs ``dot``.

    Args:
        root: The output node (a `Value` or a `Tensor`).
        rankdir: Graphviz layout direction: "LR" (inputs on the left), "RL", "TB" or "BT".
        show_grad: Whether records show each node's ``.grad``.
        max_nodes: The most graph nodes to draw (ops are not counted).
        step: Draw the backward pass as it stands after `step` of the steps of
            ``backward_steps(root)`` (0 to their number): gradients filled in so far
            (computed from the steps, not read from ``.grad``), the node of the next step
            (step ``step + 1``, counted from 1) highlighted and its incoming edges labelled
            with their local derivatives and what each adds to its parent's gradient.
        params: A module (anything with ``named_parameters()``) or a mapping from name to
            node; those nodes are drawn as parameters, labelled with their names.

    Returns:
        A ``graphviz.Digraph`` (a `Drawing`): render it with
        ``.render(path, format="png")``, or display it in Jupyter.

    Raises:
        TypeError: For a `root` that is not a node, or `params` that is neither a module
            nor a mapping.
        ValueError: For an unknown `rankdir`, ``max_nodes < 1`` or `step` out of range.

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
    check_root("draw_graph", root)
    if rankdir not in _RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {_RANKDIRS}, got {rankdir!r}")
    max_nodes = check_max_nodes("draw_graph", max_nodes)
    names = parameter_names("draw_graph", params)
    scene = Scene(root, choose_nodes(root, max_nodes), names, rankdir)
    if step is None:
        scene.grad_text = (lambda n: grad_text(n, n.grad)) if show_grad else (lambda n: None)
        return scene.draw()

    steps = backward_steps(root)
    k = as_int(step)
    if k is None or not 0 <= k <= len(steps):
        raise ValueError(
            f"draw_graph: step must be an int from 0 to {len(steps)} "
            f"(the number of backward steps), got {step!r}"
        )
    step = k
    grads = grads_after(root, steps, step)
    scene.grad_text = lambda n: grad_text(n, grads[n]) if n in grads else "grad \u2026"
    scene.reached = grads.__contains__
    if step < len(steps):
        scene.current = steps[step]
    dot = scene.draw()
    dot.attr(label=_step_caption(steps, step, names), labelloc="t", labeljust="l")
    return dot


def check_root(function: str, root: Any) -> None:
    """Raise `TypeError` unless `root` is a graph node."""
    if not isinstance(root, Node):
        raise TypeError(
            f"{function}: expected a Value or a Tensor (the output of a computation), "
            f"got {type(root).__name__} {root!r:.60}"
        )


def check_max_nodes(function: str, max_nodes: Any) -> int:
    """`max_nodes` as an int; `ValueError` unless it is a positive integer (numpy's too)."""
    count = as_int(max_nodes)
    if count is None or count < 1:
        raise ValueError(f"{function}: max_nodes must be a positive int, got {max_nodes!r}")
    return count


def as_int(value: Any) -> int | None:
    """`value` as an int if it is an integer (``np.int64`` too, a bool not), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    return int(value)


# ------------------------------------------------------------------------- the scene


@dataclass
class Cut:
    """The nodes a picture shows (nearest the root first) and what was left out."""

    kept: list[Node]
    left_out: int
    max_nodes: int
    by_layout: bool = False
    """Whether fewer than `max_nodes` are kept because the layout would be slow."""

    @property
    def note(self) -> str:
        """The truncation note ('' when nothing was left out)."""
        if not self.left_out:
            return ""
        plural = "node" if self.left_out == 1 else "nodes"
        why = (
            f"cut at {len(self.kept):,}: the edges of more would take Graphviz too long"
            if self.by_layout
            else f"max_nodes={self.max_nodes:,}"
        )
        return (
            f"{self.left_out:,} more {plural} not shown\n"
            f"({why}; {len(self.kept) + self.left_out:,} in all)"
        )


@dataclass
class Scene:
    """What a picture shows: the nodes, their names and texts, the step highlighted.

    `draw` turns it into a `Drawing`; the page lays out the same scene with its own
    gradient texts and element ids.
    """

    root: Node
    cut: Cut
    names: dict[int, str]
    rankdir: str = "LR"
    grad_text: Callable[[Node], str | None] = lambda node: None
    reached: Callable[[Node], bool] = lambda node: True
    current: Step | None = None
    legend: bool = True
    ranksep: float = 0.35
    """Inches between ranks (the page leaves room for its edge labels)."""
    ids: dict[Node, str] = field(init=False)

    def __post_init__(self) -> None:
        self.ids = {node: f"n{i}" for i, node in enumerate(self.cut.kept)}

    def kind(self, node: Node) -> str:
        """'input', 'param', 'const', 'inner' or 'output' (the key of its style)."""
        if id(node) in self.names:
            return "param"
        if node is self.root:
            return "output"
        if node.parents:
            return "inner"
        if label_text(node) and node.requires_grad:
            return "input"
        return "const"  # a number mixed into an expression, or a Tensor without gradient

    def draw(self) -> Drawing:
        """The Graphviz picture of this scene."""
        dot = Drawing(
            name="chainrule",
            graph_attr={
                "rankdir": self.rankdir,
                "bgcolor": "white",
                "fontname": FONT,
                "fontsize": "13",
                "fontcolor": TEXT,
                "nodesep": "0.25",
                "ranksep": str(self.ranksep),
                "pad": "0.2",
            },
            node_attr={"fontname": FONT, "fontsize": "11", "fontcolor": TEXT},
            edge_attr={"color": EDGE, "arrowsize": "0.6", "fontname": FONT, "fontsize": "9"},
        )
        for node in self.cut.kept:
            self._record(dot, node)
        cut_ops = [op for node in self.cut.kept if (op := self._op(dot, node))]
        if self.cut.left_out:
            dot.node(
                "more",
                self.cut.note,
                id="more",
                shape="note",
                style="filled",
                fillcolor="#fee2e2",
                color="#dc2626",
                fontcolor="#7f1d1d",
            )
            for op_id in cut_ops:
                dot.edge("more", op_id, style="dashed", color="#dc2626", arrowhead="none")
        if self.legend:
            dot.node("legend", _Html(self._legend()), shape="plaintext", margin="0")
        return dot

    def _record(self, dot: Drawing, node: Node) -> None:
        name = self.names.get(id(node), label_text(node))
        current = self.current is not None and self.current.node is node
        kind = self.kind(node)
        attrs = {"shape": "Mrecord", "style": "filled", **STYLE[kind]}
        if current:
            attrs.update(STYLE["current"])
        if node.requires_grad and not self.reached(node):
            attrs["style"] = "filled,dashed"
            attrs["fontcolor"] = MUTED
        horizontal = self.rankdir in ("TB", "BT")
        label = _record(rows(node, name, self.grad_text(node)), horizontal)
        dot.node(
            self.ids[node], _Dot(label), id=self.ids[node], tooltip=_tooltip(node, name), **attrs
        )

    def _op(self, dot: Drawing, node: Node) -> str:
        """Draw the op that made `node` and its edges; its id if some inputs were cut."""
        if not node.parents:
            return ""
        op_id = self.ids[node] + "_op"
        current = self.current is not None and self.current.node is node
        dot.node(
            op_id,
            op_text(node),
            id=op_id,
            shape="ellipse",
            style="filled",
            fontsize="12",
            margin="0.04,0.02",
            width="0.3",
            height="0.25",
            **{**OP_STYLE, **({"color": HIGHLIGHT, "penwidth": "2"} if current else {})},
        )
        step_edge = {"color": HIGHLIGHT, "penwidth": "2"} if current else {}
        dot.edge(op_id, self.ids[node], id=f"{op_id}_out", **step_edge)
        labels = _edge_labels(node, self.current) if current else {}
        cut = False
        for i, parent in enumerate(node.parents):
            if parent not in self.ids:
                cut = True
                continue
            attrs = dict(step_edge)
            if i in labels:
                attrs.update(label=labels[i], fontcolor=HIGHLIGHT)
            dot.edge(self.ids[parent], op_id, id=f"{op_id}_in{i}", **attrs)
        return op_id if cut else ""

    def _legend(self) -> str:
        """An HTML-like table naming the colours in this picture."""
        kinds = dict.fromkeys(self.kind(n) for n in self.cut.kept)
        cells = [_legend_cell(KIND_NAMES[k], STYLE[k]) for k in KIND_NAMES if k in kinds]
        if any(n.parents for n in self.cut.kept):
            cells.append(_legend_cell("op", {**OP_STYLE, "shape": "ellipse"}))
        if self.current is not None:
            cells.append(_legend_cell("next step", STYLE["current"]))
        if not all(self.reached(n) for n in self.cut.kept if n.requires_grad):
            cells.append(_legend_cell("grad not reached yet", {"color": MUTED}, dashed=True))
        return (
            '<<table border="0" cellborder="1" cellspacing="3" cellpadding="2">'
            f"<tr>{''.join(cells)}</tr></table>>"
        )


def _legend_cell(text: str, style: dict[str, str], dashed: bool = False) -> str:
    look = ",".join(
        s for s, on in (("rounded", style.get("shape") != "record"), ("dashed", dashed)) if on
    )
    fill, color, ink = style.get("fillcolor", "white"), style["color"], style.get("fontcolor", TEXT)
    look = f' style="{look}"' if look else ""
    return (
        f'<td bgcolor="{fill}" color="{color}"{look}>'
        f'<font point-size="10" color="{ink}">{text}</font></td>'
    )


# ------------------------------------------------------------------------- the walk


def choose_nodes(root: Node, max_nodes: int, budget: int = LAYOUT_BUDGET) -> Cut:
    """The nodes nearest `root`, at most `max_nodes`, and fewer if dot would be slow."""
    kept, left_out = _nearest_nodes(root, max_nodes)
    cut = Cut(kept, left_out, max_nodes)
    n = len(kept)
    while n > 1 and layout_cost(kept[:n]) > budget:
        n = max(1, n * 4 // 5)
    if n < len(kept):
        cut = Cut(kept[:n], left_out + len(kept) - n, max_nodes, by_layout=True)
    return cut


def layout_cost(kept: list[Node]) -> int:
    """Nodes dot lays out for these records: records, ops and the dummies on long edges.

    Each record is ranked as near the root as its consumers allow (a longest path from
    the root); an edge spanning r ranks costs r - 1 dummies. dot's own ranking has no
    more dummies than this, so the estimate errs on the slow side.
    """
    inside = set(kept)
    depth = dict.fromkeys(kept, 0)
    # Kahn's algorithm from the root: a record's depth is final once its consumers are done.
    waiting = dict.fromkeys(kept, 0)
    for node in kept:
        for parent in node.parents:
            if parent in inside:
                waiting[parent] += 1
    ready = [node for node in kept if waiting[node] == 0]
    cost = 0
    while ready:
        node = ready.pop()
        if node.parents:
            cost += 2  # the record and its op
        else:
            cost += 1
        for parent in node.parents:
            if parent in inside:
                depth[parent] = max(depth[parent], depth[node] + 2)
                waiting[parent] -= 1
                if waiting[parent] == 0:
                    ready.append(parent)
    cut_ops: list[Node] = []
    for node in kept:
        for parent in node.parents:
            if parent in inside:
                cost += depth[parent] - depth[node] - 2  # ranks between parent and op
            elif not cut_ops or cut_ops[-1] is not node:
                cut_ops.append(node)
    if cut_ops:  # the note, one rank before the farthest op it is joined to
        far = max(depth[node] for node in cut_ops)
        cost += 1 + sum(far - depth[node] for node in cut_ops)
    return cost


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


def grads_after(root: Node, steps: list[Step], k: int) -> dict[Node, Any]:
    """Each node's gradient after the first `k` steps: the seed plus what they added."""
    grads: dict[Node, Any] = {root: seed(root, steps)}
    for s in steps[:k]:
        for parent, _local, added in s.contributions:
            grads[parent] = added if parent not in grads else grads[parent] + added
    return grads


def seed(root: Node, steps: list[Step]) -> Any:
    """The gradient a backward pass starts from at `root` (ones)."""
    if steps:
        return steps[0].grad
    data = root.data
    return np.ones_like(data) if isinstance(data, np.ndarray) else 1.0


def parameter_names(function: str, params: Any) -> dict[int, str]:
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
            f"{function}: params must be a module (with named_parameters()) or a mapping "
            f"from name to node, got {type(params).__name__}"
        )
    return {id(node): str(name) for name, node in pairs}


# ------------------------------------------------------------------------ the labels


def num(x: Any, digits: int = 4) -> str:
    """A number in at most `digits` significant digits: 0.8814, 1, -2.5e-7."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = f"{x:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return "0" if text == "-0" else text


def array_text(a: np.ndarray, digits: int = 4, threshold: int = SMALL_TENSOR) -> str:
    """A small array's values, one row of a matrix per line."""
    if a.ndim == 0:
        return num(a, digits)
    text: str = np.array2string(
        a,
        separator=", ",
        formatter={"all": lambda x: num(x, digits)},
        max_line_width=48 + 8 * (digits - 4),
        threshold=threshold,
    )
    return text


def label_text(node: Node) -> str:
    """A node's label as text: '' for none, and ``str`` of a label that is no string (7)."""
    label = node.label
    return label if isinstance(label, str) else "" if label is None else str(label)


def is_tensor(node: Node) -> bool:
    """Whether `node` holds an array (a Tensor) rather than a float."""
    return isinstance(node.data, np.ndarray)


def rows(node: Node, name: str, grad: str | None) -> list[list[str]]:
    """The rows of a node's record; a row with several fields is laid out side by side.

    The gradient, when shown, is always the last field (the page rewrites it per step).
    """
    out: list[list[str]] = [[name]] if name else []
    if is_tensor(node):
        data: np.ndarray = node.data
        out.append([f"{tuple(data.shape)}  {data.dtype.name}"])
        if data.size <= SMALL_TENSOR:
            out.append([f"data {array_text(data)}"])
        if grad is not None and node.requires_grad:
            out.append([grad])  # a constant Tensor never gets a gradient
    else:
        out.append([f"data {num(node.data)}"] + ([grad] if grad else []))
    return out


def grad_text(node: Node, g: Any) -> str:
    """'grad 0.42'; for a large Tensor its norm, for a Tensor not reached 'grad none'."""
    if g is None:
        return "grad none"
    if is_tensor(node):
        g = np.asarray(g)
        if g.size <= SMALL_TENSOR:
            return f"grad {array_text(g)}"
        return f"grad norm {num(norm(g))}"
    return f"grad {num(g)}"


def norm(a: np.ndarray) -> float:
    """The Euclidean norm of `a`, computed so that it neither overflows nor underflows.

    ``np.linalg.norm`` squares first: of ten 1e200s it gives inf, of ten 1e-200s 0.
    """
    magnitude = np.abs(a.astype(np.float64, copy=False))
    largest = float(np.max(magnitude)) if magnitude.size else 0.0
    if largest == 0.0 or not math.isfinite(largest):
        return largest  # 0, inf, or nan (np.max gives nan if any is nan)
    return largest * float(np.linalg.norm(magnitude / largest))


def _record(fields: list[list[str]], horizontal: bool) -> str:
    """A record label: rows stacked, the fields of a row side by side, for any rankdir.

    In "LR" layouts a record's top-level fields stack vertically and each ``{...}`` flips
    the direction; in "TB" layouts it is the other way round, hence the extra braces.
    """
    parts = []
    for row in fields:
        text = " | ".join(_escape(f) for f in row)
        parts.append(f"{{{text}}}" if len(row) > 1 else text)
    body = " | ".join(parts)
    return f"{{{body}}}" if horizontal else body


def _tooltip(node: Node, name: str) -> str:
    """Full-precision data for SVG tooltips."""
    data = node.data
    text = f"shape {tuple(data.shape)}" if is_tensor(node) else f"data = {data!r}"
    return f"{name or node.op or 'leaf'}: {text}"


def op_params(node: Node) -> dict[str, Any]:
    """The keyword parameters of the op that made `node` (axis, key, shape, ...).

    The one place that reads engine internals; bookkeeping entries are left out.
    """
    params = getattr(node, "_params", None) or {}
    return {k: v for k, v in params.items() if k not in ("saved", "needs")}


def op_text(node: Node) -> str:
    """The op with its parameters, as code would say it: ``[:, 0]``, ``sum(axis=1)``."""
    name, params = node.op, op_params(node)
    if "key" in params and name in ("[]", "index"):
        return index_text(params["key"])
    if "n" in params and name.startswith("**"):
        return f"**{num(params['n'])}"
    args = []
    if params.get("axis") is not None:
        args.append(f"axis={params['axis']}")
    if params.get("keepdims"):
        args.append("keepdims=True")
    for key in ("shape", "axes"):
        if params.get(key) is not None:
            args.append(", ".join(str(n) for n in params[key]))
    return f"{name}({', '.join(args)})" if args else name


def index_text(key: Any) -> str:
    """An index as written in code: ``[:, 0]``, ``[1:3]``, ``[..., None]``, ``[[0, 2]]``."""
    parts = key if isinstance(key, tuple) else (key,)
    return "[" + ", ".join(_index_part(k) for k in parts) + "]"


def _index_part(k: Any) -> str:
    if isinstance(k, slice):
        ends = ["" if v is None else str(v) for v in (k.start, k.stop)]
        return ":".join(ends) + ("" if k.step is None else f":{k.step}")
    if k is Ellipsis:
        return "..."
    if k is None:
        return "None"
    a = np.asarray(k)
    if a.ndim == 0:
        return str(a.item())
    if a.dtype == bool:
        return f"mask{tuple(a.shape)}"
    return str(a.tolist()) if a.size <= SMALL_TENSOR else f"<{a.size} indices>"


def _edge_labels(node: Node, step: Step | None) -> dict[int, str]:
    """For each parent position of `node`, the local derivative and what it adds."""
    if step is None:
        return {}
    return {
        slot: f"local {value_text(local)}\nadds {value_text(added)}"
        for slot, (_parent, local, added) in contribution_slots(node, step)
    }


def contribution_slots(node: Node, step: Step) -> list[tuple[int, tuple[Node, Any, Any]]]:
    """Each contribution of `step` with the operand position of its parent in `node`.

    `Step.contributions` lists the parents that receive a gradient, in operand order, so
    they are matched to positions one after the other.
    """
    out = []
    pending = list(step.contributions)
    for slot, parent in enumerate(node.parents):
        if pending and pending[0][0] is parent:
            out.append((slot, pending.pop(0)))
    return out


def value_text(x: Any, digits: int = 4, threshold: int = SMALL_TENSOR) -> str:
    """A number, a small array on one line, or a large array's shape and range."""
    a = np.asarray(x)
    if a.ndim == 0:
        return num(a, digits)
    if a.size <= threshold:
        return " ".join(array_text(a, digits, threshold).split())
    if a.size == 0:
        return f"{a.shape} empty"
    nan = np.isnan(a) if a.dtype.kind == "f" else np.zeros(a.shape, bool)
    if nan.all():
        return f"{a.shape} all nan"
    numbers = a[~nan]  # a range with nan would be 'from nan to nan'
    lo, hi = np.min(numbers), np.max(numbers)
    and_nan = ", and nan" if nan.any() else ""
    if lo == hi:
        return f"{a.shape} all {num(lo, digits)}{and_nan}"
    return f"{a.shape} from {num(lo, digits)} to {num(hi, digits)}{and_nan}"


def display_name(node: Node, names: dict[int, str]) -> str:
    """A node's name in captions: its parameter name or label, else what it is and holds."""
    name = names.get(id(node), label_text(node))
    if name:
        return name
    if is_tensor(node):
        what = f"of shape {tuple(node.data.shape)}"
    else:
        what = num(node.data) if not node.parents else f"with data {num(node.data)}"
    if node.parents:
        return f"the '{op_text(node)}' node {what}"
    return f"the {'leaf' if node.requires_grad and is_tensor(node) else 'constant'} {what}"


def _step_caption(steps: list[Step], k: int, names: dict[int, str]) -> str:
    """The title of a step picture: where the backward pass stands (steps count from 1)."""
    total = len(steps)
    if k == total:
        return f"backward pass done: all {total} steps applied"
    s = steps[k]
    return (
        f"backward pass after {k} of {total} steps; next, step {k + 1}: "
        f"{display_name(s.node, names)} (grad {value_text(s.grad)}) "
        "passes its gradient to its inputs"
    )
