"""draw_graph: structure, labels, truncation, rendering, the missing-dot error, and steps."""

from __future__ import annotations

import math
import random
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import graphviz
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, backward_steps, topological_order
from autograd.viz import (
    MAX_NODES,
    Drawing,
    GraphvizNotFoundError,
    draw_graph,
    layout_cost,
    op_text,
)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot missing")

RECORD = re.compile(r'^\s*(n\d+) \[label="(.*?)" .*shape=M?record', re.M)
OP = re.compile(r'^\s*(n\d+)_op \[label=(".*?"|\S+) ', re.M)
EDGE = re.compile(r"^\s*(\w+) -> (\w+)", re.M)


def neuron() -> tuple[Value, dict[str, Value]]:
    """micrograd's neuron: o = tanh(x1*w1 + x2*w2 + b), with o = 1/sqrt(2)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}


def random_graph(seed: int, size: int = 12) -> tuple[Value, list[Value]]:
    """A random expression DAG: shared subexpressions, reused leaves, unary and binary ops."""
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-1.5, 1.5), label=f"v{i}") for i in range(rng.randint(1, 4))]
    pool: list[Value] = list(leaves)
    for _ in range(size):
        kind = rng.choice(["+", "-", "*", "tanh", "sigmoid", "sin", "**2", "const*"])
        a, b = rng.choice(pool), rng.choice(pool)
        if kind == "+":
            out = a + b
        elif kind == "-":
            out = a - b
        elif kind == "*":
            out = a * b
        elif kind == "tanh":
            out = a.tanh()
        elif kind == "sigmoid":
            out = a.sigmoid()
        elif kind == "sin":
            out = a.sin()
        elif kind == "**2":
            out = a**2
        else:
            out = rng.uniform(-2, 2) * a
        pool.append(out)
    root = pool[-1]
    for _ in range(rng.randint(0, 3)):  # fold in a few more nodes so the root uses them
        root = root + rng.choice(pool)
    return root, leaves


def records(dot: graphviz.Digraph) -> dict[str, str]:
    return dict(RECORD.findall(dot.source))


def record_of(dot: graphviz.Digraph, label: str) -> str:
    """The record label of the node whose first field is `label`."""
    found = [r for r in records(dot).values() if r.split(" | ")[0] == label]
    assert len(found) == 1, (label, found)
    return found[0]


# --------------------------------------------------------------------- structure


def test_returns_a_digraph_without_running_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    o, _ = neuron()
    dot = draw_graph(o)
    assert isinstance(dot, graphviz.Digraph)
    assert isinstance(dot, Drawing)
    assert dot.source.startswith("digraph")


@given(st.integers(0, 10**6))
@settings(max_examples=40, deadline=None)
def test_one_record_per_node_and_one_op_per_result(seed: int) -> None:
    root, _ = random_graph(seed)
    order = topological_order(root)
    dot = draw_graph(root)
    assert len(records(dot)) == len(order)
    ops = OP.findall(dot.source)
    inner = [n for n in order if n.parents]
    assert len(ops) == len(inner)
    assert sorted(label.strip('"') for _, label in ops) == sorted(n.op for n in inner)
    # Edges go parent -> op -> node: one into each record from its op, one per operand.
    edges = EDGE.findall(dot.source)
    assert len(edges) == sum(1 + len(n.parents) for n in inner)
    for src, dst in edges:
        assert src.endswith("_op") != dst.endswith("_op")
        if src.endswith("_op"):
            assert src == f"{dst}_op"
    assert "more" not in dot.source


def test_neuron_records_show_label_data_and_grad() -> None:
    o, _ = neuron()
    o.backward()
    dot = draw_graph(o)
    assert record_of(dot, "o") == "o | {data 0.7071 | grad 1}"
    assert record_of(dot, "x1") == "x1 | {data 2 | grad -1.5}"
    assert record_of(dot, "w1") == "w1 | {data -3 | grad 1}"
    assert record_of(dot, "w2") == "w2 | {data 1 | grad 0}"
    assert record_of(dot, "b") == "b | {data 6.881 | grad 0.5}"
    # The unlabelled sum before tanh: data and grad only.
    assert "{data 0.8814 | grad 0.5}" in records(dot).values()
    for op in ("tanh", "+", "*"):
        assert f"label={op} " in dot.source or f'label="{op}" ' in dot.source


def test_edges_follow_the_data() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x * y
    z.label = "z"
    dot = draw_graph(z)
    ids = {label.split(" | ")[0]: nid for nid, label in records(dot).items()}
    edges = set(EDGE.findall(dot.source))
    op = f"{ids['z']}_op"
    assert edges == {(ids["x"], op), (ids["y"], op), (op, ids["z"])}


def test_a_node_used_twice_gets_two_edges() -> None:
    x = Value(3.0, label="x")
    y = x * x
    dot = draw_graph(y)
    xid = next(nid for nid, label in records(dot).items() if label.startswith("x |"))
    assert EDGE.findall(dot.source).count((xid, "n0_op")) == 2


def test_show_grad_false_and_rankdir() -> None:
    o, _ = neuron()
    dot = draw_graph(o, show_grad=False, rankdir="TB")
    assert "grad" not in dot.source
    assert "rankdir=TB" in dot.source
    # Top-to-bottom layouts need one more pair of braces to keep rows stacked.
    assert record_of(dot, "{x1") == "{x1 | data 2}"


def test_labels_are_escaped_for_records() -> None:
    x = Value(1.0, label='a|b{c}<d> "q" \\')
    dot = draw_graph(x * 2.0)
    assert 'a\\|b\\{c\\}\\<d\\> \\"q\\" \\\\' in dot.source


def test_numbers_are_compact() -> None:
    x = Value(1.23456789e-7, label="x")
    y = Value(-1234567.0, label="y")
    dot = draw_graph(x + y, show_grad=False)
    assert record_of(dot, "x") == "x | data 1.235e-7"
    assert record_of(dot, "y") == "y | data -1.235e6"
    inf = Value(float("inf"), label="i")
    assert record_of(draw_graph(inf), "i") == "i | {data inf | grad 0}"


def test_bad_arguments() -> None:
    o, _ = neuron()
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(o, rankdir="XY")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(o, max_nodes=0)
    with pytest.raises(ValueError, match="step"):
        draw_graph(o, step=99)
    with pytest.raises(ValueError, match="step"):
        draw_graph(o, step=-1)
    with pytest.raises(TypeError, match="params"):
        draw_graph(o, params=[1, 2])


# ------------------------------------------------------------------------ params


class FakeModule:
    """Duck-typed like nn.Module: autograd never imports nn."""

    def __init__(self, params: dict[str, Value]) -> None:
        self._params = params

    def named_parameters(self) -> Any:
        return iter(self._params.items())


@pytest.mark.parametrize("as_module", [True, False])
def test_params_are_labelled_with_their_names(as_module: bool) -> None:
    o, v = neuron()
    named = {"layer.w.0": v["w1"], "layer.w.1": v["w2"], "layer.b": v["b"]}
    dot = draw_graph(o, params=FakeModule(named) if as_module else named)
    for name in named:
        rec = record_of(dot, name)
        nid = next(k for k, r in records(dot).items() if r == rec)
        line = next(ln for ln in dot.source.splitlines() if ln.strip().startswith(nid + " "))
        assert 'fillcolor="#ede9fe"' in line  # drawn as a parameter
    assert record_of(dot, "x1").startswith("x1 |")  # inputs keep their own labels
    assert "w1 |" not in dot.source


def test_params_from_a_real_module() -> None:
    nn = pytest.importorskip("nn")
    random.seed(0)
    n = nn.Neuron(2, activation="tanh")
    x = [Value(1.0, label="x0"), Value(-2.0, label="x1")]
    out = n(x)
    dot = draw_graph(out, params=n)
    for name, _ in n.named_parameters():
        assert record_of(dot, name)


# ------------------------------------------------------------------- truncation


def chain(n: int) -> Value:
    x = Value(0.5, label="x")
    for _ in range(n - 1):
        x = x + 1.0  # two nodes per step: the sum and the constant
    return x


def test_truncation_note_counts_what_is_left_out() -> None:
    root = chain(300)  # 1 + 2 * 299 nodes: each step adds the sum and a constant
    total = len(topological_order(root))
    assert total == 599
    dot = draw_graph(root, max_nodes=50)
    assert len(records(dot)) == 50
    assert f"{total - 50} more nodes not shown" in dot.source
    assert re.search(r'more \[label="549 more nodes not shown.*shape=note', dot.source)
    # The note is joined to the ops whose inputs were cut.
    assert re.search(r"more -> n\d+_op", dot.source)


@given(st.integers(0, 10**6), st.integers(1, 30))
@settings(max_examples=40, deadline=None)
def test_truncation_count_on_random_dags(seed: int, max_nodes: int) -> None:
    root, _ = random_graph(seed, size=25)
    total = len(topological_order(root))
    dot = draw_graph(root, max_nodes=max_nodes)
    shown = len(records(dot))
    assert shown == min(total, max_nodes)
    if total > max_nodes:
        left = total - max_nodes
        word = "node" if left == 1 else "nodes"
        assert f"{left:,} more {word} not shown" in dot.source
    else:
        assert "not shown" not in dot.source


def test_kept_nodes_are_the_nearest_to_the_root() -> None:
    root = chain(100)
    dot = draw_graph(root, max_nodes=3)
    # The root, then its two parents: the previous sum and the constant 1.
    assert sorted(records(dot).values()) == sorted(
        ["{data 99.5 | grad 0}", "{data 98.5 | grad 0}", "{data 1 | grad 0}"]
    )


def test_huge_graph_is_cut_quickly_without_recursion() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(50_000):  # 100,001 nodes, far deeper than the recursion limit
        y = y + 1.0
    dot = draw_graph(y, max_nodes=40)
    assert len(records(dot)) == 40
    assert "100,001 in all" in dot.source
    assert "99,961 more nodes not shown" in dot.source


# ------------------------------------------------------------------------ tensors


def test_tensor_graph_shows_shapes_dtypes_and_small_values() -> None:
    tensor = getattr(autograd, "Tensor", None)
    if tensor is None:
        pytest.skip("autograd.Tensor is not there yet")
    w = tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, label="W")
    x = tensor(np.ones((3, 4), dtype=np.float32), requires_grad=True, label="X")
    y = (w @ x).relu().sum()
    y.backward()
    dot = draw_graph(y)
    assert len(records(dot)) == len(topological_order(y))
    w_rec = record_of(dot, "W")
    assert "(2, 3)  float64" in w_rec
    assert "data [[0, 1, 2]" in w_rec  # six elements: values shown
    assert "grad [[4, 4, 4]" in w_rec
    x_rec = record_of(dot, "X")
    assert "(3, 4)  float32" in x_rec
    assert "data" not in x_rec  # twelve elements: shape only
    assert "grad norm" in x_rec
    for node in topological_order(y):
        if node.parents:
            assert node.op in dot.source


# ----------------------------------------------------------------------- rendering


@needs_dot
def test_render_png_and_svg(tmp_path: Path) -> None:
    o, _ = neuron()
    o.backward()
    dot = draw_graph(o)
    png = Path(dot.render(tmp_path / "neuron", format="png", cleanup=True))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = Path(dot.render(tmp_path / "neuron", format="svg", cleanup=True))
    tree = ET.parse(svg)
    assert tree.getroot().tag.endswith("svg")
    text = "".join(tree.getroot().itertext())
    for word in ("x1", "w1", "tanh", "data 0.7071"):
        assert word in text
    bundle = dot._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")


def test_missing_dot_error_is_raised_when_rendering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    o, _ = neuron()
    dot = draw_graph(o)  # building never needs dot
    assert "tanh" in dot.source
    for attempt in (
        lambda: dot.render(tmp_path / "g", format="png"),
        lambda: dot.pipe(format="svg"),
        lambda: dot._repr_mimebundle_(),
    ):
        with pytest.raises(GraphvizNotFoundError) as info:
            attempt()
        message = str(info.value)
        for hint in ("apt-get install graphviz", "brew install graphviz", "conda install"):
            assert hint in message
        assert isinstance(info.value, RuntimeError)
        assert isinstance(info.value, graphviz.ExecutableNotFound)
    assert not (tmp_path / "g.png").exists()


@needs_dot
def test_copy_keeps_the_friendly_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    o, _ = neuron()
    copy = draw_graph(o).copy()
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizNotFoundError):
        copy.pipe(format="png")


# -------------------------------------------------------------- backward steps


def grads_from_steps(root: Value, steps: list[autograd.Step]) -> dict[int, float]:
    totals: dict[int, float] = {id(root): 1.0}
    for s in steps:
        for parent, _local, added in s.contributions:
            totals[id(parent)] = totals.get(id(parent), 0.0) + added
    return totals


@given(st.integers(0, 10**6))
@settings(max_examples=60, deadline=None)
def test_steps_sum_to_what_backward_puts_in_grad(seed: int) -> None:
    root, _ = random_graph(seed)
    steps = backward_steps(root)
    assert all(n.grad == 0.0 for n in topological_order(root))  # steps touch no .grad
    totals = grads_from_steps(root, steps)
    root.backward()
    for node in topological_order(root):
        assert totals.get(id(node), 0.0) == pytest.approx(node.grad, rel=1e-12, abs=1e-12)


@given(st.integers(0, 10**6))
@settings(max_examples=60, deadline=None)
def test_steps_run_in_reverse_topological_order_with_complete_grads(seed: int) -> None:
    root, _ = random_graph(seed)
    order = topological_order(root)
    position = {id(n): i for i, n in enumerate(order)}
    steps = backward_steps(root)
    root.backward()
    # One step per node that has parents, in the engine's order: reverse topological.
    assert [position[id(s.node)] for s in steps] == sorted(
        (position[id(n)] for n in order if n.parents), reverse=True
    )
    assert steps[0].node is root
    assert steps[0].grad == 1.0
    for s in steps:
        assert s.grad == pytest.approx(s.node.grad, rel=1e-12, abs=1e-12)  # complete
        assert [c[0] for c in s.contributions] == list(s.node.parents)
        for _parent, local, added in s.contributions:
            assert added == pytest.approx(local * s.grad, rel=1e-12, abs=1e-300)


def test_step_local_derivatives_match_closed_forms() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = (x * y).tanh()
    steps = backward_steps(z)
    assert [s.node.op for s in steps] == ["tanh", "*"]
    (tanh_c,) = steps[0].contributions
    assert tanh_c[1] == pytest.approx(1 - math.tanh(6.0) ** 2)
    (cx, cy) = steps[1].contributions
    assert (cx[0], cx[1]) == (x, 3.0)
    assert (cy[0], cy[1]) == (y, 2.0)
    assert cx[2] == pytest.approx(3.0 * (1 - math.tanh(6.0) ** 2))


# ------------------------------------------------------------------- step pictures


def small() -> tuple[Value, Value, Value, Value]:
    """z = x*y + x with x = 2, y = 3: dz/dx = y + 1 = 4, dz/dy = x = 2."""
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    p = x * y
    p.label = "p"
    z = p + x
    z.label = "z"
    return z, p, x, y


def test_step_pictures_fill_in_gradients_as_the_engine_does() -> None:
    z, _, _, _ = small()  # no backward(): the pictures must compute grads from steps
    dot0 = draw_graph(z, step=0)
    assert record_of(dot0, "z") == "z | {data 8 | grad 1}"
    assert record_of(dot0, "p") == "p | {data 6 | grad \u2026}"
    assert record_of(dot0, "x") == "x | {data 2 | grad \u2026}"
    dot1 = draw_graph(z, step=1)
    assert record_of(dot1, "p") == "p | {data 6 | grad 1}"
    assert record_of(dot1, "x") == "x | {data 2 | grad 1}"  # partial: only the + path
    assert record_of(dot1, "y") == "y | {data 3 | grad \u2026}"
    dot2 = draw_graph(z, step=2)
    assert record_of(dot2, "x") == "x | {data 2 | grad 4}"
    assert record_of(dot2, "y") == "y | {data 3 | grad 2}"
    assert "backward pass done" in dot2.source


def highlighted(dot: graphviz.Digraph) -> list[str]:
    return [ln for ln in dot.source.splitlines() if 'fillcolor="#ffedd5"' in ln]


def test_step_highlights_its_node_and_labels_local_derivatives() -> None:
    z, _, _, _ = small()
    dot = draw_graph(z, step=1)  # the step of p = x * y
    (line,) = highlighted(dot)
    assert 'label="p |' in line
    labels = re.findall(r'(\w+) -> (\w+) \[label="local ([^\\]+)\\nadds ([^"]+)"', dot.source)
    ids = {r.split(" | ")[0]: nid for nid, r in records(dot).items()}
    assert sorted(labels) == sorted(
        [(ids["x"], f"{ids['p']}_op", "3", "3"), (ids["y"], f"{ids['p']}_op", "2", "2")]
    )
    # Steps count from 1: after one step, the next is step 2 of 2.
    assert "after 1 of 2 steps; next, step 2: p (grad 1)" in dot.source
    dot0 = draw_graph(z, step=0)  # the root's step: both edges of + carry local 1
    (line0,) = highlighted(dot0)
    assert 'label="z |' in line0
    assert dot0.source.count("local 1") == 2
    assert highlighted(draw_graph(z, step=2)) == []  # all applied: nothing current


@given(st.integers(0, 10**6))
@settings(max_examples=25, deadline=None)
def test_last_step_picture_matches_backward(seed: int) -> None:
    root, _ = random_graph(seed, size=8)
    for i, node in enumerate(topological_order(root)):
        node.label = f"u{i}"
    steps = backward_steps(root)
    final = draw_graph(root, step=len(steps))
    root.backward()
    assert final.source.replace("backward pass done", "") != ""
    after = draw_graph(root)
    assert records(final) == records(after)


@pytest.mark.parametrize("seed", range(5))
def test_tensor_steps_sum_to_grad_with_broadcasting(seed: int) -> None:
    tensor = getattr(autograd, "Tensor", None)
    if tensor is None:
        pytest.skip("autograd.Tensor is not there yet")
    rng = np.random.default_rng(seed)
    w = tensor(rng.normal(size=(3, 2)), requires_grad=True, label="W")
    b = tensor(rng.normal(size=2), requires_grad=True, label="b")
    x = tensor(rng.normal(size=(4, 3)), label="x")  # a constant: no gradient, no step
    h = (x @ w + b).tanh()
    y = (h * h + h).sum()
    steps = backward_steps(y)
    totals: dict[int, Any] = {id(y): np.ones(())}
    for s in steps:
        for parent, _local, added in s.contributions:
            assert np.shape(added) == parent.shape  # broadcasting summed back
            totals[id(parent)] = totals.get(id(parent), 0) + added
    assert id(x) not in totals
    y.backward()
    for node in (w, b, h):
        np.testing.assert_allclose(totals[id(node)], node.grad, rtol=1e-12)
    dot = draw_graph(y, step=len(steps))
    assert "(3, 2)  float64" in record_of(dot, "W")
    assert record_of(dot, "x").count("grad") == 0  # constant: no grad row
    # Before the last step is applied, its node is the one highlighted.
    last = draw_graph(y, step=len(steps) - 1)
    assert len(highlighted(last)) == 1


# ------------------------------------------------------- any label gives valid DOT

HOSTILE = [
    "x #\\",  # a final backslash would escape DOT's closing quote
    "\\",
    "\\\\\\",
    'say "hi"\\',
    '\\"',
    "{a|b}<c>",
    "<b>not html</b>",
    "<>",
    "line one\nline two\r\nthree\rfour",
    "\n",  # only a line break: dot aborted on such an edge label beside an xlabel
    "\n\n \r\n",
    "tab\there",
    "\\N \\G \\l \\r \\n",  # DOT's own escapes must show as written
    "\x00\x01\x1b\x7f",
    "\ud800 lone surrogate",
    "\u2202\u2113/\u2202w \U0001f642 \u4e2d\u6587 \u05e2\u05d1\u05e8\u05d9\u05ea",
    "",
    " ",
    "a" * 5000,
    "\u2028\u2029",
]


def rendered_text(dot: graphviz.Digraph) -> str:
    """The text of the rendered SVG (dot must accept the source, and the SVG be XML)."""
    svg = dot.pipe(format="svg", encoding="utf-8")
    return "".join(ET.fromstring(svg).itertext())


def squeeze(text: str) -> str:
    return "".join(text.split())


def hostile_drawing(label: str) -> Drawing:
    """A label in every place text goes: a record, an op's edge, a note and the title."""
    x = Value(1.0, label=label)
    y = x * Value(2.0, label=label) + 1.0
    y.label = label
    dot = draw_graph(y, step=1, params={label: x})
    dot.attr(label=label, labelloc="t")  # as the command line titles its picture
    dot.node("extra", label, tooltip=label, xlabel=label)
    dot.edge("extra", "n0", label=label, headlabel=label)
    return dot


@needs_dot
@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_give_dot_that_dot_accepts(label: str) -> None:
    text = rendered_text(hostile_drawing(label))
    printable = label.isprintable() and label.strip()
    if printable:
        assert squeeze(label) in squeeze(text)  # shown exactly as written


@needs_dot
@given(st.text(max_size=40))
@settings(max_examples=40, deadline=None)
def test_any_label_gives_dot_that_dot_accepts(label: str) -> None:
    text = rendered_text(hostile_drawing(label))
    if label.isprintable() and label.strip():
        assert squeeze(label) in squeeze(text)


@needs_dot
def test_dot_markup_is_kept_and_still_well_formed() -> None:
    dot = Drawing()
    dot.node("a", graphviz.nohtml("left\\lright\\l"))  # the caller's own DOT escapes
    dot.node("b", graphviz.nohtml("ends in \\"))  # one more backslash keeps it valid
    dot.node("c", graphviz.escape("\\l stays as written"))
    text = rendered_text(dot)
    assert "left" in text
    assert "right" in text
    assert "left\\lright" not in text  # \l obeyed
    assert "ends in \\" in text
    assert "\\l stays as written" in text


@needs_dot
def test_command_line_title_with_a_final_backslash(tmp_path: Path) -> None:
    cli = pytest.importorskip("nn.cli")
    out = tmp_path / "g.svg"
    assert cli.main(["graph", "x #\\", "x=1", "-o", str(out)]) == 0
    text = "".join(ET.parse(out).getroot().itertext())
    assert "x #\\" in text


def test_a_non_node_root_is_a_type_error() -> None:
    for bad in (3.0, None, "x", [Value(1.0)], np.ones(3)):
        with pytest.raises(TypeError, match=r"^draw_graph: expected a Value or a Tensor") as info:
            draw_graph(bad)  # type: ignore[arg-type]
        assert type(bad).__name__ in str(info.value)


# ------------------------------------------------------------------ readable pictures


def fan_out(terms: int) -> Value:
    """x + x + ... + x: every op has an edge from x, the hard case for dot's layout."""
    x = Value(1.0, label="x")
    y = x
    for _ in range(terms - 1):
        y = y + x
    return y


@needs_dot
def test_a_fan_out_picture_is_cut_and_renders_in_seconds(tmp_path: Path) -> None:
    root = fan_out(200)
    root.backward()
    dot = draw_graph(root)
    assert len(records(dot)) < 200
    assert "more nodes not shown" in dot.source
    assert "too long" in dot.source
    # Generous: uncut, 100 terms ran for more than five minutes in dot.
    done = subprocess.run(
        ["dot", "-Tsvg"], input=dot.source.encode(), capture_output=True, timeout=120, check=True
    )
    assert b"more nodes not shown" in done.stdout


@needs_dot
def test_the_command_line_draws_a_fan_out_of_200_terms(tmp_path: Path) -> None:
    out = tmp_path / "fan.svg"
    expression = " + ".join(["x"] * 200)
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from nn.cli import main; sys.exit(main(sys.argv[1:]))",
            "graph",
            expression,
            "x=1",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,  # generous: it takes a few seconds
    )
    assert run.returncode == 0, run.stderr
    assert "more nodes not shown" in "".join(ET.parse(out).getroot().itertext())
    assert "200" in run.stdout  # d/dx of 200 x is 200


def test_layout_cost_counts_long_edges() -> None:
    # A chain costs its records and ops; a fan-out adds a hidden node per rank an edge skips.
    assert layout_cost(topological_order(chain(50))) <= 3 * 99
    kept = topological_order(fan_out(30))
    # x feeds the op of each sum s_k (depth 2(29 - k)) from depth 58: 2k - 1 ranks between.
    assert layout_cost(kept) == 1 + 2 * 29 + sum(2 * k - 1 for k in range(1, 30)) - 29


def test_big_graphs_without_long_edges_are_cut_at_max_nodes_only() -> None:
    root = chain(300)
    dot = draw_graph(root, max_nodes=600)
    assert len(records(dot)) == 599
    assert "not shown" not in dot.source
    assert len(records(draw_graph(root))) == MAX_NODES


def moons_loss() -> tuple[Value, Any]:
    """micrograd's moons loss: an MLP(2, [16, 16, 1]), hinge loss and L2, four points."""
    nn = pytest.importorskip("nn")
    random.seed(1)
    model = nn.MLP(2, [16, 16, 1])
    points, labels = nn.data.moons(4)
    scores = [model([Value(float(v)) for v in row]) for row in points]
    losses = [(1 + -float(2 * t - 1) * s).relu() for t, s in zip(labels, scores, strict=True)]
    loss = sum(losses, Value(0.0)) * (1.0 / len(losses))
    loss = loss + 1e-4 * sum((p * p for p in model.parameters()), Value(0.0))
    loss.label = "loss"
    return loss, model


@needs_dot
def test_the_moons_loss_is_drawn_readably_by_default() -> None:
    loss, model = moons_loss()
    loss.backward()
    total = len(topological_order(loss))
    dot = draw_graph(loss, params=model)
    assert len(records(dot)) == MAX_NODES
    assert f"{total - MAX_NODES:,} more nodes not shown" in dot.source
    svg = ET.fromstring(dot.pipe(format="svg"))
    width, height = (float(svg.get(k, "0").removesuffix("pt")) for k in ("width", "height"))
    # About three screens of 11 pt text (the old default, 500 nodes: 5,700 x 5,600 pt).
    assert width * height < 3000 * 1000


def record_line(dot: graphviz.Digraph, start: str) -> str:
    """The source line of the record whose label starts with `start`."""
    (line,) = [
        ln
        for ln in dot.source.splitlines()
        if ln.strip().startswith("n") and f'[label="{start}' in ln and "record" in ln
    ]
    return line


def test_constants_are_drawn_unlike_inputs() -> None:
    x = Value(2.0, label="x")
    y = x * 3.0  # 3.0 becomes a constant leaf
    data = autograd.Tensor(np.ones(2), label="data")  # no gradient: a constant
    t = (data * autograd.Tensor(np.ones(2), requires_grad=True, label="w")).sum()
    for root, constant, leaf in ((y, "{data 3 | grad 2}", "x |"), (t, "data |", "w |")):
        root.backward()
        dot = draw_graph(root)
        const_line, input_line = record_line(dot, constant), record_line(dot, leaf)
        assert "shape=record" in const_line
        assert "shape=Mrecord" in input_line
        const_fill = re.search(r'fillcolor="(#\w+)"', const_line)
        input_fill = re.search(r'fillcolor="(#\w+)"', input_line)
        assert const_fill
        assert input_fill
        assert const_fill[1] != input_fill[1]


def test_ops_show_their_parameters() -> None:
    t = autograd.Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    cases = {
        "[:, 0]": t[:, 0],
        "[:, 1:3]": t[:, 1:3],
        "[..., None]": t[..., None],
        "[::2, 1:]": t[::2, 1:],
        "[0]": t[0],
        "[[0, 1]]": t[np.array([0, 1])],
        "sum(axis=1)": t.sum(axis=1),
        "sum(axis=(0, 2), keepdims=True)": t.sum(axis=(0, 2), keepdims=True),
        "sum": t.sum(),
        "max(axis=-1)": t.max(axis=-1),
        "reshape(6, 4)": t.reshape(6, 4),
        "transpose(2, 0, 1)": t.transpose(2, 0, 1),
        "**3": t**3,
    }
    for text, node in cases.items():
        assert op_text(node) == text
        assert f'label="{text}"' in draw_graph(node.sum()).source or text == "sum"
    assert op_text(Value(2.0) ** 2) == "**2"


def test_step_captions_count_from_one() -> None:
    z, _, _, _ = small()
    steps = backward_steps(z)
    for k in range(len(steps)):
        source = draw_graph(z, step=k).source
        assert f"after {k} of {len(steps)} steps; next, step {k + 1}:" in source
        assert "step 0" not in source
    assert f"all {len(steps)} steps applied" in draw_graph(z, step=len(steps)).source


def test_small_tensors_show_their_numbers_on_step_edges() -> None:
    a = autograd.Tensor([1.0, 2.0, 3.0], requires_grad=True, label="a")
    b = autograd.Tensor([4.0, 5.0, 6.0], requires_grad=True, label="b")
    p = a * b
    y = p.sum()
    dot = draw_graph(y, step=1)  # the step of a * b, with grad ones
    # d(a*b)/da applied to ones is b, and what it adds is b * 1; the same for b with a.
    assert "local [4, 5, 6]\\nadds [4, 5, 6]" in dot.source
    assert "local [1, 2, 3]\\nadds [1, 2, 3]" in dot.source
    big = autograd.Tensor(np.full((8, 2), 0.5), requires_grad=True, label="X")
    dot = draw_graph((big + 1.0).sum(), step=1)
    assert "local (8, 2) all 1\\nadds (8, 2) all 1" in dot.source
    grid = autograd.Tensor(np.arange(16.0).reshape(8, 2), requires_grad=True, label="G")
    dot = draw_graph((grid * grid).sum(), step=1)
    assert "local (8, 2) from 0 to 15" in dot.source  # d(g*g)/dg with ones: the other g


def test_legend_names_the_colours_in_the_picture() -> None:
    o, v = neuron()
    legend = re.search(r"legend \[label=<(.*)> margin", draw_graph(o).source)
    assert legend is not None
    cells = dict(re.findall(r'<td bgcolor="(#\w+)"[^>]*><font[^>]*>([^<]+)</font>', legend[1]))
    assert sorted(cells.values()) == ["computed", "input", "op", "output"]
    dot = draw_graph(o, params={"w1": v["w1"]}, step=0)
    legend = re.search(r"legend \[label=<(.*)> margin", dot.source)
    assert legend is not None
    named = set(re.findall(r"<font[^>]*>([^<]+)</font>", legend[1]))
    assert {"parameter", "next step", "grad not reached yet"} <= named
    # Each colour in the legend is the fill of the records it names.
    fill_of = {"input": "x1", "output": "o"}
    for colour, name in cells.items():
        if name in fill_of:
            line = next(
                ln for ln in draw_graph(o).source.splitlines() if f'"{fill_of[name]} |' in ln
            )
            assert f'fillcolor="{colour}"' in line
