"""Instructions per moons training step, counted by valgrind's callgrind.

Wall time on a shared machine drifts by tens of percent between runs; instruction counts do
not. Each count runs the step once and three times in fresh interpreters (hash seed fixed)
and takes half the difference, so start-up and imports cancel out::

    .venv/bin/python -m benchmarks.instructions                  # chainrule and micrograd
    .venv/bin/python -m benchmarks.instructions --phase forward  # build the graph only

Needs `valgrind` on the PATH (not installed by `.ci/setup`). The collector is off in the
counted runs, as in the gc-off comparison of `benchmarks.scalar`. Instructions are not
time (cache misses and the collector are not in them), but a change that removes work
shows up here run after run.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence

from benchmarks.scalar import ENGINES, ScalarMLP, init_weights, make_moons, svm_loss

PHASES = ("forward", "full")


def run_steps(engine: str, steps: int, phase: str) -> None:
    """The counted work: `steps` moons steps (forward only, or forward and backward)."""
    gc.disable()
    pts, lab = make_moons(100, noise=0.1, seed=0)
    value_cls = ENGINES[engine]
    model = ScalarMLP(value_cls, init_weights(2, [16, 16, 1], seed=0))
    for _ in range(steps):
        loss = svm_loss(model, value_cls, pts.tolist(), lab.tolist())
        if phase == "full":
            loss.backward()
        del loss


def count(engine: str, steps: int, phase: str) -> int:
    """Instructions of a fresh interpreter that runs `steps` steps."""
    cmd = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "benchmarks.instructions",
        "--worker",
        engine,
        str(steps),
        phase,
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    match = re.search(r"refs:\s+([\d,]+)", done.stderr)
    if match is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(match.group(1).replace(",", ""))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=PHASES, default="full")
    parser.add_argument("--worker", nargs=3, metavar=("ENGINE", "STEPS", "PHASE"))
    args = parser.parse_args(argv)
    if args.worker:
        engine, steps, phase = args.worker
        run_steps(engine, int(steps), phase)
        return
    if shutil.which("valgrind") is None:
        sys.exit("benchmarks.instructions: valgrind is not installed (apt-get install valgrind)")
    for engine in ENGINES:
        per_step = (count(engine, 3, args.phase) - count(engine, 1, args.phase)) // 2
        print(f"{engine:10s} {args.phase:8s} {per_step / 1e6:8.0f}M instructions per moons step")


if __name__ == "__main__":
    main()
