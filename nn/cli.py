"""The ``chainrule`` command line: ``chainrule graph`` and ``chainrule demo``.

``chainrule graph "EXPR" NAME=VALUE ... [-o FILE]`` builds the computation graph of an
arithmetic expression over scalar Values, runs backward, prints each variable's value and
gradient, and renders the picture to FILE (``.png`` or ``.svg``). Without ``-o`` it writes
the Graphviz source to standard output (and the table to standard error), so it can be
piped: ``chainrule graph "x*y" x=2 y=3 | dot -Tpng > g.png``.

The expression is parsed with `ast.parse` and evaluated by walking the syntax tree over a
whitelist: numbers, the named variables, ``+ - * / **``, unary ``-`` and ``+``, and calls
of ``exp log tanh sigmoid relu sqrt sin cos abs`` with one argument. Nothing in it is ever
executed; anything else is refused with exit code 2 and a one-line message naming what was
refused and its column.

``chainrule demo`` trains the two-moons classifier and writes its decision boundary and the
computation graph of one neuron as PNG files.
"""

from __future__ import annotations

import argparse
import ast
import keyword
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

import autograd
import nn
from autograd import Value, no_grad
from autograd.viz import GraphvizNotFoundError, draw_graph
from nn.layers import Linear, ReLU, Sequential

__all__ = ["FUNCTIONS", "ExpressionError", "evaluate", "main"]

FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "sqrt": Value.sqrt,
    "sin": Value.sin,
    "cos": Value.cos,
    "abs": Value.abs,
}
"""The functions an expression may call, each with exactly one argument."""

_BINARY: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}
_OTHER_OPERATORS: dict[type[ast.AST], str] = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
    ast.Not: "not",
    ast.Invert: "~",
}
_DESCRIPTIONS: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Lambda: "lambda",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.Compare: "comparison",
    ast.BoolOp: "boolean operator",
    ast.IfExp: "conditional expression",
    ast.NamedExpr: "assignment expression (:=)",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Set: "set",
    ast.Dict: "dict",
    ast.JoinedStr: "f-string",
    ast.Starred: "starred expression",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slice",
}
ALLOWED = (
    "numbers, variables given as NAME=VALUE, + - * / **, unary - and +, "
    "and one-argument calls of " + ", ".join(FUNCTIONS)
)

EXIT_USAGE = 2
EXIT_FAILURE = 1


class ExpressionError(ValueError):
    """An expression that is refused (not in the whitelist) or cannot be evaluated.

    Attributes:
        column: The 1-based column where the problem is, or None.
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


# --------------------------------------------------------------------- expressions


def _column(source: str, node: ast.AST) -> tuple[int, int]:
    """The 1-based (line, column) of `node`, counted in characters (ast counts bytes)."""
    lineno: int = getattr(node, "lineno", 1)
    offset: int = getattr(node, "col_offset", 0)
    lines = source.splitlines() or [""]
    line = lines[min(lineno, len(lines)) - 1]
    return lineno, len(line.encode("utf-8")[:offset].decode("utf-8", errors="replace")) + 1


def _where(source: str, node: ast.AST) -> tuple[str, int]:
    lineno, col = _column(source, node)
    return (f"line {lineno}, column {col}" if lineno > 1 else f"column {col}"), col


def _snippet(source: str, node: ast.AST) -> str:
    text = ast.get_source_segment(source, node) or ""
    text = " ".join(text.split())
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _refuse(source: str, node: ast.AST, what: str, hint: str = "") -> ExpressionError:
    where, col = _where(source, node)
    message = f"refused {what} at {where}: {_snippet(source, node)}"
    return ExpressionError(f"{message} ({hint})" if hint else message, col)


def _operator_node(source: str, node: ast.BinOp) -> ast.AST:
    """A stand-in node located at the operator symbol of `node`, for error columns."""
    marker = ast.expr()
    marker.lineno = node.left.end_lineno or node.lineno
    marker.col_offset = node.left.end_col_offset or node.col_offset
    lines = source.splitlines()
    if marker.lineno == (node.right.lineno or 0) and lines:
        line = lines[marker.lineno - 1].encode("utf-8")
        gap = line[marker.col_offset : node.right.col_offset]
        stripped = gap.lstrip(b" \t()")
        marker.col_offset += len(gap) - len(stripped)
    marker.end_lineno = node.end_lineno
    marker.end_col_offset = node.end_col_offset
    return marker


def _check(tree: ast.Expression, source: str, variables: dict[str, float]) -> None:
    """Refuse anything outside the whitelist, reporting the leftmost offence first."""
    problems: list[tuple[tuple[int, int], ExpressionError]] = []

    def refuse(node: ast.AST, what: str, hint: str = "") -> None:
        problems.append((_column(source, node), _refuse(source, node, what, hint)))

    stack: list[ast.AST] = [tree.body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                kind = "string" if isinstance(value, (str, bytes)) else type(value).__name__
                refuse(node, f"{kind} constant")
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                refuse(node, f"function '{node.id}' used as a value", f"call it: {node.id}(x)")
            elif node.id not in variables:
                refuse(node, f"unknown variable '{node.id}'", f"give it a value: {node.id}=1.5")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                symbol = _OTHER_OPERATORS.get(type(node.op), type(node.op).__name__)
                refuse(_operator_node(source, node), f"operator '{symbol}'")
            stack += [node.right, node.left]
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                symbol = _OTHER_OPERATORS.get(type(node.op), type(node.op).__name__)
                refuse(node, f"operator '{symbol}'")
            stack.append(node.operand)
        elif isinstance(node, ast.Call):
            func = node.func
            if not isinstance(func, ast.Name) or func.id not in FUNCTIONS:
                callee = f"'{func.id}'" if isinstance(func, ast.Name) else "a computed function"
                refuse(node, f"call of {callee}", f"only {', '.join(FUNCTIONS)} can be called")
                continue  # the callee and its arguments are not looked at
            if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
                refuse(node, f"call of '{func.id}' with other than exactly one argument")
                continue
            stack.append(node.args[0])
        else:
            what = _DESCRIPTIONS.get(type(node), f"{type(node).__name__} expression")
            refuse(node, what)
    if problems:
        problems.sort(key=lambda p: p[0])
        raise problems[0][1]


def parse(expression: str, variables: dict[str, float]) -> ast.Expression:
    """Parse `expression` and check it against the whitelist, without evaluating anything.

    Args:
        expression: The expression text.
        variables: The names the expression may use.

    Returns:
        The checked syntax tree.

    Raises:
        ExpressionError: For a malformed expression or anything outside the whitelist.
    """
    if not expression.strip():
        raise ExpressionError("refused an empty expression", 1)
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as err:
        col = err.offset or 1
        where = f"line {err.lineno}, column {col}" if (err.lineno or 1) > 1 else f"column {col}"
        raise ExpressionError(f"malformed expression at {where}: {err.msg}", col) from None
    except (ValueError, RecursionError, MemoryError) as err:
        raise ExpressionError(f"malformed expression: {err}") from None
    _check(tree, expression, variables)
    return tree


def evaluate(expression: str, variables: dict[str, Value]) -> Value:
    """Build the graph of a whitelisted arithmetic expression over Values.

    The syntax tree is walked with an explicit stack, so long expressions work; nothing
    is executed but the whitelisted Value operations.

    Args:
        expression: For example ``"tanh(x*w + b)"``.
        variables: The Values the names in the expression stand for.

    Returns:
        The expression's output node.

    Raises:
        ExpressionError: For a refused or malformed expression, or a math error such as
            ``log(-1)``.

    Example:
        >>> x = Value(2.0, label="x")
        >>> evaluate("x**2 + 3*x", {"x": x}).data
        10.0
    """
    tree = parse(expression, {name: v.data for name, v in variables.items()})
    results: dict[int, Value | float] = {}
    stack: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    try:
        while stack:
            node, ready = stack.pop()
            if isinstance(node, ast.Constant):
                assert isinstance(node.value, (int, float))  # checked by `parse`
                results[id(node)] = float(node.value)
            elif isinstance(node, ast.Name):
                results[id(node)] = variables[node.id]
            elif not ready:
                stack.append((node, True))
                stack.extend((child, False) for child in _operands(node))
            else:
                results[id(node)] = _apply(node, [results.pop(id(c)) for c in _operands(node)])
    except (ValueError, ZeroDivisionError, OverflowError, FloatingPointError) as err:
        raise ExpressionError(f"math error: {err}") from None
    out = results[id(tree.body)]
    return out if isinstance(out, Value) else Value(out)


def _operands(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    assert isinstance(node, ast.Call)
    return [node.args[0]]


def _apply(node: ast.AST, args: list[Value | float]) -> Value | float:
    """One whitelisted operation; numbers stay numbers until they meet a Value."""
    if isinstance(node, ast.UnaryOp):
        (x,) = args
        return -x if isinstance(node.op, ast.USub) else x
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        (x,) = args
        return FUNCTIONS[node.func.id](x if isinstance(x, Value) else Value(x))
    assert isinstance(node, ast.BinOp)
    x, y = args
    if not isinstance(x, Value) and not isinstance(y, Value):
        x = Value(x)  # so that 2**0.5 and 1/0 follow Value's rules and errors
    op = _BINARY[type(node.op)]
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return x / y
    return x**y


# ------------------------------------------------------------------------ graph


def _assignments(items: Sequence[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep:
            raise ExpressionError(f"expected NAME=VALUE, got {item!r}")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ExpressionError(f"{name!r} is not a valid variable name (in {item!r})")
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function name; choose another variable name")
        if name in values:
            raise ExpressionError(f"variable {name!r} is given twice")
        try:
            value = float(text)
        except ValueError:
            raise ExpressionError(f"the value of {name!r} must be a number, got {text!r}") from None
        if not math.isfinite(value):
            raise ExpressionError(f"the value of {name!r} must be finite, got {text!r}")
        values[name] = value
    return values


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


def _graph(args: argparse.Namespace) -> int:
    expression: str = args.expression
    # Leading blanks would be an IndentationError; columns stay those of the text typed.
    indent = len(expression) - len(expression.lstrip(" \t"))
    out_path = Path(args.output) if args.output else None
    if out_path is not None and out_path.suffix.lower() not in (".png", ".svg"):
        return _usage_error(
            f"graph: refused output file {str(out_path)!r}: the extension must be .png or .svg"
        )
    try:
        values = _assignments(args.assignments)
        variables = {name: Value(v, label=name) for name, v in values.items()}
        out = evaluate(expression[indent:], variables)
        out.backward()
    except ExpressionError as err:
        message = str(err)
        if indent and err.column is not None:
            message = message.replace(f"column {err.column}", f"column {err.column + indent}", 1)
        return _usage_error(f"graph: {message}")
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        return _usage_error(f"graph: math error: {err}")
    if not out.label:
        out.label = "out"
    dot = draw_graph(out)
    dot.attr(label=expression.strip(), labelloc="t", fontsize="14")
    table = _table(expression, out, variables)
    if out_path is None:
        print(table, file=sys.stderr)
        sys.stdout.write(dot.source)
        return 0
    print(table)
    try:
        data = dot.pipe(format=out_path.suffix.lower()[1:])
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_bytes(data)
    except GraphvizNotFoundError as err:
        print(f"chainrule: {err}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as err:
        print(f"chainrule: graph: cannot write {str(out_path)!r}: {err}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"wrote {out_path}")
    return 0


def _usage_error(message: str) -> int:
    print(f"chainrule: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_USAGE


# ------------------------------------------------------------------------- demo


DEMO_DEFAULTS = {
    # engine: (points, epochs). The scalar run is micrograd's demo (100 points), with its
    # decaying learning rate spread over 50 epochs instead of 100: 98-100% accuracy in
    # about 15-30 s on two cores, where 100 epochs take twice as long for at most 2% more.
    "scalar": (100, 50),
    "tensor": (500, 300),
}
L2 = 1e-4
"""The L2 penalty of micrograd's moons demo, added to the hinge loss."""


def _demo(args: argparse.Namespace) -> int:
    import random

    engine: str = args.engine
    n_points, default_epochs = DEMO_DEFAULTS[engine]
    epochs: int = default_epochs if args.epochs is None else args.epochs
    if epochs < 1:
        return _usage_error(f"demo: --epochs must be at least 1, got {epochs}")
    out_dir = Path(args.out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"chainrule: demo: cannot create {str(out_dir)!r}: {err}", file=sys.stderr)
        return EXIT_FAILURE
    random.seed(args.seed)
    points, y = nn.data.moons(n_points, noise=0.1, seed=args.seed)
    labels = 2.0 * y - 1.0  # hinge loss wants -1 / +1
    print(f"two moons: {n_points} points, {engine} engine, {epochs} epochs")
    start = time.perf_counter()
    if engine == "scalar":
        model, loss, accuracy, predict = _train_scalar(points, labels, epochs)
    else:
        model, loss, accuracy, predict = _train_tensor(points, labels, epochs, args.seed)
    elapsed = time.perf_counter() - start
    print(f"final loss {loss:.4f}, accuracy {accuracy:.1%} ({elapsed:.1f} s)")
    boundary = out_dir / "decision_boundary.png"
    _plot_boundary(points, y, predict, boundary, f"{engine} engine: accuracy {accuracy:.0%}")
    print(f"wrote {boundary}")
    neuron = out_dir / "neuron.png"
    dot = _neuron_graph(model, points, engine)
    try:
        neuron.write_bytes(dot.pipe(format="png"))
    except GraphvizNotFoundError as err:
        print(f"chainrule: {err}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"wrote {neuron}")
    return 0


Predictor = Callable[[np.ndarray], np.ndarray]


def _progress(epochs: int, engine: str) -> Any:
    from tqdm import tqdm  # type: ignore[import-untyped]

    return tqdm(
        range(epochs), desc=f"training ({engine})", unit="epoch", file=sys.stderr, mininterval=0.25
    )


def _train_scalar(
    points: np.ndarray, labels: np.ndarray, epochs: int
) -> tuple[Any, float, float, Predictor]:
    """Micrograd's demo: MLP(2, [16, 16, 1]), hinge loss + L2, SGD with a decaying rate."""
    model = nn.MLP(2, [16, 16, 1])
    params = [p for p in model.parameters() if isinstance(p, Value)]
    optimizer = nn.SGD(params, lr=1.0)
    rows, targets = points.tolist(), labels.tolist()
    loss_value = accuracy = 0.0
    bar = _progress(epochs, "scalar")
    for k in bar:
        scores = [model(row) for row in rows]
        loss = nn.hinge_loss(scores, targets) + L2 * sum(p * p for p in params)
        accuracy = sum((s.data > 0) == (t > 0) for s, t in zip(scores, targets, strict=True)) / len(
            rows
        )
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = 1.0 - 0.9 * k / epochs
        optimizer.step()
        loss_value = loss.data
        bar.set_postfix(loss=f"{loss_value:.4f}", acc=f"{accuracy:.0%}", refresh=False)
    bar.close()
    # The reported numbers are those of the final parameters.
    with no_grad():
        scores = [model(row) for row in rows]
        loss = nn.hinge_loss(scores, targets) + L2 * sum(p * p for p in params)
    accuracy = sum((s.data > 0) == (t > 0) for s, t in zip(scores, targets, strict=True)) / len(
        rows
    )
    weights = [
        (
            np.array([[w.data for w in n.w] for n in layer.neurons]).T,
            np.array([n.b.data for n in layer.neurons]),
        )
        for layer in model.layers
    ]

    def predict(grid: np.ndarray) -> np.ndarray:
        h = grid
        for i, (w, b) in enumerate(weights):
            h = h @ w + b
            if i < len(weights) - 1:
                h = np.maximum(h, 0.0)
        return h[:, 0]

    return model, float(loss.data), float(accuracy), predict


def _train_tensor(
    points: np.ndarray, labels: np.ndarray, epochs: int, seed: int
) -> tuple[Any, float, float, Predictor]:
    """A Tensor MLP of the same shape, full batch, hinge loss + L2, Adam."""
    rng = np.random.default_rng(seed)
    model = Sequential(
        Linear(2, 16, seed=rng),
        ReLU(),
        Linear(16, 16, seed=rng),
        ReLU(),
        Linear(16, 1, seed=rng),
    )
    params = [p for p in model.parameters() if isinstance(p, autograd.Tensor)]
    optimizer = nn.Adam(params, lr=0.02)
    inputs = autograd.Tensor(points)
    targets = labels.reshape(-1, 1)

    def objective() -> tuple[Any, np.ndarray]:
        scores = model(inputs)
        loss = nn.hinge_loss(scores, targets) + L2 * sum((p * p).sum() for p in params)
        return loss, scores.data

    loss_value = accuracy = 0.0
    bar = _progress(epochs, "tensor")
    for _ in bar:
        loss, scores = objective()
        accuracy = float(np.mean((scores > 0) == (targets > 0)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_value = float(loss.item())
        bar.set_postfix(loss=f"{loss_value:.4f}", acc=f"{accuracy:.0%}", refresh=False)
    bar.close()
    with no_grad():
        loss, scores = objective()
    accuracy = float(np.mean((scores > 0) == (targets > 0)))

    def predict(grid: np.ndarray) -> np.ndarray:
        with no_grad():
            out: np.ndarray = model(autograd.Tensor(grid)).data
        return out.reshape(-1)

    return model, float(loss.item()), accuracy, predict


def _plot_boundary(
    points: np.ndarray, y: np.ndarray, predict: Predictor, path: Path, title: str
) -> None:
    """The decision regions of `predict` under the data points, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    pad = 0.5
    (x0, y0), (x1, y1) = points.min(axis=0) - pad, points.max(axis=0) + pad
    xx, yy = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
    scores = predict(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=120)
    ax.contourf(xx, yy, scores > 0, levels=[-0.5, 0.5, 1.5], colors=["#dbeafe", "#fee2e2"])
    ax.contour(xx, yy, scores, levels=[0.0], colors=["#334155"], linewidths=1.2)
    ax.scatter(
        points[:, 0],
        points[:, 1],
        c=y,
        cmap=ListedColormap(["#2563eb", "#dc2626"]),
        s=22,
        edgecolors="white",
        linewidths=0.6,
        zorder=3,
    )
    ax.set_title(f"two moons, {title}", fontsize=12)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _neuron_graph(model: Any, points: np.ndarray, engine: str) -> Any:
    """The graph of the first hidden neuron on one input point, parameters named."""
    row = points[0].tolist()
    if engine == "scalar":
        neuron = model.layers[0].neurons[0]
        for candidate in points.tolist():  # prefer a point where the ReLU is active
            if neuron(candidate).data > 0:
                row = candidate
                break
        xs = [Value(v, label=f"x{i}") for i, v in enumerate(row)]
        out = neuron(xs)
        out.label = "h"
        model.zero_grad()  # show d(h)/d(node), not what is left from training
        out.backward()
        dot = draw_graph(out, params=model)
    else:
        weight, bias = [p for _, p in model.named_parameters()][:2]
        # A Linear weight is (nin, nout): column 0 feeds unit 0. Prefer an active point.
        active = np.flatnonzero(points @ weight.data[:, 0] + bias.data[0] > 0)
        if active.size:
            row = points[active[0]].tolist()
        x = autograd.Tensor(np.asarray(row), label="x")
        w = weight[:, 0]
        out = (x @ w + bias[0]).relu()
        out.label = "h"
        model.zero_grad()
        out.backward()
        dot = draw_graph(out, params=model)
    point = ", ".join(f"{v:.3g}" for v in row)
    dot.attr(label=f"first hidden neuron on the point ({point})", labelloc="t")
    return dot


# ----------------------------------------------------------------------- parser


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, with exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"chainrule: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="chainrule",
        description="chainrule: a small reverse-mode autodiff engine.",
    )
    sub = parser.add_subparsers(dest="command", metavar="{graph,demo}")
    sub.required = True
    graph = sub.add_parser(
        "graph",
        help="draw the computation graph of an expression and print its gradients",
        description=(
            "Build the graph of EXPR over the given variables, run backward, print each "
            "variable's value and gradient, and render the picture to FILE (.png or .svg). "
            "Without -o, the Graphviz source goes to standard output (and the table to "
            "standard error), e.g. `chainrule graph 'x*y' x=2 y=3 | dot -Tsvg > g.svg`. "
            f"Allowed in EXPR: {ALLOWED}. Nothing else is accepted and nothing is executed."
        ),
        epilog='example: chainrule graph "tanh(x*w + b)" x=0.5 w=-1.5 b=0.3 -o neuron.png',
    )
    graph.add_argument("expression", metavar="EXPR", help='e.g. "tanh(x*w + b)"')
    graph.add_argument(
        "assignments", metavar="NAME=VALUE", nargs="*", help="a value for each variable"
    )
    graph.add_argument(
        "-o", "--output", metavar="FILE", help="write the picture here (.png or .svg)"
    )
    demo = sub.add_parser(
        "demo",
        help="train the two-moons classifier and draw it",
        description=(
            "Train an MLP on the two-moons data set, print the final loss and accuracy, "
            "and write decision_boundary.png and neuron.png into DIR."
        ),
    )
    demo.add_argument(
        "--engine",
        choices=("scalar", "tensor"),
        default="scalar",
        help="scalar: micrograd's MLP over Values (default); tensor: numpy Tensors",
    )
    demo.add_argument(
        "--epochs",
        type=int,
        default=None,
        metavar="N",
        help="training epochs (default: 50 scalar, 300 tensor)",
    )
    demo.add_argument(
        "--out", default="chainrule-out", metavar="DIR", help="where to write the PNGs"
    )
    demo.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    return parser


def _protect_expression(argv: list[str]) -> tuple[list[str], set[str]]:
    """Let ``chainrule graph "-x*y" ...`` work: argparse would take "-x*y" for an option.

    If the graph command's first positional token (the expression) starts with "-", it
    gets a leading space, which argparse treats as a positional argument; `main` takes
    it off again. Other tokens are left to argparse (NAME=VALUE never starts with "-").
    """
    if not argv or argv[0] != "graph":
        return argv, set()
    out = list(argv)
    skip_next = False
    for i, token in enumerate(argv[1:], start=1):
        if token == "--":
            break
        if skip_next:
            skip_next = False
        elif token in ("-o", "--output"):
            skip_next = True
        elif token in ("-h", "--help") or _is_option(token):
            continue
        elif token.startswith("-"):
            out[i] = " " + token
            return out, {out[i]}
        else:
            break  # the expression does not start with "-"
    return out, set()


def _is_option(token: str) -> bool:
    # "-oFILE" is not recognised here: "-omega" is far more likely an expression.
    return token.startswith("--output=")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``chainrule`` command line.

    Args:
        argv: The arguments after the program name (defaults to ``sys.argv[1:]``).

    Returns:
        The exit code: 0 on success, 2 for a refused expression or bad arguments, 1 when
        a picture cannot be written (e.g. Graphviz's ``dot`` is missing).

    Example:
        >>> main(["graph", "x.__class__", "x=1"])  # refused, never executed
        2
        >>> main(["graph", "x*y", "x=2", "y=3", "-o", "xy.svg"])  # doctest: +SKIP
        x*y = 6
        variable  value  gradient
        x             2  3
        y             3  2
        wrote xy.svg
        0
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    args_list, protected = _protect_expression(args_list)
    try:
        args = _parser().parse_args(args_list)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if args.command == "graph":
        if args.expression in protected:
            args.expression = args.expression[1:]
        return _graph(args)
    return _demo(args)


if __name__ == "__main__":
    raise SystemExit(main())
