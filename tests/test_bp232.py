"""Every figure of the 2-3-2 reference (shared/reference/bp_2_3_2.md), under both
update conventions, to the printed digit; the trace invariant; where the
conventions differ; the many-iteration figures; the slide check."""
import pytest

from chainrule.solver import check_figures, solve
from chainrule.spec import preset

W_NAMES = [f"w{i}" for i in range(1, 13)]


def close(value: float, printed: str) -> bool:
    """Within one unit of the last printed digit."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return abs(value - float(printed)) <= 10.0 ** -decimals * (1 + 1e-9)


@pytest.fixture(scope="module")
def sol():
    return solve(preset("bp232"))


@pytest.fixture(scope="module")
def seq(sol):
    return sol.runs["sequential"]


@pytest.fixture(scope="module")
def sim(sol):
    return sol.runs["simultaneous"]


FORWARD = [("net_h1", "2.35"), ("out_h1", "0.912934"), ("out_h2", "0.979164"),
           ("out_h3", "0.995275"), ("out_o1", "0.891090"), ("out_o2", "0.904330"),
           ("E_total", "0.391829")]


@pytest.mark.parametrize("convention", ["sequential", "simultaneous"])
@pytest.mark.parametrize("name, printed", FORWARD)
def test_forward_figures(sol, convention, name, printed):
    assert close(sol.runs[convention].value(name), printed)


def test_net_o1_is_the_sum_of_rounded_intermediates(seq):
    # the slide's 2.1019206 is what the 6-decimal out_h values give; the exact value
    # agrees to 6 decimals but not to the 7th digit the slide prints
    assert 0.4 * 0.912934 + 0.5 * 0.979164 + 0.6 * 0.995275 + 0.65 == pytest.approx(2.1019206, abs=1e-12)
    assert close(seq.value("net_o1"), "2.101921") and not close(seq.value("net_o1"), "2.1019206")


@pytest.mark.parametrize("convention", ["sequential", "simultaneous"])
@pytest.mark.parametrize("quantity, printed", [
    ("dE_total/dout_o1", "0.88109"), ("dout_o1/dnet_o1", "0.097049"),
    ("dnet_o1/dw7", "0.912934"), ("dE_total/dw7", "0.078064"), ("w7+", "0.360968"),
])
def test_output_weight_w7(sol, convention, quantity, printed):
    assert close(sol.runs[convention].value(quantity), printed)


def test_w7_chain_rule_product_is_the_engine_grad(seq):
    product = (seq.derivative("E_total", "out_o1") * seq.derivative("out_o1", "net_o1")
               * seq.derivative("net_o1", "w7"))
    assert product == pytest.approx(seq.gradients["w7"], abs=1e-16)


def test_multi_path_sum_for_w1(sol):
    for run in sol.runs.values():
        paths = run.derivative("E_o1", "out_h1") + run.derivative("E_o2", "out_h1")
        assert paths == pytest.approx(run.grad("out_h1"), abs=1e-16)
        chain = paths * run.derivative("out_h1", "net_h1") * run.derivative("net_h1", "w1")
        assert chain == pytest.approx(run.gradients["w1"], abs=1e-16)


def test_sequential_backprops_through_the_updated_w7(seq, sim):
    assert close(seq.value("dE_o1/dout_h1"), "0.030866")  # uses w7+ = 0.360968
    assert close(sim.value("dE_o1/dout_h1"), "0.034204")  # uses w7 = 0.4
    assert seq.value("dnet_o1/dout_h1") == seq.updated["w7"]
    assert sim.value("dnet_o1/dout_h1") == 0.4


def test_dw1_and_the_0011204_erratum(seq, sim):
    assert close(seq.gradients["w1"], "0.010931")
    assert close(sim.gradients["w1"], "0.012268")
    for run in (seq, sim):
        assert not close(run.gradients["w1"], "0.011204")
    # the slide's own arithmetic contradicts 0.011204
    assert close(0.1 - 0.5 * 0.011204, "0.094398") and not close(0.1 - 0.5 * 0.011204, "0.094534")
    assert close(0.1 - 0.5 * seq.gradients["w1"], "0.094534")


SEQUENTIAL = ["0.094534", "0.139069", "0.198211", "0.246422", "0.29949649", "0.348993",
              "0.360968", "0.453383", "0.45813646", "0.553629", "0.557448", "0.653688"]
SIMULTANEOUS = ["0.093866", "0.137732", "0.198027", "0.246054", "0.299453", "0.348907",
                "0.360968", "0.453383", "0.458136", "0.553629", "0.557448", "0.653688"]
SLIDE = ["0.094534", "0.139069", "0.198211", "0.246422", "0.299497", "0.348993",
         "0.360968", "0.453383", "0.458137", "0.553629", "0.557448", "0.653688"]


@pytest.mark.parametrize("i", range(12))
def test_updated_weights_table(seq, sim, i):
    w = W_NAMES[i]
    assert close(seq.updated[w], SEQUENTIAL[i])
    assert close(sim.updated[w], SIMULTANEOUS[i])
    assert close(seq.updated[w], SLIDE[i])  # every slide w+ within one unit (w5, w9: exactly one)


def test_conventions_differ_exactly_in_the_hidden_layer(seq, sim):
    assert seq.forward == sim.forward
    for w in W_NAMES[6:]:  # the output layer: identical, bit for bit
        assert seq.gradients[w] == sim.gradients[w] and seq.updated[w] == sim.updated[w]
    for w in W_NAMES[:6]:  # the hidden layer: different
        assert abs(seq.gradients[w] - sim.gradients[w]) > 1e-5
    for b in ("b1", "b2"):  # not trained by either
        assert seq.updated[b] == sim.updated[b] == seq.initial[b]
    assert seq.gradients["b2"] == sim.gradients["b2"] and seq.gradients["b1"] != sim.gradients["b1"]


@pytest.mark.parametrize("k, o1, o2", [(9, "0.662866", "0.908195"), (100, "0.073889", "0.945864"),
                                       (1000, "0.022971", "0.977675")])
def test_outputs_after_k_updates_sequential(seq, k, o1, o2):
    assert close(seq.value(f"out_o1@{k}"), o1) and close(seq.value(f"out_o2@{k}"), o2)


def test_iteration_labels_are_off_by_one(seq):
    # the slide's "10th iteration" is after 9 updates, not 10
    assert not close(seq.value("out_o1@10"), "0.662866")
    # and its w^1000 is after 1001 updates, not 1000
    assert not close(seq.value("w7@1000"), "-1.48972")


W1000 = ["0.214925", "0.379850", "0.262855", "0.375711", "0.323201", "0.396402",
         "-1.48972", "0.941715", "-1.50182", "1.049019", "-1.42756", "1.151881"]


@pytest.mark.parametrize("i", range(12))
def test_w1000_is_the_weights_after_1001_updates(seq, i):
    assert close(seq.value(f"{W_NAMES[i]}@1001"), W1000[i])


def test_w7_after_1001_is_truncated_on_the_slide(seq):
    assert seq.value("w7@1001") == pytest.approx(-1.48972775, abs=5e-9)


def test_simultaneous_after_100_updates(sim):
    assert close(sim.value("out_o1@100"), "0.073983") and close(sim.value("out_o2@100"), "0.945932")


def test_trace_invariant_every_node(sol):
    """The products flowing into every node sum to its grad (multi-path sum rule)."""
    for run in sol.runs.values():
        into: dict[int, float] = {}
        for s in run.steps:
            into[id(s.child)] = into.get(id(s.child), 0.0) + s.product
            assert s.product == pytest.approx(s.local * s.upstream, abs=1e-17)
        for name, node in run.nodes.items():
            if node is not run.loss:
                assert into[id(node)] == pytest.approx(run.grad(name), abs=1e-16), name


def test_slide_check_marks_and_explains(sol):
    checks = check_figures(sol)
    assert len(checks) == 46
    seq_miss = [c.figure.figure for c in checks if not c.matches["sequential"]]
    assert seq_miss == ["net_o1", "dE_total/dw1"]
    sim_miss = {c.figure.figure for c in checks if not c.matches["simultaneous"]}
    assert {"dE_o1/dout_h1", "w1+", "w6+", "w1 in w^1000"} <= sim_miss
    assert {"w7+", "out_h1", "dE_total/dw7"}.isdisjoint(sim_miss)
    notes = {c.figure.figure: c.note for c in checks}
    assert "typo" in notes['out_h3 (printed "out_h2")']
    assert "erratum" in notes["dE_total/dw1"] and "0.094398" in notes["dE_total/dw1"]
    assert "Off by one" in notes['out_o1, "10th iteration"']
    assert "0.360968" in notes["dE_o1/dout_h1"]
    assert "2.10192009" in notes["net_o1"]  # {net_o1:8} filled from the engine


def test_simultaneous_run_explains_sequential_figures():
    from chainrule.report import full_note
    checks = check_figures(solve(preset("bp232"), "simultaneous", after=[]))
    w1 = next(c for c in checks if c.figure.figure == "w1+")
    assert not w1.match and w1.matches["sequential"]
    assert "follows the sequential convention" in full_note(w1)
