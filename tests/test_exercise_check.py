"""The checker of issue 12: a student's answer sheet marked with error carried
forward, every wrong figure diagnosed against the catalogue of misconceptions.

Every sheet here comes from an independent solver written below in plain
Python arithmetic (:func:`hand`), right or broken on purpose, never from the
checker's own workings; the slides' printed figures come from the bp232 preset.
"""
import csv
import json
import math
import re

import pytest

from autograd import Value, backward_from
from chainrule.cli import main
from chainrule.errors import SpecError
from chainrule.exercise.check import check_answers, load_answers, render_marking, written
from chainrule.exercise.misconceptions import MISCONCEPTIONS, misconceived_figures
from chainrule.spec import preset, spec_from_text
from nn.i18n import using_language

# --- the two networks, as numbers -----------------------------------------------------------------

# the BP slides' 2-3-2: weight -> (receiving neuron, sending neuron, value)
NET232 = {
    "inputs": {"l1": 5.0, "l2": 10.0}, "hidden": ["h1", "h2", "h3"], "outputs": ["o1", "o2"],
    "w": {"w1": ("h1", "l1", 0.1), "w2": ("h1", "l2", 0.15), "w3": ("h2", "l1", 0.2),
          "w4": ("h2", "l2", 0.25), "w5": ("h3", "l1", 0.3), "w6": ("h3", "l2", 0.35),
          "w7": ("o1", "h1", 0.4), "w8": ("o2", "h1", 0.45), "w9": ("o1", "h2", 0.5),
          "w10": ("o2", "h2", 0.55), "w11": ("o1", "h3", 0.6), "w12": ("o2", "h3", 0.65)},
    "b": {"hidden": 0.35, "outputs": 0.65}, "targets": {"o1": 0.01, "o2": 0.99}, "lr": 0.5,
}
# w_ij read as w_ji: the hidden layer is numbered target-major (w1, w2 feed h1), read as
# source-major (w1, w2, w3 leave l1); the output layer the other way round
TRANSPOSED232 = {
    "w1": ("h1", "l1"), "w2": ("h2", "l1"), "w3": ("h3", "l1"), "w4": ("h1", "l2"),
    "w5": ("h2", "l2"), "w6": ("h3", "l2"), "w7": ("o1", "h1"), "w8": ("o1", "h2"),
    "w9": ("o1", "h3"), "w10": ("o2", "h1"), "w11": ("o2", "h2"), "w12": ("o2", "h3"),
}

SPEC221 = """\
name = "small221"
inputs = [0.5, 0.8]
targets = [0.7]
learning_rate = 0.5
convention = "simultaneous"
[[layers]]
neurons = ["h1", "h2"]
weights = [[0.15, 0.25], [0.35, 0.2]]
bias = 0.3
[[layers]]
neurons = ["o1"]
weights = [[0.45, 0.6]]
bias = 0.1
"""
NET221 = {
    "inputs": {"x1": 0.5, "x2": 0.8}, "hidden": ["h1", "h2"], "outputs": ["o1"],
    "w": {"w1": ("h1", "x1", 0.15), "w2": ("h1", "x2", 0.25), "w3": ("h2", "x1", 0.35),
          "w4": ("h2", "x2", 0.2), "w5": ("o1", "h1", 0.45), "w6": ("o1", "h2", 0.6)},
    "b": {"hidden": 0.3, "outputs": 0.1}, "targets": {"o1": 0.7}, "lr": 0.5,
}
TRANSPOSED221 = {"w1": ("h1", "x1"), "w2": ("h2", "x1"), "w3": ("h1", "x2"), "w4": ("h2", "x2"),
                 "w5": ("o1", "h1"), "w6": ("o1", "h2")}


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def hand(net, convention="simultaneous", mistake=None, digits=None, slip=None):
    """Every figure of the first pass and update of a 2-layer sigmoid network
    with E = 1/2 sum (target - out)^2, in plain arithmetic, made the way a
    student holding ``mistake`` makes it. ``digits``: each figure rounded to
    that many significant digits and computed on; ``slip``: figures written
    wrong (figure -> value), the later ones computed from them."""
    f = {}

    def put(name, v):
        v = float(text(v, digits)) if digits else v
        f[name] = slip[name] if slip and name in slip else v
        return f[name]

    x, lr, t = net["inputs"], net["lr"], net["targets"]
    conn = {w: (*net["transposed"][w], val) for w, (_to, _src, val) in net["w"].items()} \
        if mistake == "transposed_weights" else net["w"]
    into = {n: [(w, src, val) for w, (to, src, val) in conn.items() if to == n]
            for n in net["hidden"] + net["outputs"]}
    bias = {layer: 0.0 if mistake == "bias_omitted" else b for layer, b in net["b"].items()}

    def sigma_prime(n):
        v = f[f"net_{n}"] if mistake == "sigmoid_derivative" else f[f"out_{n}"]
        return v * (1 - v)

    def update(w, g, value):
        eta = 1.0 if mistake == "learning_rate" else lr * lr if mistake == "learning_rate_twice" else lr
        change = put(f"Δ{w}", (1 if mistake == "update_sign" else -1) * eta * g)
        put(f"{w}+", value + change)

    for layer, source in (("hidden", x), ("outputs", None)):
        for n in net[layer]:
            s = sum(val * (source[src] if source else f[f"out_{src}"]) for _w, src, val in into[n])
            put(f"out_{n}", sigmoid(put(f"net_{n}", s + bias[layer])))
    half = 1.0 if mistake == "half_factor" else 0.5
    put("E_total", sum(put(f"E_{o}", half * (t[o] - f[f"out_{o}"]) ** 2) for o in net["outputs"]))
    for o in net["outputs"]:
        d = (t[o] - f[f"out_{o}"]) if mistake == "target_sign" else -(t[o] - f[f"out_{o}"])
        a = put(f"dE_total/dout_{o}", d * (2 if mistake == "half_factor" else 1))
        b = put(f"dout_{o}/dnet_{o}", sigma_prime(o))
        put(f"dE_total/dnet_{o}", a * b)
    for o in net["outputs"]:
        for w, src, val in into[o]:
            update(w, put(f"dE_total/d{w}", f[f"dE_total/dnet_{o}"] * f[f"out_{src}"]), val)
    # the sequential convention goes through w+, unless the student does the other one
    through_new = (convention == "sequential") != (mistake == "sequential_update")
    for h in net["hidden"]:
        paths = [(o, w, val) for o in net["outputs"] for w, src, val in into[o] if src == h]
        if mistake == "missing_path":
            paths = paths[:1]  # the path through o1 only
        a = put(f"dE_total/dout_{h}", sum(f[f"dE_total/dnet_{o}"] * (f[f"{w}+"] if through_new else val)
                                          for o, w, val in paths))
        put(f"dE_total/dnet_{h}", a * put(f"dout_{h}/dnet_{h}", sigma_prime(h)))
    for h in net["hidden"]:
        for w, src, val in into[h]:
            update(w, put(f"dE_total/d{w}", f[f"dE_total/dnet_{h}"] * x[src]), val)
    return f


def text(v, digits=6):
    """``v`` written with ``digits`` significant digits, trailing zeros kept."""
    if v == 0:
        return "0"
    places = digits - 1 - math.floor(math.log10(abs(v)))
    return f"{v:.{max(places, 0)}f}"


def sheet(figures, digits=6):
    return {q: text(v, digits) for q, v in figures.items()}


NETS = {"232": (NET232 | {"transposed": TRANSPOSED232}, lambda: preset("bp232")),
        "221": (NET221 | {"transposed": TRANSPOSED221}, lambda: spec_from_text(SPEC221))}


def statuses(marking):
    return {f.quantity: f.status for f in marking.figures}


# --- marking -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NETS)
@pytest.mark.parametrize("convention", ["simultaneous", "sequential"])
def test_a_right_sheet_scores_full_marks(name, convention):
    net, spec = NETS[name]
    right = hand(net, convention)
    marking = check_answers(spec(), sheet(right), convention)
    assert set(statuses(marking).values()) == {"correct"}
    assert marking.score["points"] == marking.score["total"] == len(right)
    # the expected values are the exact ones, the independent solver's to the last bits
    for f in marking.figures:
        assert f.expected == pytest.approx(right[f.quantity], rel=1e-12, abs=1e-15), f.quantity


@pytest.mark.parametrize("name", NETS)
def test_rounding_every_intermediate_to_4_significant_digits_loses_nothing(name):
    net, spec = NETS[name]
    rounded = hand(net, digits=4)
    exact = hand(net)
    # the rounding shows: some figures are not the exact value rounded to 4 digits
    assert any(text(exact[q], 4) != text(v, 4) for q, v in rounded.items())
    marking = check_answers(spec(), sheet(rounded, 4), "simultaneous")
    assert set(statuses(marking).values()) == {"correct"}
    assert marking.score["percent"] == 100.0


def test_an_early_slip_is_carried_forward_and_costs_one_mark():
    slip = {"out_h1": 0.9}  # the student's out_h1; σ(2.35) = 0.912934
    figures = hand(NET232 | {"transposed": TRANSPOSED232}, slip=slip)
    marking = check_answers(preset("bp232"), sheet(figures), "simultaneous")
    s = statuses(marking)
    assert s["out_h1"] == "wrong"
    assert marking.figures[[f.quantity for f in marking.figures].index("out_h1")].diagnosis is None
    # everything computed from out_h1 is carried; what does not depend on it is correct
    for q in ("net_o1", "out_o1", "E_total", "dE_total/dout_o2", "dE_total/dw7", "w7+",
              "dE_total/dw9", "dE_total/dnet_h1", "w1+", "dE_total/dw3"):
        assert s[q] == "carried", q
    for q in ("net_h1", "net_h2", "out_h2", "out_h3", "dout_h2/dnet_h2"):
        assert s[q] == "correct", q
    assert marking.score["points"] == marking.score["total"] - 1
    carried = next(f for f in marking.figures if f.quantity == "net_o1")
    assert carried.worked == pytest.approx(0.4 * 0.9 + 0.5 * sigmoid(3.85) + 0.6 * sigmoid(5.35) + 0.65,
                                           abs=1e-6)


def test_a_typo_gets_no_diagnosis():
    figures = sheet(hand(NET232 | {"transposed": TRANSPOSED232}))
    assert figures["dE_total/dw7"] == "0.0780639"
    figures["dE_total/dw7"] = "0.0786039"  # two digits swapped; w7+ was computed right
    marking = check_answers(preset("bp232"), figures, "simultaneous")
    mark = next(f for f in marking.figures if f.quantity == "dE_total/dw7")
    assert (mark.status, mark.diagnosis) == ("wrong", None)
    assert "0.0780639" in mark.explanation  # the exact value, to the digits written
    assert statuses(marking)["w7+"] == "correct"
    assert [f.quantity for f in marking.figures if f.status != "correct"] == ["dE_total/dw7"]


CASES = [(code, name) for code in MISCONCEPTIONS for name in NETS
         if not (code == "missing_path" and name == "221")]


@pytest.mark.parametrize("convention", ["simultaneous", "sequential"])
@pytest.mark.parametrize("code, name", CASES)
def test_every_misconception_is_diagnosed_and_nothing_else(code, name, convention):
    net, spec = NETS[name]
    figures = hand(net, convention, mistake=code)
    right = hand(net, convention)
    changed = [q for q in figures if not math.isclose(figures[q], right[q], rel_tol=1e-9)]
    assert changed, "the broken solver must change some figure"
    marking = check_answers(spec(), sheet(figures), convention)
    wrong = [f for f in marking.figures if f.status == "wrong"]
    assert wrong
    assert {f.diagnosis for f in wrong} == {code}, [(f.quantity, f.given, f.diagnosis) for f in wrong]
    assert all(f.status in ("correct", "carried", "wrong") for f in marking.figures)
    assert all(f.alternatives == [] for f in wrong)
    assert all(f.explanation for f in wrong)


@pytest.mark.parametrize("code", MISCONCEPTIONS)
def test_every_diagnosis_is_explained_in_chinese_too(code):
    figures = sheet(hand(NET232 | {"transposed": TRANSPOSED232}, "simultaneous", mistake=code))
    with using_language("zh"):
        zh = next(f for f in check_answers(preset("bp232"), figures, "simultaneous").figures
                  if f.status == "wrong")
    en = next(f for f in check_answers(preset("bp232"), figures, "simultaneous").figures
              if f.status == "wrong")
    assert zh.diagnosis == en.diagnosis == code
    assert en.explanation.startswith(f"You wrote {en.quantity} = {en.given}, ")
    assert zh.explanation.startswith(f"你写的是 {en.quantity} = {en.given}，")
    # the same numbers in both: the figure's right value, from the student's own numbers
    value = en.explanation.rsplit("= ", 1)[1].rstrip(".")
    assert zh.explanation.endswith(f"= {value}。")


def test_the_learning_rate_applied_twice():
    figures = hand(NET232 | {"transposed": TRANSPOSED232}, mistake="learning_rate_twice")
    marking = check_answers(preset("bp232"), sheet(figures), "simultaneous")
    wrong = [f for f in marking.figures if f.status == "wrong"]
    assert wrong[0].quantity == "Δw7" and {f.diagnosis for f in wrong} == {"learning_rate"}
    # the gradient as the student wrote it
    assert "Δw7 = -η·dE_total/dw7 = -0.5 × (0.0780639) = -0.039032." in wrong[0].explanation


def test_the_reverse_sequential_mistake_under_the_sequential_convention():
    net = NET232 | {"transposed": TRANSPOSED232}
    figures = hand(net, "sequential", mistake="sequential_update")  # through the old weights
    marking = check_answers(preset("bp232"), sheet(figures), "sequential")
    wrong = [f for f in marking.figures if f.status == "wrong"]
    assert [f.quantity for f in wrong][:1] == ["dE_total/dout_h1"]
    assert {f.diagnosis for f in wrong} == {"sequential_update"}
    assert "w7+ = 0.360968" in wrong[0].explanation and "updated" in wrong[0].explanation


def test_the_explanation_names_the_mistake_and_shows_the_right_step():
    figures = hand(NET232 | {"transposed": TRANSPOSED232}, mistake="target_sign")
    marking = check_answers(preset("bp232"), sheet(figures), "simultaneous")
    first = next(f for f in marking.figures if f.status == "wrong")
    assert (first.quantity, first.given) == ("dE_total/dout_o1", "-0.881090")
    # what the student wrote, the right step on their numbers, its result once
    assert first.explanation == (
        "You wrote dE_total/dout_o1 = -0.881090, taking dE_total/dout_o1 as target_o1 - out_o1; "
        "the chain rule keeps the minus sign: dE_total/dout_o1 = -(target_o1 - out_o1) = "
        "-(0.01 - 0.891090) = 0.881090.")


def test_two_misconceptions_for_one_figure():
    spec = preset("bp232")
    # w7+ = w7 + η·dE_total/dw7 = 0.4 + 0.5 × 0.0780639: the gradient's sign lost, or the update's
    alone = check_answers(spec, {"w7+": "0.439032"}, "simultaneous").figures[0]
    assert (alone.status, alone.diagnosis, alone.alternatives) == ("wrong", "target_sign", ["update_sign"])
    assert "update_sign" in alone.explanation  # the ambiguity is said, the catalogue's order chose
    # the right gradient on the sheet leaves only the update's sign
    marks = check_answers(spec, {"dE_total/dw7": "0.0780639", "w7+": "0.439032"}, "simultaneous")
    assert [(f.status, f.diagnosis) for f in marks.figures] == [("correct", None), ("wrong", "update_sign")]
    # a gradient of the wrong sign on the sheet: the code that explains both figures wins
    marks = check_answers(spec, {"dE_total/dw7": "-0.0780639", "w8+": "0.446617"}, "simultaneous")
    assert [(f.quantity, f.diagnosis) for f in marks.figures] == [
        ("dE_total/dw7", "target_sign"), ("w8+", "target_sign")]
    assert marks.figures[1].alternatives == ["update_sign"]


def test_the_right_step_is_shown_on_the_students_own_numbers():
    answers = {"out_o1": "0.7068", "dE_total/dout_o1": "-0.0068", "dE_total/dw5": "0.001108",
               "w5+": "0.4506"}  # target - out; then w5 + η·dE_total/dw5 on a gradient of their own
    marks = {f.quantity: f for f in check_answers(spec_from_text(SPEC221), answers).figures}
    assert marks["dE_total/dout_o1"].diagnosis == "target_sign"
    assert "-(0.7 - 0.7068) = 0.006800." in marks["dE_total/dout_o1"].explanation  # out_o1 as written
    assert (marks["dE_total/dw5"].status, marks["dE_total/dw5"].diagnosis) == ("wrong", None)
    w5 = marks["w5+"]
    assert w5.diagnosis == "update_sign" and w5.worked == pytest.approx(0.45 - 0.5 * 0.001108)
    assert "w5 - η·dE_total/dw5 = 0.45 - 0.5 × (0.001108) = 0.449446" in w5.explanation


def test_the_slides_as_an_answer_sheet():
    spec = preset("bp232")
    answers = {f.quantity: f.slide for f in spec.slide_check if "@" not in f.quantity}
    marking = check_answers(spec, answers, "simultaneous")
    by = {f.quantity: f for f in marking.figures}
    # the erratum: 0.011204 is dE_total/dw1 under neither convention, and no mistake gives it
    assert (by["dE_total/dw1"].status, by["dE_total/dw1"].diagnosis) == ("wrong", None)
    # the sequential figures: the hidden gradients through w7+ and the hidden updates
    sequential = ["dE_o1/dout_h1", "w1+", "w2+", "w3+", "w4+", "w5+", "w6+"]
    for q in sequential:
        assert (by[q].status, by[q].diagnosis) == ("wrong", "sequential_update"), q
    # every other wrong figure is one unit off in its last digit, from rounded intermediates
    # the sheet does not show (out_h3 0.995275 for 0.9952743, w9+ 0.458137 for 0.4581365)
    others = {q for q, f in by.items() if f.status == "wrong"} - set(sequential) - {"dE_total/dw1"}
    assert others == {"out_h3", "w9+"}
    assert by["net_o1"].status == "carried"  # 2.1019206, from the printed out_h1..3
    # under the slides' own (sequential) convention only the erratum and the rounding remain
    seq = check_answers(spec, answers)
    assert {f.quantity for f in seq.figures if f.status == "wrong"} == {"dE_total/dw1", "out_h3", "w9+"}


def test_figures_after_k_updates_and_their_diagnosis():
    spec = preset("bp232")
    answers = {"out_o1@9": "0.662866", "out_o2@1000": "0.977675"}  # as the slides print them
    marking = check_answers(spec, answers, "simultaneous")
    assert [(f.status, f.diagnosis) for f in marking.figures] == [("wrong", "sequential_update")] * 2
    assert statuses(check_answers(spec, answers, "sequential")) == {
        "out_o1@9": "correct", "out_o2@1000": "correct"}


def test_missing_figures_and_the_score():
    right = sheet(hand(NET221 | {"transposed": TRANSPOSED221}))
    answers = {"net_h1": right["net_h1"], "out_h1": "", "w5+": right["w5+"]}
    marking = check_answers(spec_from_text(SPEC221), answers, asked=["net_h1", "out_h1", "w5+", "E_total"])
    assert [(f.quantity, f.status) for f in marking.figures] == [
        ("net_h1", "correct"), ("w5+", "correct"), ("out_h1", "missing"), ("E_total", "missing")]
    assert marking.score == {"points": 2, "total": 4, "percent": 50.0, "correct": 2, "carried": 0,
                             "wrong": 0, "missing": 2}
    # a figure the student adds is marked, and not counted
    extra = check_answers(spec_from_text(SPEC221), {**answers, "out_h2": "0.1"}, asked=["net_h1", "w5+"])
    assert statuses(extra)["out_h2"] == "wrong" and extra.score["total"] == 2
    assert extra.score["percent"] == 100.0


SOFTMAX = """\
inputs = [0.5, 0.8]
targets = [0.0, 1.0]
learning_rate = 0.3
loss = "cross_entropy"
[[layers]]
weights = [[0.15, 0.25], [0.35, -0.2]]
bias = 0.3
[[layers]]
weights = [[0.45, 0.6], [-0.3, 0.7]]
bias = [0.1, -0.2]
activation = "softmax"
"""


def test_a_softmax_cross_entropy_exercise():
    """No E_o1 terms, an output the loss ignores (target 0): marked all the same."""
    from chainrule.solver import solve
    spec = spec_from_text(SOFTMAX)
    run = solve(spec).run
    qs = ["out_o1", "E_total", "dE_total/dout_o1", "dE_total/dnet_o1", "dE_total/dw5", "w5+",
          "dE_total/dw1", "w1+", "b_o1+"]
    right = {q: text(run.value(q), 6) for q in qs}
    assert statuses(check_answers(spec, right)) == dict.fromkeys(qs, "correct")
    # w5+ = w5 + η·dE_total/dw5, by hand from the engine's gradient
    flipped = {**right, "w5+": text(0.45 + 0.3 * run.value("dE_total/dw5"), 6)}
    marks = {f.quantity: f for f in check_answers(spec, flipped).figures}
    assert (marks["w5+"].status, marks["w5+"].diagnosis) == ("wrong", "update_sign")
    assert misconceived_figures(spec, "half_factor", qs) == {}  # no 1/2 in cross-entropy


@pytest.mark.parametrize("given, value, ok", [
    ("-0.0648", -0.06481, True), ("-0.07", -0.0648, False), ("-0.065", -0.0648, False),
    ("0.35", 0.35, True), ("5", 5.0, True), ("2.3", 2.35, False), ("0.5930", 0.59299, True),
    ("0.5930", 0.59306, False), ("0.0648", -0.0648, False), ("−0.0648", -0.0648, True),
    ("1.5e-3", 0.0015, True), ("1.50e-3", 0.001504, True), ("1.50e-3", 0.001506, False),
])
def test_a_figure_is_right_at_the_digits_written_with_3_significant_digits(given, value, ok):
    assert written(given, "k").agrees(value) is ok


def test_too_few_digits_are_named():
    marking = check_answers(spec_from_text(SPEC221), {"dE_total/dw5": "0.01"})
    assert marking.figures[0].status == "wrong"
    assert "3 significant digits" in marking.figures[0].explanation


# --- the catalogue ----------------------------------------------------------------------------

QUANTITIES = ["net_h1", "out_o1", "E_total", "dE_total/dout_o1", "dout_o1/dnet_o1",
              "dE_total/dnet_o1", "dE_total/dw7", "Δw7", "w7+", "dE_total/dout_h2", "dE_total/dw3",
              "w3+"]


def test_the_catalogue_has_the_nine_codes_in_both_languages():
    assert list(MISCONCEPTIONS) == ["target_sign", "sigmoid_derivative", "half_factor", "missing_path",
                                    "sequential_update", "update_sign", "learning_rate",
                                    "bias_omitted", "transposed_weights"]
    for code, m in MISCONCEPTIONS.items():
        assert m.code == code
        with using_language("en"):
            en = m.explanation
        with using_language("zh"):
            zh = m.explanation
        assert en != zh and any("\u4e00" <= c <= "\u9fff" for c in zh), code


@pytest.mark.parametrize("code", MISCONCEPTIONS)
def test_misconceived_figures_are_the_broken_solvers(code):
    spec = preset("bp232")
    broken = hand(NET232 | {"transposed": TRANSPOSED232}, "simultaneous", mistake=code)
    right = hand(NET232 | {"transposed": TRANSPOSED232}, "simultaneous")
    got = misconceived_figures(spec, code, QUANTITIES, convention="simultaneous")
    changed = {q for q in QUANTITIES if not math.isclose(broken[q], right[q], rel_tol=1e-9)}
    assert set(got) == changed
    for q, v in got.items():
        assert v == pytest.approx(broken[q], rel=1e-12), q


def test_misconceived_figures_on_the_students_own_numbers_and_where_none_apply():
    spec = preset("bp232")
    got = misconceived_figures(spec, "target_sign", ["dE_total/dout_o1"], {"out_o1": 0.8},
                               convention="simultaneous")
    assert got == {"dE_total/dout_o1": pytest.approx(0.01 - 0.8)}
    assert misconceived_figures(spec_from_text(SPEC221), "missing_path", ["dE_total/dw1"]) == {}
    with pytest.raises(SpecError, match="unknown misconception 'sign'"):
        misconceived_figures(spec, "sign", ["w1+"])
    with pytest.raises(SpecError, match="out_x1"):
        misconceived_figures(spec, "update_sign", ["out_x1"])


@pytest.mark.parametrize("convention", ["simultaneous", "sequential"])
def test_the_workings_without_a_students_figures_are_the_solvers(convention):
    from chainrule.exercise.workings import Frame, Rules, read_quantity, work
    from chainrule.solver import solve
    spec = preset("bp232")
    quantities = [f.quantity for f in spec.slide_check] + [
        "dE_total/dout_h1", "dE_total/dnet_h2", "Δw3", "dE_total/db1", "dE_o2/dout_h3",
        "dnet_o1/dout_h1", "out_o1@10"]
    run = solve(spec, convention, after=[10]).runs[convention]
    frame = Frame(spec)
    keys = [read_quantity(q, frame) for q in quantities]
    worked = work(frame, Rules(convention), {}, [k for k, _s in keys])
    for q, (k, sign) in zip(quantities, keys):
        assert sign * worked[k] == pytest.approx(run.value(q), rel=1e-12, abs=1e-15), q


def test_backward_from_with_given_local_factors():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    c = (a * b).named("c")
    d = (c + a).named("d")
    # d's factors given: dd/dc = 10, dd/da = 1; c's: dc/da = 7 (not b = 3)
    got = backward_from([(d, 1.0)], into={}, local={d: [(c, 10.0), (a, 1.0)], c: [(a, 7.0)]})
    assert got[a] == 71.0 and got[c] == 10.0 and b not in got
    assert a.grad == 0.0  # .grad untouched with `into`


# --- answer sheets and bad input --------------------------------------------------------------

def test_load_answers(tmp_path):
    p = tmp_path / "a.toml"
    p.write_text('id = "s1"\n[answers]\nnet_h1 = "2.350"\n"dE_total/dw7" = 0.0781\nw7 = 4\nout_h1 = ""\n',
                 encoding="utf-8")
    assert load_answers(p) == {"net_h1": "2.350", "dE_total/dw7": "0.0781", "w7": "4", "out_h1": ""}


@pytest.mark.parametrize("content, message", [
    ("[answers\n", "not valid TOML"),
    ("net_h1 = 2.35\n", "unknown key"),
    ("title = 'x'\n", "unknown key"),
    ("id = 's'\n", "answers: missing"),
    ("[answers]\nnet_h1 = true\n", "answers.net_h1: expected a number as written"),
    ("[answers]\nnet_h1 = 'two'\n", "answers.net_h1: 'two' is not a number"),
    ("[answers]\nnet_h1 = 'nan'\n", "answers.net_h1: 'nan' is not a figure"),
    ("[answers]\nnet_h1 = [1]\n", "answers.net_h1: expected a number"),
])
def test_bad_answer_sheets_are_named(tmp_path, content, message):
    p = tmp_path / "bad.toml"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(SpecError) as e:
        load_answers(p)
    assert message in str(e.value) and "bad.toml" in str(e.value)


def test_unreadable_sheets(tmp_path):
    with pytest.raises(SpecError, match="cannot read .*nope.toml"):
        load_answers(tmp_path / "nope.toml")
    p = tmp_path / "gbk.toml"
    p.write_bytes("[answers]\nnet_h1 = '二'\n".encode("gbk"))
    with pytest.raises(SpecError, match="not UTF-8"):
        load_answers(p)


@pytest.mark.parametrize("quantity, message", [
    ("net_h9", "'net_h9' is not in this network (names: "),
    ("dE_total/dnet_h9", "'dE_total/dnet_h9' names 'net_h9', which is not in this network"),
    ("out_o1+", "only weights and biases are updated"),
    ("w1 +", None), ("bogus/x", "cannot read"),
])
def test_unknown_quantities_are_named(quantity, message):
    spec = spec_from_text(SPEC221)
    if message is None:
        assert check_answers(spec, {quantity: "0.157"}).figures[0].status == "wrong"
        return
    with pytest.raises(SpecError) as e:
        check_answers(spec, {quantity: "0.5"})
    assert message in str(e.value) and f"answers.{quantity}" in str(e.value)


# --- the command line -----------------------------------------------------------------------------

@pytest.fixture
def files(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC221, encoding="utf-8")
    right = sheet(hand(NET221 | {"transposed": TRANSPOSED221}))
    good = tmp_path / "good.toml"
    good.write_text("[answers]\n" + "".join(f'"{q}" = "{v}"\n' for q, v in right.items()), encoding="utf-8")
    broken = sheet(hand(NET221 | {"transposed": TRANSPOSED221}, mistake="update_sign"))
    bad = tmp_path / "bad.toml"
    bad.write_text("[answers]\n" + "".join(f'"{q}" = "{v}"\n' for q, v in broken.items()), encoding="utf-8")
    return spec, good, bad


def test_cli_check_exit_codes_and_json(files, capsys):
    spec, good, bad = files
    assert main(["exercise", "check", str(spec), str(good), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Score: " in out and "0 wrong" in out
    assert main(["exercise", "check", str(spec), str(bad), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"convention", "figures", "score"}
    first = data["figures"][0]
    assert {"quantity", "given", "expected", "status", "diagnosis", "explanation"} <= set(first)
    diagnosed = [f for f in data["figures"] if f["status"] == "wrong"]
    assert {f["diagnosis"] for f in diagnosed} == {"update_sign"}
    assert data["score"]["wrong"] == len(diagnosed)


def test_cli_check_reads_the_figures_asked_beside_the_spec(files, capsys):
    spec, good, _bad = files
    (spec.parent / "key.json").write_text(json.dumps(
        {"figures": [{"quantity": "net_h1"}, {"quantity": "dE_total/db1"}]}), encoding="utf-8")
    assert main(["exercise", "check", str(spec), str(good), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["figures"][-1] == {**data["figures"][-1], "quantity": "dE_total/db1", "status": "missing"}
    assert data["score"]["total"] == 2 and data["score"]["points"] == 1


def test_cli_check_a_preset_by_name(tmp_path, capsys):
    p = tmp_path / "s.toml"
    p.write_text('[answers]\n"dE_o1/dout_h1" = "0.030866"\n', encoding="utf-8")
    assert main(["exercise", "check", "bp232", str(p), "--lang", "en"]) == 0  # sequential: right
    assert main(["exercise", "check", "bp232", str(p), "--convention", "simultaneous",
                 "--lang", "en"]) == 1
    assert "sequential_update" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["nope.toml", "{good}"], "cannot read nope.toml"),
    (["{spec}", "nope.toml"], "cannot read nope.toml"),
    (["{spec}", "{unknown}"], "unknown.toml: answers.net_h7: 'net_h7' is not in this network (names: "),
    (["{spec}", "{nan}"], "answers.E_total: 'x' is not a number"),
])
def test_cli_check_bad_input_exits_2_with_one_line(files, tmp_path, capsys, args, message):
    spec, good, _bad = files
    (tmp_path / "unknown.toml").write_text('[answers]\nnet_h7 = "1.5"\n', encoding="utf-8")
    (tmp_path / "nan.toml").write_text('[answers]\nE_total = "x"\n', encoding="utf-8")
    paths = {"spec": spec, "good": good, "unknown": tmp_path / "unknown.toml", "nan": tmp_path / "nan.toml"}
    argv = [a.format(**paths) for a in args]
    assert main(["exercise", "check", *argv, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("chainrule exercise check: error: ")
    assert message in err


def test_the_marked_sheet_in_both_languages(files, capsys):
    spec, _good, bad = files
    main(["exercise", "check", str(spec), str(bad), "--lang", "en"])
    en = capsys.readouterr().out
    main(["exercise", "check", str(spec), str(bad), "--lang", "zh"])
    zh = capsys.readouterr().out
    for words in (["quantity", "expected", "wrong", "carried", "Score:", "gradient descent steps "
                   "against it", "Follows correctly from your earlier figure"]):
        assert words in en
    for words in (["物理量", "正确答案", "错误", "沿用", "得分", "梯度下降要沿梯度的反方向走", "正确推出"]):
        assert words in zh, words
    assert "update_sign" in zh  # the code stays as it is, in both
    with using_language("zh"):
        marking = check_answers(spec_from_text(SPEC221), {"w5+": "0.1"})
        assert "有效数字" in render_marking(marking)


def test_cli_mark_a_class(tmp_path, files, capsys):
    spec, good, bad = files
    exercises, answers = tmp_path / "ex", tmp_path / "ans"
    for sid in ("s1", "s2", "s3", "s4"):
        (exercises / sid).mkdir(parents=True)
        (exercises / sid / "spec.toml").write_text(SPEC221, encoding="utf-8")
    (exercises / "s1" / "key.json").write_text(json.dumps(
        {"figures": [{"quantity": "net_h1"}, {"quantity": "E_total"}, {"quantity": "w1+"}]}))
    answers.mkdir()
    (answers / "s1.toml").write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    (answers / "s2.toml").write_text(bad.read_text(encoding="utf-8"), encoding="utf-8")
    (answers / "s3.toml").write_text("[answers\n", encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\ns1,Ann\ns2,Bo\ns3,Cy\ns4,Di\n", encoding="utf-8")
    out = tmp_path / "grades.csv"
    code = main(["exercise", "mark", "--exercises", str(exercises), "--answers", str(answers),
                 "--students", str(roster), "-o", str(out), "--lang", "en"])
    assert code == 1
    err = capsys.readouterr().err
    assert "s3: not marked:" in err and "not valid TOML" in err
    assert "s4: not marked:" in err and "no answer sheet" in err
    rows = {r["id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["s1"]["name"] == "Ann" and rows["s1"]["percent"] == "100.0"
    assert rows["s1"]["net_h1"] == "correct" and rows["s1"]["error"] == ""
    # s1's key.json asks three figures: the score counts those, the sheet's others are marked
    assert rows["s1"]["total"] == "3" and rows["s1"]["dE_total/dw5"] == "correct"
    assert int(rows["s2"]["total"]) == len(hand(NET221 | {"transposed": TRANSPOSED221}))
    assert rows["s2"]["Δw5"] == "wrong" and float(rows["s2"]["percent"]) < 100
    assert rows["s3"]["error"] and rows["s3"]["points"] == ""
    # no roster: every sheet in --answers
    assert main(["exercise", "mark", "--exercises", str(exercises), "--answers", str(answers),
                 "-o", str(out)]) == 1
    assert [r["id"] for r in csv.DictReader(out.open(encoding="utf-8"))] == ["s1", "s2", "s3"]


@pytest.mark.parametrize("flag, message", [
    ("--answers", "is not a folder"), ("--exercises", "is not a folder"), ("-o", "does not exist"),
])
def test_cli_mark_bad_input(tmp_path, capsys, flag, message):
    (tmp_path / "ex").mkdir()
    (tmp_path / "ans").mkdir()
    (tmp_path / "ans" / "s1.toml").write_text("[answers]\n", encoding="utf-8")
    args = {"--exercises": str(tmp_path / "ex"), "--answers": str(tmp_path / "ans"),
            "-o": str(tmp_path / "g.csv")}
    args[flag] = str(tmp_path / "nowhere" / "x")
    argv = [a for k, v in args.items() for a in (k, v)]
    assert main(["exercise", "mark", *argv, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "g.csv").exists()


# --- the sentences a student reads (review of issue 12) ------------------------------------------

# notebook 12's 2-2-1 and the sheet it ships: dE_total/dout_o1 written as target - out
NB12 = """\
name = "hand_221"
inputs = [0.65, 0.3]
targets = [0.9]
learning_rate = 0.5
convention = "simultaneous"
[[layers]]
neurons = ["h1", "h2"]
weights = [[0.45, -0.3], [0.25, 0.6]]
bias = 0.1
[[layers]]
neurons = ["o1"]
weights = [[0.7, -0.5]]
bias = 0.3
"""
NB12_SHEET = {"net_h1": "0.3025", "out_h1": "0.5751", "net_h2": "0.4425", "out_h2": "0.6089",
              "net_o1": "0.3981", "out_o1": "0.5982", "E_total": "0.04554",
              "dE_total/dout_o1": "0.3018", "dout_o1/dnet_o1": "0.2404",
              "dE_total/dnet_o1": "0.07255", "dE_total/dw5": "0.04172", "w5+": "0.6791"}


def test_the_step_quotes_the_students_own_figure_and_its_result_once():
    marks = {f.quantity: f for f in check_answers(spec_from_text(NB12), NB12_SHEET).figures}
    f = marks["dE_total/dout_o1"]
    assert f.diagnosis == "target_sign"
    step = -(0.9 - 0.5982)  # out_o1 as the student wrote it, not the engine's 0.598234
    assert f.worked == pytest.approx(step, abs=1e-12)
    assert f.explanation == (
        "You wrote dE_total/dout_o1 = 0.3018, taking dE_total/dout_o1 as target_o1 - out_o1; the "
        "chain rule keeps the minus sign: dE_total/dout_o1 = -(target_o1 - out_o1) = "
        f"-(0.9 - 0.5982) = {step:.6f}.")
    with using_language("zh"):
        zh = next(m for m in check_answers(spec_from_text(NB12), NB12_SHEET).figures
                  if m.quantity == "dE_total/dout_o1").explanation
    assert zh.startswith("你写的是 dE_total/dout_o1 = 0.3018，") and zh.endswith(
        f"-(0.9 - 0.5982) = {step:.6f}。")


def test_the_brief_sheet_ends_with_its_step_not_a_repeat():
    # out_h1 rounded by the student: out_o1 worked from it is 0.891088, and the step says so once
    answers = {"net_h1": "2.35", "out_h1": "0.9129", "dE_total/dout_o1": "-0.8811"}
    for lang, end in (("en", "= 0.881088."), ("zh", "= 0.881088。")):
        with using_language(lang):
            f = check_answers(preset("bp232"), answers).figures[2]
        assert f.diagnosis == "target_sign" and f.explanation.endswith(end)
        assert f.explanation.count("0.881088") == 1 and "-(0.01 - 0.891088)" in f.explanation


@pytest.mark.parametrize("code", MISCONCEPTIONS)
def test_every_sentence_says_the_result_once(code):
    """Each wrong figure's sentence: what was written, the step, its value once
    (", so X = v" only where the figure is not the step itself), in both languages."""
    net = NET232 | {"transposed": TRANSPOSED232}
    figures = sheet(hand(net, "simultaneous", mistake=code))
    for lang, so in (("en", ", so "), ("zh", "，所以 ")):
        with using_language(lang):
            wrong = [f for f in check_answers(preset("bp232"), figures, "simultaneous").figures
                     if f.status == "wrong"]
        assert wrong
        for f in wrong:
            value = f"{f.worked:.6f}".replace("-0.000000", "0.000000")
            assert f.explanation.count(f"= {value}") == 1, f.explanation
            # worked on the student's own figures after an earlier slip, far from the exact
            # value: a last note names the exact value too (checked without it below)
            # (the exact value to 6 decimals, or to as many as the student wrote)
            note = re.search({"en": r" \(That is from your own earlier figures; the exact value "
                                    r"is (-?[0-9.]+)\.\)$",
                              "zh": r"（这是用你自己前面的数字算出的；准确值是 (-?[0-9.]+)。）$"}[lang],
                             f.explanation)
            apart = abs(f.worked - f.expected) > 1e-3 * abs(f.expected)
            assert (note is not None) == apart, f.explanation
            if note:
                assert abs(float(note[1]) - f.expected) <= 5e-7, f.explanation
            text = f.explanation[:note.start()] if note else f.explanation
            said_as_step = text.endswith((f"= {value}.", f"= {value}。")) and so not in text
            said_after = text.endswith((f"{so}{f.quantity} = {value}.", f"{so}{f.quantity} = {value}。"))
            assert said_as_step or said_after, f.explanation


def test_a_misconception_sentence_for_the_loss_and_for_a_change():
    # E without its 1/2: twice the value, no chain-rule step; Δw of the wrong sign: Δw's own step
    spec = spec_from_text(SPEC221)
    out_o1 = sigmoid(0.45 * sigmoid(0.5 * 0.15 + 0.8 * 0.25 + 0.3) + 0.6 * sigmoid(
        0.5 * 0.35 + 0.8 * 0.2 + 0.3) + 0.1)
    e = 0.5 * (0.7 - out_o1) ** 2
    f = check_answers(spec, {"E_total": f"{2 * e:.4g}"}).figures[0]
    assert f.diagnosis == "half_factor"
    assert f.explanation == (f"You wrote E_total = {2 * e:.4g}, twice the right value: the loss keeps "
                             f"its ½, E = ½(target - out)², so E_total = {e:.6f}.")
    grad = check_answers(spec, {"dE_total/dw5": "1"}).figures[0].expected
    mine = f"{grad:.7f}"  # the gradient as written, quoted so; Δw5 worked from it
    f = check_answers(spec, {"dE_total/dw5": mine, "Δw5": f"{0.5 * grad:.6f}"}).figures[1]
    assert f.diagnosis == "update_sign"
    assert f.explanation.endswith(f"Δw5 = -η·dE_total/dw5 = -0.5 × ({mine}) = {-0.5 * float(mine):.6f}.")


def test_a_carried_figure_names_the_wrong_figures_it_follows_from():
    marks = {f.quantity: f for f in check_answers(spec_from_text(NB12), NB12_SHEET).figures}
    assert marks["dE_total/dw5"].status == "carried"
    assert marks["dE_total/dw5"].explanation == (
        "Follows correctly from your earlier figure dE_total/dout_o1 = 0.3018 (the exact value is "
        "-0.041708): no mark lost.")
    # through a carried figure (dE_total/dnet_o1) back to the wrong one
    assert "dE_total/dout_o1 = 0.3018" in marks["w5+"].explanation
    assert "dE_total/dnet_o1" not in marks["w5+"].explanation
    with using_language("zh"):
        zh = {f.quantity: f for f in check_answers(spec_from_text(NB12), NB12_SHEET).figures}
    assert zh["dE_total/dw5"].explanation == (
        "由你前面的 dE_total/dout_o1 = 0.3018 正确推出（准确值是 -0.041708）：不扣分。")
    # two slips on the forward pass, out_o1 worked on from both: both named, in the sheet's order
    net_h1, net_h2 = 0.5 * 0.15 + 0.8 * 0.25 + 0.3, 0.5 * 0.35 + 0.8 * 0.2 + 0.3
    wrong_h1, wrong_h2 = net_h1 + 0.1, net_h2 - 0.1
    out_o1 = sigmoid(0.45 * sigmoid(wrong_h1) + 0.6 * sigmoid(wrong_h2) + 0.1)
    answers = {"net_h1": f"{wrong_h1:.4f}", "net_h2": f"{wrong_h2:.4f}", "out_o1": f"{out_o1:.4f}"}
    f = check_answers(spec_from_text(SPEC221), answers).figures[2]
    assert f.status == "carried"
    assert f.explanation.startswith(
        f"Follows correctly from your earlier figures net_h1 = {wrong_h1:.4f}, net_h2 = {wrong_h2:.4f} "
        "(the exact value is ")
    with using_language("zh"):
        f = check_answers(spec_from_text(SPEC221), answers).figures[2]
    assert f"net_h1 = {wrong_h1:.4f}、net_h2 = {wrong_h2:.4f}" in f.explanation


# --- networks the catalogue works through: no KeyError reaches anyone ------------------------------

SOFTMAX_CE = """\
name = "softmax_ce"
inputs = [0.5, 0.8]
targets = [1.0, 0.0]
loss = "cross_entropy"
learning_rate = 0.5
[[layers]]
neurons = ["h1", "h2"]
weights = [[0.15, 0.25], [0.35, 0.2]]
bias = 0.3
[[layers]]
neurons = ["o1", "o2"]
activation = "softmax"
weights = [[0.45, 0.6], [-0.3, 0.1]]
bias = 0.1
"""
STEP_NET = """\
name = "step_net"
inputs = [0.5, 0.8]
targets = [0.7]
learning_rate = 0.5
[[layers]]
neurons = ["h1", "h2"]
activation = "step"
weights = [[0.15, 0.25], [-0.35, 0.2]]
bias = 0.1
[[layers]]
neurons = ["o1"]
weights = [[0.45, 0.6]]
bias = 0.1
"""
DEAD_RELU = """\
name = "dead_relu"
inputs = [1.0, 1.0]
targets = [0.7]
learning_rate = 0.5
[[layers]]
neurons = ["h1", "h2"]
activation = "relu"
weights = [[0.5, 0.2], [-0.9, 0.3]]
[[layers]]
neurons = ["o1"]
weights = [[0.45, 0.6]]
bias = 0.1
"""
ALL = ["net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "E_total", "dE_total/dout_o1",
       "dE_total/dnet_o1", "dE_total/dw5", "w5+", "Δw5", "dE_total/dout_h1", "dE_total/dnet_h1",
       "dE_total/dw1", "w1+", "dE_total/dw4", "w4+"]


def _softmax_dw5():
    h1, h2 = sigmoid(0.5 * 0.15 + 0.8 * 0.25 + 0.3), sigmoid(0.5 * 0.35 + 0.8 * 0.2 + 0.3)
    n1, n2 = 0.45 * h1 + 0.6 * h2 + 0.1, -0.3 * h1 + 0.1 * h2 + 0.1
    o1 = math.exp(n1) / (math.exp(n1) + math.exp(n2))
    return (o1 - 1.0) * h1  # softmax + cross-entropy: dE_total/dnet_o1 = out_o1 - target_o1


def _step_dw5():
    # both step neurons fire (net_h1 = 0.375, net_h2 = 0.085): out_h1 = out_h2 = 1
    o1 = sigmoid(0.45 + 0.6 + 0.1)
    return (o1 - 0.7) * o1 * (1 - o1) * 1.0


@pytest.mark.parametrize("text, dw5", [(SOFTMAX_CE, _softmax_dw5()), (STEP_NET, _step_dw5()),
                                       (DEAD_RELU, None)], ids=["softmax-ce", "step", "dead-relu"])
def test_every_misconception_works_through_any_network(text, dw5):
    from chainrule.exercise.generate import Exercise
    from chainrule.exercise.moodle import misconception_answers
    spec = spec_from_text(text)
    got = {code: misconceived_figures(spec, code, ALL) for code in MISCONCEPTIONS}
    assert all(math.isfinite(v) for figures in got.values() for v in figures.values())
    if dw5 is not None:  # p + η·grad, the gradient the network's own rules give
        assert got["update_sign"]["w5+"] == pytest.approx(0.45 + 0.5 * dw5, rel=1e-12)
        assert got["learning_rate"]["Δw5"] == pytest.approx(-dw5, rel=1e-12)  # η left out
    if spec.loss == "cross_entropy":  # no ½ in the loss, no target - out to flip
        assert got["target_sign"] == got["half_factor"] == {}
    if spec.name == "step_net":  # nothing reaches w1 through a step: no broken rule changes it
        assert not any("dE_total/dw1" in figures for figures in got.values())
        assert got["missing_path"] == {}  # one output, one path
    if spec.name == "dead_relu":  # read the other way, h1 dies: net_h1 = w1·x1 + w3·x2 = -0.4
        t = got["transposed_weights"]
        assert (t["net_h1"], t["out_h1"], t["dE_total/dw1"], t["w1+"]) == pytest.approx((-0.4, 0, 0, 0.5))
        assert t["out_o1"] == pytest.approx(sigmoid(0.6 * 0.5 + 0.1), rel=1e-12)
    # the Moodle quiz's answers and the checker's sentences, on the same figures
    answers = misconception_answers(Exercise(spec, ALL, "1", {}, [], 1))
    assert {code for q in answers.values() for code, _v, _w in q} == {c for c, f in got.items() if f}
    for code, figures in got.items():
        if figures:
            marking = check_answers(spec, {q: f"{v:.6f}" for q, v in figures.items()})
            assert all(f.explanation for f in marking.figures if f.status == "wrong")


def test_an_update_mistake_on_a_hidden_gradient_shows_the_update_it_went_through():
    # sequential convention: dE_total/dw1 goes through w7+; a student who stepped up the
    # gradient there gets a wrong dE_total/dw1, and the sentence shows w7's update, not w1's
    net = NET232 | {"transposed": TRANSPOSED232}
    broken = hand(net, "sequential", mistake="update_sign")
    right = hand(net, "sequential")
    marking = check_answers(preset("bp232"), {"dE_total/dw1": f"{broken['dE_total/dw1']:.6g}"}, "sequential")
    f = marking.figures[0]
    assert (f.status, f.diagnosis) == ("wrong", "update_sign")
    assert (f"w7+ = w7 - η·dE_total/dw7 = 0.4 - 0.5 × ({right['dE_total/dw7']:.6f}) = "
            f"{right['w7+']:.6f}, so dE_total/dw1 = {right['dE_total/dw1']:.6f}.") in f.explanation


def test_a_diagnosis_on_the_students_own_figures_names_the_exact_value_too():
    # net_h1 slipped (2.45 for 2.35) and carried into out_h1 = sigma(2.45); dE_total/dw7
    # too rough; dE_total/dw1 the sequential value 0.010931 in a simultaneous exercise
    spec = preset("bp232")
    answers = {"net_h1": "2.45", "out_h1": f"{1 / (1 + math.exp(-2.45)):.6f}",
               "dE_total/dw7": "0.078", "dE_total/dw1": "0.010931"}
    by = {f.quantity: f for f in check_answers(spec, answers, "simultaneous").figures}
    assert by["out_h1"].status == "carried"
    mark = by["dE_total/dw1"]
    assert (mark.status, mark.diagnosis) == ("wrong", "sequential_update")
    assert abs(mark.expected - 0.012268) < 5e-7  # plain gradient descent's dE_total/dw1
    assert abs(mark.worked - mark.expected) > 1e-4  # the step on the student's own numbers
    assert f"= {mark.worked:.6f}." in mark.explanation
    assert mark.explanation.endswith("the exact value is 0.012268.)")
    with using_language("zh"):
        zh = check_answers(spec, answers, "simultaneous").figures[-1]
    assert zh.explanation.endswith("准确值是 0.012268。）")
    # a sheet worked from right figures: the step is the exact one, nothing to add
    right = check_answers(spec, {"dE_total/dw1": "0.010931"}, "simultaneous").figures[0]
    assert right.diagnosis == "sequential_update" and "0.012268" in right.explanation
    assert "earlier figures" not in right.explanation
