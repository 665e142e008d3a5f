"""What the ``chainrule`` commands share: their exit codes and the error they report."""

from __future__ import annotations

import subprocess

__all__ = ["EXIT_FAILURE", "EXIT_USAGE", "CommandError", "dot_failed"]

EXIT_USAGE = 2
"""Bad input: a refused expression, a bad argument."""
EXIT_FAILURE = 1
"""Good input, but the work failed: a picture cannot be written, ``dot`` is missing."""


class CommandError(Exception):
    """A failure that the command line reports as one line on stderr, with an exit code.

    Args:
        message: What was wrong and the fix.
        code: `EXIT_USAGE` (the default) or `EXIT_FAILURE`.
    """

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def dot_failed(err: subprocess.CalledProcessError) -> CommandError:
    """The error for Graphviz's ``dot`` exiting with an error: its first line of stderr."""
    stderr = err.stderr.decode("utf-8", "replace") if isinstance(err.stderr, bytes) else ""
    detail = next((line.strip() for line in stderr.splitlines() if line.strip()), "")
    return CommandError(
        f"Graphviz's dot failed (exit status {err.returncode})" + (f": {detail}" if detail else ""),
        EXIT_FAILURE,
    )
