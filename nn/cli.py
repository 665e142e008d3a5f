"""The ``chainrule`` command line: its arguments, and `main`, which runs a command.

The commands live apart: ``chainrule graph`` in `nn.graph_command` (over the expression
parser of `autograd.expression`), ``chainrule demo`` in `nn.demo`. A command's failure is
one line on stderr, ``chainrule: COMMAND: what was wrong``, with exit code 2 for bad input
and 1 when the work itself failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

import autograd
from autograd.expression import ALLOWED
from nn import demo, graph_command
from nn.command import EXIT_USAGE, CommandError

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, with exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"chainrule: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="chainrule", description="chainrule: a small reverse-mode autodiff engine."
    )
    parser.add_argument("--version", action="version", version=f"chainrule {autograd.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{graph,demo}")
    sub.required = True
    graph = sub.add_parser(
        "graph",
        help="draw the computation graph of an expression and print its gradients",
        description=(
            "Build the graph of EXPR over the given variables, run backward, print each "
            "variable's value and gradient, and write the picture to FILE: .png or .svg, or "
            ".html for a page that steps through the backward pass. Without -o, the Graphviz "
            "source goes to standard output (and the table to standard error), e.g. "
            "`chainrule graph 'x*y' x=2 y=3 | dot -Tsvg > g.svg`. "
            f"Allowed in EXPR: {ALLOWED}. Nothing else is accepted and nothing is executed."
        ),
        epilog='example: chainrule graph "tanh(x*w + b)" x=0.5 w=-1.5 b=0.3 -o neuron.html',
    )
    graph.add_argument("expression", metavar="EXPR", help='e.g. "tanh(x*w + b)"')
    graph.add_argument(
        "assignments", metavar="NAME=VALUE", nargs="*", help="a value for each variable"
    )
    graph.add_argument(
        "-o", "--output", metavar="FILE", help="write the picture here (.png, .svg or .html)"
    )
    demo_parser = sub.add_parser(
        "demo",
        help="train the two-moons classifier and draw it",
        description=(
            "Train an MLP on the two-moons data set, print the final loss and accuracy, "
            "and write decision_boundary.png and neuron.png into DIR."
        ),
    )
    demo_parser.add_argument(
        "--engine",
        choices=demo.ENGINES,
        default="scalar",
        help="scalar: micrograd's MLP over Values (default); tensor: numpy Tensors",
    )
    demo_parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        metavar="N",
        help="training epochs (default: 50 scalar, 300 tensor)",
    )
    demo_parser.add_argument(
        "--out", default="chainrule-out", metavar="DIR", help="where to write the PNGs"
    )
    demo_parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
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
        elif token in ("-h", "--help") or token.startswith("--output="):
            continue  # "-oFILE" is not recognised: "-omega" is far more likely an expression
        elif token.startswith("-"):
            out[i] = " " + token
            return out, {out[i]}
        else:
            break  # the expression does not start with "-"
    return out, set()


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
    args_list, protected = _protect_expression(list(sys.argv[1:] if argv is None else argv))
    parser = _parser()
    try:
        args, extras = parser.parse_known_args(args_list)
        if args.command == "graph":  # NAME=VALUE after -o FILE: argparse leaves them over
            args.assignments += [a for a in extras if not a.startswith("-")]
            extras = [a for a in extras if a.startswith("-")]
        if extras:
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    try:
        if args.command == "graph":
            expression = args.expression[1:] if args.expression in protected else args.expression
            return graph_command.run(expression, args.assignments, args.output)
        return demo.run(args.engine, args.epochs, args.out, args.seed)
    except CommandError as err:
        print(f"chainrule: {args.command}: {' '.join(str(err).split())}", file=sys.stderr)
        return err.code


if __name__ == "__main__":
    raise SystemExit(main())
