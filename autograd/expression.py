"""Safe arithmetic expressions over `Value`: ``evaluate("tanh(x*w + b)", variables)``.

The expression is parsed with `ast.parse` and evaluated by walking the syntax tree over a
whitelist: numbers, the named variables, ``+ - * / **``, unary ``-`` and ``+``, and calls
of ``exp log tanh sigmoid relu sqrt sin cos abs`` with one argument. Nothing in it is ever
executed; anything else raises `ExpressionError` naming what was refused and its column.
This module does no I/O: the ``chainrule graph`` command reads and prints around it.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from autograd.value import Value

__all__ = ["ALLOWED", "FUNCTIONS", "ExpressionError", "evaluate", "parse"]

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

ALLOWED = (
    "numbers, variables given as NAME=VALUE, + - * / **, unary - and +, "
    "and one-argument calls of " + ", ".join(FUNCTIONS)
)
"""What an expression may contain, in words (for help texts)."""

MAX_LENGTH = 100_000
"""The longest expression, in characters. Python's parser takes some 500 bytes a character
(a 2 MB list literal took 1 GB and 7 s to be refused); its nesting limit already stops an
arithmetic chain at a few thousand operators."""

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

_NUMBER = (
    r"0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+"
    r"|(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?[jJ]?"
)
_NAME = r"[^\W\d]\w*"
_TOKENS = re.compile(rf"(?P<name>{_NAME})|(?P<number>{_NUMBER})(?P<after>{_NAME})?")
"""Names, and numbers with the name that may follow them directly (``2x``)."""
_NEWLINE = re.compile(r"\r\n|\r|\n")
_SURROGATE = re.compile("[\ud800-\udfff]")


_T = TypeVar("_T")


class ExpressionError(ValueError):
    """An expression that is refused (not in the whitelist) or cannot be evaluated.

    Attributes:
        column: The 1-based column where the problem is, or None.
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class _Source:
    """The expression's text without its leading blanks, and how many were taken off.

    Leading blanks would be an IndentationError; columns stay those of the text typed.
    """

    text: str
    indent: int

    def position(self, lineno: int, col: int) -> tuple[int, int]:
        """The 1-based (line, column) in the text typed, from a 1-based one in `text`."""
        return lineno, (col + self.indent if lineno == 1 else col)

    def node_position(self, node: ast.AST) -> tuple[int, int]:
        """Where `node` starts, in characters (ast counts bytes)."""
        lineno: int = getattr(node, "lineno", 1)
        offset: int = getattr(node, "col_offset", 0)
        lines = _lines(self.text)
        line = lines[min(lineno, len(lines)) - 1]
        col = len(line.encode("utf-8")[:offset].decode("utf-8", errors="replace")) + 1
        return self.position(lineno, col)

    def refuse(self, node: ast.AST, what: str, hint: str = "") -> ExpressionError:
        """The error for `node`: what was refused, where, the offending text and a hint."""
        lineno, col = self.node_position(node)
        message = f"refused {what} at {_at(lineno, col)}: {_snippet(self.text, node)}"
        return ExpressionError(f"{message} ({hint})" if hint else message, col)


def _at(lineno: int, col: int) -> str:
    """``"column C"``, or ``"line L, column C"`` past the first line."""
    return f"line {lineno}, column {col}" if lineno > 1 else f"column {col}"


def _lines(text: str) -> list[str]:
    """The lines of `text` as Python's parser counts them (a form feed ends none)."""
    return _NEWLINE.split(text)


def _snippet(text: str, node: ast.AST) -> str:
    """The source text of `node`, quoted (``ast.get_source_segment`` is slow on long lines)."""
    where = ("lineno", "col_offset", "end_lineno", "end_col_offset")
    lineno, offset, end_lineno, end_offset = (getattr(node, name, None) for name in where)
    if lineno is None or offset is None or end_lineno is None or end_offset is None:
        return _quote("")
    lines = [line.encode("utf-8") for line in _lines(text)[lineno - 1 : end_lineno]]
    lines[-1] = lines[-1][:end_offset]
    lines[0] = lines[0][offset:]
    return _quote(b"\n".join(lines).decode("utf-8", errors="replace"))


def _quote(segment: str) -> str:
    """Offending text for a message: on one line, at most 40 characters, quoted."""
    segment = " ".join(segment.split())
    return repr(segment if len(segment) <= 40 else segment[:37] + "...")


def _operator_node(text: str, node: ast.BinOp) -> ast.expr:
    """A stand-in node located at the operator symbol of `node`, for error columns."""
    marker = ast.expr()
    marker.lineno = node.left.end_lineno or node.lineno
    marker.col_offset = node.left.end_col_offset or node.col_offset
    lines = _lines(text)
    if marker.lineno == (node.right.lineno or 0) and lines:
        line = lines[marker.lineno - 1].encode("utf-8")
        gap = line[marker.col_offset : node.right.col_offset]
        stripped = gap.lstrip(b" \t()")
        marker.col_offset += len(gap) - len(stripped)
    marker.end_lineno = node.end_lineno
    marker.end_col_offset = node.end_col_offset
    return marker


def _power_hint(text: str, node: ast.BinOp, marker: ast.expr) -> str:
    """How to write ``a ^ b`` as the power it usually means: ``a ** b``."""
    generic = "'^' is not a power: write powers with **, as in x ** 2"
    if not (node.lineno == node.end_lineno == marker.lineno and node.end_col_offset):
        return generic
    line = _lines(text)[node.lineno - 1].encode("utf-8")
    left = line[node.col_offset : marker.col_offset].decode("utf-8", errors="replace").strip()
    right = line[marker.col_offset + 1 : node.end_col_offset].decode("utf-8", errors="replace")
    right = right.strip()
    # `^` binds looser than `*` and `**`: rewrite only where `**` keeps the operands whole
    # (a primary on its left, a unary expression on its right, as Python's grammar says).
    whole_left = isinstance(node.left, (ast.Name, ast.Constant, ast.Call)) or _wrapped(left)
    whole_right = (
        isinstance(node.right, (ast.Name, ast.Constant, ast.Call, ast.UnaryOp))
        or (isinstance(node.right, ast.BinOp) and isinstance(node.right.op, ast.Pow))
        or _wrapped(right)
    )
    if whole_left and whole_right and len(left) + len(right) <= 40:
        return f"'^' is not a power: write {left} ** {right}"
    return generic


def _wrapped(text: str) -> bool:
    """Whether `text` is one parenthesised group, ``(...)``."""
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return i == len(text) - 1 and i > 0
    return False


def _check(tree: ast.Expression, source: _Source, variables: Mapping[str, object]) -> None:
    """Refuse anything outside the whitelist, reporting the leftmost offence first.

    Offences are only located while walking; the message (which cuts the offending text
    out of the expression) is made for the leftmost one alone, so a long expression full
    of them costs no more than one.
    """
    problems: list[tuple[tuple[int, int], Callable[[], ExpressionError]]] = []

    def refuse(node: ast.AST, what: str, hint: str = "") -> None:
        at = (getattr(node, "lineno", 1), getattr(node, "col_offset", 0))
        problems.append((at, lambda: source.refuse(node, what, hint)))

    stack: list[ast.AST] = [tree.body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                kind = "string" if isinstance(value, (str, bytes)) else type(value).__name__
                refuse(node, f"{kind} constant")
            elif not _is_finite(value):
                refuse(node, "number", _TOO_LARGE)
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                refuse(node, f"function '{node.id}' used as a value", f"call it: {node.id}(x)")
            elif node.id not in variables:
                refuse(node, f"unknown variable '{node.id}'", f"give it a value: {node.id}=1.5")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                at = (node.left.end_lineno or 1, node.left.end_col_offset or 0)
                problems.append((at, _operator_refusal(source, node)))
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
        raise min(problems, key=lambda p: p[0])[1]()


def _operator_refusal(source: _Source, node: ast.BinOp) -> Callable[[], ExpressionError]:
    """The refusal of the operator of `node` (not in the whitelist), made when called."""

    def make() -> ExpressionError:
        symbol = _OTHER_OPERATORS.get(type(node.op), type(node.op).__name__)
        marker = _operator_node(source.text, node)
        power = isinstance(node.op, ast.BitXor)
        hint = _power_hint(source.text, node, marker) if power else ""
        return source.refuse(marker, f"operator '{symbol}'", hint)

    return make


_TOO_LARGE = "beyond the largest float, 1.8e308"


def _is_finite(value: float) -> bool:
    """Whether a number literal is a finite float (1e309 is inf; a long int overflows)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _huge_literal(source: _Source) -> ExpressionError | None:
    """The refusal of a number literal too long for Python to read, if there is one.

    Python refuses decimal integers of more than 4,300 digits while parsing; every such
    literal is far beyond the largest float.
    """
    for lineno, line in enumerate(_lines(source.text), start=1):
        for match in _TOKENS.finditer(line):
            number = match["number"]
            if number and len(number) > 4300 and number.replace("_", "").isdigit():
                lineno, col = source.position(lineno, match.start() + 1)
                return ExpressionError(
                    f"refused number at {_at(lineno, col)}: {_quote(number)} ({_TOO_LARGE})", col
                )
    return None


def _number_before_name(source: _Source) -> ExpressionError | None:
    """The error for a number directly followed by a name (``2x``), if there is one."""
    for lineno, line in enumerate(_lines(source.text), start=1):
        for match in _TOKENS.finditer(line):
            if match["number"] and match["after"]:
                lineno, col = source.position(lineno, match.start() + 1)
                number, name = match["number"], match["after"]
                return ExpressionError(
                    f"malformed expression at {_at(lineno, col)}: '{number}{name}' is a number "
                    f"directly followed by a name (write {number}*{name} for a product)",
                    col,
                )
    return None


def parse(expression: str, variables: Mapping[str, object]) -> ast.Expression:
    """Parse `expression` and check it against the whitelist, without evaluating anything.

    Args:
        expression: The expression text; leading blanks are allowed.
        variables: The names the expression may use (only the keys are looked at).

    Returns:
        The checked syntax tree of the expression without its leading blanks.

    Raises:
        ExpressionError: For a malformed expression or anything outside the whitelist.
    """
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(
            f"refused an expression of {len(expression):,} characters: at most "
            f"{MAX_LENGTH:,} (split it into shorter expressions)"
        )
    text = expression.lstrip(" \t")
    source = _Source(text, len(expression) - len(text))
    if not text.strip():
        raise ExpressionError("refused an empty expression", 1)
    surrogate = _SURROGATE.search(expression)
    if surrogate:  # a byte of the command line that is not UTF-8 (surrogateescape)
        before = expression[: surrogate.start()]
        lineno, col = before.count("\n") + 1, len(before) - before.rfind("\n")
        raise ExpressionError(
            f"refused a character that is not UTF-8 at {_at(lineno, col)}: {surrogate.group()!a}",
            col,
        )
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        known = _number_before_name(source) or _huge_literal(source)
        if known is not None:
            raise known from None
        lineno, col = source.position(err.lineno or 1, err.offset or 1)
        raise ExpressionError(
            f"malformed expression at {_at(lineno, col)}: {err.msg}", col
        ) from None
    except (RecursionError, MemoryError):  # Python's parser gives up (a C-level limit)
        raise ExpressionError(
            f"refused an expression nested too deeply for Python's parser "
            f"({len(text):,} characters): split it into shorter expressions "
            "(a few thousand operators in a row, or fewer nested calls)"
        ) from None
    except ValueError as err:
        raise ExpressionError(f"malformed expression: {err}") from None
    _check(tree, source, _names(variables))
    return tree


def _names(variables: Mapping[str, _T]) -> dict[str, _T]:
    """`variables` keyed as Python reads names (NFKC: a fullwidth x is x)."""
    out: dict[str, _T] = {}
    for name, value in variables.items():
        key = unicodedata.normalize("NFKC", name)
        if key in out and out[key] is not value:
            raise ExpressionError(f"variables {key!r} and {name!r} are one name to Python")
        out[key] = value
    return out


def evaluate(expression: str, variables: Mapping[str, Value]) -> Value:
    """Build the graph of a whitelisted arithmetic expression over Values.

    The syntax tree is walked with an explicit stack, so long expressions work; nothing
    is executed but the whitelisted Value operations. Warnings the operations give (an
    overflow to inf, say) reach the caller as warnings.

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
    tree = parse(expression, variables)
    names = _names(variables)
    results: dict[int, Value | float] = {}
    stack: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    try:
        while stack:
            node, ready = stack.pop()
            if isinstance(node, ast.Constant):
                assert isinstance(node.value, (int, float))  # checked by `parse`
                results[id(node)] = float(node.value)
            elif isinstance(node, ast.Name):
                results[id(node)] = names[node.id]
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
