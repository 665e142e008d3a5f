"""The benchmark scripts still run, and their built-in agreement checks still pass.

Timings are never asserted here (they belong to benchmarks/); only that each contender
computes the same gradients, which the scripts check before they time anything.
"""

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

pytest.importorskip("micrograd")
pytest.importorskip("torch")


@pytest.mark.slow
@pytest.mark.parametrize("script", ["scalar", "tensor", "compiled"])
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


def test_rep_order_gives_every_contender_every_place_and_predecessor() -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks._common import rep_order

    names = ["numpy", "again", "compiled", "eager", "torch"]
    orders = [rep_order(names, r) for r in range(2000)]
    assert all(sorted(o) == sorted(names) for o in orders)
    assert rep_order(names, 7) == orders[7]  # seeded: a rerun times the same orders
    places = {(n, o.index(n)) for o in orders for n in names}
    assert len(places) == len(names) ** 2
    run = [n for o in orders for n in o]
    after = {(a, b) for a, b in itertools.pairwise(run)}
    assert len(after) == len(names) ** 2  # itself included: no contender is kept from it
    twice = {n: sum(a == b == n for a, b in itertools.pairwise(run)) for n in names}
    assert max(twice.values()) < 2 * min(twice.values())  # the old reversal: 0 for the middle


def test_verdict_counts_parity_only_within_numpys_own_spread() -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks.compiled import verdict

    assert verdict(0.99, 1.0, 1.004) == "pass"
    assert verdict(1.003, 1.0, 1.004) == "parity"
    assert verdict(1.003, 1.0, 0.996) == "parity"
    assert verdict(1.01, 1.0, 1.004) == "FAIL"
    assert verdict(0.86, 0.85, 1.0) == "FAIL"
