"""The ``chainrule exercise`` subcommands: ``check`` (one answer sheet
marked) and ``mark`` (a class's sheets into one gradebook CSV); ``new`` is in
:mod:`chainrule.exercise.new_cli`. chainrule/cli.py calls :func:`register`."""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any, Optional

from ..errors import SpecError
from ..i18n import _
from .files import write_text_atomic

EXIT_USAGE = 2


def register(subparsers: Any) -> Any:
    """Add ``exercise`` and its subcommands; returns the ``exercise`` parser's
    subparsers, for other subcommands to join."""
    ex = subparsers.add_parser("exercise", help=_("exercises: set them, check a student's answers, "
                                                  "mark a class"),
                               description=_("Exercises for every student: set them (a variant "
                                             "each, with its worksheet, answer key and Moodle quiz), "
                                             "check an answer sheet (every figure marked and every "
                                             "mistake named), or mark a class's sheets into a "
                                             "gradebook."))
    sub = ex.add_subparsers(dest="exercise_command", required=True)
    from .new_cli import add_new
    add_new(sub)
    _add_check(sub)
    _add_mark(sub)
    return sub


def _add_check(sub: Any) -> None:
    p = sub.add_parser("check", help=_("mark one answer sheet"),
                       description=_("Mark a student's answer sheet (TOML, one table [answers]): "
                                     "each figure correct, carried forward from an earlier slip, "
                                     "wrong (with the misconception that gives it) or missing; "
                                     "exit 0 when all are correct, 1 when some are not."))
    p.add_argument("spec", help=_("the exercise: a spec file, or a preset name (bp232, exercise211)"))
    p.add_argument("answers", help=_("the answer sheet (TOML); the figures asked: the key.json "
                                     "beside the spec, if there"))
    _add_common(p)
    p.add_argument("--json", action="store_true",
                   help=_("print the marks as JSON (keys: convention, figures, score)"))
    p.set_defaults(run=_check)


def _add_mark(sub: Any) -> None:
    p = sub.add_parser("mark", help=_("mark a class's answer sheets into one gradebook CSV"),
                       description=_("Mark every student's sheet ANSWERS/<id>.toml against the "
                                     "exercise EXERCISES/<id>/spec.toml (the figures asked: its "
                                     "key.json, if there); write one CSV row per student."))
    p.add_argument("--exercises", required=True, metavar="DIR",
                   help=_("the exercises, one folder per student id"))
    p.add_argument("--answers", required=True, metavar="DIR",
                   help=_("the answer sheets, <id>.toml"))
    p.add_argument("--students", metavar="ROSTER.csv",
                   help=_("the roster (columns id, name); default: every sheet in --answers"))
    p.add_argument("-o", "--output", required=True, metavar="GRADES.csv",
                   help=_("the gradebook CSV to write"))
    _add_common(p)
    p.set_defaults(run=_mark)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--convention", choices=("simultaneous", "sequential"),
                   help=_("the update convention to mark by (default: the spec's)"))


def _fail(args: argparse.Namespace, message: str) -> int:
    from ..cli import _one_line
    print(_one_line(_("chainrule exercise {command}: error: {message}").format(
        command=args.exercise_command, message=message)), file=sys.stderr)
    return EXIT_USAGE


def read_exercise(text: str) -> Any:
    """A spec file, or a preset by its name (a file of that name comes first)."""
    from ..spec import PRESETS, load_spec, preset
    if not text.strip():
        raise SpecError("", _("the spec file name is empty"))
    if text in PRESETS and not Path(text).exists():
        return preset(text)
    try:
        return load_spec(text)
    except SpecError as e:
        raise SpecError(f"{text}: {e.key}" if e.key else "", e.problem) from None


# --- check ---------------------------------------------------------------------------------------

def _check(args: argparse.Namespace) -> int:
    from ..cli import _json_text
    from .check import check_answers, load_answers, render_marking
    try:
        spec = read_exercise(args.spec)
        answers = load_answers(args.answers)
        # an exercise of `chainrule exercise new`: its key.json says which figures are asked
        key = Path(args.spec).parent / "key.json"
        asked = _asked(key) if Path(args.spec).is_file() else None
        try:
            marking = check_answers(spec, answers, args.convention, asked)
        except SpecError as e:  # a quantity of the sheet: name the file
            raise SpecError(f"{args.answers}: {e.key}" if e.key else args.answers, e.problem) from None
        if args.json:
            text = _json_text(marking.to_json())
        else:
            title = _("Marked sheet: {exercise}, {convention} convention").format(
                exercise=spec.text("title") or spec.name, convention=_(marking.convention))
            text = render_marking(marking, title)
    except ValueError as e:  # a SpecError: one line
        return _fail(args, str(e))
    sys.stdout.write(text)
    return 0 if marking.all_correct else 1


# --- mark ----------------------------------------------------------------------------------------

def _mark(args: argparse.Namespace) -> int:
    try:
        students = _students(args)
        _check_output(args.output)
    except ValueError as e:
        return _fail(args, str(e))
    rows, problems = mark_class(students, Path(args.exercises), Path(args.answers), args.convention)
    try:
        write_text_atomic(Path(args.output), gradebook_csv(rows))
    except OSError as e:
        return _fail(args, _("cannot write {path}: {reason}").format(path=args.output,
                                                                     reason=e.strerror or e))
    for sid, problem in problems:
        print(_("{id}: not marked: {problem}").format(id=sid, problem=problem), file=sys.stderr)
    print(_("{count} sheets marked, {bad} not; gradebook: {path}").format(
        count=len(rows) - len(problems), bad=len(problems), path=args.output), file=sys.stderr)
    return 1 if problems else 0


def _students(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(id, name) of every student: the roster's, or every sheet's in --answers."""
    answers, exercises = Path(args.answers), Path(args.exercises)
    for flag, folder in (("--answers", answers), ("--exercises", exercises)):
        if not folder.is_dir():
            raise SpecError(flag, _("{path} is not a folder").format(path=folder))
    if args.students:
        from .generate import read_roster
        return [(s.id, s.name) for s in read_roster(args.students)]
    ids = sorted(p.stem for p in answers.glob("*.toml"))
    if not ids:
        raise SpecError("--answers", _("{path} has no answer sheets (<id>.toml)").format(path=answers))
    return [(i, "") for i in ids]


def _check_output(path: str) -> None:
    folder = Path(path).parent
    if not path.strip() or Path(path).is_dir():
        raise SpecError("--output", _("{path} is not a file name").format(path=path))
    if not folder.is_dir():
        raise SpecError("--output", _("the folder {path} does not exist").format(path=folder))


def mark_class(students: list[tuple[str, str]], exercises: Path, answers: Path,
               convention: Optional[str] = None) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """One gradebook row per student (id, name, points, total, percent, error,
    and each figure's status), and the sheets that could not be marked."""
    from tqdm import tqdm
    rows, problems = [], []
    for sid, name in tqdm(students, desc=_("marking"), unit=_("sheet"), file=sys.stderr,
                          disable=None):
        row: dict[str, Any] = {"id": sid, "name": name}
        try:
            row.update(mark_one(exercises / sid, answers / f"{sid}.toml", convention))
        except (ValueError, OSError) as e:
            row["error"] = str(e)
            problems.append((sid, str(e)))
        rows.append(row)
    return rows, problems


def mark_one(folder: Path, sheet: Path, convention: Optional[str] = None) -> dict[str, Any]:
    """A student's row: their exercise (folder/spec.toml, the figures asked in
    folder/key.json if there) and their sheet, marked."""
    from ..spec import load_spec
    from .check import check_answers, load_answers
    spec_path = folder / "spec.toml"
    try:
        spec = load_spec(spec_path)
    except SpecError as e:
        raise SpecError(f"{spec_path}: {e.key}" if e.key else "", e.problem) from None
    if not sheet.is_file():
        raise SpecError("", _("no answer sheet {path}").format(path=sheet))
    answers = load_answers(sheet)
    try:
        marking = check_answers(spec, answers, convention, _asked(folder / "key.json"))
    except SpecError as e:
        raise SpecError(f"{sheet}: {e.key}" if e.key else str(sheet), e.problem) from None
    s = marking.score
    row: dict[str, Any] = {"points": s["points"], "total": s["total"], "percent": s["percent"]}
    row.update({f.quantity: f.status for f in marking.figures})
    return row


def _asked(path: Path) -> Optional[list[str]]:
    """The quantities an exercise asks for, from its key.json (None without one)."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [str(f["quantity"]) for f in data["figures"]]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SpecError(str(path), _("not an answer key (key.json with figures[].quantity): "
                                     "{error}").format(error=e)) from None


def gradebook_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV: id, name, points, total, percent, error, then each figure."""
    fixed = ["id", "name", "points", "total", "percent", "error"]
    figures: list[str] = []
    for row in rows:
        figures += [k for k in row if k not in fixed and k not in figures]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fixed + figures, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
