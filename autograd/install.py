"""Detect the PyPI package `autograd` (HIPS) installed into chainrule's `autograd/` folder.

Both install the import package `autograd`; pip puts their files in one folder, so whichever
`__init__.py` came last wins and the other's imports break with a confusing error.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CLASH", "check_install"]

CLASH = (
    "chainrule: the folder {folder} also holds files of another package named 'autograd' "
    "(HIPS autograd from PyPI: {found}). Both install the import package 'autograd', so "
    "they cannot share an environment. Fix: `pip uninstall autograd chainrule`, then "
    "`pip install chainrule` into a virtual environment of its own."
)

_HIPS_FILES = ("core.py", "tracer.py", "wrap_util.py", "numpy")


def check_install(folder: Path | None = None) -> None:
    """Raise ImportError naming the clash when HIPS autograd's files share our folder."""
    folder = folder or Path(__file__).parent
    found = [name for name in _HIPS_FILES if (folder / name).exists()]
    if found:
        raise ImportError(CLASH.format(folder=folder, found=", ".join(found)))
