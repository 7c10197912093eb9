"""The README's five-line example prints what the README says it prints."""
import contextlib
import io
import re
from pathlib import Path

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
