"""`chainrule bp SPEC --torch`: every figure of the worked solution beside
PyTorch's (its own autograd, the sequential convention layer by layer in torch),
the machine-checkable last line, exit 1 when torch disagrees, 2 for bad input,
and the one-line install hint without torch."""
import json
import re
import sys

import pytest

torch = pytest.importorskip("torch")

from chainrule.cli import main  # noqa: E402
from cli_runs import run  # noqa: E402
from slides import SMALL_SPEC  # noqa: E402

LAST = re.compile(r"^torch: (\d+) figures, max \|difference\| = (\S+)$")
ROW = re.compile(r"^  (\S+)\s+(\S+)\s+(\S+)\s+(\S+)( {2}✗)?$")


def rows(text: str) -> dict[str, tuple[float, float, float]]:
    """Each figure's line: name -> (chainrule, torch, difference)."""
    found = {}
    for line in text.splitlines():
        m = ROW.match(line)
        if m and m.group(1) not in ("chainrule",):
            try:
                found[m.group(1)] = tuple(float(m.group(i)) for i in (2, 3, 4))
            except ValueError:
                continue
    return found


@pytest.fixture(scope="module")
def bp232_torch():
    import io
    from contextlib import redirect_stdout
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["bp232", "--torch", "--lang", "en"])
    return code, buf.getvalue()


def test_bp232_every_figure_agrees_with_torch(bp232_torch):
    code, text = bp232_torch
    assert code == 0
    last = text.rstrip("\n").splitlines()[-1]
    count, biggest = LAST.match(last).groups()
    # 13 forward values, 14 parameter gradients + 10 of net/out, 14 updates, 4 x (2 outputs, E_total, 14)
    assert int(count) == 13 + 24 + 14 + 4 * 17 == 119
    assert float(biggest) < 1e-14
    figures = rows(text)
    assert len(figures) == 119
    assert figures["out_o1"][1] == pytest.approx(0.891090, abs=1e-6)          # the slides' figure, from torch
    assert figures["dE_total/dw7"][1] == pytest.approx(0.078064, abs=1e-6)
    assert figures["w1+"][1] == pytest.approx(0.094534, abs=1e-6)           # sequential: through w7+ ...
    assert figures["out_o1@100"][1] == pytest.approx(0.073889, abs=1e-6)
    assert all(abs(d) <= 1e-9 * max(abs(a), abs(b)) + 1e-15 for a, b, d in figures.values())
    assert "the sequential convention" in text.splitlines()[0]


def test_the_simultaneous_convention_too(capsys):
    code, out, _err = run(capsys, "bp232", "--torch", "--convention", "simultaneous", "--after", "5")
    assert code == 0
    figures = rows(out)
    assert figures["w1+"][1] == pytest.approx(0.093866, abs=1e-6)  # the plain gradient, before w7 moves
    assert LAST.match(out.splitlines()[-1]).group(1) == str(13 + 24 + 14 + 17)


SPEC = """\
name = "variant"
inputs = [0.5, -1.0]
targets = {targets}
input_names = ["x1", "x2"]
activation = "{hidden}"
loss = "{loss}"
learning_rate = 0.3
convention = "{convention}"
after = [3]

[[layers]]
neurons = ["h1", "h2", "h3"]
weights = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]
{hidden_bias}

[[layers]]
neurons = ["o1", "o2"]
activation = "{output}"
weights = [[0.7, -0.8, 0.9], [-0.1, 0.2, 0.3]]
{output_bias}
"""
VARIANTS = [
    ("relu", "sigmoid", "mse", "[0.2, 0.7]", "bias = 0.1", "bias = [0.2, -0.3]"),
    ("tanh", "identity", "mse_half", "[0.2, 0.7]", "bias = [0.1, 0.2, 0.3]", ""),
    ("sigmoid", "softmax", "cross_entropy", "[0.0, 1.0]", "bias = 0.1\ntrain_bias = false", "bias = 0.2"),
    ("identity", "tanh", "hinge", "[-1, 1]", "", "bias = [0.1, 0.1]"),
    ("tanh", "sigmoid", "absolute", "[0.3, 0.6]", "bias = 0.1", "bias = 0.2"),
    ("step", "identity", "half_sse", "[0.3, 0.6]", "bias = 0.1", "bias = 0.2"),
]


@pytest.mark.parametrize("convention", ["sequential", "simultaneous"])
@pytest.mark.parametrize("hidden, output, loss, targets, hidden_bias, output_bias", VARIANTS,
                         ids=[f"{v[0]}-{v[1]}-{v[2]}" for v in VARIANTS])
def test_every_activation_loss_and_bias_agrees(capsys, tmp_path, convention, hidden, output, loss, targets,
                                               hidden_bias, output_bias):
    spec = tmp_path / "variant.toml"
    spec.write_text(SPEC.format(**locals()), encoding="utf-8")
    code, out, err = run(capsys, "bp", str(spec), "--torch")
    assert (code, err) == (0, ""), out
    figures = rows(out)
    count = int(LAST.match(out.splitlines()[-1]).group(1))
    assert count == len(figures) > 40
    moved = [name for name, (a, b, _d) in figures.items() if name.endswith("+") and a != 0]
    assert moved  # real numbers: the updates are compared, not empty lines


DEEP = """\
name = "deep"
inputs = [0.5, -1.0]
targets = [0.2, 0.9]
learning_rate = 0.5
convention = "sequential"
after = [4]
[[layers]]
activation = "tanh"
neurons = ["h1_1", "h1_2", "h1_3"]
weights = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]
bias = [0.1, -0.1, 0.2]
[[layers]]
activation = "relu"
neurons = ["h2_1", "h2_2"]
weights = [[0.7, -0.8, 0.9], [0.4, 0.2, 0.3]]
bias = 0.05
[[layers]]
neurons = ["o1", "o2"]
weights = [[0.3, -0.6], [0.5, 0.1]]
bias = 0.1
"""


@pytest.mark.parametrize("text", [DEEP, None], ids=["3-layers", "2-2-1"])
@pytest.mark.parametrize("convention", ["sequential", "simultaneous"])
def test_three_layers_and_one_output_agree(capsys, tmp_path, text, convention):
    spec = tmp_path / "spec.toml"
    spec.write_text(text or SMALL_SPEC, encoding="utf-8")
    code, out, _err = run(capsys, "bp", str(spec), "--torch", "--convention", convention, "--after", "4")
    assert code == 0, out
    figures = rows(out)
    # the sequential gradients of the first layer go through the updated weights of both layers above
    name = "dE_total/dw1"
    assert name in figures and figures[name][1] != 0
    assert int(LAST.match(out.splitlines()[-1]).group(1)) == len(figures)


def test_json_carries_the_comparison_under_torch(capsys):
    code, out, _err = run(capsys, "bp232", "--torch", "--json", "--after", "9")
    assert code == 0
    data = json.loads(out)
    assert data["forward"]["out_o1"] == pytest.approx(0.891090, abs=1e-6)  # the report as usual
    t = data["torch"]
    assert t["agree"] is True and t["count"] == len(t["figures"]) == 13 + 24 + 14 + 17
    assert t["max_difference"] < 1e-14 and t["version"] == torch.__version__
    w7 = next(f for f in t["figures"] if f["name"] == "dE_total/dw7")
    assert w7["section"] == "gradients" and w7["torch"] == pytest.approx(w7["chainrule"], rel=1e-15)


def test_in_chinese_the_same_numbers_and_the_same_last_line(capsys, bp232_torch):
    code, out, _err = run(capsys, "bp232", "--torch", "--lang", "zh")
    assert code == 0
    assert out.splitlines()[-1] == bp232_torch[1].splitlines()[-1]  # literal: a script reads it
    assert rows(out) == rows(bp232_torch[1])
    assert "前向传播" in out and "梯度" in out and "轮" not in out.splitlines()[-1]


def test_a_figure_torch_computes_differently_exits_1(capsys, monkeypatch):
    sigmoid = torch.nn.Sigmoid.forward
    # torch's sigmoid made a millionth too large: every figure downstream of it differs
    monkeypatch.setattr(torch.nn.Sigmoid, "forward", lambda self, x: sigmoid(self, x) * (1 + 1e-6))
    code, out, _err = run(capsys, "bp232", "--torch", "--after", "9")
    assert code == 1
    figures = rows(out)
    assert "✗" in out and figures["out_h1"][2] == pytest.approx(0.912934e-6, rel=0.02)  # printed to 2 digits
    assert re.search(r"^\d+ figures differ by more than 1e-09 \(relative\): out_h1, ", out, re.M)
    count, biggest = LAST.match(out.splitlines()[-1]).groups()
    assert float(biggest) > 1e-7


@pytest.mark.parametrize("argv, message", [
    (["bp", "no-such-spec.toml", "--torch"], "no-such-spec.toml"),
    (["bp232", "--torch", "--after", "abc"], "--after"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and message in err


@pytest.mark.parametrize("lang, words", [("en", "PyTorch is not installed"), ("zh", "未安装 PyTorch")])
def test_without_torch_one_line_says_how_to_install_it(capsys, monkeypatch, lang, words):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` fails as if not installed
    code, out, err = run(capsys, "bp232", "--torch", "--lang", lang)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and words in err and 'pip install "chainrule[torch]"' in err
    assert err.startswith("chainrule bp232: ") or err.startswith("chainrule bp232：")
