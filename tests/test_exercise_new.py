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
from cli_runs import refused, run

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
    ({"shape": [2, 2, 1], "output_activation": "softmax"}, "output_activation", "at least 2 output"),
    ({"shape": [2, 2, 2], "activation": "softmax"}, "activation", "output layer only"),
    ({"shape": [2, 2, 2], "activation": "tanh", "loss": "cross_entropy"}, "loss", "probabilities"),
    ({"shape": [2, 2], "loss": "cross_entropy", "target_range": [-1, 1]}, "target_range", "0 to 1"),
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
    path.write_text('shape = [2, 2, 1]\nname = "w"\ntitle_zh = "练习"\n', encoding="utf-8")
    assert Template.from_file(path) == template_from_dict({"shape": [2, 2, 1], "name": "w", "title_zh": "练习"})
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


# --- the answer key -----------------------------------------------------------------------

def _factor_value(run, text):
    """A formula's right-hand side of chain-rule factors (a · b + c · d), computed from the engine."""
    total = 0.0
    for term in text.split(" + "):
        product = 1.0
        for factor in term.split(" · "):
            product *= run.value(factor.strip())
        total += product
    return total


def test_the_key_values_are_the_solvers_and_the_formulas_multiply_out():
    from chainrule.exercise.key import key_csv, key_json, key_rows
    for template, seed in ((T232, 11), (T221, 12), (T221, "S9")):
        ex = variant(template, seed)
        spec = spec_from_text(spec_to_toml(ex.spec))  # as `chainrule bp spec.toml` reads it
        counts = sorted({parse_quantity(q, spec.labels()).k for q in ex.asked if "@" in q})
        run = solve(spec, after=counts).run
        rows = key_rows(ex)
        assert [r.quantity for r in rows] == ex.asked
        for r in rows:
            assert r.value == pytest.approx(run.value(r.quantity), rel=1e-12, abs=1e-15), r
            assert r.printed == f"{r.value:.6f}" and r.formula.startswith(r.quantity + " = ")
            rhs = r.formula.split(" = ", 1)[1]
            q = parse_quantity(r.quantity, spec.labels())
            if q.kind == "derivative" and "/d" in rhs and "(" not in rhs:
                # dE_total/dw5 = dE_total/dout_o1 · dout_o1/dnet_o1 · dnet_o1/dw5, factor by factor
                assert _factor_value(run, rhs) == pytest.approx(r.value, rel=1e-9, abs=1e-12), r
        data = key_json(ex)
        assert [f["value"] for f in data["figures"]] == [r.value for r in rows]
        assert data["convention"] == spec.convention and len(data["rules"]) >= 3
        lines = key_csv(ex).splitlines()
        assert lines[0] == "quantity,value,printed,formula" and len(lines) == len(rows) + 1
        import csv
        parsed = list(csv.DictReader(lines))
        assert [float(p["value"]) for p in parsed] == [r.value for r in rows]


def test_the_key_formulas_read_as_the_slides():
    from chainrule.exercise.key import formula
    spec = variant(T221, 3).spec
    assert formula(spec, "out_h1") == "out_h1 = σ(net_h1)"
    assert formula(spec, "net_o1") == "net_o1 = w5 · out_h1 + w6 · out_h2 + b_o1"
    assert formula(spec, "dE_total/dw5") == "dE_total/dw5 = dE_total/dout_o1 · dout_o1/dnet_o1 · dnet_o1/dw5"
    assert formula(spec, "dout_o1/dnet_o1") == "dout_o1/dnet_o1 = out_o1 · (1 - out_o1)"
    assert formula(spec, "dE_total/dout_o1") == "dE_total/dout_o1 = -(target_o1 - out_o1)"
    assert formula(spec, "w5+") == "w5+ = w5 − η · dE_total/dw5 (η = 0.5)"
    # T221 is sequential: the hidden gradients say so, in either language
    assert "sequential convention" in formula(spec, "dE_total/dw1")
    from nn.i18n import using_language
    with using_language("zh"):
        assert "逐层更新" in formula(spec, "dE_total/dw1")
        assert formula(spec, "out_h1") == "out_h1 = σ(net_h1)"
    bp = preset("bp232")
    assert formula(bp, "b1+") == "b1+ = b1 (not trained: train_bias = false)"
    assert formula(bp, "E_total") == "E_total = E_o1 + E_o2"


# --- the Moodle quiz ------------------------------------------------------------------------

def _split_unescaped(text, mark):
    """Split at ``mark`` where no backslash escapes it (Cloze's own escaping)."""
    parts, current, i = [], "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current += text[i:i + 2]
            i += 2
            continue
        if text[i] == mark:
            parts.append(current)
            current = ""
        else:
            current += text[i]
        i += 1
    return parts + [current]


NUMBER = r"-?(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"


def parse_cloze(text):
    """Every {n:NUMERICAL:...} of a question text, as Moodle's multianswer parser reads it:
    a list (one per subquestion) of answers {credit, value, tolerance, feedback}."""
    import re
    questions = []
    for start in [m.end() for m in re.finditer(r"\{([0-9]*):(NUMERICAL|NM):", text)]:
        end, i = None, start
        while i < len(text):  # the first } no backslash escapes ends it
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == "}":
                end = i
                break
            i += 1
        assert end is not None, text[start:start + 80]
        answers = []
        for alt in _split_unescaped(text[start:end], "~"):
            m = re.fullmatch(r"(=|%(-?[0-9]+(?:[.,][0-9]*)?)%)?(.+?)(?:#(.*))?", alt, re.S)
            assert m, alt
            credit = 100.0 if m.group(1) == "=" else float(m.group(2)) if m.group(2) else 0.0
            answer, feedback = m.group(3), m.group(4) or ""
            assert "#" not in answer.replace("\\#", "")
            if answer == "*":
                value = tol = None
            else:
                n = re.fullmatch(rf"({NUMBER})(?::({NUMBER}))?", answer)
                assert n, answer
                value, tol = float(n.group(1)), float(n.group(2) or 0)
                assert tol >= 0
            # Moodle ends a feedback at a bare ~ or }: none may be left unescaped
            assert not re.search(r"(?<!\\)[~}]", feedback), feedback
            answers.append({"credit": credit, "value": value, "tolerance": tol,
                            "feedback": feedback.replace("\\}", "}").replace("\\#", "#").replace("\\~", "~")})
        questions.append(answers)
    return questions


def _quiz(ex, student=None):
    import xml.etree.ElementTree as ET
    from chainrule.exercise.moodle import quiz_xml
    root = ET.fromstring(quiz_xml(ex, student).encode("utf-8"))
    assert root.tag == "quiz"
    assert root[0].get("type") == "category"
    questions = [q for q in root if q.get("type") == "cloze"]
    return root, questions


def test_the_moodle_quiz_parses_and_its_cloze_answers_are_the_key():
    from chainrule.exercise.generate import Student
    from chainrule.exercise.misconceptions import MISCONCEPTIONS, misconceived_figures
    from chainrule.exercise.moodle import CREDIT
    ex = variant(T232, "S001")
    _root, questions = _quiz(ex, Student("S001", "Ada <Lovelace> & co"))
    assert [q.find("name/text").text.split(" · ")[1] for q in questions] == ["Ada <Lovelace> & co"] * 3
    subquestions = []
    for q in questions:
        assert q.find("questiontext").get("format") == "html"
        subquestions += parse_cloze(q.find("questiontext/text").text)
    assert len(subquestions) == len(ex.asked)
    wrong_values = {code: misconceived_figures(ex.spec, code, ex.asked) for code in MISCONCEPTIONS}
    diagnosed = 0
    for quantity, answers in zip(ex.asked, subquestions):
        right = answers[0]
        assert right["credit"] == 100 and right["value"] == pytest.approx(ex.values[quantity], rel=1e-11)
        # right to 3 significant digits: half a unit in the third
        assert right["tolerance"] == pytest.approx(0.5 * 10 ** (math.floor(math.log10(abs(right["value"]))) - 2))
        assert answers[-1]["value"] is None and answers[-1]["credit"] == 0   # any other number
        assert quantity in answers[-1]["feedback"]                          # ... gets the formula
        for a in answers[1:-1]:
            codes = [c for c, v in wrong_values.items()
                     if quantity in v and abs(v[quantity] - a["value"]) <= 1e-9 * max(1, abs(a["value"]))]
            assert codes, (quantity, a)        # every wrong answer is a misconception's figure
            assert a["credit"] == min(CREDIT.get(c, 0) for c in codes) < 100
            assert abs(a["value"] - right["value"]) > 2 * right["tolerance"]
            assert a["feedback"].strip()
            diagnosed += 1
    assert diagnosed > len(ex.asked)  # most figures carry two or more misconceptions


def test_the_moodle_quiz_embeds_the_network_and_escapes_every_layer():
    import base64
    ex = variant(T221, 2)
    ex.spec.title = 'Week 3: <b>bold?</b> & "quotes" {1:NUMERICAL:=1} #~'
    root, questions = _quiz(ex)
    first = questions[0].find("questiontext")
    assert first.find("file").get("name") == "network.svg"
    svg = base64.b64decode(first.find("file").text).decode("utf-8")
    assert svg.startswith("<svg") and "w5" in svg
    assert '@@PLUGINFILE@@/network.svg' in first.find("text").text
    name = questions[0].find("name/text").text
    assert name.startswith('Week 3: <b>bold?</b> & "quotes" {1:NUMERICAL:=1} #~')
    assert len(parse_cloze(first.find("text").text)) == len(
        [q for q in ex.asked if parse_quantity(q, ex.spec.labels()).kind == "value"])


def test_the_moodle_quiz_speaks_chinese():
    from nn.i18n import using_language
    ex = variant(T232, 4)
    with using_language("zh"):
        _root, questions = _quiz(ex)
    text = questions[1].find("questiontext/text").text
    answers = parse_cloze(text)
    assert answers[0][0]["feedback"] == "正确。" and answers[0][-1]["feedback"].startswith("不对。")
    assert any("\u4e00" <= c <= "\u9fff" for a in answers[0][1:] for c in a["feedback"])
    assert "反向传播" in questions[1].find("name/text").text


# --- the command ----------------------------------------------------------------------------

TEMPLATE = """\
name = "bp-week3"
title = "Backpropagation, week 3"
title_zh = "反向传播第 3 周"
shape = [2, 3, 2]
ask = ["forward", "dE_total/dout_o1", "dout_o1/dnet_o1", "gradients", "updates"]
"""




@pytest.fixture
def files(tmp_path):
    (tmp_path / "t.toml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "roster.csv").write_text("id,name\nS001,Ada Lovelace\nS002,李雷\n", encoding="utf-8")
    return tmp_path


def test_new_from_a_roster_writes_every_file_and_states_the_rules(capsys, files):
    from chainrule.exercise.files import FILES
    from chainrule.exercise.generate import load_template
    from chainrule.spec import load_spec
    out = files / "out"
    code, text, err = run(capsys, "exercise", "new", "--template", files / "t.toml",
                          "--students", files / "roster.csv", "--out", out)
    assert code == 0, err
    for sid in ("S001", "S002"):
        assert sorted(p.name for p in (out / sid).iterdir()) == sorted(FILES)
        assert f"wrote {out / sid}: spec.toml, worksheet.html" in text
        # the spec is the student's variant, as `chainrule bp` reads it
        assert load_spec(out / sid / "spec.toml") == variant(load_template(files / "t.toml"), sid).spec
    assert "Ada Lovelace" in (out / "S001" / "worksheet.html").read_text(encoding="utf-8")
    assert "李雷" in (out / "S002" / "worksheet.md").read_text(encoding="utf-8")
    assert "keep these rules" in text and "between 0.05 and 0.95" in text
    assert not list(out.rglob("*.tmp"))
    code, report, _err = run(capsys, "bp", out / "S001" / "spec.toml")
    assert code == 0 and "bp-week3-S001" in report


def test_new_refuses_an_existing_folder_unless_forced(capsys, files):
    out = files / "out"
    assert run(capsys, "exercise", "new", "--preset", "bp232", "--seed", "5", "--out", out)[0] == 0
    before = (out / "5" / "key.json").read_text()
    err = refused(capsys, "exercise", "new", "--preset", "bp232", "--seed", "6", "--out", out)
    assert "--out" in err and "already holds files" in err and "--force" in err
    assert sorted(p.name for p in out.iterdir()) == ["5"]
    code, _text, _err = run(capsys, "exercise", "new", "--preset", "bp232", "--seed", "5", "--out", out,
                            "--force")
    assert code == 0 and (out / "5" / "key.json").read_text() == before  # the same seed, the same key


def test_new_speaks_chinese(capsys, files):
    code, text, err = run(capsys, "--lang", "zh", "exercise", "new", "--template", files / "t.toml",
                          "--seed", "2", "--out", files / "zh")
    assert code == 0, err
    assert "已写出" in text and "每份题目的数值都满足这些规则" in text and "没有饱和的神经元" in text
    page = (files / "zh" / "2" / "worksheet.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "反向传播第 3 周" in page and "你的答案" in page
    assert "@font-face" in page  # the Chinese glyphs travel with the page
    err = refused(capsys, "--lang", "zh", "exercise", "new", "--template", files / "t.toml", "--out",
                  files / "zh")
    assert "错误" in err and "--force" in err


@pytest.mark.parametrize("setup, argv, words", [
    (lambda d: (d / "bad.toml").write_text("shape = [2, 3, 2]\ncolour = 1\n"),
     ["--template", "{d}/bad.toml", "--seed", "1"], "bad.toml: colour: unknown key"),
    (lambda d: (d / "bad.toml").write_text("shape = [2, 0, 2]\n"),
     ["--template", "{d}/bad.toml"], "bad.toml: shape"),
    (lambda d: (d / "r.csv").write_text("name,number\nAda,1\n"),
     ["--preset", "bp232", "--students", "{d}/r.csv"], "no column id"),
    (lambda d: (d / "r.csv").write_text("id\nS1\nS2\nS1\n"),
     ["--preset", "bp232", "--students", "{d}/r.csv"], "line 4: the id 'S1' is already on line 2"),
    (lambda d: None, ["--preset", "bp232", "--ask", "forward,dE_total/dw99"], "--ask: 'dE_total/dw99' names 'w99'"),
    (lambda d: (d / "t.toml").write_text('shape = [2, 2, 1]\nask = ["forward", "out_h9"]\n'),
     ["--template", "{d}/t.toml"], "t.toml: ask[1]: 'out_h9'"),
    (lambda d: None, ["--preset", "bp232", "--seed", "-3"], "--seed"),
    (lambda d: None, ["--preset", "bp232", "--template", "x.toml"], "not --template and --preset"),
    (lambda d: None, ["--seed", "1"], "give one of --template"),
    (lambda d: (d / "r.csv").write_text("id\nS1\n"),
     ["--preset", "bp232", "--seed", "1", "--students", "{d}/r.csv"], "not both"),
    (lambda d: None, ["--template", "{d}/missing.toml"], "missing.toml: cannot read the template"),
])
def test_bad_input_is_one_line_and_writes_nothing(capsys, tmp_path, setup, argv, words):
    setup(tmp_path)
    out = tmp_path / "out"
    err = refused(capsys, "exercise", "new", *[a.format(d=tmp_path) for a in argv], "--out", out)
    assert err.startswith("chainrule exercise new: error: ") and words in err, err
    assert not out.exists()


# --- the worksheet in a browser ----------------------------------------------------------------

def _open_worksheet(page, tmp_path, ex, student, lang):
    from chainrule.exercise.worksheet import worksheet_html
    from nn.i18n import using_language
    with using_language(lang):
        path = tmp_path / f"worksheet_{lang}.html"
        path.write_text(worksheet_html(ex, student), encoding="utf-8")
    page.goto(path.as_uri())
    page.evaluate("document.fonts.ready")
    return path


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_worksheet_in_chromium_on_screen_and_in_print(browser_page, tmp_path, lang):
    import re

    from conftest import screenshot

    from chainrule.exercise.generate import Student
    page = browser_page
    ex = variant(T232, "S001")
    _open_worksheet(page, tmp_path, ex, Student("S001", "Ada Lovelace" if lang == "en" else "李雷"), lang)
    # the network drawn: every weight's name in the picture, the picture a readable size
    box = page.locator("figure.network svg").bounding_box()
    assert box["width"] > 400 and box["height"] > 200, box
    svg_text = page.locator("figure.network svg").text_content().split()
    assert all(f"w{i}" in svg_text for i in range(1, 13)) and "b1" in svg_text, svg_text
    # a blank for every asked figure, in the order asked
    assert page.locator("td.q").all_inner_texts() == ex.asked
    assert page.locator("td.blank").count() == len(ex.asked)
    # the given numbers and the settings are on the sheet
    body = page.locator("body").inner_text()
    assert f"l1 = {ex.spec.inputs[0]:g}" in body and "η" in body
    assert ("plain gradient descent" in body) if lang == "en" else ("普通的梯度下降" in body)
    if lang == "zh":  # the page's own Chinese face is loaded (no tofu on a machine without a CJK font)
        assert page.evaluate("[...document.fonts].some(f => f.family.includes('chainrule zh') "
                             "&& f.status === 'loaded')")
    screenshot(page, f"exercise_worksheet_{lang}", full_page=True)
    # print: A4, the answers on a page of their own, nothing wider than the paper
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.answers-page')).breakBefore") == "page"
    screenshot(page, f"exercise_worksheet_{lang}_print", full_page=True)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    sizes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert len(sizes) >= 2, "the answers start a page of their own"
    assert all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in sizes), sizes  # A4
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    assert page.evaluate("document.documentElement.scrollWidth") <= 794


@pytest.mark.parametrize("design", [
    {"shape": [3, 2, 2], "activation": "tanh", "loss": "mse"},
    {"shape": [2, 2, 3], "output_activation": "softmax", "loss": "cross_entropy"},
    {"shape": [2, 3, 1], "activation": "relu", "output_activation": "sigmoid"},
    {"shape": [2, 2, 2, 1], "bias": "per_neuron", "train_bias": True, "convention": "sequential"},
    {"shape": [2, 2, 2], "activation": "tanh", "loss": "hinge"},
    {"shape": [1, 1]},
    {"shape": [2, 1], "activation": "step", "ask": ["forward"]},
], ids=["tanh-mse", "softmax-ce", "relu", "deep-sequential", "hinge", "1-1", "step-forward"])
def test_other_designs_make_working_exercises(design):
    from chainrule.exercise.files import variant_files
    t = template_from_dict({"name": "design", **design})
    for seed in range(3):
        ex = variant(t, seed)
        values = _check_rules(ex)
        for layer in ex.spec.layers:
            if layer.activation == "tanh":
                assert all(abs(values.get(f"out_{n}", 0)) <= 0.95 for n in layer.neurons)
        files = variant_files(ex)
        assert spec_from_text(files["spec.toml"]) == ex.spec
        import xml.etree.ElementTree as ET
        root = ET.fromstring(files["quiz.xml"].encode())
        cloze = [a for q in root if q.get("type") == "cloze"
                 for a in parse_cloze(q.find("questiontext/text").text)]
        assert [a[0]["value"] for a in cloze] == pytest.approx([ex.values[q] for q in ex.asked], rel=1e-11)
    if design.get("activation") == "relu":  # a live relu's out is its net: equal by the formula
        assert ("net_h1", "out_h1") in ex.same
    if design.get("loss") == "cross_entropy":  # one-hot targets: one error term
        from chainrule.exercise.key import formula
        hot = ex.spec.targets.index(1.0) + 1
        assert formula(ex.spec, "E_total") == f"E_total = E_o{hot}"


def test_the_help_shows_a_template_that_works(capsys):
    from chainrule.exercise.new_cli import template_example
    from nn.i18n import using_language
    for lang in ("en", "zh"):
        with using_language(lang):
            text = template_example()
        toml = "\n".join(line[2:] for line in text.splitlines()[2:])
        t = template_from_text(toml)
        assert t.shape == [2, 3, 2] and t.after == [10] and t.title == "Backpropagation, week 3"
        ex = variant(t, 1)
        assert "out_o1@10" in ex.asked and "dE_total/dout_o1" in ex.asked
    code, out, _err = run(capsys, "--lang", "zh", "exercise", "new", "--help")
    assert code == 0 and "# 课件从不更新偏置" in out


def test_a_class_that_copies_its_keys_gets_full_marks(capsys, files):
    """new -> every student answers with their key's printed figures -> mark: 100% each,
    and a sheet answered from another student's key does not pass."""
    import csv
    import json
    out, answers = files / "out", files / "answers"
    assert run(capsys, "exercise", "new", "--template", files / "t.toml", "--students",
               files / "roster.csv", "--out", out)[0] == 0
    answers.mkdir()
    keys = {sid: json.loads((out / sid / "key.json").read_text(encoding="utf-8")) for sid in ("S001", "S002")}
    for sid, other in (("S001", "S001"), ("S002", "S001")):
        lines = ["[answers]"] + [f'"{f["quantity"]}" = "{f["printed"]}"' for f in keys[other]["figures"]]
        (answers / f"{sid}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    grades = files / "grades.csv"
    run(capsys, "exercise", "mark", "--exercises", out, "--answers", answers, "--students",
        files / "roster.csv", "-o", grades)
    rows = {r["id"]: r for r in csv.DictReader(grades.open(encoding="utf-8"))}
    assert float(rows["S001"]["percent"]) == 100.0
    assert float(rows["S002"]["percent"]) < 50.0


def test_written_files_get_the_permissions_of_any_new_file(tmp_path):
    import os
    from chainrule.exercise.files import write_variants
    (tmp_path / "plain.txt").write_text("x")
    folders = write_variants(tmp_path / "out", {"S1": {"key.csv": "quantity\n"}})
    made = folders[0] / "key.csv"
    assert made.read_text() == "quantity\n"
    assert os.stat(made).st_mode & 0o777 == os.stat(tmp_path / "plain.txt").st_mode & 0o777
    assert [p.name for p in folders[0].iterdir()] == ["key.csv"]  # no temporary file left


def test_the_readme_shows_exercise_new_as_it_is(capsys):
    from pathlib import Path
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    lines = [line.split("#")[0].split() for line in readme.splitlines()
             if line.startswith("chainrule exercise new ")]
    assert len(lines) >= 2
    code, usage, _err = run(capsys, "exercise", "new", "--help")
    assert code == 0
    for words in lines:
        assert all(w in usage for w in words if w.startswith("--")), words


def test_figures_a_draw_makes_equal_by_the_formulas_are_allowed_and_said():
    # softmax + cross-entropy, one-hot targets: the cold output's dE_total/dnet is out - 0 = out,
    # and the two outputs' deltas are opposite: the same number by the formulas, not by accident
    t = template_from_dict({"name": "ce", "shape": [2, 2, 2], "output_activation": "softmax",
                            "loss": "cross_entropy", "ask": ["forward", "deltas"]})
    for seed in range(5):
        ex = variant(t, seed)
        cold = f"o{ex.spec.targets.index(0.0) + 1}"
        assert tuple(sorted((f"dE_total/dnet_{cold}", f"out_{cold}"))) in ex.same
        assert ex.values[f"dE_total/dnet_{cold}"] == pytest.approx(ex.values[f"out_{cold}"], rel=1e-12)
        assert ex.values["dE_total/dnet_o1"] == pytest.approx(-ex.values["dE_total/dnet_o2"], rel=1e-12)


# --- templates as a careless teacher writes them ------------------------------------------------

def _template_values():
    """Template tables: mostly sound values, now and then a wrong type, name or size."""
    from hypothesis import strategies as st
    junk = st.one_of(st.none(), st.booleans(), st.integers(-3, 12), st.floats(allow_nan=True),
                     st.text(max_size=6), st.lists(st.integers(-1, 9), max_size=5))

    def mostly(good):
        # the simplest draw (0) is a good value: hypothesis leans to simple draws
        return st.integers(0, 9).flatmap(lambda i: junk if i == 9 else good)
    return st.fixed_dictionaries({"shape": mostly(st.lists(st.integers(1, 3), min_size=2, max_size=4))},
                                 optional={
        "activation": mostly(st.sampled_from(["sigmoid", "tanh", "relu", "identity", "step", "softmax"])),
        "output_activation": mostly(st.sampled_from(["sigmoid", "softmax", "identity", "tanh"])),
        "loss": mostly(st.sampled_from(["half_sse", "mse", "cross_entropy", "hinge", "absolute"])),
        "convention": mostly(st.sampled_from(["sequential", "simultaneous"])),
        "learning_rate": mostly(st.floats(0.05, 2)),
        "ask": mostly(st.lists(st.sampled_from(["forward", "deltas", "gradients", "updates", "out_h1",
                                                "dE_total/dw1", "w2+", "Δw1", "E_total@3", "dE_total/dx9"]),
                               min_size=1, max_size=4)),
        "after": mostly(st.lists(st.integers(0, 4), max_size=2)),
        "bias": mostly(st.sampled_from(["shared", "per_neuron", "none"])),
        "train_bias": mostly(st.booleans()),
        "decimals": mostly(st.sampled_from([1, 2])),
        "weight_range": mostly(st.lists(st.floats(-2, 2), min_size=2, max_size=2)),
    })


def test_any_template_makes_an_exercise_or_one_error_line(capsys, tmp_path):
    from hypothesis import HealthCheck, given, settings

    tomli_w = pytest.importorskip("tomli_w")
    codes = []

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_template_values())
    def check(data):
        data = {k: v for k, v in data.items() if v is not None}
        try:
            text = tomli_w.dumps(data)
        except (TypeError, ValueError):
            return  # not a TOML document (a nan, a None)
        path = tmp_path / "t.toml"
        path.write_text(text, encoding="utf-8")
        out = tmp_path / f"out{len(codes)}"  # a new folder each time
        code, stdout, err = run(capsys, "exercise", "new", "--template", path, "--seed", "1", "--out", out)
        assert code in (0, 2), err
        codes.append((code, err.strip()[31:110]))
        if code == 2:
            assert stdout == "" and err.count("\n") == 1 and "Traceback" not in err and not out.exists()
        else:
            assert "keep these rules" in stdout and (out / "1" / "quiz.xml").is_file()
    check()
    assert {0, 2} <= {c for c, _e in codes}, codes  # both ways out were taken


def test_the_distinct_rule_cites_this_networks_own_weight():
    """The rule's example is a pair the formulas make equal in *this* network: a 2-2-1
    has no w7 (the slides' 2-3-2 example), its dnet_o1/dw5 is out_h1."""
    from chainrule.exercise.generate import same_by_formula
    from nn.i18n import using_language
    cases = [({"shape": [2, 2, 1]}, "dnet_o1/dw5 = out_h1"), ({"shape": [2, 3, 2]}, "dnet_o1/dw7 = out_h1"),
             ({"shape": [2, 1], "ask": ["forward", "gradients"]}, "dnet_o1/dw1 = x1")]
    for design, example in cases:
        ex = variant(template_from_dict({"name": "d", **design}), 1)
        assert same_by_formula(ex.spec) == example
        for lang in ("en", "zh"):
            with using_language(lang):
                rule = ex.rules[-1]
            assert rule.endswith((f"as {example})", f"如 {example}）")) and "dw7" not in rule.replace(
                example, ""), rule
        # and the formulas do make it so: the generator finds the pair equal on its own
        left, right = example.split(" = ")
        pair = variant(template_from_dict({"name": "d", **design}), 1, ask=[left, right])
        assert tuple(sorted((left, right))) in pair.same
        assert pair.values[left] == pytest.approx(pair.values[right], rel=1e-12)


def test_moodle_feedback_quotes_one_value_per_answer():
    """Two misconceptions whose values the tolerance cannot tell apart share one answer:
    its feedback quotes that answer's value in both sentences; the general feedback
    gives each value before its formula's note."""
    import html as html_module
    import re
    import xml.etree.ElementTree as ET
    from chainrule.exercise.moodle import quiz_xml
    ex = variant(preset("bp232"), "S001")
    root = ET.fromstring(quiz_xml(ex).encode())
    shared = 0
    for q in root.iter("question"):
        if q.get("type") != "cloze":
            continue
        for parts in parse_cloze(q.find("questiontext/text").text):
            for answer in parts[1:]:
                if answer["value"] is None:  # the catch-all: the formula
                    continue
                text = html_module.unescape(answer.get("feedback", ""))
                said = set(re.findall(r"You wrote \S+ = (\S+),", text))
                assert len(said) <= 1, text
                if " Or: " in text:
                    shared += 1
                    assert abs(float(said.pop()) - answer["value"]) <= 1e-6, text
        general = html_module.unescape(q.find("generalfeedback/text").text)
        assert "(η = 0.5) =" not in general and ") = " not in general
        assert re.search(r"<li>w1\+ = -?\d\.\d{6}, from w1 − η · dE_total/dw1 \(η = 0\.5\)</li>", general) or \
            "w1+" not in general
    assert shared, "this variant has answers two misconceptions share"
