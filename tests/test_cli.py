"""The `chainrule bp` / `chainrule bp232` command: the report a student reads,
JSON keys, options and errors (one line, exit 2)."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chainrule.cli import main
from chainrule.spec import preset_text
from cli_runs import run


@pytest.fixture(scope="module")
def bp232_text():
    import io
    from contextlib import redirect_stdout
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["bp232"]) == 0
    return buf.getvalue()


def test_bp232_report_reads_like_the_slides(bp232_text):
    text = bp232_text
    for heading in ("1. Forward pass", "2. Backward pass", "3. Updates", "4. After K updates",
                    "5. Slide check"):
        assert heading in text
    assert "net_h1 = w1*l1 + w2*l2 + b1*1 = 0.1*5 + 0.15*10 + 0.35*1 = 2.350000" in text
    assert "E_total = E_o1 + E_o2 = 0.388159 + 0.003670 = 0.391829" in text
    assert "= 0.881090 * 0.097049 * 0.912934 = 0.078064" in text
    # the multi-path sum, term by term, through the updated w7 (sequential)
    assert "= 0.881090 * 0.097049 * 0.360968 (w7+) = 0.030866" in text
    assert "dE_total/dw1     = (dE_o1/dout_h1 + dE_o2/dout_h1) * dout_h1/dnet_h1 * dnet_h1/dw1" in text
    assert "= (0.030866 + (-0.003360)) * 0.079485 * 5 = 0.010931" in text
    assert "b1 is shared by h1, h2, h3" in text
    # updates with the other convention alongside
    assert "   w1     0.100000     0.010931  0.094534     0.012268  0.093866" in text
    # iterations and the slide check
    assert "      100  0.073889  0.945865  0.003015  0.073983  0.945932  0.003018" in text
    assert "sequential: 44 of 46 figures match; not: net_o1 [2], dE_total/dw1 [5]" in text
    assert "simultaneous: 19 of 46 figures match" in text
    for word in ("typo", "erratum", "Off by one", "truncated", "rounding artefact"):
        assert word in text


def test_no_line_is_too_wide(bp232_text):
    assert max(len(line) for line in bp232_text.splitlines()) <= 110


def test_simultaneous_convention(capsys):
    code, out, _ = run(capsys, "bp232", "--convention", "simultaneous", "--after", "100")
    assert code == 0
    assert "= 0.881090 * 0.097049 * 0.400000 (w7) = 0.034204" in out and "(w7+)" not in out
    assert "simultaneous: 19 of 46 figures match" in out
    assert "The slide follows the sequential convention here" in out
    assert "K = 100" in out and "K = 9 " not in out


def test_json_has_stable_keys_and_values(capsys):
    code, out, _ = run(capsys, "bp232", "--json", "--after", "9,1001")
    assert code == 0
    data = json.loads(out)
    assert {"forward", "gradients", "updated", "history", "slide_check"} <= set(data)
    assert list(data["forward"])[:2] == ["net_h1", "out_h1"]
    assert data["forward"]["E_total"] == pytest.approx(0.391829, abs=5e-7)
    assert data["gradients"]["w1"] == pytest.approx(0.010931, abs=5e-7)
    assert data["updated"]["w7"] == pytest.approx(0.360968, abs=5e-7)
    assert [h["updates"] for h in data["history"]] == [9, 1001]
    h = data["history"][0]
    assert set(h) == {"updates", "outputs", "E_total", "weights"}
    assert h["outputs"]["out_o1"] == pytest.approx(0.662866, abs=5e-7)
    assert data["history"][1]["weights"]["w7"] == pytest.approx(-1.48972775, abs=5e-9)
    check = data["slide_check"][0]
    assert {"figure", "slide", "engine", "match", "note"} <= set(check)
    erratum = next(c for c in data["slide_check"] if c["figure"] == "dE_total/dw1")
    assert erratum["match"] is False and "erratum" in erratum["note"]
    assert data["other_convention"]["updated"]["w1"] == pytest.approx(0.093866, abs=5e-7)


def test_print_spec_round_trips(tmp_path, capsys):
    code, out, _ = run(capsys, "bp", "--preset", "bp232", "--print-spec")
    assert code == 0 and out == preset_text("bp232")
    spec = tmp_path / "mine.toml"
    spec.write_text(out)
    code, from_file, _ = run(capsys, "bp", str(spec))
    code2, from_preset, _ = run(capsys, "bp", "--preset", "bp232")
    assert code == code2 == 0 and from_file == from_preset


def test_exercise211_preset(capsys):
    code, out, _ = run(capsys, "bp", "--preset", "exercise211")
    assert code == 0
    assert "net_h = wi1*x1 + wi2*x2 = 0.4*0.1 + (-0.2)*0.3 = -0.020000" in out
    assert "simultaneous: 8 of 8 figures match" in out
    # the deck (seed 001) computes delta_h = 0.1 * 0.122 * 0.495 * (1 - 0.495) with the old
    # W = 0.1: simultaneous; its notes say so and nowhere call it sequential
    notes = " ".join(out.split("\n   notes\n")[1].split())
    assert "this deck updates every weight at once (the simultaneous convention" in notes
    assert "The slide follows the simultaneous convention here, as this run does" in notes
    assert "as the slides do" not in notes
    assert "sequential: 6 of 8 figures match; not: Delta W_i (x1) [4] [5]" in out
    # the first lines say the same: plain gradient descent is the deck's, sequential the 2-3-2's
    head = " ".join(out.split("\nnetwork")[0].split())
    assert ("this run is plain gradient descent (simultaneous), as this deck computes; the "
            "sequential convention of the BP slides' 2-3-2 example") in head
    out = run(capsys, "bp", "--preset", "exercise211", "--convention", "sequential")[1]
    head = " ".join(out.split("\nnetwork")[0].split())
    assert "plain gradient descent (--convention simultaneous), as this deck computes, gives " \
        "-0.000305." in head
    assert "the slides'" not in head and "as the slides do" not in out


@pytest.mark.parametrize("argv, message", [
    (["bp"], "give a spec file (chainrule bp SPEC.toml) or --preset NAME"),
    (["bp232", "--after", "9,x"], "--after: expected update counts like 9,100,1000"),
    (["bp232", "--graph", "g.gif"], "--graph: 'g.gif': use a .svg, .png, .pdf or .dot file name"),
    (["bp232", "--full-graph", "g"], "--full-graph: 'g': use a .svg, .png, .pdf or .dot file name"),
    (["bp", "nowhere.toml"], "cannot read nowhere.toml"),
    (["bp", "--print-spec"], "--print-spec: prints a preset"),
    (["bp232", "--after", "abc"], "--after: expected update counts like 9,100,1000"),
    (["bp232", "--graph", "/no/such/dir/g.svg"],
     "--graph: the folder '/no/such/dir' does not exist (create it first: pictures are only "
     "written into existing folders)"),
    (["bp232", "--animate", "/no/such/dir/a.html"], "--animate: the folder '/no/such/dir' does not"),
    (["bp232", "--animate", "a.txt"], "--animate: 'a.txt': use an .html file name"),
])
def test_usage_errors_exit_2_with_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    # named as typed: `chainrule bp232 ...` errors are bp232's
    assert err.count("\n") == 1 and err.startswith(f"chainrule {argv[0]}: error: ")
    assert message in err


def test_invalid_spec_file_names_file_and_key(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(preset_text("bp232").replace("[[0.1, 0.15], [0.2, 0.25]", "[[0.1, 0.15], [0.2, 0.25, 9]"))
    code, out, err = run(capsys, "bp", str(bad))
    assert code == 2 and out == ""
    assert err == (f"chainrule bp: error: {bad}: layers[0].weights[1]: has 3 numbers but there "
                   "are 2 inputs (columns = sending neuron)\n")


@pytest.mark.parametrize("spec, message", [
    # a sigmoid output that rounds to 0: log(0) would be -infinity
    ("""inputs = [10, 10]
targets = [1]
loss = "cross_entropy"
learning_rate = 0.5
[[layers]]
neurons = ["h"]
weights = [[1, 1]]
[[layers]]
neurons = ["o"]
weights = [[-800]]
""", "cross_entropy takes log(out_o), but out_o = 0: the sigmoid of net_o = -800 rounds to 0 in "
     "floating point, and log(0) = -infinity; use smaller weights or inputs"),
    # 1e308*10 overflows: the report would print nan all the way down
    ("""inputs = [10, 10]
targets = [1]
learning_rate = 0.5
[[layers]]
neurons = ["h"]
weights = [[1e308, -1e308]]
[[layers]]
neurons = ["o"]
weights = [[0.1]]
""", "the forward pass overflows the floats (largest about 1.8e308): net_h = nan"),
])
def test_numbers_the_engine_cannot_solve_are_one_line_exit_2(tmp_path, capsys, spec, message):
    path = tmp_path / "s.toml"
    path.write_text(spec)
    code, out, err = run(capsys, "bp", str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("chainrule bp: error: ") and message in err


def test_missing_folders_are_not_created(tmp_path, capsys):
    target = tmp_path / "missing" / "g.svg"
    code, out, err = run(capsys, "bp232", "--graph", str(target))
    assert code == 2 and out == "" and f"the folder '{target.parent}' does not exist" in err
    assert not target.parent.exists()


def test_sections_are_numbered_without_gaps(capsys):
    _, out, _ = run(capsys, "bp", "--preset", "exercise211")  # no --after: no section 4
    assert [line.split(".")[0] for line in out.splitlines() if line[:2] in ("1.", "2.", "3.",
                                                                          "4.", "5.")] == \
        ["1", "2", "3", "4"]
    assert "4. Slide check" in out
    _, out, _ = run(capsys, "bp", "--preset", "exercise211", "--after", "2")
    assert "4. After K updates" in out and "5. Slide check" in out


def test_rounding_of_printed_numbers_is_explained(bp232_text):
    # 0.030866 + (-0.003360) = 0.027506 from the printed terms; the engine's sum is 0.027505
    assert "= 0.030866 + (-0.003360) = 0.027505" in bp232_text
    assert ("numbers         shown with 6 decimals but computed unrounded, so a sum or product "
            "redone from") in bp232_text


def test_every_cross_in_the_slide_check_has_a_note(capsys):
    sequential = run(capsys, "bp232")[1]
    # the simultaneous column's crosses on w1+ .. w6+ are explained too
    assert "   w1+                          0.094534           0.0945343  ✓   0.0938661  ✗  [4]" \
        in sequential
    assert ("[4] The slide follows the sequential convention here, as this run does; the "
            "simultaneous") in sequential
    for text in (sequential, run(capsys, "bp232", "--convention", "simultaneous")[1]):
        rows = text.split("Slide check")[1].split("\n   notes\n")[0].splitlines()
        crosses = [r for r in rows if "✗" in r and " = " not in r]  # table rows, not the legend
        assert crosses and all(r.rstrip().endswith("]") for r in crosses), \
            [r for r in crosses if not r.rstrip().endswith("]")]


def test_pictures(tmp_path, capsys):
    pytest.importorskip("viz")
    graph, full, network = tmp_path / "g.svg", tmp_path / "full.dot", tmp_path / "n.svg"
    code, out, err = run(capsys, "bp232", "--graph", str(graph), "--network", str(network),
                         "--full-graph", str(full))
    assert code == 0, err
    assert f"wrote {graph}" in out and f"wrote {full}" in out
    for path in (graph, network):
        assert "<svg" in path.read_text()[:400]
        # the caption says which convention the picture shows: the report's, sequential,
        # the hidden layer through the updated output weights (tests/test_views.py: the numbers)
        svg = path.read_text()
        assert "bp232, sequential convention, as in the report" in svg
        assert "updated output weights w7+..w12+" in svg
        # the caption's lines, joined (where it wraps depends on its length)
        words = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
        assert "grad w1 = 0.010931 (plain gradient descent: 0.012268)" in words
        assert "it becomes w7+ once that update is done" in words
    # --graph: the slides' named values only, each edge its derivative (w7's: out_h1)
    svg = graph.read_text()
    assert "net_h1" in svg and "E_total" in svg and "0.912934" in svg
    assert 'class="node"' in svg and "<title>o" not in svg  # no op circles
    # --full-graph: every operation (its DOT text: one op node per operation): the sums
    # 3 x 2 (hidden) + 2 x 3 (output) + 2 (target - out) + 1 (E_total), 5 sigmoids
    dot = full.read_text()
    assert dot.count("[label=\"+\"") == 15 and dot.count("[label=\"σ\"") == 5
    page, ops = tmp_path / "a.html", tmp_path / "ops.html"
    assert main(["bp232", "--animate", str(page), "--animate-ops", str(ops)]) == 0
    for path in (page, ops):
        assert path.read_text().lstrip().lower().startswith("<!doctype html")
    assert 'class="chainrule-classroom"' in page.read_text()  # the named values
    assert 'class="chainrule-stepper"' in ops.read_text()  # every operation


def test_demo_explains_each_line(capsys):
    code, out, _ = run(capsys, "demo")
    assert code == 0
    assert 'E.backward()                                  # the chain rule, from E down' in out
    assert "    net = w1*l1 + w2*l2 + b1 = 0.1*5 + 0.15*10 + 0.35  = 2.350000" in out
    # bp232's h1: dout_h1/dnet_h1 = 0.079485, as in the worked solution
    assert "    net.grad = dE/dout * dout/dnet = 0.902934 * 0.079485 = 0.071770" in out
    assert "    w1.grad  = dE/dnet * dnet/dw1  = 0.071770 * 5        = 0.358850" in out
    assert "(E(w1 + 1e-6) - E(w1 - 1e-6)) / 2e-6 = 0.358850, and w1.grad = 0.358850" in out


def test_console_script_runs():
    exe = Path(sys.executable).parent / "chainrule"
    result = subprocess.run([str(exe), "bp232"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("chainrule bp: bp232, the 2-3-2 network of the BP slides")
