"""The benchmark scripts still run, and their built-in agreement checks still pass.

Timings are never asserted here (they belong to benchmarks/); only that each contender
computes the same gradients, which the scripts check before they time anything.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

pytest.importorskip("micrograd")
pytest.importorskip("torch")


@pytest.mark.slow
@pytest.mark.parametrize("script", ["scalar", "tensor"])
def test_benchmark_quick_run_agrees_with_its_references(script: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{script}", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "✓" in done.stdout
    assert "✗" not in done.stdout
