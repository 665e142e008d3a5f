"""``chainrule graph "EXPR" NAME=VALUE ... [-o FILE]``: an expression's graph and gradients.

The expression is built into a graph of Values by `autograd.expression.evaluate` (parsed,
never executed), backward runs, and each variable's value and gradient is printed. With
``-o FILE`` the picture goes to FILE: ``.png`` or ``.svg`` (`draw_graph`), or ``.html``,
a page that steps through the backward pass (`step_through`). Without it the Graphviz
source goes to standard output and the table to standard error, so it can be piped:
``chainrule graph "x*y" x=2 y=3 | dot -Tpng > g.png``. A warning from the arithmetic (an
overflow to inf) is printed as a one-line note.
"""

from __future__ import annotations

import keyword
import math
import subprocess
import sys
import unicodedata
import warnings
from collections.abc import Sequence
from pathlib import Path

import autograd
from autograd import Value
from autograd.expression import FUNCTIONS, ExpressionError, evaluate
from autograd.viz import Drawing, GraphvizNotFoundError, draw_graph
from nn.command import EXIT_FAILURE, CommandError, dot_failed

__all__ = ["OUTPUT_FORMATS", "run"]

OUTPUT_FORMATS = (".png", ".svg", ".html")
"""The extensions ``-o`` accepts."""


def run(expression: str, assignments: Sequence[str], output: str | None) -> int:
    """Run ``chainrule graph``.

    Args:
        expression: For example ``"tanh(x*w + b)"``.
        assignments: ``NAME=VALUE`` for each variable.
        output: Where to write the picture (``.png``, ``.svg`` or ``.html``), or None
            for the Graphviz source on standard output.

    Returns:
        0.

    Raises:
        CommandError: For a refused expression, a bad assignment or output name, a math
            error, or a picture that cannot be written.
    """
    path = _output_path(output)
    variables = {name: Value(v, label=name) for name, v in _assignments(assignments).items()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = evaluate(expression, variables)
            out.backward()
        except ExpressionError as err:
            raise CommandError(str(err)) from None
        except (ValueError, ZeroDivisionError, OverflowError) as err:
            raise CommandError(f"math error: {err}") from None
    notes = list(dict.fromkeys(" ".join(str(w.message).split()) for w in caught))
    for note in notes or _overflow_note(out, variables):
        print(f"chainrule: graph: note: {note}", file=sys.stderr)
    if not out.label:
        out.label = "out"
    table = _table(expression, out, variables)
    if path is None:
        print(table, file=sys.stderr)
        sys.stdout.write(_drawing(out, expression).source)
        return 0
    print(table)
    _save(out, expression, path)
    print(f"wrote {path}")
    return 0


def _output_path(output: str | None) -> Path | None:
    if output is None:
        return None
    path = Path(output)
    if path.suffix.lower() not in OUTPUT_FORMATS:
        raise CommandError(
            f"refused output file {output!r}: the extension must be "
            + ", ".join(OUTPUT_FORMATS[:-1])
            + f" or {OUTPUT_FORMATS[-1]}"
        )
    return path


def _assignments(items: Sequence[str]) -> dict[str, float]:
    """The variables given as ``NAME=VALUE``, each a valid name with a finite number."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = unicodedata.normalize("NFKC", name.strip())  # as Python reads the expression
        if not sep:
            raise CommandError(f"expected NAME=VALUE, got {item!r}")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise CommandError(f"{name!r} is not a valid variable name (in {item!r})")
        if name in FUNCTIONS:
            raise CommandError(f"{name!r} is a function name; choose another variable name")
        if name in values:
            raise CommandError(f"variable {name!r} is given twice")
        try:
            value = float(text)
        except ValueError:
            raise CommandError(f"the value of {name!r} must be a number, got {text!r}") from None
        if not math.isfinite(value):
            raise CommandError(f"the value of {name!r} must be finite, got {text!r}")
        values[name] = value
    return values


def _overflow_note(out: Value, variables: dict[str, Value]) -> list[str]:
    """A note for a result gone past the floats (``+ - * /`` overflow without a warning)."""
    found = [("the value", out.data)] + [
        (f"the gradient of {n!r}", v.grad) for n, v in variables.items()
    ]
    for what, number in found:
        if not math.isfinite(number):
            return [f"{what} is {number}: a number went past the largest float (1.8e308)"]
    return []


def _table(expression: str, out: Value, variables: dict[str, Value]) -> str:
    rows = [(name, f"{v.data:.6g}", f"{v.grad:.6g}") for name, v in variables.items()]
    width = max([len("variable")] + [len(r[0]) for r in rows])
    vwidth = max([len("value")] + [len(r[1]) for r in rows])
    lines = [
        f"{expression.strip()} = {out.data:.6g}",
        f"{'variable':<{width}}  {'value':>{vwidth}}  gradient",
    ]
    lines += [f"{n:<{width}}  {v:>{vwidth}}  {g}" for n, v, g in rows]
    return "\n".join(lines)


def _drawing(out: Value, expression: str) -> Drawing:
    dot = draw_graph(out)
    dot.attr(label=expression.strip(), labelloc="t", fontsize="14")
    return dot


def _save(out: Value, expression: str, path: Path) -> None:
    """Write the picture (or the step-through page) of `out` to `path`."""
    try:
        if path.suffix.lower() == ".html":
            page = autograd.step_through(out)  # type: ignore[attr-defined,unused-ignore]
            path.parent.mkdir(parents=True, exist_ok=True)
            page.save(path)
        else:
            data = _drawing(out, expression).pipe(format=path.suffix.lower()[1:])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    except GraphvizNotFoundError as err:
        raise CommandError(str(err), EXIT_FAILURE) from None
    except subprocess.CalledProcessError as err:
        raise dot_failed(err) from None
    except OSError as err:
        raise CommandError(f"cannot write {str(path)!r}: {err}", EXIT_FAILURE) from None
