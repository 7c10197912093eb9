"""Mutated specs through the whole `chainrule bp` command, in-process (issue 10).

Starting from the presets (and a small spec), hypothesis changes types, shapes,
names, numbers, nesting and the file's encoding, and picks options and a
console encoding. Whatever it makes, the command must answer as a user needs:
exit 0 or 2, never an uncaught exception; on exit 2 one error line and nothing on
stdout or at a picture path; with --json strict JSON; a report that never shows
inf or nan."""
import codecs
import copy
import io
import json
import re
import shutil
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nn.cli import main
from nn.exercise import preset_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def _bases() -> list[dict]:
    exercise211 = tomllib.loads(preset_text("exercise211"))
    # bp232 without its 1001 updates, so that an example costs milliseconds
    bp232 = tomllib.loads(preset_text("bp232"))
    bp232["after"] = [2]
    bp232["slide_check"] = [c for c in bp232["slide_check"]
                            if "@" not in c["quantity"] and "@" not in c.get("note", "")][:12]
    small = {"name": "small", "inputs": [0.5, 1.0], "targets": [0.2, 0.7], "learning_rate": 0.5,
             "loss": "mse", "activation": "tanh",
             "layers": [{"neurons": ["h1", "h2"], "weights": [[0.1, 0.2], [0.3, 0.4]],
                         "bias": [0.1, -0.1]},
                        {"weights": [[0.5, 0.6], [-0.5, 0.2]], "activation": "softmax"}],
             "slide_check": [{"slide": "0.5", "quantity": "out_o1", "note": "{dE_total/dw1:3}"}]}
    return [exercise211, bp232, small]


BASES = _bases()

def _paths(data, prefix=()):
    """Every place in the spec: (path, value)."""
    yield prefix, data
    items = data.items() if isinstance(data, dict) else \
        enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield from _paths(value, prefix + (key,))


def _at(data, path):
    for key in path:
        data = data[key]
    return data


def _rarely(common: list, rare: list):
    """Each of ``common`` seven times as likely as each of ``rare``."""
    return st.sampled_from(common * 7 + rare)


# Numbers a solver meets: near the edges of the floats and of the activations (a
# sigmoid is 1.0 from 37 on, exp overflows past 709), inf, nan, integers past the floats.
EDGES = [0.0, -0.0, 1e308, -1e308, 1e154, 1e-320, 37.0, 745.0, -800.0, 1e5, 3, float("inf"),
         float("nan"), 2 ** 63, 10 ** 309, -(10 ** 400), 10 ** 5000]
# Texts: free text with what a console or a picture cannot show, figures past the floats,
# note placeholders, quantities, the words of the spec format.
TEXTS = ["", " ", "1e400", "0e400", "inf", "nan", "1e-400", "1_0", "0x10", "١٢", "²", "\x00",
         "a\x1bb", "sm\x01all", "\ufffe", "line\nbreak", "\ttab", "😀", "隐1", "h 1",
         "{out_h1:99999}", "{out_o1:18}", "{out_h1@999999999}", "{dE_total/dw1}", "{}", "{w1+:3}",
         "out_h1@999999999", "dE_total/dw1", "Δw1", "w1+", "-out_o1", "E_total", "softmax",
         "cross_entropy", "hinge", "identity", "sequential", "slides", "x" * 300]
# Names as users write them: 隐1, ｗ1 (full-width), 𝑤1, ǅ, _ ...
NAMES = st.text(st.characters(categories=["L", "Nl", "Nd", "Pc", "Mn"]), min_size=1,
                max_size=6).filter(str.isidentifier)
# A value of another type where one was meant.
OTHER = st.one_of(st.booleans(), st.integers(-3, 3), st.floats(), st.dates(),
                  st.sampled_from(TEXTS), st.just([]), st.just({}),
                  st.lists(st.integers(-3, 3) | st.text(max_size=3), min_size=1, max_size=3),
                  st.dictionaries(st.sampled_from(["weights", "neurons", "x"]), st.integers(0, 2),
                                  min_size=1, max_size=2))


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _same_kind(draw, value):
    """A nasty value of the kind that belongs there: the checks behind the type check."""
    if _is_number(value):
        if draw(st.integers(0, 3)):
            return draw(st.sampled_from(EDGES))
        return draw(st.floats(allow_nan=False, allow_infinity=False))
    if isinstance(value, str):
        return draw(st.sampled_from(TEXTS) | NAMES | st.text(max_size=8))
    if isinstance(value, list) and value:  # a shape: one more or one fewer
        return value + [copy.deepcopy(value[-1])] if draw(st.booleans()) else value[:-1]
    return draw(OTHER)


def _scaled(value, factor):
    if _is_number(value):
        try:
            return value * factor
        except OverflowError:  # an integer past the floats
            return value
    if isinstance(value, list):
        return [_scaled(v, factor) for v in value]
    return value


@st.composite
def mutated_spec(draw):
    """(spec as a dict, the TOML text's nesting line or None)."""
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):  # 0: the options, the encoding
        places = [p for p, _ in _paths(data) if p]
        numbers = [p for p, v in _paths(data) if p and _is_number(v)]
        # half the time a number: the inputs of the solver, where overflow starts
        path = draw(st.sampled_from(numbers if numbers and draw(st.booleans()) else places))
        parent, key = _at(data, path[:-1]), path[-1]
        value = parent[key]
        kind = draw(st.sampled_from(["same kind"] * 6 + ["other type", "delete", "unknown key",
                                                         "as text", "wrap", "scale"]))
        if kind == "scale":  # by a factor near the floats' end
            if _is_number(value) and isinstance(parent, list):
                path = path[:-1]  # the whole row: terms that add up past the floats
                parent, key = _at(data, path[:-1]), path[-1]
            parent[key] = _scaled(parent[key], draw(st.sampled_from([1e300, 1e307, -1e307])))
        elif kind == "same kind":
            parent[key] = _same_kind(draw, value)
        elif kind == "other type":
            parent[key] = draw(OTHER)
        elif kind == "delete":
            del parent[key]
        elif kind == "unknown key" and isinstance(value, dict):
            value[draw(st.sampled_from(["colour", "Name", "weight", "名字"]))] = 1
        elif kind == "as text" and not isinstance(value, (dict, list)):
            parent[key] = str(value)
        elif kind == "wrap":
            parent[key] = [value]
    nesting = None
    if draw(st.integers(0, 19)) == 0:  # arrays nested deep: written as text (tomli_w recurses)
        key = draw(st.sampled_from(["inputs", "targets", "after", "title"]))
        data.pop(key, None)
        depth = draw(st.sampled_from([3, 100, 3000]))
        nesting = f"{key} = {'[' * depth}0.5{']' * depth}\n"
    return data, nesting


def _toml(data: dict) -> str:
    """TOML text of any spec: an integer of 5000 digits included (str() refuses it by default;
    chainrule, reading it back, meets Python's limit as a user's file would)."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    if limit:
        sys.set_int_max_str_digits(0)
    try:
        return tomli_w.dumps(data)
    finally:
        if limit:
            sys.set_int_max_str_digits(limit)


def _encode(text: str, how: str, where: float) -> bytes:
    data = text.encode("utf-8")
    at = int(where * len(data))
    if how == "utf-8":
        return data
    if how == "invalid byte":
        return data[:at] + b"\xff" + data[at:]
    if how == "truncated":
        return data[:at]
    if how == "bom":
        return codecs.BOM_UTF8 + data
    return text.encode(how, errors="replace")  # utf-16, latin-1, gbk


OPTIONS = st.fixed_dictionaries({
    "json": st.booleans(),
    "after": _rarely([None, None, "1", "2,0"], ["", "²", "１２", "100001", "3,x"]),
    "convention": _rarely([None, "sequential", "simultaneous"], ["staged"]),
    # a picture costs milliseconds as DOT text, more through Graphviz: mostly .dot
    "pictures": st.lists(st.one_of(
        st.tuples(st.sampled_from(["--graph", "--full-graph", "--network"]),
                  _rarely(["p.dot", "q.dot", "p.svg"], ["", "a.html", "no/such.svg"])),
        st.tuples(st.just("--animate"), _rarely(["a.html"], ["", "p.svg"]))),
        max_size=2, unique_by=lambda t: t[0]),
})


def _not_json(constant):
    raise AssertionError(f"--json wrote {constant}, which is not JSON")


@settings(max_examples=700, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=mutated_spec(),
       encoding=_rarely(["utf-8", "utf-8", "bom"], ["invalid byte", "truncated", "utf-16",
                                                     "latin-1", "gbk"]),
       where=st.floats(0, 1), options=OPTIONS,
       console=st.sampled_from(["utf-8", "utf-8", "ascii", "cp1252"]))
def test_any_spec_gets_a_report_or_one_clear_error(spec, encoding, where, options, console):
    data, nesting = spec
    folder = Path(tempfile.mkdtemp(prefix="chainrule-fuzz-"))
    try:
        text = (nesting or "") + _toml(data)
        path = folder / "spec.toml"
        path.write_bytes(_encode(text, encoding, where))
        argv = ["bp", str(path)]
        if options["json"]:
            argv.append("--json")
        if options["after"] is not None:
            argv += ["--after", options["after"]]
        if options["convention"]:
            argv += ["--convention", options["convention"]]
        pictures = []
        for flag, name in options["pictures"]:
            argv += [flag, str(folder / name) if name else ""]
            if name:
                pictures.append(folder / name)
        names = {v.lower() for _, v in _paths(data) if isinstance(v, str)}

        out = io.TextIOWrapper(io.BytesIO(), encoding=console)
        err = io.TextIOWrapper(io.BytesIO(), encoding=console)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as e:  # argparse's own usage errors (--convention staged)
                code = e.code
        out.flush()
        err.flush()
        stdout = out.buffer.getvalue().decode(console)
        stderr = err.buffer.getvalue().decode(console)

        event(f"exit {code}")  # pytest --hypothesis-show-statistics: how many got a report
        assert code in (0, 2), (code, stderr)
        assert "Traceback" not in stderr
        if code == 2:
            assert stdout == ""
            assert stderr.endswith("\n") and stderr.splitlines()[-1].startswith("chainrule bp: error: ")
            if "usage:" not in stderr:  # argparse prints its usage first; chainrule one line
                assert stderr.count("\n") == 1, stderr
            left = [p.name for p in pictures if p.exists()]
            assert not left, f"after exit 2, {left} were written"
            return
        assert all(name for _, name in options["pictures"]), "an empty file name was ignored"
        if options["json"]:
            report = json.loads(stdout, parse_constant=_not_json)
            assert {"forward", "gradients", "updated", "history", "slide_check"} <= set(report)
        else:
            assert stdout.startswith("chainrule bp: ")
            # the worked solution (not the spec's own words, in the header and the check)
            body = re.split(r"\n\d\. (?:Slide check|Check of)", stdout.split("\n1. Forward pass")[1])[0]
            if not names & {"inf", "-inf", "nan"}:
                assert not re.search(r"(?<![\w.])-?(inf|nan)(?!\w)", body), "the report shows inf or nan"
        assert all(p.exists() for p in pictures)
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize("base", range(len(BASES)))
def test_the_bases_themselves_are_good_specs(base, tmp_path, capsys):
    path = tmp_path / "spec.toml"
    path.write_text(tomli_w.dumps(BASES[base]), encoding="utf-8")
    assert main(["bp", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["forward"]

