"""viz.classroom (named steps on the compact graph) and the pictures of a
recorded pass (draw_graph/BackwardStepper with local=, steps=): the edges carry
the factors the pass used, not the op rules at today's data."""
import pytest

import viz
from autograd import Value, backward_from
from chainrule.solver import solve
from chainrule.spec import preset
from test_viz_animate import page_data


def chain():
    """y = w * x (named), E = y * y: one weight, a named product, a square."""
    w, x = Value(3.0, "w"), Value(2.0, "x")
    y = (w * x).named("y")
    E = (y * y).named("E")
    return w, x, y, E


def test_the_classroom_steps_light_their_boxes_and_edges_by_default():
    w, x, y, E = chain()
    E.backward()
    steps = [viz.ClassroomStep("forward", ["y = w*x = 3*2 = 6"], y, "data", "6"),
             viz.ClassroomStep("forward", ["E = y*y = 36"], E, "data", "36"),
             viz.ClassroomStep("backward", ["dE/dy = 2y = 12"], y, "grad", "12"),
             viz.ClassroomStep("backward", ["dE/dw = dE/dy * x = 24"], w, "grad", "24"),
             viz.ClassroomStep("update", ["w+ = 3 - 0.1*24 = 0.6"], w, "update", "0.6",
                               label="w+")]
    stepper = viz.ClassroomStepper(E, steps, seeds=[E])
    data = page_data(stepper.page())
    ids = {b["name"]: k for k, b in data["boxes"].items()}
    n = {name: k[1:] for name, k in ids.items()}
    # a value: the edges from its operands; a gradient: the edges from its users
    assert data["steps"][0]["edges"] == [f"k{n['y']}_{n['w']}", f"k{n['y']}_{n['x']}"]
    assert data["steps"][2]["edges"] == [f"k{n['E']}_{n['y']}"]
    assert data["steps"][3]["edges"] == [f"k{n['y']}_{n['w']}"]
    assert data["steps"][4]["edges"] == [] and data["steps"][4]["label"] == "w+"
    assert data["boxes"][ids["w"]] == {"name": "w", "data": "3.000000", "grad": "24.000000",
                                       "leaf": True}
    assert data["seeds"] == [ids["E"]]
    assert len(stepper) == 5 and "ArrowRight" in stepper._repr_html_()


def test_the_classroom_refuses_a_bad_step(tmp_path):
    w, x, y, E = chain()
    with pytest.raises(ValueError, match="step 1: phase must be one of forward, backward, update"):
        viz.ClassroomStepper(E, [viz.ClassroomStep("sideways", ["?"])])
    with pytest.raises(ValueError, match="step 1: fill must be one of"):
        viz.ClassroomStepper(E, [viz.ClassroomStep("forward", ["?"], None, "data", "6")])
    with pytest.raises(ValueError, match="animate_steps: the page is HTML"):
        viz.animate_steps(E, [], tmp_path / "x.svg")
    assert list(tmp_path.iterdir()) == []
    path = viz.animate_steps(E, [], tmp_path / "x.html", title="y and E")
    assert "<h3>y and E</h3>" in path.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["x.html"]  # no .part left behind


def test_a_pass_in_stages_is_drawn_with_its_own_factors():
    """Stop at y, change w, go on: dE/dx went through the new w. The picture with
    local= shows that factor on the edge x -> y; without it, the op rule at today's data
    (the same here) - so change w back and compare."""
    w, x, y, E = chain()
    steps = []
    backward_from([(E, 1.0)], stop_at={y}, on_step=steps.append)
    w.data = 5.0  # "updated" before the pass goes on below y
    backward_from([(y, y.grad)], on_step=steps.append)
    assert x.grad == 12.0 * 5.0
    local = {}
    for s in steps:
        local.setdefault(s.parent, []).append((s.child, s.local))
    w.data = 3.0  # the picture shows the values of the forward pass
    compact = viz.draw_graph(E, local=local, compact=True).source
    plain = viz.draw_graph(E, compact=True).source
    assert "label=5.000000 " in compact and "label=5.000000 " not in plain
    full = viz.draw_graph(E, compact=False, edge_labels=True, local=local).source
    assert 'label=" 5.000000 "' in full
    with pytest.raises(ValueError, match="with local= .* leave highlight=None"):
        viz.draw_graph(E, local=local, highlight=x)
    # the stepper of every operation steps through the recorded pass as it is
    stepper = viz.BackwardStepper(E, steps=steps, local=local)
    x_step = next(f for f in stepper.steps if f["child_name"] == "x")
    assert (x_step["local"], x_step["after"]) == ("5.000000", "60.000000")


def test_first_pass_restores_the_run():
    run = solve(preset("bp232"), "sequential", [3]).run
    w1, w7 = run.params["w1"], run.params["w7"]
    before = (w1.data, w1.grad, w7.data, run.loss.grad)
    with run.first_pass() as local:
        assert (w1.data, w7.data) == (0.1, 0.4)
        assert w1.grad == pytest.approx(run.gradients["w1"], abs=1e-15)
        assert run.nodes["out_h1"].grad == pytest.approx(0.027505, abs=5e-7)
        out_h1 = run.nodes["out_h1"]
        into = [f for entries in local.values() for c, f in entries if c is out_h1]
        # the factors into out_h1: the updated w7, w8 (sequential), not 0.4, 0.45
        assert sorted(into) == pytest.approx(sorted([run.updated["w7"], run.updated["w8"]]))
    assert (w1.data, w1.grad, w7.data, run.loss.grad) == before
    assert w7.data != 0.4  # the run is three updates on
