"""The iris deck's classification: a 4-6-3 network (sigmoid hidden layer,
softmax output, cross-entropy) trained on the first 40 flowers of each class
and tested on the last 10.

The table ships in the package (``chainrule/data/iris.csv``: Fisher's 150 flowers, in
the classic order, with the two corrections to the UCI copy that sklearn also
applies), so everything runs offline. Features are used as measured (cm), as
on the slides: the slides' trained weights, applied to the raw features,
reproduce the slides' predicted probabilities.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Optional

import numpy as np

from autograd import Tensor, no_grad
from nn.linear import Linear, TensorMLP
from nn.optim import SGD
from nn.i18n import using_language
from nn.train import History, fit

from .i18n import _, ljust

FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
CLASSES = ("setosa", "versicolor", "virginica")
PER_CLASS, TRAIN_PER_CLASS = 50, 40

# The prediction slide's six flowers (class 0/1/2 = the slide's one-hot 1,0,0 / 0,1,0 / 0,0,1);
# they are rows 41, 42, 91, 92, 141 and 142 of the table, all in the test set.
PREDICTION_SAMPLES = np.array([
    [5.0, 3.5, 1.3, 0.3],
    [4.5, 2.3, 1.3, 0.3],
    [5.5, 2.6, 4.4, 1.2],
    [6.1, 3.0, 4.6, 1.4],
    [6.7, 3.1, 5.6, 2.4],
    [6.9, 3.1, 5.1, 2.3],
])
PREDICTION_CLASSES = np.array([0, 0, 1, 1, 2, 2])

# The trained network printed on the slide (W of shape (inputs, outputs)).
SLIDE_WEIGHTS = {
    "W1": [[-0.92051142, -0.26299602, -1.31182587, -0.01975909, -0.59453297, -1.11046791],
           [-0.28832591, -1.20107734, -0.9193843, 2.20059323, -1.76573455, -0.85953856],
           [-2.33936191, 2.61448216, -0.70324481, -2.55568218, 2.42951894, -1.61432779],
           [-2.24077463, 2.89018154, 0.49342883, -2.72368193, 4.8323493, 1.31086338]],
    "b1": [-2.00212002, -2.24461389, -0.26081288, 0.61751789, -11.42080021, -0.88119394],
    "W2": [[-0.47563726, -0.80865479, -1.70860052],
           [-4.02558851, 4.80955172, 1.79265082],
           [0.18003793, 0.4045147, 0.40952846],
           [8.4482317, -6.87298441, -4.0685277],
           [-2.96541858, -5.34733152, 11.1489048],
           [0.08154635, 0.21151544, -0.45402744]],
    "b2": [0.90756476, 2.25174689, -2.58430076],
}
# The probabilities the slide prints for the six flowers under those weights.
# (Its first entry reads 9.9998450e-01, a dropped 9: the row must sum to 1, and
# the weights give 0.99999841.)
SLIDE_PROBABILITIES = np.array([
    [9.9998450e-01, 1.42261445e-06, 1.62947060e-07],
    [9.99949336e-01, 4.81077950e-05, 2.52183918e-06],
    [4.37718809e-05, 9.98948872e-01, 1.00730266e-03],
    [4.63805227e-05, 9.98428643e-01, 1.52486726e-03],
    [8.70701982e-08, 2.18645262e-04, 9.99781311e-01],
    [2.09509579e-07, 6.10101502e-04, 9.99389648e-01],
])

# Full-batch gradient descent at this rate lowers the loss at every epoch (lr 0.5
# oscillates), so the result does not hinge on rounding.
DEFAULTS = {"epochs": 5000, "lr": 0.1, "batch_size": None, "seed": 0}


def load_iris() -> tuple[np.ndarray, np.ndarray]:
    """The 150 flowers: X (150, 4) in cm, y (150,) class indices 0..2 (see CLASSES)."""
    text = resources.files("chainrule").joinpath("data", "iris.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    X = np.array([[float(r[f]) for f in FEATURES] for r in rows])
    y = np.array([CLASSES.index(r["species"]) for r in rows])
    return X, y


def split(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The slides' split: the first 40 of each class train (120), the last 10 test (30)."""
    train = np.concatenate([np.flatnonzero(y == c)[:TRAIN_PER_CLASS] for c in range(3)])
    test = np.concatenate([np.flatnonzero(y == c)[TRAIN_PER_CLASS:] for c in range(3)])
    return X[train], y[train], X[test], y[test]


def build_model(seed: Optional[int] = 0) -> TensorMLP:
    """4 inputs, 6 sigmoid hidden neurons, 3 softmax outputs."""
    return TensorMLP(4, [6, 3], "sigmoid", output_activation="softmax", seed=seed)


def slide_model() -> TensorMLP:
    """The network with the weights the slide prints after its training."""
    return TensorMLP.from_layers([
        Linear(4, 6, "sigmoid", weights=SLIDE_WEIGHTS["W1"], bias=SLIDE_WEIGHTS["b1"], index=1),
        Linear(6, 3, "softmax", weights=SLIDE_WEIGHTS["W2"], bias=SLIDE_WEIGHTS["b2"], index=2),
    ])


def predict_proba(model: TensorMLP, X: Any) -> np.ndarray:
    with no_grad():
        out = model(np.asarray(X, dtype=np.float64))
    return out.data if isinstance(out, Tensor) else np.asarray(out)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int = 3) -> np.ndarray:
    """Rows = true class, columns = predicted class."""
    m = np.zeros((k, k), dtype=int)
    np.add.at(m, (y_true, y_pred), 1)
    return m


@dataclass
class IrisResult:
    train_correct: int
    train_total: int
    test_correct: int
    test_total: int
    confusion: np.ndarray
    probabilities: np.ndarray  # for PREDICTION_SAMPLES
    settings: dict
    history: Optional[History] = None
    weights: dict = field(default_factory=dict)

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    def to_dict(self) -> dict:
        return {
            "network": "4-6-3 (sigmoid hidden, softmax output, cross-entropy)",
            "settings": self.settings,
            "final_loss": self.history.loss[-1] if self.history and self.history.loss else None,
            "train": {"correct": self.train_correct, "total": self.train_total,
                      "accuracy": self.train_correct / self.train_total},
            "test": {"correct": self.test_correct, "total": self.test_total,
                     "accuracy": self.test_correct / self.test_total},
            "classes": list(CLASSES),
            "confusion_matrix": self.confusion.tolist(),
            "predictions": [
                {"sample": i + 1, "features": dict(zip(FEATURES, x.tolist())),
                 "true": CLASSES[t], "probabilities": dict(zip(CLASSES, p.tolist())),
                 "predicted": CLASSES[int(p.argmax())]}
                for i, (x, t, p) in enumerate(zip(PREDICTION_SAMPLES, PREDICTION_CLASSES,
                                                  self.probabilities))
            ],
            "weights": {k: v.tolist() for k, v in self.weights.items()},
        }


def training_mode(batch_size: Optional[int], n: int, translated: bool = False) -> str:
    """How ``fit`` goes through ``n`` samples in batches of ``batch_size``: in
    English (the settings, --json), or ``translated`` for the report."""
    if translated:
        return _training_mode(batch_size, n)
    with using_language("en"):
        return _training_mode(batch_size, n)


def _training_mode(batch_size: Optional[int], n: int) -> str:
    if batch_size is None:
        return _("full-batch gradient descent")
    if batch_size >= n:  # one batch holds every sample: no different from full-batch
        return _("full-batch gradient descent (batch size {size} >= the {count} training "
                 "samples)").format(size=batch_size, count=n)
    if batch_size == 1:
        return _("stochastic gradient descent")
    return _("mini-batch gradient descent ({size} per batch)").format(size=batch_size)


def run(epochs: int = DEFAULTS["epochs"], lr: float = DEFAULTS["lr"],
        batch_size: Optional[int] = DEFAULTS["batch_size"], seed: Optional[int] = DEFAULTS["seed"],
        use_slide_weights: bool = False) -> IrisResult:
    """Train (or take the slide's weights) and evaluate on the slides' split."""
    X, y = load_iris()
    X_train, y_train, X_test, y_test = split(X, y)
    history = None
    if use_slide_weights:
        model = slide_model()
        settings: dict = {"weights": "the slide's trained network"}
    else:
        model = build_model(seed)
        settings = {"epochs": epochs, "lr": lr, "batch_size": batch_size, "seed": seed,
                    "optimizer": "SGD", "mode": training_mode(batch_size, len(y_train))}
        history = fit(model, X_train, y_train, loss="cross_entropy",
                      optimizer=SGD(model.parameters(), lr=lr), epochs=epochs,
                      batch_size=batch_size, seed=seed, progress=False)
    train_pred = predict_proba(model, X_train).argmax(axis=1)
    test_pred = predict_proba(model, X_test).argmax(axis=1)
    return IrisResult(
        train_correct=int((train_pred == y_train).sum()), train_total=len(y_train),
        test_correct=int((test_pred == y_test).sum()), test_total=len(y_test),
        confusion=confusion_matrix(y_test, test_pred),
        probabilities=predict_proba(model, PREDICTION_SAMPLES),
        settings=settings, history=history,
        weights={name: p.data.copy() for name, p in model.named_parameters()},
    )


def report(result: IrisResult) -> str:
    """The result as a student reads it."""
    s = result.settings
    lines = [_("Iris (the iris deck): a 4-6-3 network, sigmoid hidden layer, softmax output, "
               "cross-entropy loss"),
             _("Data: Fisher's 150 flowers; train = the first 40 of each class (120), "
               "test = the last 10 (30)")]
    if "epochs" in s:
        loss = result.history.loss[-1] if result.history and result.history.loss else float("nan")
        mode = training_mode(s["batch_size"], result.train_total, translated=True)
        lines.append(_("Training: {mode}, SGD lr {lr}, {epochs} epochs, seed {seed}; final "
                       "training loss {loss}").format(mode=mode, lr=f"{s['lr']:g}",
                                                      epochs=s["epochs"], seed=s["seed"],
                                                      loss=f"{loss:.6f}"))
    else:
        lines.append(_("Weights: the trained network printed on the slide (no training)"))
    lines += [
        "",
        _("train accuracy: {correct}/{total} = {percent}%").format(
            correct=f"{result.train_correct:3d}", total=result.train_total,
            percent=f"{100 * result.train_correct / result.train_total:6.2f}"),
        _("test accuracy:  {correct}/{total}  = {percent}%").format(
            correct=f"{result.test_correct:3d}", total=result.test_total,
            percent=f"{100 * result.test_correct / result.test_total:6.2f}"),
        "",
        _("Confusion matrix on the test set (rows = true class, columns = predicted):"),
        " " * 12 + "".join(f"{c:>12}" for c in CLASSES),
    ]
    for c, row in zip(CLASSES, result.confusion):
        lines.append(f"{c:<12}" + "".join(f"{n:>12d}" for n in row))
    lines += ["", _("Predicted probabilities for the six flowers on the slide's prediction table:"),
              f"{'#':>2}  " + ljust(_("features (cm)"), 20) + "  " + ljust(_("true"), 11)
              + "".join(f"{c:>14}" for c in CLASSES) + "  " + _("predicted")]
    for i, (x, t, p) in enumerate(zip(PREDICTION_SAMPLES, PREDICTION_CLASSES,
                                      result.probabilities)):
        guess = int(p.argmax())
        mark = "" if guess == t else "   <- " + _("wrong")
        feats = " ".join(f"{v:.1f}" for v in x)
        lines.append(f"{i + 1:>2}  {feats:<20}  {CLASSES[t]:<11}"
                     + "".join(f"{v:>14.6e}" for v in p) + f"  {CLASSES[guess]}{mark}")
    if "epochs" in s:
        lines += ["", _("The slide's own trained network: chainrule iris --slide-weights")]
    return "\n".join(lines)


def main(epochs: int = DEFAULTS["epochs"], lr: float = DEFAULTS["lr"],
         batch_size: Optional[int] = DEFAULTS["batch_size"], seed: Optional[int] = DEFAULTS["seed"],
         use_slide_weights: bool = False, as_json: bool = False) -> int:
    """What ``chainrule iris`` runs."""
    result = run(epochs=epochs, lr=lr, batch_size=batch_size, seed=seed,
                 use_slide_weights=use_slide_weights)
    print(json.dumps(result.to_dict(), indent=2) if as_json else report(result))
    return 0
