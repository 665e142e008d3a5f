"""``chainrule demo``: train the two-moons classifier with `nn.fit` and draw it.

The scalar engine runs micrograd's demo (``nn.MLP(2, [16, 16, 1])`` over Values, hinge
loss + L2, SGD with a decaying learning rate); the tensor engine trains a Tensor MLP of the
same shape with Adam. Both train through `autograd.compile` (the step is recorded once and
replayed as generated code, with the same gradients as ``backward()``). Both print the
final loss and accuracy and write two pictures: ``decision_boundary.png``
(`nn.plot.decision_boundary`) and ``neuron.png``, the graph of the first hidden neuron on
one input point.
"""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np

import nn
from autograd import Tensor, Value, no_grad
from autograd.viz import Drawing, GraphvizNotFoundError, draw_graph
from nn.command import EXIT_FAILURE, CommandError, dot_failed
from nn.module import Module
from nn.plot import decision_boundary

__all__ = ["DEMO_DEFAULTS", "ENGINES", "L2", "run"]

DEMO_DEFAULTS = {
    # engine: (points, epochs). The scalar run is micrograd's demo as it stands: 100 points,
    # 100 steps of its decaying learning rate, compiled (`nn.fit(compile=True)`).
    "scalar": (100, 100),
    "tensor": (500, 300),
}
ENGINES = tuple(DEMO_DEFAULTS)
L2 = 1e-4
"""The L2 penalty of micrograd's moons demo, added to the hinge loss."""


def run(engine: str, epochs: int | None, out: str, seed: int = 0) -> int:
    """Run ``chainrule demo``: train, report, and write the two pictures into `out`.

    Args:
        engine: "scalar" or "tensor".
        epochs: Training epochs; None for the engine's default (100 scalar, 300 tensor).
        out: The folder for the pictures (created if missing).
        seed: The random seed of the data and the initial weights.

    Returns:
        0.

    Raises:
        CommandError: For fewer than one epoch, or a folder or picture that cannot be
            written (Graphviz's ``dot`` missing included).
    """
    n_points, default_epochs = DEMO_DEFAULTS[engine]
    epochs = default_epochs if epochs is None else epochs
    if epochs < 1:
        raise CommandError(f"--epochs must be at least 1, got {epochs}")
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CommandError(f"cannot create {str(folder)!r}: {err}", EXIT_FAILURE) from None
    points, y = nn.data.moons(n_points, noise=0.1, seed=seed)
    labels = 2.0 * y - 1.0  # hinge loss wants -1 / +1
    print(f"two moons: {n_points} points, {engine} engine, {epochs} epochs")
    start = time.perf_counter()
    train = _train_scalar if engine == "scalar" else _train_tensor
    model, loss, accuracy = train(points, labels, epochs, seed)
    elapsed = time.perf_counter() - start
    print(f"final loss {loss:.4f}, accuracy {accuracy:.1%} ({elapsed:.1f} s)")
    boundary, neuron = folder / "decision_boundary.png", folder / "neuron.png"
    title = f"two moons, {engine} engine: accuracy {accuracy:.0%}"
    try:
        decision_boundary(model, points, y, title=title).savefig(boundary, dpi=120)
        print(f"wrote {boundary}")
        neuron.write_bytes(_neuron_graph(model, points, engine).pipe(format="png"))
        print(f"wrote {neuron}")
    except GraphvizNotFoundError as err:
        raise CommandError(str(err), EXIT_FAILURE) from None
    except subprocess.CalledProcessError as err:
        raise dot_failed(err) from None
    except OSError as err:
        raise CommandError(f"cannot write into {str(folder)!r}: {err}", EXIT_FAILURE) from None
    return 0


def _train_scalar(
    points: np.ndarray, labels: np.ndarray, epochs: int, seed: int
) -> tuple[Module, float, float]:
    """Micrograd's demo: MLP(2, [16, 16, 1]), hinge loss + L2, SGD with a decaying rate."""
    random.seed(seed)
    model = nn.MLP(2, [16, 16, 1])
    params = [p for p in model.parameters() if isinstance(p, Value)]
    optimizer = nn.SGD(params, lr=1.0)

    def objective(scores: list[Value], targets: np.ndarray) -> Value:
        loss: Value = nn.hinge_loss(scores, targets) + L2 * sum(p * p for p in params)
        return loss

    def decay(epoch: int, loss: float) -> None:  # micrograd's rate: 1.0 down towards 0.1
        optimizer.lr = 1.0 - 0.9 * (epoch + 1) / epochs

    nn.fit(model, objective, optimizer, points, labels, epochs, on_epoch=decay, compile=True)
    with no_grad():  # the reported numbers are those of the final parameters
        scores = [model(row) for row in points.tolist()]
        loss = objective(scores, labels)
    accuracy = np.mean((np.array([s.data for s in scores]) > 0) == (labels > 0))
    return model, loss.data, float(accuracy)


def _train_tensor(
    points: np.ndarray, labels: np.ndarray, epochs: int, seed: int
) -> tuple[Module, float, float]:
    """A Tensor MLP of the same shape, full batch, hinge loss + L2, Adam."""
    rng = np.random.default_rng(seed)
    model = nn.Sequential(
        nn.Linear(2, 16, seed=rng),
        nn.ReLU(),
        nn.Linear(16, 16, seed=rng),
        nn.ReLU(),
        nn.Linear(16, 1, seed=rng),
    )
    params = [p for p in model.parameters() if isinstance(p, Tensor)]
    optimizer = nn.Adam(params, lr=0.02)
    targets = labels.reshape(-1, 1)

    def objective(scores: Tensor, targets: np.ndarray) -> Tensor:
        loss: Tensor = nn.hinge_loss(scores, targets) + L2 * sum((p * p).sum() for p in params)
        return loss

    nn.fit(model, objective, optimizer, points, targets, epochs, compile=True)
    with no_grad():
        scores = model(Tensor(points))
        loss = objective(scores, targets)
    accuracy = np.mean((scores.data > 0) == (targets > 0))
    return model, loss.item(), float(accuracy)


def _neuron_graph(model: Any, points: np.ndarray, engine: str) -> Drawing:
    """The graph of the first hidden neuron on one input point, parameters named."""
    row = points[0].tolist()
    if engine == "scalar":
        neuron = model.layers[0].neurons[0]
        for candidate in points.tolist():  # prefer a point where the ReLU is active
            if neuron(candidate).data > 0:
                row = candidate
                break
        xs = [Value(v, label=f"x{i}") for i, v in enumerate(row)]
        out = neuron(xs)
    else:
        weight, bias = [p for _, p in model.named_parameters()][:2]
        # A Linear weight is (nin, nout): column 0 feeds unit 0. Prefer an active point.
        active = np.flatnonzero(points @ weight.data[:, 0] + bias.data[0] > 0)
        if active.size:
            row = points[active[0]].tolist()
        x = Tensor(np.asarray(row), label="x")
        out = (x @ weight[:, 0] + bias[0]).relu()
    out.label = "h"
    model.zero_grad()  # show d(h)/d(node), not what is left from training
    out.backward()
    dot = draw_graph(out, params=model)
    point = ", ".join(f"{v:.3g}" for v in row)
    dot.attr(label=f"first hidden neuron on the point ({point})", labelloc="t")
    return dot
