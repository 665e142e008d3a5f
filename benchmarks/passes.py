"""What the engine's fast path buys: ``backward()`` on it against the reference pass.

`autograd.engine._fast_backward` keeps a pass's state on the nodes; the reference
`backprop` keeps it in dicts and is what nested and concurrent passes take. Both run here on
the same graphs, interleaved in one process, and the table gives the paired ratio
(reference time / fast time) of the backward pass alone::

    .venv/bin/python -m benchmarks.passes          # about a minute
    .venv/bin/python -m benchmarks.passes --quick

The reference is forced by holding the lock the fast path takes (a pass that finds it held
takes the reference, as a nested pass does).
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd import Tensor, Value, engine, softmax_cross_entropy
from benchmarks._common import (
    Samples,
    env_header,
    fmt_ratio,
    fmt_time,
    paired_ratio,
    print_table,
    rep_order,
    timed,
)
from benchmarks.scalar import ScalarMLP, init_weights, make_moons, svm_loss


def moons_graph() -> Callable[[], Any]:
    """Builds micrograd's moons loss (65,818 Value nodes) afresh on each call."""
    points, labels = make_moons(100, noise=0.1, seed=0)
    model = ScalarMLP(Value, init_weights(2, [16, 16, 1], seed=0))
    return lambda: svm_loss(model, Value, points.tolist(), labels.tolist())


def tensor_graph(batch: int, nin: int, hidden: int, classes: int) -> Callable[[], Any]:
    """Builds a tanh MLP's cross-entropy loss on Tensors afresh on each call."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, nin))
    onehot = np.eye(classes)[rng.integers(0, classes, batch)]
    shapes = [(nin, hidden), (hidden,), (hidden, classes), (classes,)]
    w1, b1, w2, b2 = (Tensor(rng.normal(size=s) * 0.1, requires_grad=True) for s in shapes)
    return lambda: softmax_cross_entropy((x @ w1 + b1).tanh() @ w2 + b2, onehot)


def reference_backward(loss: Any) -> None:
    """``loss.backward()`` through the reference pass."""
    with engine._scratch_owner:
        loss.backward()


def compare(build: Callable[[], Any], reps: int, per_sample: int) -> dict[str, Any]:
    """Interleaved backward timings, fast path and reference, on fresh graphs."""
    samples = {"fast": Samples(), "reference": Samples()}
    runs = {"fast": lambda loss: loss.backward(), "reference": reference_backward}
    gc.disable()
    try:
        for r in range(reps):
            for name in rep_order(("fast", "reference"), r):
                losses = [build() for _ in range(per_sample)]
                run = runs[name]
                wall, cpu = timed(lambda: [run(loss) for loss in losses])  # noqa: B023
                samples[name].add((wall / per_sample, cpu / per_sample))
                losses.clear()
                gc.collect()
    finally:
        gc.enable()
    return {
        "fast": samples["fast"].summary(),
        "reference": samples["reference"].summary(),
        "ratio_cpu": paired_ratio(samples["reference"].cpu, samples["fast"].cpu),
        "ratio_wall": paired_ratio(samples["reference"].wall, samples["fast"].wall),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repetitions")
    args = parser.parse_args(argv)
    for key, value in env_header().items():
        print(f"{key:>17}: {value}")
    reps = 4 if args.quick else 15
    cases = [
        ("moons loss, Values (65,818 nodes)", moons_graph(), 1),
        ("Tensor MLP (32, 2, 16, 2)", tensor_graph(32, 2, 16, 2), 200),
        ("Tensor MLP (64, 784, 128, 10)", tensor_graph(64, 784, 128, 10), 20),
    ]
    rows = []
    for name, build, per_sample in cases:
        result = compare(build, reps, per_sample)
        rows.append(
            [
                name,
                fmt_time(result["fast"]["cpu_median"]),
                fmt_time(result["reference"]["cpu_median"]),
                fmt_ratio(result["ratio_cpu"]),
                fmt_ratio(result["ratio_wall"]),
            ]
        )
    title = f"backward() alone, {reps} interleaved reps, CPU medians; ratio: reference / fast"
    print_table(["graph", "fast path", "reference", "ratio cpu", "ratio wall"], rows, title)


if __name__ == "__main__":
    main()
