"""Tensor benchmarks: one MLP training step in chainrule, hand-written numpy, and PyTorch.

Run from the repository root::

    .venv/bin/python -m benchmarks.tensor              # full run (about 3-4 minutes)
    .venv/bin/python -m benchmarks.tensor --quick      # smoke run (seconds)
    .venv/bin/python -m benchmarks.tensor --json out.json --profile

The step is forward, softmax cross-entropy (integer labels, mean over the batch), backward
and an in-place SGD update of a tanh MLP ``x @ W1 + b1 -> tanh -> @ W2 + b2``, at
(batch, in, hidden, classes) = (32, 2, 16, 2) ... (1024, 1024, 1024, 10), float32 and
float64. Before timing, all three must give the same gradients. Then a per-phase split
(forward / backward / update) shows where chainrule spends its time over numpy's.
Last, the two-moons MLP(2, [16, 16, 1]) step batched with Tensors against the scalar steps
of chainrule and micrograd.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - PyTorch's conventional name

import autograd
from autograd import Tensor, softmax_cross_entropy

if __package__ in (None, ""):  # run as a script (python benchmarks/tensor.py)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._common import (
    Samples,
    blas_info,
    env_header,
    fmt_ratio,
    fmt_time,
    paired_ratio,
    print_table,
    rep_order,
    set_blas_threads,
    timed,
    write_json,
)
from benchmarks.scalar import (
    ENGINES,
    ScalarMLP,
    init_weights,
    make_moons,
    plain_loop_times,
    svm_loss,
    train_step,
)

SIZES: list[tuple[int, int, int, int]] = [
    (32, 2, 16, 2),
    (64, 784, 128, 10),
    (256, 784, 512, 10),
    (1024, 1024, 1024, 10),
]
TARGET_VS_NUMPY = [1.5, 1.2, 1.2, 1.1]  # chainrule / numpy, per size
TARGET_MOONS_SPEEDUP = 5000.0  # micrograd scalar step / chainrule batched step
TOLERANCE = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-10}
LR = 0.01


# --------------------------------------------------------------------------- problem


@dataclass
class Problem:
    """Data and initial parameters shared by the three contenders (each copies the params)."""

    x: np.ndarray
    labels: np.ndarray  # int64 class indices
    onehot: np.ndarray  # float, same dtype as x
    rows: np.ndarray  # arange(batch), for numpy's fancy indexing
    params: list[np.ndarray]  # w1, b1, w2, b2

    @property
    def dtype(self) -> np.dtype[Any]:
        """The floating dtype of the data."""
        return self.x.dtype


def make_problem(
    batch: int, nin: int, hidden: int, classes: int, dtype: Any, seed: int = 0
) -> Problem:
    """Gaussian inputs, random labels, weights scaled by 1/sqrt(fan_in), zero biases."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, nin)).astype(dtype)
    labels = rng.integers(0, classes, size=batch).astype(np.int64)
    onehot = np.zeros((batch, classes), dtype=dtype)
    onehot[np.arange(batch), labels] = 1.0
    params = [
        (rng.normal(size=(nin, hidden)) / math.sqrt(nin)).astype(dtype),
        np.zeros(hidden, dtype=dtype),
        (rng.normal(size=(hidden, classes)) / math.sqrt(hidden)).astype(dtype),
        np.zeros(classes, dtype=dtype),
    ]
    return Problem(x, labels, onehot, np.arange(batch), params)


# --------------------------------------------------------------------------- contenders


class NumpyMLP:
    """Hand-derived backprop in numpy, written to avoid needless temporaries."""

    name = "numpy"

    def __init__(self, prob: Problem, lr: float = LR) -> None:
        self.x, self.labels, self.rows = prob.x, prob.labels, prob.rows
        self.params = [p.copy() for p in prob.params]
        self.lr = lr

    def forward(self) -> tuple[np.ndarray, np.ndarray, float]:
        """Hidden activations, softmax probabilities and the mean cross-entropy."""
        w1, b1, w2, b2 = self.params
        a1 = self.x @ w1
        a1 += b1
        np.tanh(a1, out=a1)
        z = a1 @ w2
        z += b2
        z -= z.max(axis=1, keepdims=True)  # stable softmax / log-sum-exp
        picked = z[self.rows, self.labels]
        np.exp(z, out=z)
        s = z.sum(axis=1, keepdims=True)
        loss = float(np.log(s).sum() - picked.sum()) / len(self.rows)
        z /= s
        return a1, z, loss

    def backward(self, state: tuple[np.ndarray, np.ndarray, float]) -> list[np.ndarray]:
        """Gradients of the loss for w1, b1, w2, b2 (overwrites the forward buffers)."""
        a1, delta3, _ = state
        _, _, w2, _ = self.params
        delta3[self.rows, self.labels] -= 1.0  # probs - onehot
        delta3 /= len(self.rows)
        dw2 = a1.T @ delta3
        db2 = delta3.sum(axis=0)
        delta2 = delta3 @ w2.T
        a1 *= a1  # a1 is not needed any more: reuse it for tanh' = 1 - a1 ** 2
        np.subtract(1.0, a1, out=a1)
        delta2 *= a1
        dw1 = self.x.T @ delta2
        db1 = delta2.sum(axis=0)
        return [dw1, db1, dw2, db2]

    def update(self, grads: list[np.ndarray]) -> None:
        """In-place SGD (the gradients are scratch: scaled in place)."""
        lr = self.lr
        for p, g in zip(self.params, grads, strict=True):
            g *= lr
            p -= g

    def step(self) -> None:
        """Forward, backward, update."""
        self.update(self.backward(self.forward()))

    def grads(self) -> list[np.ndarray]:
        """Gradients at the current parameters, no update."""
        return self.backward(self.forward())


class ChainruleMLP:
    """The same network on chainrule Tensors, written as a user would."""

    name = "chainrule"

    def __init__(self, prob: Problem, lr: float = LR) -> None:
        self.x, self.onehot = prob.x, prob.onehot
        self.params = [Tensor(p.copy(), requires_grad=True) for p in prob.params]
        self.lr = lr

    def step(self) -> None:
        """Forward, backward, update: the user code, verbatim."""
        w1, b1, w2, b2 = self.params
        logits = (Tensor(self.x) @ w1 + b1).tanh() @ w2 + b2
        loss = softmax_cross_entropy(logits, self.onehot)
        loss.backward()
        lr = self.lr
        for p in self.params:
            p.data -= lr * p.grad
            p.grad = None

    def forward(self) -> Tensor:
        """The loss node."""
        w1, b1, w2, b2 = self.params
        logits = (Tensor(self.x) @ w1 + b1).tanh() @ w2 + b2
        return softmax_cross_entropy(logits, self.onehot)

    def backward(self, loss: Tensor) -> None:
        """Backpropagate into every node's .grad."""
        loss.backward()

    def update(self, _: Any = None) -> None:
        """SGD update and gradient reset."""
        lr = self.lr
        for p in self.params:
            p.data -= lr * p.grad
            p.grad = None

    def grads(self) -> list[np.ndarray]:
        """Gradients at the current parameters, no update."""
        self.backward(self.forward())
        out = [p.grad.copy() for p in self.params]
        for p in self.params:
            p.grad = None
        return out


class TorchMLP:
    """The same network in PyTorch (CPU), the idiomatic way."""

    name = "torch"

    def __init__(self, prob: Problem, lr: float = LR) -> None:
        self.x = torch.from_numpy(prob.x)
        self.y = torch.from_numpy(prob.labels)
        self.params = [torch.tensor(p, requires_grad=True) for p in prob.params]
        self.lr = lr

    def step(self) -> None:
        """Forward, backward, update."""
        w1, b1, w2, b2 = self.params
        logits = torch.tanh(self.x @ w1 + b1) @ w2 + b2
        loss = F.cross_entropy(logits, self.y)
        loss.backward()
        with torch.no_grad():
            for p in self.params:
                p.add_(p.grad, alpha=-self.lr)
                p.grad = None

    def forward(self) -> torch.Tensor:
        """The loss tensor."""
        w1, b1, w2, b2 = self.params
        return F.cross_entropy(torch.tanh(self.x @ w1 + b1) @ w2 + b2, self.y)

    def backward(self, loss: torch.Tensor) -> None:
        """Backpropagate into the parameters' .grad."""
        loss.backward()

    def update(self, _: Any = None) -> None:
        """SGD update and gradient reset."""
        with torch.no_grad():
            for p in self.params:
                p.add_(p.grad, alpha=-self.lr)
                p.grad = None

    def grads(self) -> list[np.ndarray]:
        """Gradients at the current parameters, no update."""
        self.backward(self.forward())
        out = [p.grad.numpy().copy() for p in self.params]  # type: ignore[union-attr]
        for p in self.params:
            p.grad = None
        return out


Contender = NumpyMLP | ChainruleMLP | TorchMLP


# --------------------------------------------------------------------------- timing


def _repeat(fn: Callable[[], Any], k: int) -> Callable[[], None]:
    def run() -> None:
        for _ in range(k):
            fn()

    return run


def check_grads(prob: Problem) -> tuple[bool, dict[str, float]]:
    """Same gradients from all three at the initial parameters (relative to numpy's)."""
    ref = NumpyMLP(prob).grads()
    errors = {}
    for cls in (ChainruleMLP, TorchMLP):
        got = cls(prob).grads()
        errors[cls.name] = max(
            float(np.max(np.abs(g - r)) / max(float(np.max(np.abs(r))), 1e-30))
            for g, r in zip(got, ref, strict=True)
        )
    return all(e <= TOLERANCE[prob.dtype] for e in errors.values()), errors


def time_steps(
    contenders: Sequence[Contender], budget_s: float, min_reps: int, max_reps: int
) -> tuple[dict[str, Samples], int, int]:
    """Interleaved step timings; each sample runs k steps so it lasts at least ~2 ms.

    Instances that share a name are one contender: each repetition samples every instance.
    Returns per-step samples per contender name, the number of repetitions and k.
    """
    for c in contenders:  # warm-up: caches, allocator, BLAS threads
        for _ in range(3):
            c.step()
    est = {c.name: min(timed(c.step)[0] for _ in range(3)) for c in contenders}
    k = max(1, int(2e-3 / min(est.values())))
    samples = {c.name: Samples() for c in contenders}
    deadline = time.perf_counter() + budget_s
    reps = 0
    while reps < max_reps and (reps < min_reps or time.perf_counter() < deadline):
        for c in rep_order(contenders, reps):
            w, cpu = timed(_repeat(c.step, k))
            samples[c.name].add((w / k, cpu / k))
        reps += 1
    return samples, reps, k


def time_phases(
    contenders: Sequence[Contender], reps: int, k: int, budget_s: float
) -> dict[str, dict[str, float]]:
    """Median wall time of forward, backward and update per step (perf_counter around each).

    Runs `reps` interleaved rounds of k steps, or fewer (at least 3) when `budget_s` runs out.
    """
    pc = time.perf_counter
    out: dict[str, dict[str, list[float]]] = {
        c.name: {"forward": [], "backward": [], "update": []} for c in contenders
    }
    deadline = pc() + budget_s
    for r in range(reps):
        if r >= 3 and pc() > deadline:
            break
        for c in rep_order(contenders, r):
            f = b = u = 0.0
            for _ in range(k):
                t0 = pc()
                state = c.forward()
                t1 = pc()
                g = c.backward(state)  # type: ignore[arg-type]
                t2 = pc()
                c.update(g)
                t3 = pc()
                f += t1 - t0
                b += t2 - t1
                u += t3 - t2
                del state, g
            d = out[c.name]
            d["forward"].append(f / k)
            d["backward"].append(b / k)
            d["update"].append(u / k)
    return {name: {phase: float(np.median(v)) for phase, v in d.items()} for name, d in out.items()}


def bench_sizes(
    sizes: Sequence[tuple[int, int, int, int]],
    dtypes: Sequence[Any],
    budget_s: float,
    min_reps: int,
    max_reps: int,
    phases: bool,
) -> list[dict[str, Any]]:
    """Time the three contenders at every size and dtype; print the ratio table."""
    results = []
    for si, size in enumerate(sizes):
        for dtype in dtypes:
            prob = make_problem(*size, dtype=dtype)
            ok, errors = check_grads(prob)
            contenders: list[Contender] = [NumpyMLP(prob), ChainruleMLP(prob), TorchMLP(prob)]
            gc.collect()
            samples, reps, k = time_steps(contenders, budget_s, min_reps, max_reps)
            nodes = len(autograd.topological_order(contenders[1].forward()))
            s_np, s_cr, s_pt = (samples[n] for n in ("numpy", "chainrule", "torch"))
            row: dict[str, Any] = {
                "size": size,
                "dtype": np.dtype(dtype).name,
                "grad_check_ok": ok,
                "grad_rel_err": errors,
                "reps": reps,
                "steps_per_sample": k,
                "chainrule_nodes": nodes,
                "target_chainrule_vs_numpy": TARGET_VS_NUMPY[min(si, len(TARGET_VS_NUMPY) - 1)],
                "times": {n: s.summary() for n, s in samples.items()},
                "ratio_wall": {
                    "chainrule/numpy": paired_ratio(s_cr.wall, s_np.wall),
                    "torch/numpy": paired_ratio(s_pt.wall, s_np.wall),
                    "chainrule/torch": paired_ratio(s_cr.wall, s_pt.wall),
                },
                "ratio_min": {
                    "chainrule/numpy": min(s_cr.wall) / min(s_np.wall),
                    "torch/numpy": min(s_pt.wall) / min(s_np.wall),
                    "chainrule/torch": min(s_cr.wall) / min(s_pt.wall),
                },
                "ratio_cpu": {
                    "chainrule/numpy": paired_ratio(s_cr.cpu, s_np.cpu),
                    "torch/numpy": paired_ratio(s_pt.cpu, s_np.cpu),
                    "chainrule/torch": paired_ratio(s_cr.cpu, s_pt.cpu),
                },
            }
            if phases:
                row["phases"] = time_phases(contenders, max(5, reps // 4), k, budget_s / 4)
            results.append(row)
            mark = "✓" if ok else "✗"
            errs = ", ".join(f"{n} {e:.1e}" for n, e in errors.items())
            print(
                f"    {size} {row['dtype']}: gradients {mark} ({errs}); {reps} reps x {k} steps",
                flush=True,
            )
    _print_size_table(results)
    if phases:
        _print_phase_table(results)
    return results


def _print_size_table(results: list[dict[str, Any]]) -> None:
    rows = []
    for r in results:
        t, rw, rc, rm = r["times"], r["ratio_wall"], r["ratio_cpu"], r["ratio_min"]
        target = r["target_chainrule_vs_numpy"]
        rows.append(
            [
                f"{r['size']} {r['dtype']}",
                "✓" if r["grad_check_ok"] else "✗",
                fmt_time(t["numpy"]["wall_median"]),
                fmt_time(t["chainrule"]["wall_median"]),
                fmt_time(t["torch"]["wall_median"]),
                f"{max(t[n]['wall_iqr_frac'] for n in t) * 100:.0f}%",
                fmt_ratio(rw["chainrule/numpy"]),
                fmt_ratio(rm["chainrule/numpy"]),
                fmt_ratio(rc["chainrule/numpy"]),
                fmt_ratio(rw["torch/numpy"]),
                fmt_ratio(rm["torch/numpy"]),
                fmt_ratio(rc["torch/numpy"]),
                fmt_ratio(rw["chainrule/torch"]),
                f"≤{target}x {'pass' if rw['chainrule/numpy'] <= target else 'FAIL'}",
                "pass" if rw["chainrule/torch"] < 1.0 else "FAIL",
            ]
        )
    print_table(
        [
            "(batch, in, hidden, classes) dtype",
            "grad",
            "numpy",
            "chainrule",
            "torch",
            "IQR",
            "cr/np wall",
            "min",
            "cpu",
            "pt/np wall",
            "min",
            "cpu",
            "cr/pt wall",
            "target cr/np",
            "cr < torch",
        ],
        rows,
        title=(
            "Tensor MLP training step: median wall time per step. Ratios: median of interleaved "
            "pairs of wall times (wall), ratio of the fastest samples (min), median of pairs of "
            "CPU times summed over all threads (cpu)"
        ),
    )


def _print_phase_table(results: list[dict[str, Any]]) -> None:
    rows = []
    for r in results:
        ph = r["phases"]
        for phase in ("forward", "backward", "update"):
            n, c, p = ph["numpy"][phase], ph["chainrule"][phase], ph["torch"][phase]
            rows.append(
                [
                    f"{r['size']} {r['dtype']}" if phase == "forward" else "",
                    phase,
                    fmt_time(n),
                    fmt_time(c),
                    fmt_time(p),
                    fmt_time(c - n),
                    fmt_ratio(c / n),
                ]
            )
        tot = {k: sum(v.values()) for k, v in ph.items()}
        rows.append(
            [
                f"  ({r['chainrule_nodes']} chainrule nodes)",
                "total",
                fmt_time(tot["numpy"]),
                fmt_time(tot["chainrule"]),
                fmt_time(tot["torch"]),
                fmt_time(tot["chainrule"] - tot["numpy"]),
                fmt_ratio(tot["chainrule"] / tot["numpy"]),
            ]
        )
    print_table(
        ["size dtype", "phase", "numpy", "chainrule", "torch", "cr - np", "cr/np"],
        rows,
        title="Per phase (median wall time per step, timed around each phase)",
    )


# --------------------------------------------------------------------------- moons


class MoonsTensorMLP:
    """MLP(2, [16, 16, 1]) on the whole moons batch with Tensors, hinge loss plus L2."""

    def __init__(self, weights: list[list[list[float]]], points: np.ndarray, labels: np.ndarray):
        # weights[l][j] = neuron j's inputs weights then its bias, as in the scalar MLP.
        self.params = [Tensor(p, requires_grad=True) for p in moons_arrays(weights)]
        self.x = points
        self.y = labels.reshape(-1, 1)

    def loss(self) -> Tensor:
        """relu(1 - y * scores).mean() + 1e-4 * sum of squared parameters."""
        w1, b1, w2, b2, w3, b3 = self.params
        h = (Tensor(self.x) @ w1 + b1).relu()
        h = (h @ w2 + b2).relu()
        scores = h @ w3 + b3
        reg = (w1 * w1).sum() + (b1 * b1).sum() + (w2 * w2).sum()
        reg = reg + (b2 * b2).sum() + (w3 * w3).sum() + (b3 * b3).sum()
        return (1.0 - self.y * scores).relu().mean() + 1e-4 * reg

    def step(self, lr: float = 0.05) -> None:
        """Forward, backward, SGD update."""
        loss = self.loss()
        loss.backward()
        for p in self.params:
            p.data -= lr * p.grad
            p.grad = None


class MoonsNumpyMLP:
    """The same batched step with hand-derived numpy backprop (the tutorials' way)."""

    def __init__(self, weights: list[list[list[float]]], points: np.ndarray, labels: np.ndarray):
        self.params = moons_arrays(weights)
        self.x = points
        self.y = labels.reshape(-1, 1).astype(np.float64)

    def grads(self) -> tuple[float, list[np.ndarray]]:
        """The loss and d(loss)/d(param) for each parameter, derived by hand."""
        w1, b1, w2, b2, w3, b3 = self.params
        z1 = self.x @ w1 + b1
        h1 = np.maximum(z1, 0.0)
        z2 = h1 @ w2 + b2
        h2 = np.maximum(z2, 0.0)
        margin = 1.0 - self.y * (h2 @ w3 + b3)
        loss = np.maximum(margin, 0.0).mean() + 1e-4 * sum((p * p).sum() for p in self.params)
        ds = -self.y * (margin > 0) / margin.size  # d(mean hinge)/d(scores)
        dz2 = (ds @ w3.T) * (z2 > 0)
        dz1 = (dz2 @ w2.T) * (z1 > 0)
        grads = [self.x.T @ dz1, dz1.sum(0), h1.T @ dz2, dz2.sum(0), h2.T @ ds, ds.sum(0)]
        return float(loss), [g + 2e-4 * p for g, p in zip(grads, self.params, strict=True)]

    def step(self, lr: float = 0.05) -> None:
        """Forward, backward, SGD update."""
        for p, g in zip(self.params, self.grads()[1], strict=True):
            p -= lr * g


def moons_arrays(weights: list[list[list[float]]]) -> list[np.ndarray]:
    """Per layer, the (in, out) weight matrix and the bias vector of the scalar MLP's weights."""
    arrays = []
    for layer in weights:
        m = np.array(layer, dtype=np.float64)
        arrays += [m[:, :-1].T.copy(), m[:, -1].copy()]
    return arrays


def bench_moons(reps: int, scalar_steps_per_block: int) -> dict[str, Any]:
    """The moons step batched (chainrule Tensors, hand-derived numpy) vs the scalar steps.

    The scalar steps run in a plain training loop with default interpreter settings, as a
    user's loop runs them: micrograd's step then pays for collecting its cyclic graphs.
    """
    pts, lab = make_moons(100, noise=0.1, seed=0)
    points, labels = pts.tolist(), lab.tolist()
    weights = init_weights(2, [16, 16, 1], seed=0)

    batched = MoonsTensorMLP(weights, pts, lab)
    by_hand = MoonsNumpyMLP(weights, pts, lab)
    scalar_model = ScalarMLP(ENGINES["chainrule"], weights)
    ref = svm_loss(scalar_model, ENGINES["chainrule"], points, labels)
    ref.backward()
    loss = batched.loss()
    loss.backward()
    ref_grads = np.array([p.grad for p in scalar_model.params])
    err = max(
        float(np.max(np.abs(_neuron_order(gs) - ref_grads)))
        for gs in ([p.grad for p in batched.params], by_hand.grads()[1])
    )
    nodes = len(autograd.topological_order(loss))
    ok = err < 1e-10 and abs(loss.item() - ref.data) < 1e-12
    ok = ok and abs(by_hand.grads()[0] - ref.data) < 1e-12
    del ref, loss
    for p in batched.params:
        p.grad = None
    gc.collect()

    est = min(timed(batched.step)[0] for _ in range(5))
    k = max(1, int(5e-3 / est))
    samples = {"chainrule": Samples(), "numpy": Samples()}
    steps = {"chainrule": batched.step, "numpy": by_hand.step}
    for r in range(reps):
        for n in rep_order(list(steps), r):
            w, c = timed(_repeat(steps[n], k))
            samples[n].add((w / k, c / k))
    models = {n: ScalarMLP(cls, weights) for n, cls in ENGINES.items()}
    scalar = plain_loop_times(
        {n: (lambda m=models[n], c=ENGINES[n]: train_step(m, c, points, labels)) for n in ENGINES},
        scalar_steps_per_block,
    )
    cr, hand = samples["chainrule"].cpu_median, samples["numpy"].cpu_median
    result: dict[str, Any] = {
        "check_ok": ok,
        "grad_max_abs_diff": err,
        "batched_nodes": nodes,
        "reps": reps,
        "batched_steps_per_sample": k,
        "batched": {n: s.summary() for n, s in samples.items()},
        "scalar_plain_loop_cpu": scalar,
        "speedup_vs_micrograd": scalar["micrograd"] / cr,
        "speedup_vs_chainrule_scalar": scalar["chainrule"] / cr,
        "numpy_speedup_vs_micrograd": scalar["micrograd"] / hand,
        "chainrule_over_numpy": paired_ratio(samples["chainrule"].cpu, samples["numpy"].cpu),
        "target_speedup_vs_micrograd": TARGET_MOONS_SPEEDUP,
    }
    s = result["speedup_vs_micrograd"]
    rows = [
        [f"chainrule Tensor, batched ({nodes} nodes)", fmt_time(cr), "1x", fmt_ratio(s)],
        [
            "numpy by hand, batched",
            fmt_time(hand),
            fmt_ratio(1 / result["chainrule_over_numpy"]),
            fmt_ratio(result["numpy_speedup_vs_micrograd"]),
        ],
        ["chainrule Value, scalar", fmt_time(scalar["chainrule"]), "", ""],
        ["micrograd Value, scalar", fmt_time(scalar["micrograd"]), "", ""],
    ]
    print_table(
        ["moons MLP(2,[16,16,1]) step", "cpu", "time ÷ chainrule batched", "speedup vs micrograd"],
        rows,
        title=(
            f"Moons step, 100 points: batched ({reps} interleaved reps, median) vs scalar "
            f"(plain training loop, default settings); same loss and gradients: "
            f"{'✓' if ok else '✗'} (max |Δgrad| = {err:.1e})"
        ),
    )
    verdict = "pass" if s >= TARGET_MOONS_SPEEDUP else "FAIL"
    print(f"    target: batched ≥ {TARGET_MOONS_SPEEDUP:,.0f}x faster than micrograd -> {verdict}")
    return result


def _neuron_order(grads: list[np.ndarray]) -> np.ndarray:
    """Batched (W, b) gradients flattened in the scalar MLP's order: per neuron, w then b."""
    pairs = zip(grads[::2], grads[1::2], strict=True)
    return np.concatenate([np.concatenate([w.T, b[:, None]], axis=1).ravel() for w, b in pairs])


# --------------------------------------------------------------------------- profile


def profile_chainrule(size: tuple[int, int, int, int], dtype: Any, steps: int) -> str:
    """cProfile of `steps` chainrule training steps at one size: the top functions."""
    model = ChainruleMLP(make_problem(*size, dtype=dtype))
    model.step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        model.step()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(25)
    return buf.getvalue()


# --------------------------------------------------------------------------- main


def _torch_info() -> dict[str, Any]:
    cfg = torch.__config__.show()
    blas = next((ln.strip("- ").strip() for ln in cfg.splitlines() if "BLAS_INFO" in ln), "")
    blas = blas.split("BLAS_INFO=")[1].split(",")[0] if "BLAS_INFO=" in blas else "unknown"
    return {
        "version": torch.__version__,
        "blas": blas,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the tensor benchmarks and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile chainrule's step at the smallest size"
    )
    parser.add_argument("--no-phases", action="store_true", help="skip the per-phase split")
    parser.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="set numpy's BLAS and torch to N threads (default: torch follows numpy's BLAS)",
    )
    args = parser.parse_args(argv)

    if args.threads and not set_blas_threads(args.threads):
        print(f"  (could not set numpy's BLAS threads to {args.threads})")
    threads = blas_info().get("threads")
    if threads:
        torch.set_num_threads(int(threads))  # same thread count as numpy's BLAS
    print("chainrule tensor benchmarks" + (" (--quick)" if args.quick else ""))
    head = env_header({"torch": _torch_info()})
    if not threads:
        print("  (numpy's BLAS thread count unknown: torch keeps its default)")
    t0 = time.perf_counter()
    if args.quick:
        sizes = bench_sizes(SIZES[:2], [np.float32, np.float64], 0.3, 3, 200, not args.no_phases)
        moons = bench_moons(reps=2, scalar_steps_per_block=1)
    else:
        sizes = bench_sizes(SIZES, [np.float32, np.float64], 12.0, 10, 3000, not args.no_phases)
        moons = bench_moons(reps=11, scalar_steps_per_block=4)
    profile = None
    if args.profile:
        profile = profile_chainrule(SIZES[0], np.float64, 300 if args.quick else 3000)
        print("\ncProfile, chainrule step at", SIZES[0], "float64 (tottime):")
        print(profile)
    elapsed = time.perf_counter() - t0
    print(f"\ntotal {elapsed:.0f} s")
    payload = {
        "header": head,
        "quick": args.quick,
        "sizes": sizes,
        "moons": moons,
        "profile": profile,
        "elapsed_s": elapsed,
    }
    write_json(args.json, payload)
    return payload


if __name__ == "__main__":
    main()
