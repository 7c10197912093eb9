"""Every teaching notebook runs top to bottom without error (executed with
nbclient in this environment's kernel), and is committed small. The course
comes in two editions, English (notebooks/) and Chinese (notebooks/zh/), whose
code cells are the same but for the one line that chooses the language."""
import re
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
ENGLISH = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CHINESE = sorted((NOTEBOOK_DIR / "zh").glob("*.ipynb"))
NOTEBOOKS = ENGLISH + CHINESE
IDS = [p.stem for p in ENGLISH] + ["zh/" + p.stem for p in CHINESE]
LANGUAGE_LINE = re.compile(r'^set_language\("(en|zh)"\).*$', re.M)


def code_cells(path: Path) -> list[str]:
    import nbformat
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_the_course_has_notebooks():
    assert len(ENGLISH) >= 1, f"no notebooks in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("path", CHINESE, ids=[p.stem for p in CHINESE])
def test_the_editions_share_their_code(path):
    """The Chinese edition has an English twin with the same code cells; only
    the set_language line differs, so the two cannot drift apart."""
    twin = NOTEBOOK_DIR / path.name
    assert twin.exists(), f"zh/{path.name} has no English edition {twin.name}"
    zh, en = code_cells(path), code_cells(twin)
    assert [m.group(1) for c in zh for m in LANGUAGE_LINE.finditer(c)] == ["zh"]
    assert [m.group(1) for c in en for m in LANGUAGE_LINE.finditer(c)] == ["en"]
    same = [LANGUAGE_LINE.sub('set_language(...)', c) for c in zh]
    assert same == [LANGUAGE_LINE.sub('set_language(...)', c) for c in en], (
        f"zh/{path.name}: code cells differ from the English edition's")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_committed_small(path):
    # outputs cleared or small: no huge embedded images in the repository
    assert path.stat().st_size < 300_000, f"{path.name} is {path.stat().st_size} bytes"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs(path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [
        out for cell in nb.cells if cell.cell_type == "code"
        for out in cell.get("outputs", []) if out.get("output_type") == "error"
    ]
    assert not errors
