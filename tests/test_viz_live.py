"""viz.LiveTrainingView as nn.train.fit's callback."""
from types import SimpleNamespace

import numpy as np
import pytest

import viz
from nn.layers import MLP
from nn.linear import TensorMLP
from nn.train import fit

X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y = [[0.0], [1.0], [1.0], [0.0]]


class FakeHandle:
    def __init__(self):
        self.updates = 0

    def update(self, obj):
        self.updates += 1
        self.last = obj.data


def test_the_view_follows_fit_and_updates_one_display(monkeypatch):
    import IPython.display

    shown = []
    handle = FakeHandle()

    def fake_display(obj, display_id=False):
        shown.append(obj.data)
        return handle
    monkeypatch.setattr(IPython.display, "display", fake_display)
    view = viz.LiveTrainingView(every=5, budget=1.0, display=True)
    model = MLP(2, [3, 1], seed=0)
    history = fit(model, X, Y, loss="mse", epochs=12, batch_size=2, callback=view, seed=0,
                  validation=(X, Y))
    view.close()
    assert view.steps == list(range(1, 25))
    assert view.losses == pytest.approx(history.step_loss)
    assert [v for _, v in view.val_points] == pytest.approx(history.val_loss[:-1])
    assert len(shown) == 1  # one display ...
    assert handle.updates == view.redraws - 1 >= 4  # ... updated in place (steps 1, 5, ..., 24)
    html = handle.last
    assert "<svg" in html and "data:image/png;base64," in html
    assert "epoch 12 · step 24" in html and "validation loss" in html
    assert ">h1</text>" in html and ">out 0." in html  # the network, with the batch's outputs


def test_drawing_stays_within_its_budget(monkeypatch):
    """A fake clock: each training step takes 1 ms, each redraw 50 ms. With a
    20% budget the view spaces its redraws to keep drawing near a fifth of
    the time, however often ``every`` asks."""
    import viz.live

    clock = [0.0]
    monkeypatch.setattr(viz.live.time, "perf_counter", lambda: clock[0])
    view = viz.LiveTrainingView(every=1, budget=0.2, display=False)

    def slow_render(state):
        clock[0] += 0.05
        return f"step {state.step}"
    monkeypatch.setattr(view, "_render", slow_render)
    for step in range(1, 1001):
        clock[0] += 0.001
        view(SimpleNamespace(step=step, loss=1.0 / step, val_loss=None))
    # 1 s of training: at most 20% drawing means about 0.25 s, i.e. 5 redraws
    assert view.redraws == 5
    assert view.drawing_seconds / clock[0] == pytest.approx(0.2, abs=0.02)
    assert view.html() != "step 1000"
    view.close()  # the final state is always drawn
    assert view.html() == "step 1000" and view.redraws == 6


def test_a_tensor_model_and_its_activations():
    model = TensorMLP(2, [5, 1], "sigmoid", seed=0)
    view = viz.LiveTrainingView(every=2, display=False)
    fit(model, np.array(X), np.array(Y), loss="mse", epochs=4, callback=view)
    view.close()
    html = view.html()
    assert ">h5</text>" in html and ">W1[0,0]</text>" in html  # few weights: named on edges
    acts = viz.batch_activations(model, np.array(X))
    assert [a.shape for a in acts] == [(4, 5), (4, 1)]
    assert np.all((acts[0] > 0) & (acts[0] < 1))
    scalar = viz.batch_activations(MLP(2, [3, 1], seed=0), X)
    assert [a.shape for a in scalar] == [(4, 3), (4, 1)]
