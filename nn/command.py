"""What the ``chainrule`` commands share: their exit codes and the error they report."""

from __future__ import annotations

__all__ = ["EXIT_FAILURE", "EXIT_USAGE", "CommandError"]

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
