"""Tensor engine benchmark: one SGD step of the same network, four ways.

1. A 784-128-64-10 ReLU MLP (MNIST-sized), batch 64, softmax cross-entropy, SGD.
2. Seed 004's iris network: 4-6-3, sigmoid hidden, softmax cross-entropy, batch 120.

Each step (forward, backward, update) runs as
  - numpy: a hand-written forward and backward (the matrix-BP deck's rules): the
    floor any engine on numpy can reach;
  - chainrule engine: Tensor ops, loss.backward() (its lean array pass), and the
    update p.data = p.data - lr * p.grad;
  - chainrule generic: the same, with gradients from autograd.grad(), which runs
    the engine's generic backward loop (the one that also serves on_step and
    create_graph);
  - chainrule nn: TensorMLP + the cross_entropy loss + nn.optim.SGD, as a user writes it;
  - torch CPU (float64), if installed.
All start from the same weights and see the same batches; the script checks they
end with the same weights, then prints the median seconds per step (over rounds,
interleaved among the numpy and chainrule variants; torch's rounds run after
them) and the ratios to numpy and to torch, from this one run.

    python bench/tensor_mlp.py [--rounds 15] [--steps 20]

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set on this machine (older OpenBLAS
builds need them); they slow the matrix products of numpy and chainrule alike.
For absolute figures run it as
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/tensor_mlp.py
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Callable, Optional

import numpy as np

import autograd
from autograd import Tensor
from nn.linear import Linear, TensorMLP
from nn.losses import cross_entropy
from nn.optim import SGD

try:
    import torch
except ImportError:  # torch is optional: the comparison is skipped
    torch = None


def init_weights(sizes: tuple, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    params = []
    for nin, nout in zip(sizes, sizes[1:]):
        bound = 1.0 / np.sqrt(nin)
        params += [rng.uniform(-bound, bound, (nin, nout)), rng.uniform(-bound, bound, nout)]
    return params


# --- numpy by hand: the floor ------------------------------------------------------

class NumpyNet:
    def __init__(self, weights: list[np.ndarray], hidden: str, lr: float) -> None:
        self.params = [w.copy() for w in weights]
        self.hidden, self.lr = hidden, lr

    def step(self, X: np.ndarray, y: np.ndarray) -> float:
        p = self.params
        n_layers = len(p) // 2
        Z, H = [X], []
        for k in range(n_layers):
            h = Z[-1] @ p[2 * k] + p[2 * k + 1]
            H.append(h)
            if k < n_layers - 1:
                Z.append(np.maximum(h, 0.0) if self.hidden == "relu" else 1.0 / (1.0 + np.exp(-h)))
        out = H[-1]
        shifted = out - out.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, y]))
        d = e / total                       # dJ/dout = (S - S~) / N
        d[rows, y] -= 1.0
        d /= len(y)
        grads = [None] * len(p)
        for k in range(n_layers - 1, -1, -1):
            grads[2 * k] = Z[k].T @ d       # dJ/dW = Z^T dJ/dh
            grads[2 * k + 1] = d.sum(axis=0)  # dJ/db = column sums
            if k:
                dz = d @ p[2 * k].T         # dJ/dZ = dJ/dh W^T
                z = Z[k]
                d = dz * (H[k - 1] > 0) if self.hidden == "relu" else dz * z * (1.0 - z)
        self.params = [w - self.lr * g for w, g in zip(p, grads)]
        return loss

    def weights(self) -> list[np.ndarray]:
        return self.params


# --- chainrule ----------------------------------------------------------------------

class EngineNet:
    """Tensor ops and loss.backward(); gradients by the generic loop if ``generic``."""

    def __init__(self, weights: list[np.ndarray], hidden: str, lr: float,
                 generic: bool = False) -> None:
        self.params = [Tensor(w) for w in weights]
        self.hidden, self.lr, self.generic = hidden, lr, generic

    def step(self, X: np.ndarray, y: np.ndarray) -> float:
        p = self.params
        n_layers = len(p) // 2
        z = X
        for k in range(n_layers):
            h = z @ p[2 * k] + p[2 * k + 1]
            z = (h.relu() if self.hidden == "relu" else h.sigmoid()) if k < n_layers - 1 else h
        loss = z.cross_entropy(y)
        if self.generic:
            grads = autograd.grad(loss, p)
        else:
            for t in p:
                t.grad = t.zero_gradient()
            loss.backward()
            grads = [t.grad for t in p]
        for t, g in zip(p, grads):
            t.data = t.data - self.lr * g
        return float(loss.data)

    def weights(self) -> list[np.ndarray]:
        return [t.data for t in self.params]


class NNNet:
    """As a user writes it: TensorMLP, the cross_entropy loss, nn.optim.SGD."""

    def __init__(self, weights: list[np.ndarray], hidden: str, lr: float) -> None:
        n_layers = len(weights) // 2
        layers = [Linear(*weights[2 * k].shape, hidden if k < n_layers - 1 else "softmax",
                         weights=weights[2 * k], bias=weights[2 * k + 1], index=k + 1)
                  for k in range(n_layers)]
        self.model = TensorMLP.from_layers(layers)
        self.optimizer = SGD(self.model.parameters(), lr=lr)

    def step(self, X: np.ndarray, y: np.ndarray) -> float:
        loss = cross_entropy(self.model(X), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return float(loss.data)

    def weights(self) -> list[np.ndarray]:
        return [p.data for p in self.model.parameters()]


class TorchNet:
    def __init__(self, weights: list[np.ndarray], hidden: str, lr: float) -> None:
        self.params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
        self.act = torch.relu if hidden == "relu" else torch.sigmoid
        self.optimizer = torch.optim.SGD(self.params, lr=lr)

    def step(self, X: np.ndarray, y: np.ndarray) -> float:
        p = self.params
        z = torch.from_numpy(X)
        n_layers = len(p) // 2
        for k in range(n_layers):
            h = z @ p[2 * k] + p[2 * k + 1]
            z = self.act(h) if k < n_layers - 1 else h
        loss = torch.nn.functional.cross_entropy(z, torch.from_numpy(y))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def weights(self) -> list[np.ndarray]:
        return [t.detach().numpy() for t in self.params]


# --- the measurement -----------------------------------------------------------------

def median_step_seconds(nets: dict, batches: list, rounds: int, steps: int) -> dict:
    """Interleaved rounds (each net runs ``steps`` steps in turn), so drifts in
    machine speed hit every net alike; the median over rounds per step."""
    times: dict[str, list[float]] = {name: [] for name in nets}
    k = 0
    for _ in range(rounds):
        for name, net in nets.items():
            start = time.perf_counter()
            for i in range(steps):
                X, y = batches[(k + i) % len(batches)]
                net.step(X, y)
            times[name].append((time.perf_counter() - start) / steps)
        k += steps
    return {name: statistics.median(t) for name, t in times.items()}


def benchmark(title: str, sizes: tuple, hidden: str, batch: int, lr: float,
              rounds: int, steps: int, data: Optional[tuple] = None) -> None:
    rng = np.random.default_rng(1)
    if data is None:
        X = rng.standard_normal((batch * 8, sizes[0]))
        y = rng.integers(0, sizes[-1], len(X))
    else:
        X, y = data
    batches = [(X[i:i + batch], y[i:i + batch]) for i in range(0, len(X), batch)]
    weights = init_weights(sizes, seed=0)
    makers: dict[str, Callable] = {
        "numpy (by hand)": lambda: NumpyNet(weights, hidden, lr),
        "chainrule engine": lambda: EngineNet(weights, hidden, lr),
        "chainrule generic": lambda: EngineNet(weights, hidden, lr, generic=True),
        "chainrule nn": lambda: NNNet(weights, hidden, lr),
    }
    if torch is not None:
        makers["torch CPU"] = lambda: TorchNet(weights, hidden, lr)

    # The same steps from the same start must give the same weights.
    check = {name: make() for name, make in makers.items()}
    for i in range(5):
        for net in check.values():
            net.step(*batches[i % len(batches)])
    reference = check["numpy (by hand)"].weights()
    agree = {name: max(float(np.max(np.abs(a - b))) for a, b in zip(net.weights(), reference))
             for name, net in check.items()}

    # torch runs on its own, after the others: its OpenMP threads keep spinning for
    # a while after each op, which would slow whatever ran next on the two cores.
    ours = {name: make() for name, make in makers.items() if name != "torch CPU"}
    median_step_seconds(ours, batches, 2, steps)  # warm-up
    med = median_step_seconds(ours, batches, rounds, steps)
    if "torch CPU" in makers:
        theirs = {"torch CPU": makers["torch CPU"]()}
        median_step_seconds(theirs, batches, 2, steps)
        med.update(median_step_seconds(theirs, batches, rounds, steps))
    base = med["numpy (by hand)"]
    torch_time = med.get("torch CPU")
    print(f"\n{title}: {'-'.join(map(str, sizes))}, {hidden} hidden, softmax cross-entropy, "
          f"batch {batch}, SGD lr {lr:g}")
    print(f"  {'':20} {'s/step':>11} {'x numpy':>9} {'x torch':>9}   "
          "max |w - w_numpy| after 5 steps")
    for name, t in med.items():
        vs_torch = f"{t / torch_time:9.2f}" if torch_time else f"{'-':>9}"
        print(f"  {name:20} {t:11.3e} {t / base:9.2f} {vs_torch}   {agree[name]:.1e}")


def blas_kernel() -> str:
    """The OpenBLAS kernel numpy runs (best effort: numpy's bundled OpenBLAS)."""
    import ctypes
    import glob
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs",
                                  "*openblas*"))
    try:
        name = ctypes.CDLL(libs[0]).scipy_openblas_get_corename64_
        name.restype = ctypes.c_char_p
        return f"OpenBLAS kernel {name().decode()}"
    except (IndexError, OSError, AttributeError):
        return "BLAS kernel unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    blas = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    print(f"numpy {np.__version__} ({blas_kernel()})" + (f", torch {torch.__version__} "
                                       f"({torch.get_num_threads()} threads)" if torch else
                                       ", torch not installed")
          + (f"; {blas} set (see the docstring)" if blas else ""))
    benchmark("MNIST-sized MLP", (784, 128, 64, 10), "relu", 64, 0.1, args.rounds, args.steps)
    from chainrule.iris import load_iris, split
    X, y = load_iris()
    X_train, y_train, _, _ = split(X, y)
    benchmark("Iris (the iris deck)", (4, 6, 3), "sigmoid", 120, 0.1, args.rounds, args.steps * 5,
              data=(X_train, y_train))


if __name__ == "__main__":
    main()
