"""A page to step through backpropagation: `step_through(root)` replays `backward_steps`.

The page is one self-contained HTML file: the graph as inline SVG (laid out once by
Graphviz's ``dot``), the steps as JSON data and a small script of our own
(`autograd.page_assets`). A Content-Security-Policy forbids every request, so it works
offline, from a file and inline in Jupyter.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from autograd import page_assets
from autograd.engine import Node, Step, backward_steps
from autograd.viz import (
    KIND_NAMES,
    OP_STYLE,
    STYLE,
    GraphvizNotFoundError,
    Scene,
    array_text,
    check_max_nodes,
    check_root,
    choose_nodes,
    contribution_slots,
    display_name,
    grad_text,
    is_tensor,
    label_text,
    num,
    op_text,
    parameter_names,
    seed,
    value_text,
)

__all__ = ["Page", "step_through"]

PANEL_TENSOR = 36
"""The node panel shows a Tensor's numbers when it has at most this many elements."""

EDGE_TEXT = 28
"""The most characters of an array's values on an edge label (the caption has them all)."""

_NOT_REACHED = "grad \u2026"


class Page:
    """A self-contained HTML page that steps through one backward pass.

    Attributes:
        steps: The number of backward steps it replays.
        nodes: The number of graph nodes it draws.
    """

    def __init__(self, text: str, steps: int, nodes: int, height: int) -> None:
        self._html = text
        self.steps = steps
        self.nodes = nodes
        self._height = height

    @property
    def html(self) -> str:
        """The page's HTML text."""
        return self._html

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to `path` (UTF-8) and return the path.

        Raises:
            OSError: When the file cannot be written.
        """
        out = Path(path)
        out.write_text(self._html, encoding="utf-8")
        return out

    def _repr_html_(self) -> str:
        """Jupyter's inline display: the page in a sandboxed iframe, scripts allowed."""
        return (
            f'<iframe srcdoc="{html.escape(self._html, quote=True)}" sandbox="allow-scripts" '
            f'title="chainrule: step through backpropagation" '
            f'style="width: 100%; height: {self._height}px; border: 0"></iframe>'
        )

    def __repr__(self) -> str:
        return f"Page(steps={self.steps}, nodes={self.nodes})"


def step_through(root: Node, *, max_nodes: int = 200, params: Any = None) -> Page:
    """A page that replays the backward pass from `root` one chain-rule step at a time.

    Buttons, a slider and the keys Left, Right, Space (play), Home and End move through
    the steps of ``backward_steps(root)``; step 0 is the graph before any is applied.
    The caption says what step K of N does, the current node's incoming edges carry their
    local derivatives, and a click on a node shows its data, its gradient so far and the
    chain-rule sum that makes it. The page's script exposes ``window.chainrule``
    (``step``, ``steps``, ``goto(k)``). Rendering needs Graphviz's ``dot``.

    Args:
        root: The output node, holding one number (a loss).
        max_nodes: The most graph nodes to draw (as in `draw_graph`); every step is
            replayed, those of nodes left out are told in the caption only.
        params: A module (with ``named_parameters()``) or a mapping from name to node;
            those nodes are drawn as parameters, labelled with their names.

    Returns:
        A `Page`: ``page.save("steps.html")``, ``page.html``, or display it in Jupyter.

    Raises:
        TypeError: For a `root` that is not a node, or `params` that is neither a module
            nor a mapping.
        ValueError: For a `root` with more than one element, or ``max_nodes < 1``.
        GraphvizNotFoundError: When Graphviz's ``dot`` program is missing.

    Example:
        >>> from autograd import Value
        >>> x = Value(3.0, label="x")
        >>> page = step_through(x * x + x)
        >>> page.steps
        2
        >>> page.save("steps.html")  # doctest: +SKIP
    """
    check_root("step_through", root)
    max_nodes = check_max_nodes("step_through", max_nodes)
    shape = np.shape(root.data)
    if int(np.prod(shape)) != 1:
        raise ValueError(
            f"step_through: the root must hold one number (a loss), got shape {shape}; "
            "reduce it first, e.g. with .sum()"
        )
    names = parameter_names("step_through", params)
    steps = backward_steps(root)
    scene = Scene(root, choose_nodes(root, max_nodes), names, legend=False, ranksep=0.75)
    index = {node: i for i, node in enumerate(scene.cut.kept)}
    step_data, widest = _replay(scene, steps, index)
    scene.grad_text = lambda node: widest.get(node, _NOT_REACHED)  # lay out the widest
    svg = _svg(scene)
    start = seed(root, steps)
    data = {
        "root": display_name(root, names),
        "seed": value_text(start),
        "scalar": not is_tensor(root),
        "nodes": [_node_data(scene, node, widest, start) for node in scene.cut.kept],
        "steps": step_data,
    }
    text = _html(svg, data, _title(root, names), scene)
    return Page(text, len(steps), len(scene.cut.kept), _height(svg))


def _replay(
    scene: Scene, steps: list[Step], index: dict[Node, int]
) -> tuple[list[dict[str, Any]], dict[Node, str]]:
    """The steps as data, and each drawn node's widest gradient text over the pass.

    Only what the page can show is computed: a step of a node left out of the picture
    keeps just what it adds to drawn nodes.
    """
    root = scene.root
    grads: dict[Node, Any] = {root: seed(root, steps)}
    widest = {root: grad_text(root, grads[root])}
    out = []
    for s in steps:
        drawn = s.node in index
        terms = []
        for slot, (parent, local, added) in contribution_slots(s.node, s):
            term: dict[str, Any] = {"to": index.get(parent, -1), "slot": slot}
            if parent in index:
                total = grads[parent] = grads[parent] + added if parent in grads else added
                record = grad_text(parent, total)
                widest[parent] = max(widest.get(parent, _NOT_REACHED), record, key=_width)
                term.update(record=record, total=_long(total))
            elif not drawn:
                continue
            term.update(
                name=display_name(parent, scene.names),
                local=value_text(local),
                added=value_text(added),
                edge=[f"local {_short(local)}", f"adds {_short(added)}"],
                localLong=_long(local),
                addedLong=_long(added),
            )
            terms.append(term)
        out.append(
            {
                "node": index.get(s.node, -1),
                "who": display_name(s.node, scene.names),
                "scalar": not is_tensor(s.node),
                "grad": value_text(s.grad),
                "gradLong": _long(s.grad),
                "terms": terms,
            }
        )
    return out, widest


def _node_data(scene: Scene, node: Node, widest: dict[Node, str], start: Any) -> dict[str, Any]:
    """What the page needs to know about one drawn node."""
    tensor = is_tensor(node)
    has_grad = node.requires_grad or not tensor  # a constant Tensor has no grad field
    is_root = node is scene.root
    return {
        "id": scene.ids[node],
        "name": scene.names.get(id(node), label_text(node)),
        "title": display_name(node, scene.names),
        "op": op_text(node) if node.parents else "",
        "kind": KIND_NAMES[scene.kind(node)],
        "shape": str(tuple(node.data.shape)) if tensor else None,
        "dtype": node.data.dtype.name if tensor else "",
        "data": _long(node.data),
        "requiresGrad": bool(has_grad),
        "gradLines": widest.get(node, _NOT_REACHED).count("\n") + 1 if has_grad else 0,
        "seed": grad_text(node, start) if is_root else None,
        "seedLong": _long(start) if is_root else None,
    }


def _long(x: Any) -> str:
    """A number or array in the node panel: six digits, arrays up to `PANEL_TENSOR`."""
    a = np.asarray(x)
    if a.ndim == 0:
        return num(a, 6)
    if a.size <= PANEL_TENSOR:
        return array_text(a, 6, PANEL_TENSOR)
    return value_text(a, 6)


def _short(x: Any) -> str:
    """An edge label's number: a small array's values if they fit in a line, else its range."""
    text = value_text(x)
    return text if len(text) <= EDGE_TEXT else value_text(x, threshold=0)


def _width(text: str) -> int:
    return max(len(line) for line in text.split("\n"))


def _svg(scene: Scene) -> str:
    """The scene laid out by ``dot``, as an inline ``<svg>`` element without tooltips' ids."""
    try:
        svg: str = scene.draw().pipe(format="svg", encoding="utf-8")
    except GraphvizNotFoundError as err:
        raise GraphvizNotFoundError(str(err.__cause__ or ""), "step_through") from err
    svg = svg[svg.index("<svg") :]
    return re.sub(r"<title>.*?</title>\n?", "", svg)


def _height(svg: str) -> int:
    """A height in pixels for the inline iframe: the picture's, within bounds."""
    found = re.search(r'height="([\d.]+)pt"', svg)
    picture = float(found.group(1)) * 4 / 3 if found else 400.0
    return int(min(max(picture + 200, 380), 780))


def _title(root: Node, names: dict[int, str]) -> str:
    return f"Backpropagation from {display_name(root, names)}, step by step"


def _legend(scene: Scene) -> str:
    """The colours of the picture, as HTML."""
    kinds = {scene.kind(node) for node in scene.cut.kept}
    items = [
        (KIND_NAMES[k], STYLE[k], "const" if k == "const" else "") for k in KIND_NAMES if k in kinds
    ]
    items.append(("op", OP_STYLE, ""))
    items.append(("current step", STYLE["current"], ""))
    items.append(("grad not reached yet", {"fillcolor": "#fff", "color": "#94a3b8"}, "unreached"))
    return "".join(
        f'<span class="{cls}" style="background: {style["fillcolor"]}; '
        f'border-color: {style["color"]}">{html.escape(name)}</span>'
        for name, style, cls in items
    )


def _html(svg: str, data: dict[str, Any], title: str, scene: Scene) -> str:
    """The page: the template filled in, with a policy that allows no request at all."""
    script = page_assets.SCRIPT
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
        "base-uri 'none'; form-action 'none'"
    )
    payload = json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    for ch in "<>&":  # nothing in the data can end the script element
        payload = payload.replace(ch, f"\\u{ord(ch):04x}")
    return page_assets.TEMPLATE.format(
        csp=csp,
        title=html.escape(title),
        style=page_assets.STYLE,
        svg=svg,
        legend=_legend(scene),
        data=payload,
        script=script,
    )
