"""A foreign `autograd` (HIPS, from PyPI) in our folder is named, with the fix."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _import(tmp_path: Path, module: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_hips_files_in_our_autograd_folder_raise_naming_the_clash(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "autograd", tmp_path / "autograd")
    (tmp_path / "autograd" / "core.py").write_text("# HIPS autograd's core\n")
    (tmp_path / "autograd" / "numpy").mkdir()
    done = _import(tmp_path, "autograd")
    assert done.returncode != 0
    assert "HIPS autograd" in done.stderr
    assert "pip uninstall autograd chainrule" in done.stderr


def test_a_foreign_autograd_init_makes_nn_name_the_clash(tmp_path: Path) -> None:
    (tmp_path / "autograd").mkdir()
    (tmp_path / "autograd" / "__init__.py").write_text("from autograd.core import grad\n")
    (tmp_path / "autograd" / "core.py").write_text("def grad(f):\n    return f\n")
    shutil.copytree(ROOT / "nn", tmp_path / "nn")
    done = _import(tmp_path, "nn")
    assert done.returncode != 0
    assert "not chainrule's" in done.stderr
    assert "pip uninstall autograd chainrule" in done.stderr


def test_our_own_folder_passes_the_check() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import autograd, nn"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
