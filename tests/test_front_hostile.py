"""Hostile input to what users see and type: the expression parser, the command line,
draw_graph and the step-through page. Each test is a bug that was found, or an edge that
matters; the references are closed forms (float's own limits, numpy's nan-aware range)."""

from __future__ import annotations

import ast
import json
import math
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import graphviz  # type: ignore[import-untyped]
import numpy as np
import pytest

import autograd.expression
import nn
from autograd import Tensor, Value, draw_graph, step_through
from autograd.expression import ExpressionError, evaluate
from autograd.viz import Drawing, grad_text, num, value_text
from nn.cli import main
from nn.plot import decision_boundary

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


def refusal(expression: str, **data: float) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        evaluate(expression, {name: Value(v, label=name) for name, v in data.items()})
    return info.value


# ------------------------------------------------------------------ the expression parser


def is_finite_float(literal: str) -> bool:
    """The reference: whether Python reads `literal` as a finite float."""
    try:
        return math.isfinite(float(literal if literal[:2] != "0x" else int(literal, 16)))
    except OverflowError:
        return False


@pytest.mark.parametrize(
    "literal",
    ["1e309", "1" + "0" * 400, "1" + "0" * 5000, "0x1" + "0" * 300],
    ids=["1e309", "int 401 digits", "int 5001 digits", "hex 301 digits"],
)
def test_a_literal_beyond_floats_is_refused_at_its_column(literal: str) -> None:
    assert not is_finite_float(literal)
    err = refusal(f"x * {literal} - x", x=1.0)
    assert err.column == 5
    assert str(err).startswith("refused number at column 5: ")
    assert "largest float" in str(err)
    assert "digits" not in str(err)


def test_a_literal_near_the_float_limit_is_kept() -> None:
    assert evaluate("1.7e308", {}).data == 1.7e308
    assert evaluate("1e-400", {}).data == 0.0  # an underflow is a number, as in Python


@pytest.mark.parametrize(
    "expression",
    ["+" * 90_000 + "1", "-" * 5000 + "x", "+".join(["x"] * 20_000)],
    ids=["90000 unary +", "5000 unary -", "20000 terms"],
)
def test_a_too_deep_expression_says_so_and_how_to_fix_it(expression: str) -> None:
    err = refusal(expression, x=1.0)
    text = str(err)
    assert text.startswith("refused an expression nested too deeply"), text
    assert "split it" in text
    assert "recursion" not in text


def test_many_offences_cost_one_error_message(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every offence used to be described (its source segment cut out of the whole text),
    # which made 2,500 unknown names take seconds; only the leftmost is reported.
    described: list[ast.AST] = []
    original = autograd.expression._snippet

    def counting(text: str, node: ast.AST) -> str:
        described.append(node)
        return original(text, node)

    monkeypatch.setattr(autograd.expression, "_snippet", counting)
    err = refusal("x + " + " + ".join(f"y{i}" for i in range(2000)) + " + 1 // 2", x=1.0)
    assert str(err).startswith("refused unknown variable 'y0' at column 5")
    assert len(described) == 1


@pytest.mark.parametrize(
    ("expression", "where", "snippet"),
    [
        ("(x\f+\n     y.z)", "line 2, column 6", "'y.z'"),  # a form feed ends no line
        ("(x +\n  y.\n  z)", "line 2, column 3", "'y. z'"),
        ("x +  \u00e9\u00e9.z", "column 6", "'\u00e9\u00e9.z'"),
    ],
)
def test_a_refusal_quotes_its_text_where_python_reads_it(
    expression: str, where: str, snippet: str
) -> None:
    # The reference: Python's own parser and ast.get_source_segment.
    tree = ast.parse(expression, mode="eval")
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.Attribute))
    assert repr(" ".join((ast.get_source_segment(expression, node) or "").split())) == snippet
    err = refusal(expression, x=1.0)
    assert str(err) == f"refused attribute access at {where}: {snippet}"


def test_a_compatibility_spelling_of_a_name_is_that_name() -> None:
    # Python reads identifiers in NFKC form: a fullwidth x is x.
    x = Value(3.0, label="x")
    assert evaluate("\uff58 * 2", {"\uff58": x}).data == 6.0


# --------------------------------------------------------------------- the command line


def test_cli_variable_names_are_read_as_python_reads_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["graph", "\uff58*y", "\uff58=3", "y=2"])
    _out, err = capsys.readouterr()
    assert code == 0, err
    assert re.search(r"^x\s+3\s+2$", err, re.M), err  # d(x*y)/dx = y = 2
    assert main(["graph", "x", "x=1", "\uff58=2"]) == 2
    assert capsys.readouterr().err == "chainrule: graph: variable 'x' is given twice\n"


@pytest.mark.parametrize(
    ("argv", "code", "start"),
    [
        (["graph", "x", "x=1", "--bogus"], 2, "chainrule: unrecognized arguments: --bogus"),
        (["graph", "x", "x=1", "-o"], 2, "chainrule: argument -o/--output: expected one"),
        (["graph", "x", "x=1", "-o", "g.pdf"], 2, "chainrule: graph: refused output file"),
        (["graph", "x*1e309", "x=1"], 2, "chainrule: graph: refused number at column 3"),
        (["graph", "+" * 9999 + "x", "x=1"], 2, "chainrule: graph: refused an expression"),
        (["demo", "--epochs", "0"], 2, "chainrule: demo: --epochs must be at least 1, got 0"),
        (["demo", "--epochs", "-3"], 2, "chainrule: demo: --epochs must be at least 1"),
        (["demo", "--epochs"], 2, "chainrule: argument --epochs: expected one argument"),
        (["nope"], 2, "chainrule: argument {graph,demo}: invalid choice: 'nope'"),
    ],
)
def test_cli_errors_are_one_line_with_a_nonzero_code(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int, start: str
) -> None:
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.startswith(start), err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_cli_output_under_a_file_is_a_failure_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    assert main(["graph", "x*x", "x=2", "-o", str(blocker / "g.html")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("chainrule: graph: cannot write "), err
    assert err.count("\n") == 1
    assert blocker.read_text() == "not a folder"


# ------------------------------------------------------------- draw_graph and the page


@pytest.mark.parametrize("label", [7, 0, 2.5, b"raw"])
def test_a_label_that_is_not_a_string_is_shown_as_its_text(label: Any) -> None:
    x = Value(2.0, label=label)
    y = x * x
    y.label = "y"
    y.backward()
    source = draw_graph(y).source
    assert f'label="{label} | {{data 2 | grad 4}}"' in source, source
    assert draw_graph(y, step=0).source.count(f"{label} |") == 1


@needs_dot
def test_a_label_that_is_not_a_string_is_named_on_the_page() -> None:
    label: Any = 7
    x = Value(2.0, label=label)
    page = step_through(x * x)
    data = json.loads(re.search(r'id="chainrule-data">(.*?)</script>', page.html, re.S)[1])
    assert [n["name"] for n in data["nodes"]] == ["", "7"]


def test_a_range_with_nan_gives_the_numbers_and_says_nan() -> None:
    a = np.array([3.0, -1.0, 2.0, np.nan, 5.0, 4.0, 0.5])
    lo, hi = np.nanmin(a), np.nanmax(a)
    assert (lo, hi) == (-1.0, 5.0)
    assert value_text(a) == "(7,) from -1 to 5, and nan"
    assert value_text(np.full(7, np.nan)) == "(7,) all nan"
    assert value_text(np.array([1.0] * 6 + [np.nan])) == "(7,) all 1, and nan"
    t = Tensor(a, requires_grad=True, label="t")
    w = Tensor(np.arange(7.0), requires_grad=True, label="w")
    loss = (t * w).sum()
    source = draw_graph(loss, step=1).source
    assert "local (7,) from -1 to 5, and nan" in source  # d(t*w)/dw = t


@needs_dot
@pytest.mark.parametrize(
    "label", ["</script><script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<!--"]
)
def test_a_hostile_label_cannot_add_markup_to_the_page(label: str) -> None:
    x = Value(2.0, label=label)
    y = x * x
    y.label = label
    page = step_through(y).html
    assert page.count("<script") == 2
    assert page.count("</script>") == 2
    assert "<img" not in page.replace("&lt;img", "")
    data = json.loads(re.search(r'id="chainrule-data">(.*?)</script>', page, re.S)[1])
    assert [n["name"] for n in data["nodes"]] == [label, label]


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))


@needs_dot
def test_a_label_longer_than_graphviz_reads_is_cut_not_a_crash() -> None:
    # Graphviz refuses a quoted string of more than 16,384 bytes (dot failed: broken pipe).
    x = Value(1.0, label="L" * 100_000)
    y = x * 2.0
    y.backward()
    svg = draw_graph(y).pipe(format="svg", encoding="utf-8")
    root = ET.fromstring(svg)
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    label = next(t for t in texts if t.startswith("LLL"))
    assert label.endswith("\u2026")
    assert 1000 < len(label) <= 6000  # Graphviz reads at most 16,384 bytes
    page = step_through(y)
    data = json.loads(re.search(r'id="chainrule-data">(.*?)</script>', page.html, re.S)[1])
    assert data["nodes"][1]["name"] == "L" * 100_000  # the panel keeps the whole name


@needs_dot
def test_cli_a_long_expression_gets_its_picture(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    terms = 1700
    expression = "x" + "+1.000001*x" * terms  # 18,701 characters: the caption is cut
    out = tmp_path / "long.svg"
    code = main(["graph", expression, "x=1", "-o", str(out)])
    stdout, err = capsys.readouterr()
    assert code == 0, err
    row = re.search(r"^x\s+1\s+(\S+)$", stdout, re.M)
    assert row is not None, stdout
    assert float(row[1]) == pytest.approx(1 + terms * 1.000001, rel=1e-6)
    ET.fromstring(out.read_text(encoding="utf-8"))


def test_cli_a_failing_dot_is_one_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(self: Drawing, *args: Any, **kwargs: Any) -> bytes:
        stderr = b"Error: <stdin>: syntax error in line 3\nString starting: ..."
        raise graphviz.CalledProcessError(1, ["dot", "-Tpng"], stderr=stderr)

    monkeypatch.setattr(Drawing, "pipe", failing)
    assert main(["graph", "x*x", "x=2", "-o", str(tmp_path / "g.png")]) == 1
    err = capsys.readouterr().err
    assert err == (
        "chainrule: graph: Graphviz's dot failed (exit status 1): "
        "Error: <stdin>: syntax error in line 3\n"
    )
    assert not (tmp_path / "g.png").exists()


@needs_dot
@pytest.mark.parametrize(
    "char", ["{", "\\", "\x00", "\ud800", "\u00e9", "\U0001f600", "\n"], ids=ascii
)
def test_a_long_label_of_any_letters_renders(char: str) -> None:
    x = Value(1.0, label=char * 20_000)
    y = x * 2.0
    y.label = char * 20_000
    dot = draw_graph(y, step=0, params={char * 20_000: x})
    dot.attr(label=char * 20_000)
    ET.fromstring(dot.pipe(format="svg", encoding="utf-8"))
    assert step_through(y).steps == 1


@pytest.mark.parametrize(
    ("points", "y", "kwargs", "message"),
    [
        ([[0.0, 1.0], [np.nan, 2.0]], [0, 1], {}, "X must be finite, got nan at row 1"),
        ([[0.0, 1.0], [1.0, -np.inf]], [0, 1], {}, "X must be finite, got -inf at row 1"),
        (np.zeros((0, 2)), np.zeros(0), {}, "X must hold at least one point"),
        ([[0.0, 1.0], [1.0, 0.0]], [0, 1], {"padding": np.nan}, "padding must be a finite"),
        ([[0.0, 1.0], [1.0, 0.0]], [0, 1], {"padding": -1.0}, "padding must be a finite"),
    ],
)
def test_decision_boundary_refuses_what_has_no_picture(
    points: Any,
    y: Any,
    kwargs: dict[str, Any],
    message: str,
) -> None:
    model = nn.Sequential(nn.Linear(2, 1, seed=0))
    with pytest.raises(ValueError, match=r"^decision_boundary: ") as info:
        decision_boundary(model, np.asarray(points), np.asarray(y), **kwargs)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "argv",
    [
        ["graph", "x*y", "-o", "OUT", "x=3", "y=2"],
        ["graph", "x*y", "x=3", "-o", "OUT", "y=2"],
        ["graph", "-o", "OUT", "x*y", "x=3", "y=2"],
        ["graph", "--output=OUT", "x*y", "x=3", "y=2"],
    ],
)
def test_cli_the_output_option_may_come_anywhere(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    out = tmp_path / "g.html"
    argv = [a.replace("OUT", str(out)) for a in argv]
    assert main(argv) == 0, capsys.readouterr().err
    stdout = capsys.readouterr().out
    assert re.search(r"^x\s+3\s+2$", stdout, re.M), stdout  # d(x*y)/dx = y
    assert re.search(r"^y\s+2\s+3$", stdout, re.M), stdout
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_an_expression_starting_with_minus_before_the_option(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "g.html"
    assert main(["graph", "-x*y", "-o", str(out), "x=3", "y=2"]) == 0
    assert re.search(r"^x\s+3\s+-2$", capsys.readouterr().out, re.M)
    assert main(["demo", "--epochs", "1", "extra"]) == 2
    assert capsys.readouterr().err.startswith("chainrule: unrecognized arguments: extra")


@pytest.mark.parametrize(
    ("argv", "note"),
    [
        (["x*y", "x=1e308", "y=10"], "the value is inf"),
        (["x*y - x*y", "x=1e308", "y=10"], "the value is nan"),
        (["log(x)", "x=1e-320"], "the gradient of 'x' is inf"),
    ],
)
def test_cli_an_overflow_without_a_warning_gets_a_note(
    capsys: pytest.CaptureFixture[str], argv: list[str], note: str
) -> None:
    # The reference: Python's own floats overflow the same way.
    assert not math.isfinite(1e308 * 10 - 1e308 * 10)
    assert math.isinf(1 / 1e-320)  # d log(x) / dx
    assert main(["graph", *argv]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "note:" in line]
    assert notes == [
        f"chainrule: graph: note: {note}: a number went past the largest float (1.8e308)"
    ]


def test_numpy_integers_are_integers_for_step_and_max_nodes() -> None:
    x = Value(2.0, label="x")
    y = (x * 3.0).tanh()
    steps = np.arange(3)  # a numpy loop over the steps gives np.int64
    assert draw_graph(y, step=steps[1]).source == draw_graph(y, step=1).source
    assert draw_graph(y, max_nodes=np.int32(2)).source == draw_graph(y, max_nodes=2).source
    with pytest.raises(ValueError, match=r"max_nodes must be a positive int, got np\.True_"):
        draw_graph(y, max_nodes=np.bool_(True))
    with pytest.raises(ValueError, match=r"step must be an int from 0 to 2"):
        draw_graph(y, step=np.int64(3))


@needs_dot
def test_numpy_integers_are_integers_for_the_page() -> None:
    x = Value(2.0, label="x")
    assert step_through(x * x, max_nodes=np.int64(1)).nodes == 1


def test_decision_boundary_takes_a_numpy_resolution() -> None:
    model = nn.Sequential(nn.Linear(2, 1, seed=0))
    points, labels = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1])
    fig = decision_boundary(model, points, labels, resolution=np.int64(7))
    assert fig.axes[0].images[0].get_array().shape == (7, 7)


def test_an_expression_longer_than_any_sensible_one_is_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A flat 2 MB list literal took 7 s and 1 GB in Python's parser before being refused.
    def no_parse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("parsed")

    err = refusal("[" + "1," * 60_000 + "]")
    assert str(err) == (
        "refused an expression of 120,002 characters: at most 100,000 "
        "(split it into shorter expressions)"
    )
    monkeypatch.setattr(autograd.expression.ast, "parse", no_parse)
    with pytest.raises(ExpressionError, match="at most 100,000"):
        evaluate("x" + " " * 100_000, {})


def test_an_expression_just_within_the_length_is_evaluated() -> None:
    x = Value(2.0, label="x")
    assert evaluate("x" + " " * 99_997 + "+1", {"x": x}).data == 3.0  # 100,000 characters


def test_a_byte_that_is_not_utf8_is_refused_at_its_column() -> None:
    # A command line argument with the byte 0xff arrives as the lone surrogate U+DCFF.
    text = b"x # \xff".decode("utf-8", "surrogateescape")
    with pytest.raises(UnicodeEncodeError):
        text.encode("utf-8")  # the reference: no UTF-8 text holds it
    err = refusal(text, x=1.0)
    assert str(err) == "refused a character that is not UTF-8 at column 5: '\\udcff'"
    assert err.column == 5


@pytest.mark.parametrize("scale", [1e200, 1e-200, 1.0])
def test_a_gradient_norm_far_from_one_is_its_true_size(scale: float) -> None:
    # The reference: the closed form sqrt(n) * scale (numpy's norm squares first: inf, 0).
    t = Tensor(np.zeros(10), requires_grad=True, label="t")
    loss = (t * scale).sum()
    loss.backward()
    expected = f"grad norm {num(math.sqrt(10) * scale)}"
    assert expected in draw_graph(loss).source
    assert grad_text(t, np.full(10, -scale)) == expected
    assert grad_text(t, np.array([scale] * 9 + [np.nan])) == "grad norm nan"
    assert grad_text(t, np.array([scale] * 9 + [-np.inf])) == "grad norm inf"
