"""Exercise specs: validation (one clear message naming the key), presets, other
networks (softmax, tanh, relu, identity, per-neuron biases, three layers), and
the report's arithmetic."""
import copy
import inspect
import re

import pytest
import tomli_w

from chainrule import cli
from chainrule.cli import main
from chainrule.errors import ArgumentError, SpecError
from chainrule.solver import Run, check_figures, solve
from chainrule.spec import parse_spec, preset, preset_text, spec_from_text
from chainrule.report import render_json, render_text

BASE = {
    "inputs": [5, 10], "targets": [0.01, 0.99], "learning_rate": 0.5,
    "layers": [
        {"neurons": ["h1", "h2", "h3"], "weights": [[0.1, 0.15], [0.2, 0.25], [0.3, 0.35]],
         "bias": 0.35},
        {"neurons": ["o1", "o2"], "weights": [[0.4, 0.5, 0.6], [0.45, 0.55, 0.65]], "bias": 0.65},
    ],
}


def spec_with(**changes):
    data = copy.deepcopy(BASE)
    for path, value in changes.items():
        target = data
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        if value is DELETE:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
    return data


DELETE = object()

ERRORS = [
    (dict(inputs=DELETE), "inputs: missing"),
    (dict(inputs=[1, "a"]), "inputs[1]: expected a number, got 'a'"),
    (dict(inputs=[1, True]), "inputs[1]: expected a number, got true (a boolean)"),
    (dict(learnig_rate=0.5), "learnig_rate: unknown key (known keys: name, title"),
    (dict(learning_rate=-1), "learning_rate: expected a positive number, got -1"),
    (dict(activation="sigmod"), "activation: unknown value 'sigmod' (choose from sigmoid, tanh"),
    (dict(loss="l2"), "loss: unknown value 'l2' (choose from half_sse"),
    (dict(convention="staged"), "convention: unknown value 'staged'"),
    (dict(targets=[1]), "targets: expected 2 targets (one per output neuron), got 1"),
    (dict(layers=[]), "layers: expected one or more [[layers]] tables"),
    (dict(layers__0__weights=[[0.1, 0.15], [0.2, 0.25, 0.3], [0.3, 0.35]]),
     "layers[0].weights[1]: has 3 numbers but there are 2 inputs (columns = sending neuron)"),
    (dict(layers__1__weights=[[0.4, 0.5], [0.45, 0.55]]),
     "layers[1].weights[0]: has 2 numbers but there are 3 layers[0] neurons"),
    (dict(layers__0__weights=[[0.1, "x"], [0.2, 0.25], [0.3, 0.35]]),
     "layers[0].weights[0][1]: expected a number, got 'x'"),
    (dict(layers__0__neurons=["h1", "h2"]), "layers[0].neurons: expected 3 names, got 2"),
    (dict(layers__0__neurons=["h1", "h 2", "h3"]), "layers[0].neurons[1]: a name must be a word"),
    (dict(layers__0__neurons=["h1", "h1", "h3"]),
     "layers[0].neurons[1]: the name 'h1' is already used by layers[0].neurons[0]"),
    (dict(layers__0__weight_names=[["h1", "w2"], ["w3", "w4"], ["w5", "w6"]]),
     "layers[0].weight_names[0][0]: the name 'h1' is already used by layers[0].neurons[0]"),
    (dict(layers__1__neurons=["o1", "total"], layers__0__weight_names=[["E_total", "w2"], ["w3", "w4"], ["w5", "w6"]]),
     "the name 'E_total' is already used by the total error"),
    (dict(layers__0__weight_names=[["w1", "w2"], ["w3", "w4"]]),
     "layers[0].weight_names: expected 3 rows (the shape of weights)"),
    (dict(layers__0__bias=[0.1, 0.2]), "layers[0].bias: expected 3 biases (one per neuron), got 2"),
    (dict(layers__0__bias="big"), "layers[0].bias: expected a number (one bias shared by the layer)"),
    (dict(layers__0__bias_names=["b1", "b2", "b3"]),
     "layers[0].bias_names: one shared bias takes one name (a string)"),
    (dict(layers__0__bias=DELETE, layers__0__bias_names="b1"),
     "layers[0].bias_names: given but the layer has no bias"),
    (dict(layers__0__train_bias="no"), "layers[0].train_bias: expected true or false, got 'no'"),
    (dict(layers__0__activation="softmax"), "layers[0].activation: softmax is for the output layer only"),
    (dict(layers__0__colour="red"), "layers[0].colour: unknown key"),
    (dict(layers__0__weights=DELETE), "layers[0].weights: missing"),
    (dict(after=[5, -1]), "after: expected a list of update counts"),
    (dict(slide_check=[{"slide": "0.1", "quantity": "out_h9"}]),
     "slide_check[0].quantity: 'out_h9' is not in this network (names: E_o1, E_o2, E_total, b1, "),
    (dict(slide_check=[{"slide": "0.1", "quantity": "w99+"}]),
     "slide_check[0].quantity: 'w99+' names 'w99', which is not in this network"),
    (dict(slide_check=[{"slide": "abc", "quantity": "out_h1"}]),
     "slide_check[0].slide: 'abc' is not a number"),
    (dict(slide_check=[{"slide": "1", "quantity": "out_h1", "note": "see {dE/dw99}"}]),
     "slide_check[0].note {dE/dw99}"),
    # what a loss needs of the outputs and targets, said before anything runs
    (dict(loss="cross_entropy", activation="tanh"),
     "layers[1].activation: cross_entropy takes log(out) of each output, so the outputs must be "
     "probabilities: use a softmax or sigmoid output layer, not 'tanh'"),
    (dict(loss="cross_entropy", layers__1__activation="step"), "not 'step'"),
    (dict(loss="cross_entropy", targets=[0.01, 2]),
     "targets[1]: cross_entropy targets are probabilities (0 to 1), got 2"),
    (dict(loss="hinge", targets=[0.01, 0.99]), "targets[0]: hinge targets are -1 or +1, got 0.01"),
]


@pytest.mark.parametrize("changes, message", ERRORS, ids=[m.split(":")[0] for _, m in ERRORS])
def test_spec_errors_name_the_key_and_problem(changes, message):
    with pytest.raises(SpecError) as info:
        parse_spec(spec_with(**changes))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_toml_syntax_error():
    with pytest.raises(SpecError, match="not valid TOML: Unclosed array"):
        spec_from_text("inputs = [1, 2\n")


@pytest.mark.parametrize("name", ["bp232", "exercise211"])
def test_presets_print_as_valid_specs(name):
    text = preset_text(name)
    assert text.startswith("#")
    spec = spec_from_text(text)
    assert spec.name == name and spec.slide_check
    with pytest.raises(SpecError, match="unknown preset 'nope'"):
        preset_text("nope")


def test_defaults():
    spec = parse_spec(spec_with(layers__0__neurons=DELETE, layers__1__neurons=DELETE))
    assert spec.input_names == ["x1", "x2"] and spec.convention == "simultaneous"
    assert spec.layers[0].neurons == ["h1", "h2", "h3"] and spec.layers[1].neurons == ["o1", "o2"]
    assert spec.layers[0].weight_names[2] == ["w5", "w6"] and spec.layers[1].weight_names[0] == ["w7", "w8", "w9"]
    assert spec.layers[0].bias_names == "b1" and spec.loss == "half_sse"


def test_exercise211_figures():
    sol = solve(preset("exercise211"))
    checks = check_figures(sol)
    assert all(c.match for c in checks)  # simultaneous: every figure of seed 001
    seq = [c.figure.figure for c in checks if not c.matches["sequential"]]
    assert seq == ["Delta W_i (x1)", "Delta W_i (x2)"]  # delta_h would use the updated W
    run = sol.run
    assert run.value("net_h") == pytest.approx(-0.02, abs=1e-15)
    assert run.value("-dE_total/dnet_o") == pytest.approx((1 - 0.512372) * 0.512372 * 0.487628, abs=1e-6)
    assert run.value("ΔW") == pytest.approx(-0.5 * run.gradients["W"], abs=1e-17)


NUMERIC = re.compile(r"^[\d.\s*+\-()/^]+$")


def report_arithmetic_ok(text: str) -> int:
    """Every 'numbers = result' step in the report evaluates to its result
    (within the rounding of 6-decimal factors). Returns how many were checked."""
    checked = 0
    for line in text.splitlines():
        line = re.sub(r"\([A-Za-z_]\w*\+?\)", "", line)  # weight tags such as (w7+)
        parts = [p.strip() for p in line.split(" = ")]
        for expr, result in zip(parts, parts[1:]):
            if not NUMERIC.match(expr) or not re.search(r"[\d)]\s*[*+/^]|\d \(", expr):
                continue
            try:
                value = float(result)
            except ValueError:
                continue
            # only digits, . * + - / ^ ( ) reach here; "1/2 (a - b)^2" is 1/2*(a - b)**2
            got = eval(re.sub(r"(\d) \(", r"\1*(", expr).replace("^", "**"))
            assert got == pytest.approx(value, abs=2e-5, rel=1e-4), line
            checked += 1
    return checked


def test_bp232_report_arithmetic():
    text = render_text(solve(preset("bp232"), after=[]))
    assert report_arithmetic_ok(text) > 40


OTHER_SPECS = {
    "softmax_ce": """
inputs = [0.5, -1.0]
targets = [0, 1, 0]
activation = "tanh"
loss = "cross_entropy"
learning_rate = 0.1
[[layers]]
weights = [[0.3, -0.2], [0.1, 0.4]]
bias = [0.05, -0.05]
[[layers]]
weights = [[0.2, 0.1], [-0.3, 0.5], [0.6, -0.1]]
bias = 0.1
activation = "softmax"
""",
    "relu_identity_mse": """
inputs = [1.0, 2.0]
targets = [0.5]
activation = "relu"
loss = "mse"
learning_rate = 0.05
convention = "sequential"
after = [3]
[[layers]]
weights = [[0.3, -0.2], [0.1, 0.4]]
[[layers]]
weights = [[0.7, -0.5]]
activation = "identity"
""",
    "three_layers_mse_half": """
inputs = [0.2, 0.7]
targets = [0.1, 0.9]
loss = "mse_half"
learning_rate = 0.8
convention = "sequential"
[[layers]]
weights = [[0.1, 0.2], [0.3, 0.4]]
bias = 0.1
[[layers]]
weights = [[0.5, -0.6], [0.7, 0.8]]
bias = [0.1, 0.2]
train_bias = false
[[layers]]
weights = [[0.9, -1.0], [1.1, 0.2]]
""",
    "elu_leaky_relu_softplus": """
inputs = [0.5, -1.0]
targets = [0.3, 0.8]
learning_rate = 0.5
[[layers]]
weights = [[0.3, 0.6], [-0.1, 0.4]]
bias = [0.05, 0.9]
activation = "elu"
[[layers]]
weights = [[0.7, -0.5], [0.2, 0.3]]
activation = "leaky_relu"
[[layers]]
weights = [[0.4, -0.6], [0.5, 0.1]]
activation = "softplus"
""",
    "absolute_step": """
inputs = [1, 0]
targets = [1]
activation = "step"
loss = "absolute"
learning_rate = 1
[[layers]]
weights = [[2, 2]]
bias = -1
""",
}


@pytest.mark.parametrize("name", list(OTHER_SPECS))
def test_other_networks_solve_and_report_consistently(name):
    spec = spec_from_text(OTHER_SPECS[name])
    sol = solve(spec)
    for conv, run in sol.runs.items():
        # the trace invariant holds for every named node
        into: dict[int, float] = {}
        for s in run.steps:
            into[id(s.child)] = into.get(id(s.child), 0.0) + s.product
        for label, node in run.nodes.items():
            if node is not run.loss and id(node) in into:
                assert into[id(node)] == pytest.approx(run.grad(label), abs=1e-15)
        # gradients from the engine agree with finite differences of the forward pass
        if conv == "simultaneous":
            from chainrule.solver import build_model
            from nn.losses import get_loss
            loss_fn = get_loss(spec.loss)
            for pname in spec.parameter_names():
                def E(delta):
                    model = build_model(spec)
                    p = next(p for p in model.parameters() if p.label == pname)
                    p.data += delta
                    return loss_fn(model(spec.inputs), spec.targets).data
                numeric = (E(1e-6) - E(-1e-6)) / 2e-6
                assert run.gradients[pname] == pytest.approx(numeric, abs=1e-6), pname
    text = render_text(sol, check_figures(sol))
    assert "1. Forward pass" in text and "3. Updates" in text
    report_arithmetic_ok(text)
    data = render_json(sol)
    assert set(data) >= {"forward", "gradients", "updated", "history", "slide_check"}


def test_three_layer_report_writes_generic_path_terms():
    sol = solve(spec_from_text(OTHER_SPECS["three_layers_mse_half"]))
    text = render_text(sol)
    # layer 1 feeds a hidden layer: terms are dE_total/dnet_k * dnet_k/dout_j
    assert re.search(r"dE_total/dout_h1_1 += dE_total/dnet_h2_1 \* dnet_h2_1/dout_h1_1 \+ ", text)
    assert "(w5+)" in text  # sequential: through the updated layer-2 weight


def test_render_text_renders_only_the_sections_asked_for():
    sol = solve(preset("bp232"), after=[9])
    checks = check_figures(sol)
    whole = render_text(sol, checks)
    parts = {name: render_text(sol, checks, sections=(name,))
             for name in ("header", "forward", "backward", "updates", "after", "check")}
    assert parts["header"].startswith("chainrule bp: bp232, the 2-3-2 network of the BP slides")
    assert parts["forward"].startswith("1. Forward pass\n---")
    assert "net_h1 = w1*l1 + w2*l2 + b1*1 = 0.1*5 + 0.15*10 + 0.35*1 = 2.350000" in parts["forward"]
    assert "= 0.881090 * 0.097049 * 0.912934 = 0.078064" in parts["backward"]
    assert "2. Backward" not in parts["forward"] and "1. Forward" not in parts["backward"]
    assert parts["updates"].startswith("3. Updates") and "0.094534" in parts["updates"]
    assert parts["after"].startswith("4. After K updates") and "K = 9" in parts["after"]
    assert parts["check"].startswith("5. Slide check")
    assert "sequential: 44 of 46 figures match" in parts["check"]
    # the parts are the whole report, cut at the blank line before each heading
    assert "\n\n".join(p.rstrip("\n") for p in parts.values()) + "\n" == whole
    two = render_text(sol, checks, sections=("check", "forward"))  # always in report order
    assert two.startswith("1. Forward pass") and two.index("1. Forward") < two.index("5. Slide")
    assert render_text(sol, checks, sections="updates") == parts["updates"]
    with pytest.raises(ValueError, match="unknown section 'slides'.*header, forward"):
        render_text(sol, checks, sections=("slides",))


def test_a_users_own_figures_are_checked_as_the_specs_not_the_slides():
    text = OTHER_SPECS["relu_identity_mse"] + '''
[[slide_check]]
figure = "out_o1"
slide = "0.2"
quantity = "out_o1"

[[slide_check]]
figure = "w3+, by hand"
slide = "0.060623"
quantity = "w3+"
'''
    spec = spec_from_text(text)
    assert spec.figures_from == "" and not spec.from_slides
    sol = solve(spec, "simultaneous")
    checks = check_figures(sol)
    report = render_text(sol, checks, sections="check")
    assert report.startswith("5. Check of the spec's figures: every figure the spec gives "
                             "against the engine")
    # (the sequential convention is still described "as the slides do")
    assert "slide check" not in report.lower() and "The slide" not in report
    header = next(line for line in report.splitlines() if line.strip().startswith("figure"))
    assert header.split()[:3] == ["figure", "given", "engine"]
    # out_o1 = 0.7 * relu(0.3 - 0.4) - 0.5 * relu(0.1 + 0.8) = -0.45: not 0.2
    assert re.search(r"\n   out_o1 +0\.2 +-0\.450000  ✗ ", report)
    # w3+ = 0.1 - 0.05 * dE/dw3 through the updated w6 (sequential: 0.060623) or w6 = -0.5
    from chainrule.report import full_note
    w3 = checks[1]
    assert w3.values["simultaneous"] == pytest.approx(0.0525, abs=1e-12) and not w3.match
    assert full_note(w3).startswith("This figure follows the sequential convention here")
    assert all("The slide" not in full_note(c) for c in checks)
    # figures named as coming from somewhere else
    named = spec_from_text('figures_from = "my notes"\n' + text)
    report = render_text(solve(named), check_figures(solve(named)), sections="check")
    assert report.startswith("5. Check of the spec's figures: every figure from my notes")
    with pytest.raises(SpecError, match="figures_from: expected a string"):
        spec_from_text("figures_from = 3\n" + text)
    # the presets' figures are the slides': a slide check
    assert preset("bp232").from_slides and preset("exercise211").from_slides


# --- numbers the engine cannot solve, and networks too big to write out ---------------------

def solve_error(text):
    from chainrule.errors import SolveError
    with pytest.raises(SolveError) as info:
        solve(spec_from_text(text))
    assert "\n" not in str(info.value)
    return str(info.value)


def test_a_forward_pass_that_overflows_is_named_not_printed_as_nan():
    message = solve_error("""
inputs = [10, 10]
targets = [1]
learning_rate = 0.5
[[layers]]
neurons = ["h"]
weights = [[1e308, -1e308]]
[[layers]]
neurons = ["o"]
weights = [[0.1]]
""")
    # 1e308*10 = inf, -1e308*10 = -inf, inf + (-inf) = nan
    assert message == ("the forward pass overflows the floats (largest about 1.8e308): net_h = nan, "
                       "and so E_total = nan; use smaller weights or inputs")


def test_updates_that_diverge_say_when_and_point_at_the_learning_rate():
    # identity, target 0: w <- w - 10 w = -9 w, so E = w^2/2 = 81^k/2 passes 1.8e308 at k = 162
    message = solve_error("""
inputs = [1]
targets = [0]
activation = "identity"
learning_rate = 10
after = [200]
[[layers]]
weights = [[1]]
""")
    assert message.startswith("after 162 updates (simultaneous), the numbers overflow: pow(")
    assert message.endswith("the updates diverge: use a smaller learning_rate (now 10)")


def test_cross_entropy_of_a_sigmoid_that_rounds_to_0_names_the_output():
    message = solve_error("""
inputs = [10, 10]
targets = [1]
loss = "cross_entropy"
learning_rate = 0.5
[[layers]]
weights = [[-800, -800]]
""")
    assert message == ("cross_entropy takes log(out_o1), but out_o1 = 0: the sigmoid of net_o1 = "
                       "-16000 rounds to 0 in floating point, and log(0) = -infinity; use smaller "
                       "weights or inputs")


def wide(hidden):
    return {"inputs": [0.1, 0.2], "targets": [1], "learning_rate": 0.5,
            "layers": [{"weights": [[0.1, -0.1]] * hidden}, {"weights": [[0.01] * hidden]}]}


def test_a_network_too_big_to_write_out_is_refused_with_the_limit_and_why():
    with pytest.raises(SpecError) as info:
        parse_spec(wide(2500))  # 2*2500 + 2500 = 7,500 weights
    assert str(info.value) == (
        "layers: the 2-2500-1 network has 7,500 weights and biases, more than the 5,000 a worked "
        "solution can show: it writes out the chain rule for each (about 50,000 lines here), "
        "which nobody can read; train a network that size with nn.MLP and nn.train.fit")
    parse_spec(wide(1666))  # 4,998: still shown


def test_too_many_updates_of_a_big_network_are_refused_before_running(tmp_path, capsys):
    spec = parse_spec(wide(1000))  # 3,000 weights
    with pytest.raises(SpecError) as info:
        solve(spec, after=[1000])
    # the solver names its own argument; the command line, the flag the user typed
    assert (info.value.function, info.value.argument) == ("solve", "after")
    assert str(info.value).startswith("solve(after=...): 1,000 updates of 3,000 weights and biases ")
    path = tmp_path / "wide.toml"
    path.write_text(tomli_w.dumps(wide(1000)), encoding="utf-8")
    assert main(["bp", str(path), "--after", "1000"]) == 2
    assert capsys.readouterr().err.removeprefix("chainrule bp: error: ").rstrip("\n") == (
        "--after: 1,000 updates of 3,000 weights and biases are 3,000,000 weight updates, more "
        "than the 2,000,000 chainrule bp does (at most 666 updates of this network); ask for "
        "fewer, or train a network this size with nn.train.fit")
    # the same limit reached through the spec's own `after` names that key
    with pytest.raises(SpecError, match=r"^after: 1,000 updates of 3,000 weights"):
        solve(parse_spec({**wide(1000), "after": [1000]}))


@pytest.mark.parametrize("call, message", [
    (lambda: solve(preset("bp232"), convention="backwards"),
     "solve(convention=...): unknown value 'backwards' (choose from simultaneous, sequential)"),
    (lambda: solve(preset("bp232"), after=[9, -1]),
     "solve(after=...): expected a list of update counts 0..100000, got [9, -1]"),
    (lambda: solve(preset("bp232"), after=[100_001]),
     "solve(after=...): expected a list of update counts 0..100000, got [100001]"),
    (lambda: Run(preset("bp232"), "sequentially"),
     "Run(convention=...): unknown value 'sequentially' (choose from simultaneous, sequential)"),
    (lambda: preset("bp233"), "preset(name=...): unknown preset 'bp233' (choose from bp232, exercise211)"),
    (lambda: preset_text(None), "preset_text(name=...): unknown preset None (choose from bp232, exercise211)"),
])
def test_a_bad_argument_is_named_as_python_writes_it(call, message):
    with pytest.raises(ArgumentError) as info:
        call()
    assert str(info.value) == message


def test_the_command_line_says_an_argument_error_with_its_flag(capsys):
    # every argument it maps is one the solver or the presets take, to a flag of chainrule bp
    params = set(inspect.signature(solve).parameters) | set(inspect.signature(preset).parameters)
    assert set(cli.FLAGS) <= params
    with pytest.raises(SystemExit):
        main(["bp", "--help"])
    usage = capsys.readouterr().out
    assert all(f"[{flag} " in usage for flag in cli.FLAGS.values())
    assert str(cli._as_typed(ArgumentError("solve", "convention", "unknown value 'x'"))) == \
        "--convention: unknown value 'x'"
    assert str(cli._as_typed(ArgumentError("preset", "name", "unknown preset 'x'"))) == \
        "--preset: unknown preset 'x'"


def test_the_report_sweeps_the_trace_once_per_node_not_once_per_weight(monkeypatch):
    # A 10-10-1 report asked d(E_o1)/d(out_hj) once per weight, each a walk of the whole
    # graph: 50-50-1 took 8 s. Now each top node is swept once and reused.
    import autograd.backward
    import chainrule.solver
    spec = parse_spec({"inputs": [0.1] * 10, "targets": [1], "learning_rate": 0.5,
                       "layers": [{"weights": [[0.1 * (i - j) for j in range(10)] for i in range(10)]},
                                  {"weights": [[0.05 * i for i in range(10)]]}]})
    sol = solve(spec, after=[])
    calls = []
    real = chainrule.solver.topological_order
    # the report's own walks and the engine's sweeps (autograd.derivatives) alike
    for module in (chainrule.solver, autograd.backward):
        monkeypatch.setattr(module, "topological_order",
                            lambda *args: calls.append(args[0]) or real(*args))
    text = render_text(sol, check_figures(sol))
    assert len(calls) <= 2 * 11 + 5  # a few per neuron, not one per weight (110)
    # and the numbers are the engine's: every weight's factors multiply to its grad
    run = sol.run
    for i in range(10):
        w = f"w{10 * i + 1}"
        chain = (run.derivative("E_o1", f"out_h{i + 1}") * run.derivative(f"out_h{i + 1}", f"net_h{i + 1}")
                 * run.derivative(f"net_h{i + 1}", w))
        assert chain == pytest.approx(run.gradients[w], rel=1e-12)
        assert f"dE_total/d{w}" in text


def test_identity_outputs_with_their_own_names_have_their_own_error_terms():
    # An identity output is its net node (labelled net_y): its error term is still E_y
    # (it was E_o1, so the report listed no error term and said E_total does not use out_y).
    sol = solve(spec_from_text("""
inputs = [1.0]
targets = [0.5, 0.1]
learning_rate = 0.1
activation = "identity"
[[layers]]
weights = [[0.3], [0.2]]
neurons = ["y", "z"]
"""))
    text = render_text(sol, sections=("forward", "backward"))
    assert "E_y     = 1/2 (target_y - out_y)^2 = 1/2 (0.5 - 0.300000)^2 = 0.020000" in text
    assert "E_total = E_y + E_z = 0.020000 + 0.005000 = 0.025000" in text
    assert "dE_total/dout_y = -(target_y - out_y) = -(0.5 - 0.300000) = -0.200000" in text
    assert "does not use" not in text
    assert render_json(sol)["forward"] == pytest.approx(
        {"net_y": 0.3, "out_y": 0.3, "net_z": 0.2, "out_z": 0.2, "E_y": 0.02, "E_z": 0.005, "E_total": 0.025})
