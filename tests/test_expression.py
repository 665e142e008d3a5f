"""autograd.expression: graphs built from text, refusals with their column, and purity."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest

import autograd.expression
from autograd import Value
from autograd.expression import FUNCTIONS, ExpressionError, evaluate

SOURCE = Path(autograd.expression.__file__)


def values(**data: float) -> dict[str, Value]:
    return {name: Value(v, label=name) for name, v in data.items()}


def refusal(expression: str, **data: float) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        evaluate(expression, values(**data))
    return info.value


def test_evaluate_builds_value_graphs() -> None:
    variables = values(x=2.0, w=-1.5, b=0.3)
    out = evaluate("x**2 + 3*x + tanh(x*w + b)", variables)
    t = math.tanh(2.0 * -1.5 + 0.3)
    assert out.data == pytest.approx(4 + 6 + t, rel=1e-15)
    out.backward()
    assert variables["x"].grad == pytest.approx(2 * 2 + 3 + (1 - t**2) * -1.5, rel=1e-12)
    assert variables["w"].grad == pytest.approx((1 - t**2) * 2.0, rel=1e-12)
    assert variables["b"].grad == pytest.approx(1 - t**2, rel=1e-12)


def test_numbers_alone_give_a_value_and_follow_values_errors() -> None:
    out = evaluate("2**0.5 * 3", {})
    assert isinstance(out, Value)
    assert out.data == pytest.approx(3 * math.sqrt(2), rel=1e-15)
    assert "division by zero" in str(refusal("1 / 0"))
    assert str(refusal("log(x)", x=-1.0)).startswith("math error: log")


def test_a_long_flat_expression_is_walked_without_recursion() -> None:
    x = Value(1.5)
    out = evaluate("+".join(["x"] * 1000), {"x": x})
    out.backward()
    assert (out.data, x.grad) == (1500.0, 1000.0)


@pytest.mark.parametrize(
    ("expression", "column", "text"),
    [
        ("x + y.z", 5, "refused attribute access at column 5: 'y.z'"),
        ("x + q", 5, "refused unknown variable 'q' at column 5: 'q' (give it a value: q=1.5)"),
        ("x // 2", 3, "refused operator '//' at column 3"),
        ("  x.y", 3, "refused attribute access at column 3"),
        ("\tx.y", 2, "refused attribute access at column 2"),
        ("open('f')", 1, "refused call of 'open' at column 1"),
        ("exp", 1, "refused function 'exp' used as a value at column 1: 'exp' (call it: exp(x))"),
        ("tanh(x, x)", 1, "refused call of 'tanh' with other than exactly one argument"),
        ("x + (lambda: 1)", 6, "refused lambda at column 6"),
        ("tanh(x) + x[1]", 11, "refused subscript at column 11"),
        ("ééé + x.y", 7, "refused attribute access at column 7"),
        ("1j * x", 1, "refused complex constant at column 1"),
        ("'a' * x", 1, "refused string constant at column 1"),
        ("True + x", 1, "refused bool constant at column 1"),
        ("1 +", 1, "malformed expression at column 1"),
        ("  1 +", 3, "malformed expression at column 3"),
        ("", 1, "refused an empty expression"),
    ],
)
def test_refusals_name_what_and_where(expression: str, column: int, text: str) -> None:
    err = refusal(expression, x=1.0, y=2.0, ééé=1.0)
    assert text in str(err)
    assert err.column == column


def test_a_refusal_on_a_later_line_names_the_line() -> None:
    err = refusal("(x +\n y.z)", x=1.0, y=2.0)
    assert "refused attribute access at line 2, column 2" in str(err)


def test_the_leftmost_offence_is_reported() -> None:
    assert refusal("q.a + open('f')").column == 1
    assert "attribute access at column 1" in str(refusal("x.y + q", x=1.0))


# ------------------------------------------------------------------ ^ is not a power


@pytest.mark.parametrize(
    ("expression", "column", "left", "right"),
    [
        ("x ^ 2", 3, "x", "2"),
        ("x^3", 2, "x", "3"),
        ("  x ^ (y+1)", 5, "x", "(y+1)"),
        ("(x) ^ 2", 5, "(x)", "2"),
        ("tanh(x)^y", 8, "tanh(x)", "y"),
        ("(x*y) ^ -1", 7, "(x*y)", "-1"),
        ("x ^ y**2", 3, "x", "y**2"),
        ("ééé ^ 2", 5, "ééé", "2"),
    ],
)
def test_caret_says_to_write_the_power_with_double_star(
    expression: str, column: int, left: str, right: str
) -> None:
    data = {"x": 1.5, "y": 0.5, "ééé": 2.0}
    err = refusal(expression, **data)
    assert f"refused operator '^' at column {column}" in str(err)
    assert f"write {left} ** {right}" in str(err)
    assert err.column == column
    # The rewrite keeps both operands whole: it equals left ** right computed apart.
    rewrite = evaluate(f"{left} ** {right}", values(**data)).data
    power = evaluate(left, values(**data)).data ** evaluate(right, values(**data)).data
    assert rewrite == pytest.approx(power, rel=1e-15)


@pytest.mark.parametrize(
    "expression", ["x*y ^ 2", "1 + x^2", "-x ^ 2", "x**2 ^ 3", "(x) + (y) ^ 2"]
)
def test_caret_with_operands_that_would_split_gets_the_general_hint(expression: str) -> None:
    # `^` binds looser than `*`, `-x` and `**`: "write x*y ** 2" would change the meaning.
    message = str(refusal(expression, x=1.5, y=0.5))
    assert "refused operator '^'" in message
    assert "'^' is not a power: write powers with **, as in x ** 2" in message


# ------------------------------------------------------------ 2x is not a product


@pytest.mark.parametrize(
    ("expression", "where", "written", "product"),
    [
        ("2x", "column 1", "2x", "2*x"),
        ("x + 3y", "column 5", "3y", "3*y"),
        ("1.5e3x", "column 1", "1.5e3x", "1.5e3*x"),
        ("  3tanh(x)", "column 3", "3tanh", "3*tanh"),
        ("0x1f + 2y", "column 8", "2y", "2*y"),
        ("x2 + 2_x", "column 6", "2_x", "2*_x"),
        ("é + 2x", "column 5", "2x", "2*x"),
        ("(x +\n 2y)", "line 2, column 2", "2y", "2*y"),
    ],
)
def test_a_number_followed_by_a_name_says_to_write_the_product(
    expression: str, where: str, written: str, product: str
) -> None:
    message = str(refusal(expression, x=1.0, y=2.0))
    assert message == (
        f"malformed expression at {where}: '{written}' is a number directly followed by a "
        f"name (write {product} for a product)"
    )


@pytest.mark.parametrize(
    ("expression", "expected"),
    [("0x10*x", 16 * 3.0), ("1e2*x", 300.0), ("1_000*x", 3000.0), ("x2*2", 2 * 5.0)],
)
def test_numbers_that_look_like_it_still_work(expression: str, expected: float) -> None:
    assert evaluate(expression, values(x=3.0, x2=5.0)).data == expected


def test_a_number_and_a_name_apart_is_a_plain_syntax_error() -> None:
    message = str(refusal("2 x", x=1.0))
    assert message.startswith("malformed expression at column 3")
    assert "product" not in message


# ---------------------------------------------------------------------- purity


def test_the_parser_does_no_io() -> None:
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported.isdisjoint({"argparse", "sys", "pathlib", "os", "io", "subprocess", "nn"})
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert called.isdisjoint({"print", "open", "input", "eval", "exec", "compile", "__import__"})


def test_every_function_is_the_value_method_of_its_name() -> None:
    x = Value(0.7)
    for name, function in FUNCTIONS.items():
        assert evaluate(f"{name}(x)", {"x": x}).data == getattr(Value(0.7), name)().data
        assert function is getattr(Value, name)
