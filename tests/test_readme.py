"""The README says what is: its five-line example prints what it says it prints,
its layout lists every package, and its command lines are chainrule's."""
import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_five_line_example_runs_and_prints_the_slides_figure():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Five lines\s+```python\n(.*?)```", text, re.S).group(1)
    promised = re.search(r"# (Value\('w7'.*?\))", block).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {})
    assert out.getvalue().strip() == promised
    assert "grad=0.078064" in promised  # the slides' dE_total/dw7


def test_the_layout_lists_every_package():
    layout = re.search(r"## Layout\s+```\n(.*?)```", README.read_text(encoding="utf-8"), re.S).group(1)
    listed = {line.split("/")[0] for line in layout.splitlines() if line.split() and "/" in line.split()[0]}
    packages = {p.parent.name for p in README.parent.glob("*/__init__.py")}
    assert packages == {"autograd", "nn", "viz", "chainrule"} and packages <= listed


def test_the_command_lines_shown_are_commands_and_options_chainrule_has(capsys):
    from chainrule.cli import main
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## The command line\s+```sh\n(.*?)```", text, re.S).group(1)
    lines = [line.split("#")[0].split(">")[0].split() for line in block.splitlines() if line.strip()]
    assert len(lines) >= 8 and all(words[0] == "chainrule" for words in lines)
    for words in lines:
        with pytest.raises(SystemExit) as done:
            main([words[1], "--help"])
        assert done.value.code == 0, words
        usage = capsys.readouterr().out
        for word in words[2:]:
            # options, and the example names written a|b|c
            for name in word.split("|") if "|" in word else [word] if word.startswith("--") else []:
                assert name in usage, (words, name)
