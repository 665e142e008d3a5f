"""The chainrule command line: graph (gradients, files, refusals) and demo."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import autograd
import nn
from autograd import expression
from nn.cli import main

ROOT = Path(__file__).resolve().parent.parent
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot missing")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_graph(
    capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, dict[str, tuple[float, float]], str, str]:
    """Run `chainrule graph` in-process; return the code, {name: (value, grad)}, out, err."""
    code = main(["graph", *argv])
    out, err = capsys.readouterr()
    table = {}
    text = out if "variable" in out else err
    lines = text.splitlines()
    if any(line.startswith("variable ") for line in lines):
        start = next(i for i, line in enumerate(lines) if line.startswith("variable ")) + 1
        for line in lines[start:]:
            m = re.fullmatch(r"(\w+)\s+(\S+)\s+(\S+)", line)
            if not m:
                break
            table[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    return code, table, out, err


# ------------------------------------------------------------------ happy paths


def test_neuron_gradients_match_the_closed_form(capsys: pytest.CaptureFixture[str]) -> None:
    x, w, b = 0.5, -1.5, 0.3
    code, table, out, err = run_graph(capsys, "tanh(x*w + b)", "x=0.5", "w=-1.5", "b=0.3")
    assert code == 0
    t = math.tanh(x * w + b)
    assert table["x"] == pytest.approx((x, (1 - t**2) * w), rel=1e-5)
    assert table["w"] == pytest.approx((w, (1 - t**2) * x), rel=1e-5)
    assert table["b"] == pytest.approx((b, 1 - t**2), rel=1e-5)
    assert f"tanh(x*w + b) = {t:.6g}" in err
    # Without -o: the Graphviz source on stdout (pipeable to dot), the table on stderr.
    assert out.startswith("digraph")
    assert "tanh" in out
    assert "variable" not in out


@pytest.mark.parametrize(
    ("expr", "values", "expected"),
    [
        ("x**3 + 2*x", {"x": 1.5}, {"x": 3 * 1.5**2 + 2}),
        ("x*y - y/x", {"x": 2.0, "y": -3.0}, {"x": -3.0 + (-3.0) / 4, "y": 2.0 - 0.5}),
        ("sigmoid(x) * y", {"x": 0.3, "y": 2.0}, {"x": None, "y": None}),
        ("exp(-x) + log(y)", {"x": 0.7, "y": 4.0}, {"x": -math.exp(-0.7), "y": 0.25}),
        ("sqrt(x) * sin(y)", {"x": 4.0, "y": 1.0}, {"x": math.sin(1) / 4, "y": 2 * math.cos(1)}),
        ("cos(x) + abs(y) + relu(z)", {"x": 1.0, "y": -2.0, "z": 3.0}, {"x": -math.sin(1)}),
        ("2**x", {"x": 3.0}, {"x": 8 * math.log(2)}),
        ("x**y", {"x": 2.0, "y": 3.0}, {"x": 3 * 4.0, "y": 8 * math.log(2)}),
        ("-x + +y - -1", {"x": 5.0, "y": 7.0}, {"x": -1.0, "y": 1.0}),
        ("x * x * x", {"x": -2.0}, {"x": 12.0}),
        ("(x + 1) / (x - 1)", {"x": 3.0}, {"x": -2 / 4}),
    ],
)
def test_gradients_match_analytic_ones(
    capsys: pytest.CaptureFixture[str],
    expr: str,
    values: dict[str, float],
    expected: dict[str, float | None],
) -> None:
    code, table, _, _ = run_graph(capsys, expr, *(f"{k}={v}" for k, v in values.items()))
    assert code == 0
    if expr.startswith("sigmoid"):
        s = 1 / (1 + math.exp(-0.3))
        expected = {"x": s * (1 - s) * 2.0, "y": s}
    if expr.startswith("cos"):
        expected.update(y=-1.0, z=1.0)
    for name, grad in expected.items():
        assert table[name][1] == pytest.approx(grad, rel=1e-5, abs=1e-12)


def test_unused_variable_gets_zero_and_numbers_alone_work(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, table, _, err = run_graph(capsys, "x * 2", "x=3", "unused=4")
    assert code == 0
    assert table["x"] == (3.0, 2.0)
    assert table["unused"] == (4.0, 0.0)
    code, _, out, err = run_graph(capsys, "2 * 3 + 1")
    assert code == 0
    assert "2 * 3 + 1 = 7" in err
    assert out.startswith("digraph")


def test_expression_starting_with_minus(capsys: pytest.CaptureFixture[str]) -> None:
    code, table, _, _ = run_graph(capsys, "-x*y", "x=2", "y=5")
    assert code == 0
    assert table["x"] == (2.0, -5.0)
    assert table["y"] == (5.0, -2.0)
    code, table, _, _ = run_graph(capsys, "-omega", "omega=2")
    assert code == 0
    assert table["omega"] == (2.0, -1.0)
    code, _, _, err = run_graph(capsys, "-x.y", "x=2")
    assert code == 2
    assert "attribute access at column 2" in err


def test_negative_values(capsys: pytest.CaptureFixture[str]) -> None:
    code, table, _, _ = run_graph(capsys, "x*x", "x=-4")
    assert code == 0
    assert table["x"] == (-4.0, -8.0)


@needs_dot
@pytest.mark.parametrize("ext", ["png", "svg", "PNG"])
def test_renders_to_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, ext: str) -> None:
    target = tmp_path / "sub" / f"g.{ext}"
    code, table, out, _ = run_graph(capsys, "tanh(x*w)", "x=1", "w=2", "-o", str(target))
    assert code == 0
    assert table["w"][1] == pytest.approx(1 - math.tanh(2.0) ** 2, rel=1e-5)
    assert "variable" in out  # with -o the table goes to stdout
    data = target.read_bytes()
    if ext.lower() == "png":
        assert data[:8] == PNG_MAGIC
    else:
        root = ET.fromstring(data)
        assert root.tag.endswith("svg")
        assert "tanh" in "".join(root.itertext())
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no stray .gv


def test_help_documents_the_source_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Graphviz source goes to standard output" in text
    assert "exp, log, tanh" in text


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out == f"chainrule {autograd.__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+", autograd.__version__)


@needs_dot
def test_html_output_is_the_step_through_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    if not hasattr(autograd, "step_through"):
        pytest.skip("autograd.step_through is not there yet")
    target = tmp_path / "pages" / "neuron.html"
    code, table, out, _ = run_graph(capsys, "tanh(x*w)", "x=1", "w=2", "-o", str(target))
    assert code == 0
    assert table["w"][1] == pytest.approx(1 - math.tanh(2.0) ** 2, rel=1e-5)
    assert f"wrote {target}" in out
    page = target.read_text(encoding="utf-8")
    assert "window.chainrule" in page  # the page's documented script interface
    assert "<svg" in page  # the graph, drawn by Graphviz
    assert "tanh" in page


# --------------------------------------------------------------------- refusals

HOSTILE = [
    "__import__('os').system('touch PWNED')",
    "open('PWNED', 'w')",
    "exec(\"open('PWNED', 'w')\")",
    "eval(\"open('PWNED', 'w')\")",
    "__import__('pathlib').Path('PWNED').touch()",
    "(lambda: open('PWNED', 'w'))()",
    "[open('PWNED', 'w') for _ in (1,)]",
    "x.__class__.__base__.__subclasses__()",
    "x.__class__",
    "[x for x in ()]",
    "lambda: 1",
    "x[0]",
    "y",
    "1 +",
    "x if x else x",
    '"a" * 3',
    "x == 1",
    "f(x)",
    "(a := 1)",
    "x // 2",
    "x % 2",
    "x @ x",
    "~x",
    "not x",
    "x and x",
    "{x: 1}",
    "(x, x)",
    "f'{x}'",
    "1j * x",
    "True + x",
    "None",
    "...",
    "tanh(x, x)",
    "tanh(x=1)",
    "tanh(*x)",
    "exp",
    "x.real",
    "globals()",
    "breakpoint()",
    "getattr(x, 'data')",
    "tanh(x)(1)",
    "",
    "   ",
    "x +\n open('PWNED', 'w')",
    "\x00",
    "(" * 300 + "x" + ")" * 300,
]


@pytest.mark.parametrize("expr", HOSTILE)
def test_hostile_or_malformed_expressions_are_refused(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    expr: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(["graph", expr, "x=1", "-o", "out.png"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1  # one line, saying what was refused and where
    assert lines[0].startswith("chainrule: graph: ")
    assert re.search(r"refused|malformed", lines[0])
    assert list(tmp_path.iterdir()) == []  # nothing executed, no picture written


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("x + y.z", "refused attribute access at column 5: 'y.z'"),
        ("  x.y", "refused attribute access at column 3"),
        ("(x +\n y.z)", "refused attribute access at line 2, column 2"),
        ("1 +", "malformed expression at column"),
        ("x ^ 2", "refused operator '^' at column 3: '^ 2' ('^' is not a power: write x ** 2)"),
        ("2x + y", "'2x' is a number directly followed by a name (write 2*x for a product)"),
    ],
)
def test_messages_name_what_and_where(
    capsys: pytest.CaptureFixture[str], expr: str, message: str
) -> None:
    code = main(["graph", expr, "x=1", "y=2"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("chainrule: graph: ")
    assert message in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("expr", "values", "message"),
    [
        ("log(x)", ["x=-1"], "log"),
        ("log(x)", ["x=0"], "log"),
        ("sqrt(x)", ["x=-4"], "sqrt"),
        ("x / 0", ["x=1"], "division by zero"),
        ("1 / (x - 3)", ["x=3"], "math error"),
        ("(x - 1) ** -2", ["x=1"], "math error"),
    ],
)
def test_math_errors_exit_2(
    capsys: pytest.CaptureFixture[str], expr: str, values: list[str], message: str
) -> None:
    code = main(["graph", expr, *values])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_a_warning_is_one_note_on_stderr_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def loud_exp(x: autograd.Value) -> autograd.Value:
        warnings.warn(f"exp: exp({x.data:g})  overflowed\n to inf", RuntimeWarning, stacklevel=2)
        return x.exp()

    monkeypatch.setitem(expression.FUNCTIONS, "exp", loud_exp)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # even where warnings are errors
        code, table, _, err = run_graph(capsys, "exp(x) + exp(x)", "x=2")
    assert code == 0
    assert table["x"] == pytest.approx((2.0, 2 * math.exp(2.0)), rel=1e-5)  # printed to 6 digits
    notes = [line for line in err.splitlines() if "note" in line]
    assert notes == ["chainrule: graph: note: exp: exp(2) overflowed to inf"]  # once, one line
    assert "Traceback" not in err


def test_overflow_to_inf_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        autograd.Value(10.0) ** 1000
    if not caught:
        pytest.skip("Value ** does not warn about an overflow yet")
    code, table, _, err = run_graph(capsys, "x**1000", "x=10")
    assert code == 0
    assert table["x"][0] == 10.0
    assert math.isinf(table["x"][1])  # 1000 * 10**999 is past the largest float as well
    notes = [line for line in err.splitlines() if "note" in line]
    assert all(note.startswith("chainrule: graph: note: ") for note in notes)
    assert any("overflowed to inf" in note for note in notes)
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "x=abc"], "must be a number, got 'abc'"),
        (["x", "x="], "must be a number"),
        (["x", "x"], "expected NAME=VALUE, got 'x'"),
        (["x", "x=1=2"], "must be a number"),
        (["x", "x=1", "x=2"], "given twice"),
        (["x", "x=nan"], "must be finite"),
        (["x", "x=inf"], "must be finite"),
        (["x", "1x=2"], "not a valid variable name"),
        (["x", "lambda=2"], "not a valid variable name"),
        (["x", "tanh=2"], "is a function name"),
        (["x"], "unknown variable 'x'"),
        (["x", "x=1", "-o", "g.pdf"], "extension must be .png, .svg or .html"),
        (["x", "x=1", "-o", "noext"], "extension must be .png, .svg or .html"),
        ([], "required"),
        (["x", "x=1", "--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(["graph", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_no_subcommand_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "required" in capsys.readouterr().err


def test_missing_dot_exits_1_with_install_hint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code = main(["graph", "x*2", "x=1", "-o", str(tmp_path / "g.png")])
    err = capsys.readouterr().err
    assert code == 1
    assert "apt-get install graphviz" in err
    assert "brew install graphviz" in err
    assert not (tmp_path / "g.png").exists()
    # Building the source still works without dot.
    assert main(["graph", "x*2", "x=1"]) == 0
    assert capsys.readouterr().out.startswith("digraph")


# ------------------------------------------------------------------ end to end


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "nn.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "expr",
    [
        "__import__('os').system('touch PWNED')",
        "open('PWNED', 'w')",
        "exec(\"open('PWNED','w')\")",
    ],
)
def test_subprocess_refuses_and_creates_nothing(tmp_path: Path, expr: str) -> None:
    result = run_cli(["graph", expr, "x=1"], tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "refused call" in result.stderr
    assert not (tmp_path / "PWNED").exists()
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_subprocess_happy_path(tmp_path: Path) -> None:
    result = run_cli(["graph", "x*y + x", "x=2", "y=3", "-o", "g.svg"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^x\s+2\s+4$", result.stdout, re.M)  # d/dx (x*y + x) = y + 1
    assert re.search(r"^y\s+3\s+2$", result.stdout, re.M)
    ET.parse(tmp_path / "g.svg")


def test_console_script_if_installed(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "chainrule"
    if not script.exists():
        pytest.skip("the chainrule console script is not installed")
    result = subprocess.run(
        [str(script), "graph", "x.__class__", "x=1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "refused attribute access at column 1" in result.stderr


# ------------------------------------------------------------------------ demo


def check_demo_outputs(out_dir: Path) -> None:
    for name in ("decision_boundary.png", "neuron.png"):
        data = (out_dir / name).read_bytes()
        assert data[:8] == PNG_MAGIC
        assert len(data) > 5_000


@needs_dot
def test_demo_scalar_few_epochs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    assert main(["demo", "--epochs", "3", "--out", str(out_dir)]) == 0
    out = capsys.readouterr().out
    m = re.search(r"final loss (\S+), accuracy (\S+)%", out)
    assert m
    assert float(m.group(1)) > 0
    assert 0 <= float(m.group(2)) <= 100
    check_demo_outputs(out_dir)


@needs_dot
def test_demo_tensor_few_epochs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    if not hasattr(autograd, "Tensor"):
        pytest.skip("autograd.Tensor is not there yet")
    assert main(["demo", "--engine", "tensor", "--epochs", "5", "--out", str(tmp_path)]) == 0
    assert "final loss" in capsys.readouterr().out
    check_demo_outputs(tmp_path)


@needs_dot
@pytest.mark.parametrize(("engine", "kind"), [("scalar", nn.MLP), ("tensor", nn.Sequential)])
def test_demo_trains_through_fit_and_reports_the_final_model(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    engine: str,
    kind: type,
) -> None:
    calls = []
    rates: list[float] = []
    real_fit = nn.fit

    def spy(model, loss_fn, optimizer, inputs, targets, epochs, **kwargs):  # type: ignore[no-untyped-def]
        calls.append((model, inputs, targets, epochs, kwargs.get("compile")))
        real_step = optimizer.step
        monkeypatch.setattr(optimizer, "step", lambda: (rates.append(optimizer.lr), real_step()))
        return real_fit(model, loss_fn, optimizer, inputs, targets, epochs, **kwargs)

    monkeypatch.setattr(nn, "fit", spy)
    assert main(["demo", "--engine", engine, "--epochs", "4", "--out", str(tmp_path)]) == 0
    ((model, inputs, targets, epochs, compiled),) = calls
    assert isinstance(model, kind)
    assert epochs == 4
    assert compiled is True  # the demo replays its step through autograd.compile
    if engine == "scalar":  # micrograd's schedule: step k uses 1 - 0.9 k / steps
        assert rates == pytest.approx([1.0 - 0.9 * k / 4 for k in range(4)], rel=1e-15)
    else:
        assert rates == [0.02] * 4
    # The reported numbers are the hinge loss + L2 and the accuracy of the final model.
    if engine == "scalar":
        scores = np.array([model(row).data for row in np.asarray(inputs).tolist()])
    else:
        scores = model(np.asarray(inputs)).numpy().ravel()
    labels = np.asarray(targets).ravel()
    weights = np.concatenate([np.ravel(getattr(p, "data", p)) for p in model.parameters()])
    loss = np.mean(np.maximum(0.0, 1.0 - labels * scores)) + 1e-4 * np.sum(weights**2)
    accuracy = np.mean((scores > 0) == (labels > 0))
    assert f"final loss {loss:.4f}, accuracy {accuracy:.1%}" in capsys.readouterr().out


def test_demo_refuses_zero_epochs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["demo", "--epochs", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--epochs" in capsys.readouterr().err
    assert main(["demo", "--engine", "gpu"]) == 2


@pytest.mark.slow
@needs_dot
def test_demo_default_run_reaches_high_accuracy(tmp_path: Path) -> None:
    result = run_cli(["demo", "--out", str(tmp_path)], tmp_path)
    assert result.returncode == 0, result.stderr
    m = re.search(r"accuracy (\S+)%", result.stdout)
    assert m
    assert float(m.group(1)) >= 95.0
    check_demo_outputs(tmp_path)
