"""Scalar engine benchmark: chainrule's Value against micrograd's.

A 2-16-16-1 ReLU MLP written with Value operations alone (+, *, relu), the same
code for both engines, trained on 100 two-moons points with MSE and SGD.
Prints the median seconds per step (forward + backward + update), the ratio,
and the peak traced memory of one step divided by the graph's node count.
Also: a 10^6-deep chain, forward and backward.

    python bench/scalar_mlp.py [--steps 7]
"""
from __future__ import annotations

import argparse
import gc
import math
import random
import statistics
import time
import tracemalloc

import numpy as np

from autograd import Value, topological_order


def two_moons(n: int, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    rng = np.random.default_rng(seed)
    half = n // 2
    t = rng.uniform(0, math.pi, n)
    outer = np.c_[np.cos(t[:half]), np.sin(t[:half])]
    inner = np.c_[1 - np.cos(t[half:]), 0.5 - np.sin(t[half:])]
    X = np.r_[outer, inner] + rng.normal(0, 0.1, (n, 2))
    y = np.r_[-np.ones(half), np.ones(n - half)]
    return X.tolist(), y.tolist()


class Model:
    """The same MLP code for both engines: only the Value class differs."""

    def __init__(self, value_cls, sizes=(2, 16, 16, 1), seed: int = 1) -> None:
        rnd = random.Random(seed)
        self.V = value_cls
        self.layers = []
        for nin, nout in zip(sizes, sizes[1:]):
            W = [[value_cls(rnd.uniform(-1, 1) / math.sqrt(nin)) for _ in range(nin)]
                 for _ in range(nout)]
            b = [value_cls(0.0) for _ in range(nout)]
            self.layers.append((W, b))

    def parameters(self) -> list:
        return [p for W, b in self.layers for row in W for p in row] + \
               [p for _, b in self.layers for p in b]

    def __call__(self, x: list):
        last = len(self.layers) - 1
        for i, (W, b) in enumerate(self.layers):
            out = []
            for row, bias in zip(W, b):
                act = bias
                for w, xi in zip(row, x):
                    act = act + w * xi
                out.append(act.relu() if i < last else act)
            x = out
        return x[0]


def loss_of(model: Model, X, y):
    total = model.V(0.0)
    for xi, yi in zip(X, y):
        d = model(xi) + (-yi)
        total = total + d * d
    return total * (1.0 / len(X))


def step(model: Model, X, y, lr: float = 0.05) -> float:
    loss = loss_of(model, X, y)
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss.data


def time_steps(model: Model, X, y, steps: int) -> float:
    times = []
    for _ in range(steps):
        gc.collect()
        t0 = time.perf_counter()
        step(model, X, y)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_bytes_per_node(model: Model, X, y, count_nodes) -> tuple[float, int]:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    loss = loss_of(model, X, y)
    loss.backward()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    nodes = count_nodes(loss)
    del loss
    gc.collect()
    return peak / nodes, nodes


def micrograd_count(root) -> int:
    seen, stack = set(), [root]
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        stack.extend(v._prev)
    return len(seen)


def deep_chain(n: int = 1_000_000) -> tuple[float, float]:
    t0 = time.perf_counter()
    x = Value(0.5)
    y = x
    for i in range(n):  # n ops, each one level deeper
        y = y * 0.999999 if i % 2 else y + 0.000001
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=7)
    args = parser.parse_args()
    X, y = two_moons(100)

    rows = []
    ours = Model(Value)
    t_ours = time_steps(ours, X, y, args.steps)
    bpn_ours, nodes = peak_bytes_per_node(Model(Value), X, y, lambda r: len(topological_order(r)))
    rows.append(("chainrule", t_ours, bpn_ours, nodes))
    try:
        from micrograd.engine import Value as MicroValue
    except ImportError:
        MicroValue = None
        print("micrograd not installed (pip install micrograd): no reference run")
    if MicroValue is not None:
        theirs = Model(MicroValue)
        t_theirs = time_steps(theirs, X, y, args.steps)
        bpn_theirs, n2 = peak_bytes_per_node(Model(MicroValue), X, y, micrograd_count)
        rows.append(("micrograd", t_theirs, bpn_theirs, n2))

    print(f"2-16-16-1 ReLU MLP, 100 two-moons points, MSE + SGD, median of {args.steps} steps")
    print(f"{'engine':<10} {'s/step':>8} {'bytes/node':>11} {'nodes':>8}")
    for name, t, bpn, n in rows:
        print(f"{name:<10} {t:8.3f} {bpn:11.0f} {n:8d}")
    if MicroValue is not None:
        print(f"speed-up vs micrograd: {t_theirs / t_ours:.2f}x (target >= 5x)")
        print(f"memory per node: {bpn_ours:.0f} B vs {bpn_theirs:.0f} B (target <= 300 B)")
    fwd, bwd = deep_chain()
    print(f"10^6-deep chain: forward {fwd:.2f} s, backward {bwd:.2f} s, "
          f"total {fwd + bwd:.2f} s (target < 5 s)")


if __name__ == "__main__":
    main()
