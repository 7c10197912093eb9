"""A variant's files, and writing them safely: every file made in memory
first (an error leaves nothing half-written), each written to a temporary
file and renamed into place; an output folder that already holds something
is refused unless the teacher says --force.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Optional

from ..errors import SpecError
from ..i18n import _
from .generate import Exercise, Student, spec_to_toml
from .key import key_csv, key_json
from .moodle import quiz_xml
from .worksheet import worksheet_html, worksheet_markdown

FILES = ("spec.toml", "worksheet.html", "worksheet.md", "key.csv", "key.json", "quiz.xml")


def variant_files(ex: Exercise, student: Optional[Student] = None) -> dict[str, str]:
    """file name -> text, for one variant (the names of FILES)."""
    return {"spec.toml": spec_to_toml(ex.spec),
            "worksheet.html": worksheet_html(ex, student),
            "worksheet.md": worksheet_markdown(ex, student),
            "key.csv": key_csv(ex),
            "key.json": json.dumps(key_json(ex), indent=2, ensure_ascii=False, allow_nan=False) + "\n",
            "quiz.xml": quiz_xml(ex, student)}


def check_out_folder(out: str, force: bool) -> Path:
    """The output folder, before any work: new (its parent must exist), or empty,
    or, with ``force``, one whose exercises may be written over."""
    if not out.strip():
        raise SpecError("--out", _("the folder name is empty"))
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise SpecError("--out", _("{path} is a file, not a folder").format(path=repr(out)))
    if path.is_dir() and any(path.iterdir()) and not force:
        raise SpecError("--out", _("the folder {path} already holds files: give a new folder, or "
                                   "--force to write the exercises over the ones in it").format(
            path=repr(out)))
    if not path.exists() and not path.parent.is_dir():
        raise SpecError("--out", _("the folder {folder} does not exist (create it first: exercises "
                                   "are only written into existing folders)").format(
            folder=repr(str(path.parent))))
    return path


def write_text_atomic(path: Path, text: str) -> None:
    """``text`` to ``path`` through a temporary file in the same folder, renamed into
    place: a reader never sees half a file, an error leaves the old one."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        # mkstemp makes the file private (0600): give it the permissions any new file gets
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: set it straight back
    os.umask(mask)
    return mask


def write_variants(out: Path, variants: dict[str, dict[str, str]]) -> list[Path]:
    """Each variant's files into ``out/<id or seed>/``; returns the folders written."""
    out.mkdir(exist_ok=True)
    folders = []
    for name, files in variants.items():
        folder = out / name
        folder.mkdir(exist_ok=True)
        for file_name, text in files.items():
            write_text_atomic(folder / file_name, text)
        folders.append(folder)
    return folders
