"""Bad input to `chainrule bp`, tried as a new user would (issue 10, cases 1-10):
each gets one line naming the key, file or flag, exit 2, and nothing written."""
import codecs
import json
import re

import pytest

from nn.cli import main

# A 2-2-1 network: solved in milliseconds, so each case costs little.
SMALL = """\
name = "small"
inputs = [0.5, 1.0]
targets = [0.2]
learning_rate = 0.5
[[layers]]
neurons = ["h1", "h2"]
weights = [[0.1, 0.2], [0.3, 0.4]]
bias = 0.1
[[layers]]
neurons = ["o1"]
weights = [[0.5, 0.6]]
[[slide_check]]
slide = "0.586618"
quantity = "out_h1"
note = "out_h1 is {out_h1:4}"
"""


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, *argv):
    """Exit 2, nothing on stdout, one line on stderr: the message."""
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "", (code, out, err)
    assert err.count("\n") == 1 and err.startswith(f"chainrule {argv[0]}: error: "), err
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
