"""The slides' small examples: seed 002's step perceptrons, seed 003's XOR with ReLU,
and XOR learned from a random start."""
import re

import pytest

from chainrule.cli import main
from chainrule.i18n import width
from chainrule.examples import XOR_INPUTS, XOR_TARGETS, perceptron, table, train_xor, xor_relu


def test_step_perceptron_table_seed_002():
    rows = table(perceptron(), XOR_INPUTS)
    z = [tuple(layers[0]) for _, layers in rows]
    h = [layers[1][0] for _, layers in rows]
    assert z == [(0, 0), (0, 1), (0, 1), (1, 1)]  # the slide's z1, z2 columns
    assert h == [1, 0, 0, 1]  # and its h(x)


def test_xor_with_relu_and_hand_weights_seed_003():
    rows = table(xor_relu(), XOR_INPUTS)
    assert [layers[0] for _, layers in rows] == [[0, 0], [1, 0], [1, 0], [2, 1]]
    assert [layers[1][0] for _, layers in rows] == [0, 1, 1, 0]


def test_xor_learned_from_random_init():
    model, hist = train_xor(seed=0, epochs=300)
    assert hist.loss[-1] < 0.01
    assert [round(model(x)[0].data) for x in XOR_INPUTS] == XOR_TARGETS


@pytest.mark.parametrize("name, expected", [
    ("perceptron", "     1     1     1     1     1"),
    ("xor-relu", "y = (0, 1, 1, 0): XOR."),
    ("xor-train", "     1     1        0   0.0"),
])
def test_example_command(capsys, name, expected):
    assert main(["example", name]) == 0
    assert expected in capsys.readouterr().out


def _column_ends(line: str) -> list[int]:
    """The terminal column where each word of ``line`` ends (a CJK character is 2 wide)."""
    return [width(line[:m.end()]) for m in re.finditer(r"\S+", line)]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_xor_train_headers_end_where_their_numbers_end(capsys, lang):
    # right-aligned columns: each header's last character sits over its numbers' last digit
    assert main(["--lang", lang, "example", "xor-train"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("x1"))
    rows = lines[header + 1:header + 5]  # "     0     0        0   0.012704" ...
    assert len(rows) == 4 and all(len(_column_ends(row)) == 4 for row in rows)
    for row in rows:
        assert _column_ends(lines[header]) == _column_ends(row), (lines[header], row)
