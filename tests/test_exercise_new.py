"""chainrule exercise new (issue 12): per-student variants with numbers a person can
work with, their worksheets, answer keys and Moodle quizzes."""
import itertools
import math
from decimal import Decimal

import pytest

from chainrule.errors import SpecError
from chainrule.exercise.generate import (MIN_SHOWN, Exercise, Template, decimals_of, load_template,
                                         printed, read_roster, roster_from_text, seed_number,
                                         spec_to_toml, template_from_dict, template_from_text, variant)
from chainrule.solver import solve
from chainrule.quantities import parse_quantity
from chainrule.spec import PRESETS, preset, spec_from_text

T232 = template_from_dict({"name": "bp", "shape": [2, 3, 2]})
T221 = template_from_dict({"name": "small", "shape": [2, 2, 1], "convention": "sequential",
                           "ask": ["forward", "deltas", "gradients", "updates",
                                   "dE_total/dout_o1", "dout_o1/dnet_o1", "dnet_o1/dw5", "Δw5"],
                           "bias": "per_neuron", "train_bias": True, "after": [3]})


# --- reproducibility ----------------------------------------------------------------------

def test_the_same_seed_gives_the_same_variant():
    a, b = variant(T232, 7), variant(T232, 7)
    assert a.spec == b.spec and a.asked == b.asked and a.values == b.values
    assert variant(T232, 8).spec != a.spec


def test_a_student_id_gives_the_same_variant_in_every_run():
    # SHA-256 of the id: a fixed number, whatever PYTHONHASHSEED says
    assert seed_number("bp", "S001") == int.from_bytes(
        __import__("hashlib").sha256("chainrule-exercise\x1fbp\x1fS001".encode()).digest()[:8], "big")
    a = variant(T232, "S001")
    assert a.spec.inputs == variant(T232, "S001").spec.inputs
    assert a.spec != variant(T232, "S002").spec
    # the same id in another exercise: other numbers
    other = template_from_dict({"name": "bp-week2", "shape": [2, 3, 2]})
    assert variant(other, "S001").spec.inputs != a.spec.inputs or \
        variant(other, "S001").spec.layers != a.spec.layers


def test_reproducible_in_a_fresh_interpreter(tmp_path):
    import subprocess
    import sys
    code = ("from chainrule.exercise.generate import template_from_dict, variant, spec_to_toml;"
            "import sys; t = template_from_dict({'name': 'bp', 'shape': [2, 3, 2]});"
            "sys.stdout.write(spec_to_toml(variant(t, 'S001').spec))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**__import__("os").environ, "PYTHONHASHSEED": str(h)}).stdout
            for h in (1, 2)}
    assert runs == {spec_to_toml(variant(T232, "S001").spec)}


# --- the rules, over many variants --------------------------------------------------------

def _given(spec):
    numbers = list(spec.inputs) + list(spec.targets)
    for layer in spec.layers:
        numbers += [w for row in layer.weights for w in row]
        if layer.bias is not None:
            numbers += layer.bias if isinstance(layer.bias, list) else [layer.bias]
    return numbers


def _check_rules(ex: Exercise):
    spec = ex.spec
    # inputs, weights, biases, targets: at most two decimals, as Decimal reads the repr
    for x in _given(spec):
        assert -Decimal(repr(x)).as_tuple().exponent <= 2 or x == int(x), x
    solution = solve(spec, after=sorted({parse_quantity(q, spec.labels()).k for q in ex.asked
                                         if "@" in q}))
    run = solution.run
    for layer in spec.layers:
        for n in layer.neurons:
            out = run.nodes[f"out_{n}"].data
            if layer.activation == "sigmoid":
                assert 0.05 <= out <= 0.95, (n, out)
    values = {q: run.value(q) for q in ex.asked}
    for q, v in values.items():
        kind = parse_quantity(q, spec.labels())
        if kind.kind in ("derivative", "change"):
            assert abs(v) >= MIN_SHOWN, (q, v)
        if kind.kind == "updated" and q != "b1+":
            assert abs(v - run.initial[kind.a]) >= MIN_SHOWN, (q, v)
    same = {frozenset(p) for p in ex.same}
    for a, b in itertools.combinations(ex.asked, 2):
        if frozenset((a, b)) not in same:
            assert f"{values[a]:.6f}" != f"{values[b]:.6f}", (a, b, values[a])
    return values


def test_every_rule_holds_over_200_variants():
    for seed in range(200):
        ex = variant(T232, seed)
        values = _check_rules(ex)
        assert ex.values == pytest.approx(values, rel=1e-12, abs=1e-15)
        assert ex.same == []  # 2-3-2, forward/gradients/updates: nothing equal by the formulas


def test_every_rule_holds_for_a_2_2_1_template_with_biases_and_after():
    for seed in range(40):
        ex = variant(T221, seed)
        _check_rules(ex)
        assert "out_o1@3" in ex.asked and "E_total@3" in ex.asked
        assert "b_h1+" in ex.asked and "dE_total/db_o1" in ex.asked
    # formulas that make two figures the same number are exempt, and said so
    ex = variant(T221, 0)
    assert ("dnet_o1/dw5", "out_h1") in ex.same
    assert ex.printed("dnet_o1/dw5") == ex.printed("out_h1")


def test_the_rules_are_stated():
    ex = variant(T232, 1)
    assert len(ex.rules) == 4
    assert any("0.05" in r and "0.95" in r for r in ex.rules)
    from nn.i18n import using_language
    with using_language("zh"):
        assert all(any("\u4e00" <= c <= "\u9fff" for c in r) for r in ex.rules)


def test_impossible_rules_are_a_clear_error():
    # inputs of 0.05 to 0.06 and weights of 0.05 to 0.06: the hidden gradients vanish
    t = template_from_dict({"name": "flat", "shape": [2, 2, 1], "input_range": [0.05, 0.06],
                            "weight_range": [0.05, 0.06], "target_range": [0.52, 0.53],
                            "ask": ["dE_total/dw1"]})
    with pytest.raises(SpecError, match="no numbers found in 30 draws.*0.0001"):
        variant(t, 1, max_tries=30)


def test_a_variant_of_a_spec_keeps_its_shape_names_and_settings():
    bp = preset("bp232")
    ex = variant(bp, "S001")
    spec = ex.spec
    assert spec.input_names == bp.input_names and spec.convention == "sequential"
    for new, old in zip(spec.layers, bp.layers):
        assert new.neurons == old.neurons and new.weight_names == old.weight_names
        assert new.bias_names == old.bias_names and new.train_bias == old.train_bias
        assert new.weights != old.weights
    assert spec.slide_check == []  # the slides' figures belong to the slides' numbers
    _check_rules(ex)


def test_names_follow_the_slides():
    spec = variant(T232, 3).spec
    assert spec.input_names == ["l1", "l2"]
    assert spec.layers[1].weight_names == [["w7", "w9", "w11"], ["w8", "w10", "w12"]]
    spec = variant(template_from_dict({"name": "t", "shape": [3, 2, 2]}), 3).spec
    assert spec.input_names == ["x1", "x2", "x3"]
    assert spec.layers[0].neurons == ["h1", "h2"] and spec.layers[1].weight_names[0] == ["w7", "w8"]


# --- the spec round trip ------------------------------------------------------------------

@pytest.mark.parametrize("name", PRESETS)
def test_spec_to_toml_reads_back_identically(name):
    spec = preset(name)
    assert spec_from_text(spec_to_toml(spec)) == spec


def test_spec_to_toml_round_trip_of_variants_and_odd_texts():
    for ex in (variant(T232, 5), variant(T221, 5), variant(preset("exercise211"), "x")):
        assert spec_from_text(spec_to_toml(ex.spec)) == ex.spec
    spec = variant(T221, 5).spec
    spec.title, spec.title_zh = 'a "quoted" \\ title # not a comment', "反向传播 练习"
    assert spec_from_text(spec_to_toml(spec)) == spec


def test_decimals_of():
    assert [decimals_of(x) for x in (0.15, 5.0, -0.3, 1e-05, 0.07)] == [2, 0, 1, 5, 2]
    assert printed(0.0123456789) == "0.012346"


# --- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize("data, key, words", [
    ({"shape": [2, 3, 2], "colour": "red"}, "colour", "unknown key"),
    ({"name": "x"}, "shape", "missing"),
    ({"shape": [2]}, "shape", "each layer"),
    ({"shape": [2, 0, 1]}, "shape", "from 1"),
    ({"shape": [2, 3.5, 1]}, "shape", "whole numbers"),
    ({"shape": [2, 30, 1]}, "shape", "too big"),
    ({"shape": [2, 2, 1], "activation": "swish"}, "activation", "choose from"),
    ({"shape": [2, 2, 1], "decimals": 3}, "decimals", "1 or 2"),
    ({"shape": [2, 2, 1], "weight_range": [1, -1]}, "weight_range", "lowest < highest"),
    ({"shape": [2, 2, 1], "ask": []}, "ask", "forward"),
])
def test_bad_templates_name_the_key(data, key, words):
    with pytest.raises(SpecError) as e:
        template_from_dict(data)
    assert e.value.key == key and words in e.value.problem


def test_an_unknown_quantity_asked_is_named():
    t = template_from_dict({"shape": [2, 2, 1], "ask": ["forward", "dE_total/dw99"]})
    with pytest.raises(SpecError, match=r"ask\[1\].*w99"):
        variant(t, 1)


def test_a_template_file_names_itself(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('shape = [2, 2, 1]\nlearning_rate = "fast"\n')
    with pytest.raises(SpecError, match=r"t\.toml: learning_rate: expected a number"):
        load_template(path)
    path.write_text("shape = [2, 2")
    with pytest.raises(SpecError, match=r"t\.toml.*not valid TOML"):
        load_template(path)
    assert template_from_text('shape = [2, 2, 1]\nname = "w"').name == "w"
    assert isinstance(template_from_text("shape = [1, 1]"), Template)


def test_rosters(tmp_path):
    students = roster_from_text("id,name\nS001,Ada Lovelace\n S002 ,Li Lei\n\n张三,张三\n")
    assert [(s.id, s.name) for s in students] == [("S001", "Ada Lovelace"), ("S002", "Li Lei"),
                                                  ("张三", "张三")]
    assert [s.id for s in roster_from_text("\ufeffname,ID\nAda,7\n")] == ["7"]
    path = tmp_path / "r.csv"
    path.write_text("name,number\nAda,1\n")
    with pytest.raises(SpecError, match=r"r\.csv.*no column id"):
        read_roster(path)
    path.write_text("id,name\nS1,Ada\nS2,Bo\nS1,Cy\n")
    with pytest.raises(SpecError, match=r"r\.csv: line 4.*'S1' is already on line 2"):
        read_roster(path)
    path.write_text("id\n../etc\n")
    with pytest.raises(SpecError, match=r"line 2.*cannot name a folder"):
        read_roster(path)
    path.write_text("id,name\n")
    with pytest.raises(SpecError, match="no students"):
        read_roster(path)
    with pytest.raises(SpecError, match="cannot read the roster"):
        read_roster(tmp_path / "missing.csv")


def test_seeds_are_whole_numbers_or_ids():
    for bad in (True, 1.5, "", None):
        with pytest.raises(SpecError, match="seed"):
            variant(T232, bad)
    assert variant(T232, 4).seed == "4" and math.isfinite(variant(T232, "4").values["E_total"])
