"""Scalar benchmarks: chainrule's `Value` against micrograd's, side by side in one process.

Run from the repository root::

    .venv/bin/python -m benchmarks.scalar            # full run (about 1-2 minutes)
    .venv/bin/python -m benchmarks.scalar --quick    # smoke run (seconds)
    .venv/bin/python -m benchmarks.scalar --json out.json

(a) One training step of the micrograd demo: MLP(2, [16, 16, 1]) on 100 two-moons points,
    SVM max-margin loss plus L2, zero grads, backward, SGD. With gc enabled and disabled.
(b) A chain ``x = x * a`` of 1e3 .. 1e6 nodes: build and backward time per node.
(c) ``sum(a_i * b_i)`` over 1e5 pairs: build and backward time, peak memory per node.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from micrograd.engine import Value as MicrogradValue

import autograd
from autograd import Value as ChainruleValue

if __package__ in (None, ""):  # run as a script (python benchmarks/scalar.py)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._common import (
    Samples,
    env_header,
    fmt_ratio,
    fmt_time,
    paired_ratio,
    print_table,
    rep_order,
    timed,
    write_json,
)
from nn.data import moons

ENGINES: dict[str, type[Any]] = {"chainrule": ChainruleValue, "micrograd": MicrogradValue}


# --------------------------------------------------------------------------- data, model


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`nn.data.moons` with labels -1 / +1, as the SVM loss wants them."""
    points, labels = moons(n, noise=noise, seed=seed)
    return points, 2.0 * labels - 1.0


def init_weights(nin: int, nouts: Sequence[int], seed: int = 0) -> list[list[list[float]]]:
    """Per layer, per neuron: its weights (uniform in [-1, 1)) followed by its bias (0)."""
    rng = np.random.default_rng(seed)
    sizes = [nin, *nouts]
    return [
        [[*rng.uniform(-1.0, 1.0, fan_in).tolist(), 0.0] for _ in range(fan_out)]
        for fan_in, fan_out in itertools.pairwise(sizes)
    ]


class ScalarMLP:
    """micrograd's MLP over any micrograd-style Value class: ReLU hidden layers, linear output.

    The same code runs for both engines; a neuron computes ``sum(w * x) + b`` with Python's
    `sum` starting from the bias, exactly as micrograd's `Neuron`.
    """

    def __init__(self, value_cls: type[Any], weights: list[list[list[float]]]) -> None:
        self.layers: list[tuple[list[tuple[list[Any], Any]], bool]] = []
        for i, layer in enumerate(weights):
            neurons = [([value_cls(w) for w in row[:-1]], value_cls(row[-1])) for row in layer]
            self.layers.append((neurons, i < len(weights) - 1))
        self.params = [p for neurons, _ in self.layers for w, b in neurons for p in (*w, b)]

    def __call__(self, x: list[Any]) -> Any:
        for neurons, nonlin in self.layers:
            out = []
            for w, b in neurons:
                act = sum((wi * xi for wi, xi in zip(w, x, strict=True)), b)
                out.append(act.relu() if nonlin else act)
            x = out
        return x[0] if len(x) == 1 else x


def svm_loss(
    model: ScalarMLP, value_cls: type[Any], points: list[list[float]], labels: list[float]
) -> Any:
    """micrograd demo loss: mean of relu(1 - y * score) plus 1e-4 * sum of squared params."""
    inputs = [list(map(value_cls, row)) for row in points]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.params)
    return data_loss + reg_loss


def train_step(
    model: ScalarMLP,
    value_cls: type[Any],
    points: list[list[float]],
    labels: list[float],
    lr: float = 0.05,
) -> float:
    """Forward, zero grads, backward, SGD update. Returns the loss as a float.

    Returning a float (not the node) lets the graph be freed inside the timed call.
    """
    loss = svm_loss(model, value_cls, points, labels)
    for p in model.params:
        p.grad = 0.0
    loss.backward()
    for p in model.params:
        p.data -= lr * p.grad
    return float(loss.data)


def count_nodes(root: Any) -> int:
    """Nodes in a graph: chainrule's `topological_order`, an iterative walk for micrograd."""
    if isinstance(root, ChainruleValue):
        return len(autograd.topological_order(root))
    seen = {id(root)}
    stack = [root]
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


# --------------------------------------------------------------------------- helpers


@contextmanager
def gc_mode(enabled: bool) -> Iterator[None]:
    """Collect, then run with the collector enabled or disabled; restore and collect after."""
    was = gc.isenabled()
    gc.collect()
    if enabled:
        gc.enable()
    else:
        gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
        gc.collect()


@contextmanager
def recursion_limit(limit: int) -> Iterator[None]:
    """Temporarily raise the recursion limit (micrograd's topological sort recurses)."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def interleaved(
    contenders: dict[str, Callable[[], Any]],
    reps: int,
    after: Callable[[], Any] | None = None,
) -> tuple[dict[str, Samples], dict[str, Samples]]:
    """Time each contender `reps` times, interleaved (a fresh order each repetition).

    `after` (default: `gc.collect`) runs after every timed call and is timed separately,
    so no contender pays for another's cyclic garbage. Returns (call samples, after samples).
    """
    after = gc.collect if after is None else after
    names = list(contenders)
    calls = {n: Samples() for n in names}
    afters = {n: Samples() for n in names}
    for r in range(reps):
        for name in rep_order(names, r):
            calls[name].add(timed(contenders[name]))
            afters[name].add(timed(after))
    return calls, afters


# --------------------------------------------------------------------------- (a) MLP step


def bench_mlp_step(reps: int, n_points: int = 100) -> dict[str, Any]:
    """(a) One micrograd-demo training step, chainrule vs micrograd, gc on and off."""
    pts, lab = make_moons(n_points, noise=0.1, seed=0)
    points, labels = pts.tolist(), lab.tolist()
    weights = init_weights(2, [16, 16, 1], seed=0)

    # Same weights, same data: both engines must agree on the loss and every gradient.
    losses, grads, nodes = {}, {}, {}
    for name, cls in ENGINES.items():
        model = ScalarMLP(cls, weights)
        loss = svm_loss(model, cls, points, labels)
        nodes[name] = count_nodes(loss)
        loss.backward()
        losses[name] = loss.data
        grads[name] = np.array([p.grad for p in model.params], dtype=float)
        del loss, model
    gc.collect()
    grad_err = float(np.max(np.abs(grads["chainrule"] - grads["micrograd"])))
    loss_err = abs(losses["chainrule"] - losses["micrograd"])
    ok = grad_err < 1e-9 and loss_err < 1e-12
    print(
        f"\n(a) MLP(2,[16,16,1]) step on {n_points} moons, {len(grads['chainrule'])} params. "
        f"Same loss and gradients in both engines: {'✓' if ok else '✗'} "
        f"(|Δloss| = {loss_err:.1e}, max |Δgrad| = {grad_err:.1e})"
    )

    models = {name: ScalarMLP(cls, weights) for name, cls in ENGINES.items()}
    steps = {
        name: (lambda m=models[name], c=cls: train_step(m, c, points, labels))
        for name, cls in ENGINES.items()
    }
    result: dict[str, Any] = {"nodes": nodes, "check_ok": ok, "grad_max_abs_diff": grad_err}
    for phase, enabled in (("gc_on", True), ("gc_off", False)):
        with gc_mode(enabled):
            interleaved(steps, 2)  # warm-up
            calls, frees = interleaved(steps, reps)
        result[phase] = {
            name: {
                "step": calls[name].summary(),
                "collect_after": frees[name].summary(),
                "us_per_node_cpu": calls[name].cpu_median / nodes[name] * 1e6,
                "us_per_node_wall": calls[name].wall_median / nodes[name] * 1e6,
            }
            for name in ENGINES
        }
        result[phase]["ratio_wall"] = paired_ratio(calls["chainrule"].wall, calls["micrograd"].wall)
        result[phase]["ratio_cpu"] = paired_ratio(calls["chainrule"].cpu, calls["micrograd"].cpu)
        tot = {
            n: [a + b for a, b in zip(calls[n].wall, frees[n].wall, strict=True)] for n in ENGINES
        }
        result[phase]["ratio_wall_incl_collect"] = paired_ratio(tot["chainrule"], tot["micrograd"])

    rows = []
    for phase in ("gc_on", "gc_off"):
        for name in ENGINES:
            r = result[phase][name]
            rows.append(
                [
                    f"{name}, {phase.replace('_', ' ')}",
                    fmt_time(r["step"]["wall_median"]),
                    fmt_time(r["step"]["wall_min"]),
                    f"{r['step']['wall_iqr_frac'] * 100:.0f}%",
                    fmt_time(r["step"]["cpu_median"]),
                    fmt_time(r["collect_after"]["wall_median"]),
                    f"{nodes[name]:,}",
                    f"{r['us_per_node_cpu']:.2f}",
                ]
            )
        res = result[phase]
        rows.append(
            [
                f"  chainrule/micrograd, {phase.replace('_', ' ')}",
                fmt_ratio(res["ratio_wall"]),
                "",
                "",
                fmt_ratio(res["ratio_cpu"]),
                f"incl: {fmt_ratio(res['ratio_wall_incl_collect'])}",
                "",
                "",
            ]
        )
    print_table(
        [
            "engine, gc",
            "wall med",
            "wall min",
            "IQR",
            "cpu med",
            "gc.collect after",
            "nodes",
            "cpu µs/node",
        ],
        rows,
        title=f"(a) time per training step ({reps} interleaved reps; ratios: median of pairs)",
    )
    print(
        "    'gc.collect after' is the untimed collection run between steps: it frees "
        "micrograd's cyclic graph (chainrule's graph is freed by refcounting inside the "
        "step); 'incl' is the ratio with it added to the step."
    )
    result["plain_loop"] = plain_loop(steps, n_steps=max(4, reps))
    result["phases_gc_off"] = mlp_phases(models, points, labels, max(2, reps // 2), nodes)
    return result


def plain_loop_times(steps: dict[str, Callable[[], Any]], n_steps: int) -> dict[str, float]:
    """CPU seconds per step of each engine in a plain training loop with default settings.

    No gc.collect between steps: this is what a user's loop pays, a step also paying for
    collecting earlier steps' garbage whenever the interpreter decides to. Engines run one
    after the other (a block each, twice, in alternating order) so that one engine's
    garbage is not collected in another's block; the mean step time of the faster block
    counts.
    """
    means: dict[str, list[float]] = {name: [] for name in steps}
    for order in (list(steps), list(steps)[::-1]):
        for name in order:
            gc.collect()
            steps[name]()  # warm-up
            t0 = time.process_time()
            for _ in range(n_steps):
                steps[name]()
            means[name].append((time.process_time() - t0) / n_steps)
    gc.collect()
    return {name: min(m) for name, m in means.items()}


def plain_loop(steps: dict[str, Callable[[], Any]], n_steps: int) -> dict[str, Any]:
    """`plain_loop_times` for chainrule and micrograd, printed as a ratio."""
    best = plain_loop_times(steps, n_steps)
    ratio = best["chainrule"] / best["micrograd"]
    print(
        f"\n(a) plain training loop, default interpreter settings, {n_steps} steps per block "
        f"(CPU time per step, best of 2 blocks): chainrule {fmt_time(best['chainrule'])}, "
        f"micrograd {fmt_time(best['micrograd'])}: chainrule/micrograd {fmt_ratio(ratio)} "
        f"({1 / ratio:.1f}x faster; target at least 5x)"
    )
    return {"cpu_mean_per_step": best, "ratio": ratio}


def mlp_phases(
    models: dict[str, ScalarMLP],
    points: list[list[float]],
    labels: list[float],
    reps: int,
    nodes: dict[str, int],
) -> dict[str, dict[str, float]]:
    """Split the step into forward, zero grads + backward, update and freeing (gc off).

    CPU time (process_time) around each phase; "free" is dropping the loss plus a
    gc.collect, so it counts micrograd's cyclic graph and chainrule's refcount frees alike.
    """
    phases = ("forward", "backward", "update", "free")
    got = {n: {ph: [] for ph in phases} for n in models}
    names = list(models)
    pt = time.process_time
    with gc_mode(False):
        for r in range(reps):
            for name in rep_order(names, r):
                model, cls = models[name], ENGINES[name]
                t0 = pt()
                loss = svm_loss(model, cls, points, labels)
                t1 = pt()
                for p in model.params:
                    p.grad = 0.0
                loss.backward()
                t2 = pt()
                for p in model.params:
                    p.data -= 0.05 * p.grad
                t3 = pt()
                del loss
                gc.collect()
                t4 = pt()
                for ph, dt in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                    got[name][ph].append(dt)
    out = {n: {ph: float(np.median(v)) for ph, v in d.items()} for n, d in got.items()}
    rows = []
    for ph in phases:
        cr, mg = out["chainrule"][ph], out["micrograd"][ph]
        rows.append(
            [
                ph,
                fmt_time(cr),
                f"{cr / nodes['chainrule'] * 1e6:.2f}",
                fmt_time(mg),
                f"{mg / nodes['micrograd'] * 1e6:.2f}",
                fmt_ratio(cr / mg),
            ]
        )
    print_table(
        ["phase", "chainrule", "µs/node", "micrograd", "µs/node", "cr/mg"],
        rows,
        title=f"(a) step split into phases, gc off, median CPU time of {reps} interleaved reps",
    )
    print(
        "    'free' = del loss + gc.collect(): micrograd's graph is a reference cycle, "
        "chainrule's is freed by refcounting."
    )
    return out


# --------------------------------------------------------------------------- (b) chains


def build_chain(value_cls: type[Any], n: int) -> Any:
    """x = x * a, n times: one multiplication node per step, with one shared leaf `a`."""
    a = value_cls(1.000001)
    x = value_cls(1.0)
    for _ in range(n):
        x = x * a
    return x


PARTS = ("build", "build_gc_off", "backward")


def measure_graphs(
    contenders: dict[str, tuple[Callable[[], Any], int | None]], reps: int
) -> tuple[dict[str, dict[str, Samples]], dict[str, str]]:
    """Time build (gc on), build (gc off) and backward (gc on) of each contender's graph.

    `contenders` maps a name to (build function, recursion limit for backward or None for
    the default). Contenders alternate (A B, B A, ...); every graph is freed and collected
    untimed before the next measurement. Returns samples per name and part, and a status
    per name: "ok", or "fails" when backward raised RecursionError.
    """
    samples = {name: {part: Samples() for part in PARTS} for name in contenders}
    status = dict.fromkeys(contenders, "ok")
    names = list(contenders)
    holder: list[Any] = []
    for r in range(reps):
        for name in rep_order(names, r):
            build, limit = contenders[name]
            s = samples[name]
            with gc_mode(False):
                s["build_gc_off"].add(timed(lambda b=build: holder.append(b())))
                holder.clear()
            with gc_mode(True):
                s["build"].add(timed(lambda b=build: holder.append(b())))
                root = holder.pop()
                try:
                    with recursion_limit(limit or 0):
                        s["backward"].add(timed(root.backward))
                except RecursionError:
                    status[name] = "fails"
                del root
    return samples, status


def _graph_rows(
    label: str,
    samples: dict[str, dict[str, Samples]],
    status: dict[str, str],
    per: int,
    ref: str = "micrograd",
    ref_backward: str | None = None,
) -> list[list[str]]:
    """Table rows: one per contender (cpu and wall per node), then chainrule/`ref` ratios."""
    rows = []
    for name, parts in samples.items():
        cells = [label if not rows else "", name]
        for part in PARTS:
            s = parts[part]
            if not s.wall:
                cells += [status[name] if part == "backward" else "-", ""]
            else:
                cells += [fmt_time(s.cpu_median / per), fmt_time(s.wall_median / per)]
        cells.append(str(len(parts["build"].wall)))
        rows.append(cells)
    if "chainrule" in samples and ref in samples:
        cells = ["", f"  chainrule/{ref}"]
        for part in PARTS:
            other = ref_backward if part == "backward" and ref_backward else ref
            a, b = samples["chainrule"][part], samples[other][part]
            if a.wall and b.wall:
                cells += [
                    fmt_ratio(paired_ratio(a.cpu, b.cpu)),
                    fmt_ratio(paired_ratio(a.wall, b.wall)),
                ]
            else:
                cells += ["-", "-"]
        cells.append("")
        rows.append(cells)
    return rows


GRAPH_HEADERS = [
    "nodes",
    "engine",
    "build cpu",
    "build wall",
    "build gc off cpu",
    "gc off wall",
    "backward cpu",
    "backward wall",
    "reps",
]


def _graph_json(
    samples: dict[str, dict[str, Samples]], status: dict[str, str], per: int
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, parts in samples.items():
        out[name] = {"status": status[name]}
        for part, s in parts.items():
            out[name][f"{part}_per_node"] = s.summary(per=per) if s.wall else None
    if "chainrule" in samples and "micrograd" in samples:
        for part in PARTS:
            a, b = samples["chainrule"][part], samples["micrograd"][part]
            if a.wall and b.wall:
                out[f"ratio_{part}_cpu"] = paired_ratio(a.cpu, b.cpu)
                out[f"ratio_{part}_wall"] = paired_ratio(a.wall, b.wall)
    return out


def bench_chains(sizes: Sequence[int], reps_for: Callable[[int], int]) -> list[dict[str, Any]]:
    """(b) Build and backward time per node of chains x = x * a."""
    results = []
    rows: list[list[str]] = []
    for n in sizes:
        contenders: dict[str, tuple[Callable[[], Any], int | None]] = {
            "chainrule": (lambda n=n: build_chain(ChainruleValue, n), None),
            "micrograd": (lambda n=n: build_chain(MicrogradValue, n), None),
        }
        deep = 1_000 <= n <= 100_000
        if deep:  # micrograd with the recursion limit raised to the depth, for reference
            contenders["micrograd*"] = (lambda n=n: build_chain(MicrogradValue, n), n + 1_000)
        reps = reps_for(n)
        samples, status = measure_graphs(contenders, reps)
        ref_back = "micrograd*" if status["micrograd"] != "ok" and deep else None
        rows += _graph_rows(f"{n:,}", samples, status, n, ref_backward=ref_back)
        results.append({"n": n, "reps": reps, **_graph_json(samples, status, n)})
        print(f"    chain n={n:,}: done ({reps} reps)", flush=True)
    print_table(
        GRAPH_HEADERS,
        rows,
        left=2,
        title="(b) chain x = x * a (one node per op): medians per node, cpu and wall time",
    )
    print(
        "    micrograd as shipped sorts recursively: RecursionError past about 1,000 deep "
        "('fails').\n    micrograd* raises sys.setrecursionlimit to the depth, for reference "
        "(only up to 1e5 to keep the run short); the backward ratio uses it where micrograd fails."
    )
    return results


# --------------------------------------------------------------------------- (c) sums


def bench_sum(n: int, reps: int) -> dict[str, Any]:
    """(c) sum(a_i * b_i) over n pairs: build, backward, peak memory per created node."""
    rng = np.random.default_rng(0)
    av, bv = rng.normal(size=n).tolist(), rng.normal(size=n).tolist()
    leaves = {name: ([c(x) for x in av], [c(x) for x in bv]) for name, c in ENGINES.items()}

    def build(name: str) -> Any:
        a, b = leaves[name]
        return sum(x * y for x, y in zip(a, b, strict=True))

    # Memory first, untimed (tracemalloc slows allocation down several times).
    mem: dict[str, dict[str, float]] = {}
    for name in ENGINES:
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        root = build(name)
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        created = count_nodes(root) - 2 * n
        mem[name] = {"peak_bytes": peak, "nodes_created": created, "bytes_per_node": peak / created}
        del root
        gc.collect()

    # Whether micrograd's recursive backward works at the default limit, once each.
    _, status = measure_graphs({name: (lambda nm=name: build(nm), None) for name in ENGINES}, 1)
    contenders: dict[str, tuple[Callable[[], Any], int | None]] = {
        "chainrule": (lambda: build("chainrule"), None),
        "micrograd": (lambda: build("micrograd"), 4 * n + 1_000),
    }
    samples, _ = measure_graphs(contenders, reps)
    per = 2 * n + 1
    result: dict[str, Any] = {
        "n": n,
        "reps": reps,
        "nodes_created": per,
        "memory": mem,
        "backward_at_default_recursion_limit": status,
        **_graph_json(samples, status, per),
    }
    rows = _graph_rows(f"{per:,}", samples, dict.fromkeys(ENGINES, "ok"), per)
    print_table(
        GRAPH_HEADERS,
        rows,
        left=2,
        title=(
            f"(c) sum(a_i * b_i), n = {n:,}: {per:,} nodes created ({2 * n:,} leaves made "
            f"beforehand); medians per node of {reps} interleaved reps"
        ),
    )
    print(
        "    micrograd's backward recurses once per node of the sum's left-deep chain: at the "
        f"default recursion limit it is '{status['micrograd']}'; the timings above raise the limit."
    )
    print_table(
        ["engine", "peak memory during build", "nodes created", "bytes/node"],
        [
            [
                name,
                f"{m['peak_bytes'] / 2**20:.1f} MiB",
                f"{m['nodes_created']:,}",
                f"{m['bytes_per_node']:.0f}",
            ]
            for name, m in mem.items()
        ]
        + [
            [
                "chainrule/micrograd",
                fmt_ratio(mem["chainrule"]["peak_bytes"] / mem["micrograd"]["peak_bytes"]),
                "",
                fmt_ratio(mem["chainrule"]["bytes_per_node"] / mem["micrograd"]["bytes_per_node"]),
            ]
        ],
        title="(c) memory: tracemalloc peak during build / nodes created",
    )
    return result


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the scalar benchmarks and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    args = parser.parse_args(argv)

    print("chainrule scalar benchmarks" + (" (--quick)" if args.quick else ""))
    import micrograd

    head = env_header({"micrograd": getattr(micrograd, "__version__", "0.1.0")})
    t0 = time.perf_counter()
    if args.quick:
        mlp = bench_mlp_step(reps=3, n_points=20)
        chains = bench_chains([100, 1_000, 10_000], lambda n: 2)
        sums = bench_sum(10_000, reps=2)
    else:
        mlp = bench_mlp_step(reps=10)
        chains = bench_chains(
            [100, 1_000, 10_000, 100_000, 1_000_000],
            lambda n: {100: 30, 1_000: 20, 10_000: 10, 100_000: 3}.get(n, 2),
        )
        sums = bench_sum(100_000, reps=3)
    elapsed = time.perf_counter() - t0
    print(f"\ntotal {elapsed:.0f} s")
    payload = {
        "header": head,
        "quick": args.quick,
        "mlp_step": mlp,
        "chain": chains,
        "sum": sums,
        "elapsed_s": elapsed,
    }
    write_json(args.json, payload)
    return payload


if __name__ == "__main__":
    main()
