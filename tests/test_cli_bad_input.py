"""Bad input to `chainrule bp`, tried as a new user would (issue 10, cases 1-10):
each gets one line naming the key, file or flag, exit 2, and nothing written."""
import codecs
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chainrule.cli import main
from cli_runs import refused as refused_cli
from cli_runs import run
from slides import SMALL_SPEC

# A 2-2-1 network: solved in milliseconds, so each case costs little.
SMALL = SMALL_SPEC + """\
[[slide_check]]
slide = "0.586618"
quantity = "out_h1"
note = "out_h1 is {out_h1:4}"
"""


def refused(capsys, *argv):
    """Exit 2, nothing on stdout, one line on stderr: the message, named by its command."""
    err = refused_cli(capsys, *argv)
    assert err.startswith(f"chainrule {argv[0]}: error: "), err
    assert "Traceback" not in err
    return err.split(": error: ", 1)[1].rstrip("\n")


def spec_file(tmp_path, text=SMALL, name="s.toml"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_the_small_spec_is_fine(tmp_path, capsys):
    code, out, err = run(capsys, "bp", spec_file(tmp_path))
    assert code == 0 and err == ""
    assert "out_h1 = 1/(1 + e^-net_h1) = 1/(1 + e^-0.350000) = 0.586618" in out
    assert "[1] out_h1 is 0.5866" in out  # the note's {out_h1:4}: four decimals


# --- 1. integers too large for a float ----------------------------------------------------

BIG = "1" + "0" * 400  # TOML integers have no size limit; floats stop at about 1.8e308


@pytest.mark.parametrize("old, new, key", [
    ("inputs = [0.5, 1.0]", f"inputs = [0.5, {BIG}]", "inputs[1]"),
    ("learning_rate = 0.5", f"learning_rate = {BIG}", "learning_rate"),
    ("[[0.1, 0.2], [0.3, 0.4]]", f"[[0.1, 0.2], [0.3, -{BIG}]]", "layers[0].weights[1][1]"),
    ("bias = 0.1", f"bias = {BIG}", "layers[0].bias"),
    ("targets = [0.2]", f"targets = [{BIG}]", "targets[0]"),
    ('slide = "0.586618"', f"slide = {BIG}", "slide_check[0].slide"),
])
def test_an_integer_too_large_for_a_float_names_the_key(tmp_path, capsys, old, new, key):
    path = spec_file(tmp_path, SMALL.replace(old, new))
    assert refused(capsys, "bp", path) == (f"{path}: {key}: an integer of 401 digits is too large "
                                           "for a float (the largest is about 1.8e308)")


def test_an_integer_of_thousands_of_digits_names_its_line(tmp_path, capsys):
    # past 4300 digits Python will not even read it: the TOML parser stops
    path = spec_file(tmp_path, SMALL.replace("inputs = [0.5, 1.0]", f"inputs = [0.5, 1{'0' * 5000}]"))
    assert refused(capsys, "bp", path) == (f"{path}: line 2: a number of thousands of digits, too "
                                           "large for a float (the largest is about 1.8e308)")


# --- 2. arrays nested thousands deep -------------------------------------------------------

def test_arrays_nested_thousands_deep_are_refused_by_name(tmp_path, capsys):
    path = spec_file(tmp_path, SMALL.replace("targets = [0.2]", f"targets = {'[' * 5000}{']' * 5000}"))
    assert refused(capsys, "bp", path) == (f"{path}: arrays or inline tables nested too deep to "
                                           "read (a spec nests at most two levels, weights = [[0.1, "
                                           "0.2], [0.3, 0.4]])")


def test_arrays_nested_less_deep_are_quoted_short(tmp_path, capsys):
    path = spec_file(tmp_path, SMALL.replace("targets = [0.2]", f"targets = {'[' * 200}{']' * 200}"))
    assert refused(capsys, "bp", path) == f"{path}: targets[0]: expected a number, got [[[[...]]]]"


# --- 3. overflow anywhere, and strict JSON -------------------------------------------------

def bp232_with(old, new, tmp_path):
    from chainrule.spec import preset_text
    text = preset_text("bp232")
    assert old in text
    return spec_file(tmp_path, text.replace(old, new, 1), "bp232.toml")


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_a_net_value_past_the_floats_is_refused_though_the_output_is_finite(tmp_path, capsys,
                                                                            json_flag):
    # w1 = 1e308: net_h1 = 1e308*5 = inf, yet sigmoid(inf) = 1 and E_total is finite: the
    # report printed inf with exit 0, and --json wrote Infinity
    path = bp232_with("[[0.1, 0.15]", "[[1e308, 0.15]", tmp_path)
    assert refused(capsys, "bp", path, *json_flag) == (
        "the forward pass overflows the floats (largest about 1.8e308): net_h1 = inf; use "
        "smaller weights or inputs")


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_an_update_past_the_floats_is_refused_naming_when_and_the_learning_rate(tmp_path, capsys,
                                                                                json_flag):
    # sequential: w7+ = 0.4 - 1e308 * 0.078064, and w1's gradient through it is -7.7e304, so
    # w1+ = 0.1 + 1e308 * 7.7e304 = inf (the report printed it in the updates table)
    path = bp232_with("learning_rate = 0.5", "learning_rate = 1e308", tmp_path)
    message = refused(capsys, "bp", path, *json_flag)
    assert message.startswith("after 1 update (sequential), the updates overflow the floats "
                              "(largest about 1.8e308): ")
    assert message.split(": ")[1].split(" = ")[1].startswith(("inf", "-inf"))
    assert message.endswith("; the updates diverge: use a smaller learning_rate (now 1e+308)")


def test_values_after_k_updates_past_the_floats_are_refused(tmp_path, capsys):
    # an identity output that drifts ever further from its target: after 122 sequential
    # updates a weight has gone past the floats (and with it E_total)
    path = spec_file(tmp_path, SMALL.replace("targets = [0.2]", "targets = [1]")
                     .replace("learning_rate = 0.5", "learning_rate = 10\nafter = [300]")
                     .replace("weights = [[0.5, 0.6]]", 'weights = [[0.5, 0.6]]\nactivation = "identity"'))
    assert refused(capsys, "bp", path, "--json") == (
        "after 122 updates (sequential), the updates overflow the floats (largest about 1.8e308): "
        "b1 = nan, and so E_total = nan; the updates diverge: use a smaller learning_rate (now 10)")


def test_json_is_strict_and_names_a_value_it_cannot_hold(tmp_path, capsys, monkeypatch):
    import chainrule.report
    code, out, _ = run(capsys, "bp", spec_file(tmp_path), "--json")
    data = json.loads(out, parse_constant=lambda c: pytest.fail(f"not JSON: {c}"))
    assert code == 0 and data["forward"]["out_h1"] == pytest.approx(0.5866175789, abs=1e-10)
    # the last guard, should a non-finite number ever reach the JSON
    real = chainrule.report.render_json

    def with_inf(sol, checks=None):
        data = real(sol, checks)
        data["gradients"]["w3"] = float("-inf")
        return data
    monkeypatch.setattr(chainrule.report, "render_json", with_inf)
    assert refused(capsys, "bp", spec_file(tmp_path), "--json") == \
        "--json: gradients.w3 = -inf is not a number JSON can hold"


# --- 4. a console that cannot print the names ----------------------------------------------

def console(monkeypatch, encoding, errors="strict"):
    out = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors=errors)
    err = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors=errors)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)

    def read():  # what was written since the last read
        texts = []
        for stream in (out, err):
            stream.flush()
            texts.append(stream.buffer.getvalue().decode(encoding))
            stream.buffer.seek(0)
            stream.buffer.truncate()
        return texts
    return read


CHINESE = SMALL.replace('"h1", "h2"', '"隐1", "隐2"').replace("out_h1", "out_隐1")


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_chinese_names_on_a_console_that_cannot_print_them(tmp_path, monkeypatch, encoding):
    path = spec_file(tmp_path, CHINESE)
    read = console(monkeypatch, encoding)
    assert main(["bp", str(path)]) == 0
    out, err = read()
    # 隐 (U+9690) as its escape, the report's own symbols in words, as before
    assert "     out_\\u96901 = 1/(1 + e^-net_\\u96901) = 1/(1 + e^-0.350000) = 0.586618" in out
    assert "learning rate   eta = 0.5" in out and "0.5866176  ok" in out and err == ""
    # --json: ASCII escapes, which JSON reads back as the names
    assert main(["bp", str(path), "--json"]) == 0
    out, err = read()
    data = json.loads(out)
    assert data["forward"]["out_隐1"] == pytest.approx(0.5866175789, abs=1e-10) and err == ""
    # an error naming a Chinese name, even on a strict stderr
    bad = spec_file(tmp_path, CHINESE.replace('quantity = "out_隐1"', 'quantity = "out_隐9"'), "b.toml")
    assert main(["bp", str(bad)]) == 2
    _, err = read()
    assert "slide_check[0].quantity: 'out_\\u96909' is not in this network (names: " in err
    # the streams are as they were
    assert sys.stdout.errors == sys.stderr.errors == "strict"


def test_chinese_names_with_pythonioencoding_ascii(tmp_path):
    # as a user meets it: a fresh process whose console is ASCII
    path = spec_file(tmp_path, CHINESE)
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = subprocess.run([sys.executable, "-m", "chainrule", "bp", str(path)], env=env,
                            capture_output=True, timeout=60)
    assert result.returncode == 0 and result.stderr == b"", result.stderr.decode()
    assert b"hidden layer \\u96901 \\u96902" in result.stdout


def test_the_fallback_spells_the_symbols_and_escapes_the_rest():
    from chainrule.cli import CONSOLE_ERRORS
    assert "✓ η=0.5 σ 隐 😀".encode("ascii", CONSOLE_ERRORS) == b"ok eta=0.5 sigmoid \\u9690 \\U0001f600"
    assert codecs.encode("✗ é", "cp1252", CONSOLE_ERRORS) == "x é".encode("cp1252")


# --- 5. text a report, console or picture cannot show --------------------------------------

@pytest.mark.parametrize("option, picture", [("--graph", "g.svg"), ("--network", "n.png"),
                                             ("--graph", "g.dot"), ("--animate", "a.html")])
def test_a_control_character_in_the_name_is_refused_before_any_picture(tmp_path, capsys, option,
                                                                       picture):
    path = spec_file(tmp_path, SMALL.replace('name = "small"', 'name = "sm\\u0001all"'))
    assert refused(capsys, "bp", path, option, tmp_path / picture) == (
        f"{path}: name: has U+0001, a control character, at character 3: a report, a console or "
        "a picture cannot show it (write plain text)")
    assert not (tmp_path / picture).exists()


@pytest.mark.parametrize("old, new, key, code", [
    ('name = "small"', 'name = "small\\u001b[2J"', "name", "U+001B, a control character"),
    ('name = "small"', 'name = "small"\ntitle = "a\\tb"', "title", "U+0009, a control character"),
    ('name = "small"', 'name = "small"\nsource = "\\uFFFE"', "source", "U+FFFE, a noncharacter"),
    ('note = "out_h1', 'figure = "x\\ny"\nnote = "out_h1', "slide_check[0].figure", "U+000A"),
    ('note = "out_h1', 'note = "\\u0007out_h1', "slide_check[0].note", "U+0007"),
])
def test_every_free_text_is_checked_alike(tmp_path, capsys, old, new, key, code):
    path = spec_file(tmp_path, SMALL.replace(old, new))
    assert refused(capsys, "bp", path).startswith(f"{path}: {key}: has {code}")


def test_a_note_may_break_lines(tmp_path, capsys):
    path = spec_file(tmp_path, SMALL.replace('note = "out_h1 is', 'note = """first line,\n\tout_h1 is')
                     .replace('{out_h1:4}"', '{out_h1:4}"""'))
    code, out, _ = run(capsys, "bp", path)
    assert code == 0 and re.search(r"\[1\] first line, +out_h1 is 0.5866\n", out)


@pytest.mark.parametrize("old, new, key", [
    ('name = "small"', "name = 3", "name"),
    ('name = "small"', 'name = "small"\ntitle = ["a", "b"]', "title"),
    ('note = "out_h1', 'figure = 1\nnote = "out_h1', "slide_check[0].figure"),
])
def test_free_texts_are_strings(tmp_path, capsys, old, new, key):
    path = spec_file(tmp_path, SMALL.replace(old, new))
    assert refused(capsys, "bp", path).startswith(f"{path}: {key}: expected a string, got ")


# --- 6. --after -----------------------------------------------------------------------------

@pytest.mark.parametrize("after", ["²", "1,²", "9" * 5000, "-1", "1e3"])
def test_after_names_itself_whatever_it_is_given(capsys, after):
    message = refused(capsys, "bp232", "--after", after)
    assert message.startswith("--after: expected update counts like 9,100,1000 (each 0..100000), got ")
    assert len(message) < 130  # 5000 digits are quoted short


def test_after_takes_the_digits_a_chinese_keyboard_types(tmp_path, capsys):
    code, out, _ = run(capsys, "bp", spec_file(tmp_path), "--after", "１２")  # full-width 12
    assert code == 0 and "K = 12" in out


# --- 7. a spec file that is not UTF-8 -------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    (SMALL.encode("utf-16"), "the file is UTF-16 text, and a spec must be UTF-8 (save it again "
                             "with the encoding UTF-8)"),
    (SMALL.encode("utf-32"), "the file is UTF-32 text"),
    (SMALL.encode("utf-16-le"), "the file has NUL bytes, so it is not a text file in UTF-8 (a "
                                "binary file, or UTF-16 text?)"),
    (bytes(range(256)), "the file has NUL bytes"),
    ((SMALL + 'title = "Übung für Anfänger"\n').encode("latin-1"),
     "not UTF-8 text: the byte 0xdc at line 16, column 10 is not UTF-8 (saved in another "
     "encoding, such as GBK or Latin-1?); save the spec again with the encoding UTF-8"),
    ((SMALL + 'title = "反向传播"\n').encode("gbk"), "the byte 0xb7 at line 16, column 10"),
])
def test_a_file_that_is_not_utf8_is_named_and_the_problem_said(tmp_path, capsys, data, message):
    path = spec_file(tmp_path, data, "odd.toml")
    got = refused(capsys, "bp", path)
    assert got.startswith(f"{path}: ") and message in got


def test_a_utf8_file_with_a_bom_reads_as_without(tmp_path, capsys):
    plain = run(capsys, "bp", spec_file(tmp_path))
    with_bom = run(capsys, "bp", spec_file(tmp_path, codecs.BOM_UTF8 + SMALL.encode(), "bom.toml"))
    assert with_bom == plain and plain[0] == 0


def test_toml_errors_and_unreadable_files_name_the_file(tmp_path, capsys):
    path = spec_file(tmp_path, SMALL + "oops\n")
    assert refused(capsys, "bp", path) == (f"{path}: not valid TOML: Expected '=' after a key in a "
                                           "key/value pair (at line 16, column 5)")


# --- 8. a printed figure past the floats ----------------------------------------------------

@pytest.mark.parametrize("slide, problem", [
    ("1e400", "'1e400' is too large for a float (the largest is about 1.8e308)"),
    ("0e400", "'0e400' is too large for a float"),  # its last digit's place is
    ("1e99999999999999999999", "'1e99999999999999999999': the exponent is far past a float's"),
    ("inf", "'inf' is not a printed figure (write one such as \"0.094534\")"),
    ("NaN", "'NaN' is not a printed figure"),
])
def test_a_figure_past_the_floats_names_the_key(tmp_path, capsys, slide, problem):
    path = spec_file(tmp_path, SMALL.replace('slide = "0.586618"', f'slide = "{slide}"'))
    assert refused(capsys, "bp", path).startswith(f"{path}: slide_check[0].slide: {problem}")


def test_the_largest_figures_still_check(tmp_path, capsys):
    path = spec_file(tmp_path, SMALL.replace('slide = "0.586618"', 'slide = "1.5e308"'))
    code, out, _ = run(capsys, "bp", path, "--json")
    check = json.loads(out)["slide_check"][0]
    assert code == 0 and check["slide"] == 1.5e308 and check["tolerance"] == 1e307
    assert check["match"] is False


# --- 9. absurd digit counts in a note -------------------------------------------------------

@pytest.mark.parametrize("placeholder, key, problem", [
    ("{out_h1:99999999999}", "slide_check[0].note {out_h1:99999999999}",
     "at most 17 decimals (a float carries about 17 significant digits)"),
    ("{out_h1:18}", "slide_check[0].note {out_h1:18}", "at most 17 decimals"),
    ("{out_h1:" + "9" * 5000 + "}", "slide_check[0].note {out_h1:999999999...}", "at most 17"),
    ("{out_h1@" + "9" * 5000 + "}", "slide_check[0].note {out_h1@9999999999999999999999999999999999"
     "9999999999999999...}", "'out_h1@99999999999999999999...9999999999999999999999999999': at "
     "most 100000 updates"),
])
def test_a_note_placeholder_with_absurd_digits_names_the_key(tmp_path, capsys, placeholder, key,
                                                             problem):
    path = spec_file(tmp_path, SMALL.replace("{out_h1:4}", placeholder))
    assert refused(capsys, "bp", path).startswith(f"{path}: {key}: {problem}")


# --- 10. empty and impossible file names -------------------------------------------------------

@pytest.mark.parametrize("option, kinds", [
    ("--graph", "a .svg, .png, .pdf or .dot file name"),
    ("--full-graph", "a .svg, .png, .pdf or .dot file name"),
    ("--network", "a .svg, .png, .pdf or .dot file name"),
    ("--animate", "an .html file name"),
    ("--animate-ops", "an .html file name"),
])
def test_an_empty_picture_name_is_refused(capsys, option, kinds):
    for empty in ("", " "):
        assert refused(capsys, "bp232", option, empty) == f"{option}: the file name is empty: give {kinds}"


def test_an_empty_spec_name_is_refused(capsys):
    assert refused(capsys, "bp", "") == "the spec file name is empty (chainrule bp SPEC.toml)"


def test_file_names_the_system_refuses_are_named_with_their_flag(tmp_path, capsys):
    # a control character of a name is shown as its escape
    assert refused(capsys, "bp", tmp_path / "a\x00b.toml") == \
        f"cannot read {tmp_path}/a\\x00b.toml: embedded null byte"
    long = tmp_path / ("a" * 300 + ".svg")
    assert refused(capsys, "bp232", "--graph", long) == f"--graph: {str(long)!r}: File name too long"
    assert refused(capsys, "bp232", "--network", "a\x00.svg") == \
        "--network: 'a\\x00.svg': the file name has a NUL character in it"
    same = tmp_path / "p.svg"
    assert refused(capsys, "bp232", "--graph", same, "--network", same) == \
        f"--network: {str(same)!r} is also the --graph file: give each picture its own"
    assert not same.exists()


def test_a_picture_that_fails_leaves_none_behind(tmp_path, capsys, monkeypatch):
    viz = pytest.importorskip("viz")

    def broken(*args, **kwargs):
        raise RuntimeError("the renderer broke")
    monkeypatch.setattr(viz, "draw_network", broken)
    graph, network = tmp_path / "g.dot", tmp_path / "n.svg"
    code, out, err = run(capsys, "bp", spec_file(tmp_path), "--graph", graph, "--network", network)
    assert code == 1 and err == "chainrule bp: picture not written: the renderer broke\n"
    assert not graph.exists() and not network.exists() and sorted(os.listdir(tmp_path)) == ["s.toml"]
    # a file that was there before a failure that did not touch it stays
    Path(network).write_text("old")
    assert run(capsys, "bp", spec_file(tmp_path), "--network", network)[0] == 1
    assert network.read_text() == "old"
