"""``chainrule exercise new``: per-student variants of an exercise, their worksheets,
answer keys and Moodle quizzes (:mod:`chainrule.exercise.cli` adds it with the
other ``exercise`` subcommands)."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import ArgumentError, SpecError
from ..i18n import N_, _, ngettext

EXIT_USAGE = 2
# The help's example template: each line, and what its comment says (translated).
TEMPLATE_EXAMPLE = (
    ('name = "bp-week3"', ""),
    ('title = "Backpropagation, week 3"', N_("title_zh: the title of the Chinese worksheet")),
    ("shape = [2, 3, 2]", N_("the inputs, then the neurons of each layer")),
    ('activation = "sigmoid"', N_("output_activation: the output layer's, if another")),
    ('loss = "half_sse"', ""),
    ('convention = "simultaneous"', N_('or "sequential" (as the slides)')),
    ("learning_rate = 0.5", ""),
    ('ask = ["forward", "dE_total/dout_o1", "gradients", "updates"]', ""),
    ("after = [10]", N_("also ask the outputs and E_total after 10 updates")),
    ('bias = "shared"', N_("shared (one per layer) | per_neuron | none")),
    ("train_bias = false", N_("the slides never update the biases")),
    ("decimals = 2", N_("1 or 2")),
    ("input_range = [-1, 1]", N_("weight_range, bias_range, target_range too")),
)


def template_example() -> str:
    """The example template of the help, its comments in the language of the moment."""
    lines = [_("A template (TOML):"), ""]
    for code, comment in TEMPLATE_EXAMPLE:
        lines.append(f"  {code:<34}  # {_(comment)}" if comment else f"  {code}")
    return "\n".join(lines) + "\n"


def fail(verb: str, message: str) -> int:
    """One line on stderr, exit 2: bad input named, never a traceback."""
    from ..cli import _one_line
    print(_one_line(_("chainrule exercise {verb}: error: {message}").format(verb=verb, message=message)),
          file=sys.stderr)
    return EXIT_USAGE


def add_new(verbs: Any) -> None:
    from ..spec import PRESETS
    p = verbs.add_parser(
        "new", help=_("per-student variants of an exercise: worksheets, answer keys, Moodle quizzes"),
        description=_("Make an exercise from a template (the shape, activation function, loss "
                      "function, convention and the figures to ask) or a spec (your own network: "
                      "each variant keeps its shape and names, with new numbers), one variant per "
                      "--seed or per student of a roster. Writes DIR/<id or seed>/ spec.toml, "
                      "worksheet.html, worksheet.md, key.csv, key.json and quiz.xml."),
        epilog=template_example(), formatter_class=_example_formatter())
    p.add_argument("--template", metavar="TEMPLATE.toml", help=_("a template file"))
    p.add_argument("--spec", metavar="SPEC.toml", help=_("a spec file: your own network"))
    p.add_argument("--preset", choices=PRESETS, help=_("a built-in spec as the network"))
    p.add_argument("--seed", metavar="N", help=_("the variant's seed, a whole number (default 1)"))
    p.add_argument("--students", metavar="ROSTER.csv",
                   help=_("a roster CSV (columns id, and optionally name): one variant per student, "
                          "the same id always giving the same numbers"))
    p.add_argument("--ask", metavar="Q[,Q...]",
                   help=_("the figures to ask, instead of the template's: quantities (out_h1, "
                          "dE_total/dw7, w7+) or groups (forward, deltas, gradients, updates)"))
    p.add_argument("--out", required=True, metavar="DIR", help=_("the folder to write into"))
    p.add_argument("--force", action="store_true",
                   help=_("write into a folder that already holds files (the exercises in it are "
                          "written over)"))
    p.set_defaults(run=_new)


def _example_formatter() -> type:
    """The command's formatter, keeping a text laid out by hand (the example) as it is."""
    from ..cli import _Formatter

    class Formatter(_Formatter):
        def _fill_text(self, text: str, width: int, indent: str) -> str:
            if "\n" in text:
                return "".join(indent + line for line in text.splitlines(keepends=True))
            return super()._fill_text(text, width, indent)
    return Formatter


def _source(args: argparse.Namespace) -> Any:
    from ..spec import load_spec, preset
    from .generate import load_template
    given = [flag for flag in ("template", "spec", "preset") if getattr(args, flag)]
    if len(given) != 1:
        raise SpecError("", _("give one of --template FILE, --spec FILE or --preset NAME") if not given
                        else _("give one of --template, --spec and --preset, not {flags}").format(
                            flags=" and ".join(f"--{f}" for f in given)))
    if args.template:
        return load_template(args.template)
    if args.preset:
        return preset(args.preset)
    try:
        return load_spec(args.spec)
    except SpecError as e:
        raise SpecError(f"{args.spec}: {e.key}" if e.key else "", e.problem) from None


def _who(args: argparse.Namespace) -> list[tuple[str, Any]]:
    """(folder name, student or None) of each variant to make."""
    from .generate import read_roster
    if args.students is not None and args.seed is not None:
        raise SpecError("", _("give --seed or --students, not both"))
    if args.students is not None:
        return [(s.id, s) for s in read_roster(args.students)]
    seed = "1" if args.seed is None else args.seed.strip()
    if not seed.isdecimal() or len(seed) > 18:
        raise SpecError("--seed", _("expected a whole number from 0 up, got {text}").format(text=repr(args.seed)))
    return [(str(int(seed)), None)]


def _new(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .files import check_out_folder, variant_files, write_variants
    try:
        source = _source(args)
        people = _who(args)
        ask = [q.strip() for q in args.ask.split(",")] if args.ask is not None else None
        out = check_out_folder(args.out, args.force)
        made, files = [], {}
        # every file made before the first is written: an error leaves nothing behind
        for name, student in tqdm(people, desc=_("variants"), unit="", disable=None, leave=False):
            ex = _variant(args, source, int(name) if student is None else student.id, ask)
            files[name] = variant_files(ex, student)
            made.append(ex)
    except ArgumentError as e:
        return fail("new", f"{e.argument}: {e.problem}")
    except ValueError as e:  # a SpecError: the key, file or flag named
        return fail("new", str(e))
    try:
        folders = write_variants(out, files)
    except OSError as e:
        return fail("new", _("cannot write {path}: {reason}").format(
            path=getattr(e, "filename", None) or args.out, reason=e.strerror or e))
    sys.stdout.write(_report(folders, made))
    return 0


def _variant(args: argparse.Namespace, source: Any, seed: Any, ask: Any) -> Any:
    """The variant; a figure asked that the network lacks is named where it was asked
    (--ask, or the template file's ask)."""
    from .generate import variant
    try:
        return variant(source, seed, ask=ask)
    except SpecError as e:
        if not e.key.startswith("ask"):
            raise
        where = "--ask" if ask is not None else (f"{args.template}: {e.key}" if args.template else e.key)
        raise SpecError(where, e.problem) from None


def _report(folders: list[Any], made: list[Any]) -> str:
    from .files import FILES
    # tries: how many draws of numbers it took to keep every rule below
    lines = [ngettext("wrote {folder}: {files} (numbers found at the first draw)",
                      "wrote {folder}: {files} (numbers found in {tries} draws)",
                      ex.tries).format(folder=folder, files=", ".join(FILES), tries=ex.tries)
             for folder, ex in zip(folders, made)]
    lines += ["", _("The numbers of every variant keep these rules:")]
    lines += [f"  - {rule}" for rule in made[0].rules]
    same = made[0].same
    if same:
        lines.append("  " + _("(equal by the formulas, so allowed: {pairs})").format(
            pairs="; ".join(f"{a} = {b}" if (made[0].values[a] >= 0) == (made[0].values[b] >= 0)
                            else f"|{a}| = |{b}|" for a, b in same)))
    return "\n".join(lines) + "\n"
