"""Helpers shared by the benchmarks: timing, statistics, environment header, JSON output.

Timings are noisy on a shared 2-core machine, so every benchmark measures its contenders
side by side in one process, interleaved (each repetition runs every contender once, in a
fresh order: `rep_order`), records both wall time (`time.perf_counter`) and CPU time
(`time.process_time`, summed over all threads of the process), and reports medians, minima
and paired ratios (the median over repetitions of ``t_A[i] / t_B[i]``, which cancels slow
drifts in machine load).
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "Samples",
    "blas_info",
    "env_header",
    "fmt_ratio",
    "fmt_time",
    "paired_ratio",
    "print_table",
    "rep_order",
    "set_blas_threads",
    "timed",
    "write_json",
]

_T = TypeVar("_T")

# Environment variables that change BLAS or threading behaviour; printed, never changed.
_ENV_VARS = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "PYTHONHASHSEED",
)


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """Run `fn` once and return its (wall, cpu) seconds."""
    c0 = time.process_time()
    w0 = time.perf_counter()
    fn()
    w1 = time.perf_counter()
    c1 = time.process_time()
    return w1 - w0, c1 - c0


def rep_order(items: Sequence[_T], rep: int) -> list[_T]:
    """The order to run `items` in on repetition `rep`: a shuffle seeded by `rep`.

    A fixed order, or one reversed on every other repetition, favours the contenders at its
    ends: they run twice in a row, on caches they warmed themselves (measured: an identical
    twin of the first contender ran 1.5-3.4% slower in second place). Shuffling gives every
    contender every place and every predecessor alike.
    """
    return random.Random(rep).sample(list(items), len(items))


@dataclass
class Samples:
    """Repeated (wall, cpu) timings of one contender, in seconds."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, sample: tuple[float, float]) -> None:
        """Record one (wall, cpu) pair."""
        self.wall.append(sample[0])
        self.cpu.append(sample[1])

    def summary(self, per: float = 1.0) -> dict[str, float]:
        """Median, minimum and spread of wall and cpu times, divided by `per`.

        The spread is the interquartile range as a fraction of the median.
        """
        out: dict[str, float] = {"n": len(self.wall)}
        for name, xs in (("wall", self.wall), ("cpu", self.cpu)):
            med = statistics.median(xs)
            out[f"{name}_median"] = med / per
            out[f"{name}_min"] = min(xs) / per
            out[f"{name}_iqr_frac"] = _iqr(xs) / med if med > 0 else 0.0
        return out

    @property
    def wall_median(self) -> float:
        """Median wall time."""
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        """Median CPU time."""
        return statistics.median(self.cpu)


def _iqr(xs: Sequence[float]) -> float:
    if len(xs) < 4:
        return max(xs) - min(xs)
    q = statistics.quantiles(xs, n=4)
    return q[2] - q[0]


def paired_ratio(a: Sequence[float], b: Sequence[float]) -> float:
    """Median over repetitions of a[i] / b[i] (the samples were interleaved)."""
    return statistics.median(x / y for x, y in zip(a, b, strict=True) if y > 0)


def fmt_time(seconds: float | None) -> str:
    """Seconds as a short human string (ns, µs, ms or s)."""
    if seconds is None or seconds != seconds:
        return "-"
    if seconds < 0:
        return "-" + fmt_time(-seconds)
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(x: float | None) -> str:
    """A ratio as '1.23x'."""
    if x is None or x != x:
        return "-"
    if x >= 100:
        return f"{x:,.0f}x"
    return f"{x:.2f}x"


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "", left: int = 1
) -> None:
    """Print a plain-text table: the first `left` columns left-aligned, the rest right."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    if title:
        print(f"\n{title}")
    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))


def _openblas_lib() -> str | None:
    """Path of the OpenBLAS library numpy loaded (from /proc/self/maps; Linux only)."""
    try:
        with open("/proc/self/maps") as f:
            for entry in f:
                path = entry.split()[-1]
                if "openblas" in path.lower() and ".so" in path:
                    return path
    except OSError:
        pass
    return None


def blas_info() -> dict[str, Any]:
    """numpy's BLAS: name, version, threads and core type, via threadpoolctl or ctypes.

    threadpoolctl is used when installed; otherwise the OpenBLAS library numpy loaded is
    queried directly with ctypes (the same calls threadpoolctl makes).
    """
    info: dict[str, Any] = {}
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]  # type: ignore[func-returns-value]
        info["name"] = cfg.get("name")
        info["version"] = cfg.get("version")
    except Exception:  # numpy < 2 or an unusual build: the rest still works
        pass
    try:
        from threadpoolctl import threadpool_info  # type: ignore[import-not-found]

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                info["threads"] = pool.get("num_threads")
                info["core"] = pool.get("architecture")
                info["source"] = "threadpoolctl"
                return info
    except ImportError:
        pass
    path = _openblas_lib()
    if path is None:
        info["threads"] = None
        info["source"] = "unknown (no OpenBLAS found, threadpoolctl not installed)"
        return info
    lib = ctypes.CDLL(path)
    for prefix in ("scipy_openblas", "openblas"):
        for suffix in ("64_", ""):
            get_threads = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            get_core = getattr(lib, f"{prefix}_get_corename{suffix}", None)
            if get_threads is not None:
                get_threads.restype = ctypes.c_int
                info["threads"] = int(get_threads())
                if get_core is not None:
                    get_core.restype = ctypes.c_char_p
                    info["core"] = get_core().decode()
                info["source"] = f"ctypes ({Path(path).name})"
                return info
    info["threads"] = None
    info["source"] = f"unknown ({Path(path).name} has no thread query)"
    return info


def set_blas_threads(n: int) -> bool:
    """Set numpy's BLAS thread count (threadpoolctl, else OpenBLAS via ctypes); True if done."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=n, user_api="blas")
        return True
    except ImportError:
        pass
    path = _openblas_lib()
    if path is None:
        return False
    lib = ctypes.CDLL(path)
    for prefix in ("scipy_openblas", "openblas"):
        for suffix in ("64_", ""):
            fn = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            if fn is not None:
                fn(ctypes.c_int(n))
                return True
    return False


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for entry in f:
                if entry.startswith("model name"):
                    return entry.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_state() -> str:
    """The commit of the working tree and whether autograd/ has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "autograd"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.split()
    except OSError:
        return "unknown"
    changed = [f for f in dirty if f.endswith(".py")]
    return head + (f" + uncommitted {', '.join(changed)}" if changed else "")


def env_header(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Collect and print what the numbers depend on: versions, CPU, BLAS, threads, load."""
    head: dict[str, Any] = {
        "chainrule": _git_state(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "loadavg_at_start": (
            tuple(round(x, 2) for x in os.getloadavg()) if hasattr(os, "getloadavg") else None
        ),
        "blas": blas_info(),
        "env": {k: os.environ.get(k) for k in _ENV_VARS},
        "time": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if extra:
        head.update(extra)
    for key, value in head.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        print(f"{key:>17}: {value}")
    return head


def write_json(path: str | None, payload: dict[str, Any]) -> None:
    """Write `payload` as indented JSON to `path` (nothing when `path` is None)."""
    if path is None:
        return
    Path(path).write_text(json.dumps(payload, indent=2, default=_jsonable) + "\n")
    print(f"\nwrote {path}")


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    return str(x)
