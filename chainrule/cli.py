"""The `chainrule` command (its help: DESCRIPTION)."""
from __future__ import annotations

import argparse
import codecs
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from nn.i18n import LANGUAGES, language_from_environment, using_language

from .errors import ArgumentError, SpecError
from .i18n import N_, _

EXIT_USAGE = 2
DESCRIPTION = N_("""The `chainrule` command.

  chainrule demo                       the engine on one neuron, each line explained
  chainrule bp232                      the 2-3-2 worked solution of the BP slides
  chainrule bp SPEC.toml               the worked solution of your own network
  chainrule bp --preset exercise211    the 2-1-1 exercise of the BP handout
  chainrule bp --preset bp232 --print-spec > my.toml    a spec to start from
  chainrule example perceptron|xor-relu|xor-train
  chainrule iris [--json]              the iris deck: classifying the iris flowers

Exercises (a teacher sets them, a student checks them):
  chainrule exercise new --preset bp232 --students roster.csv --out ex
                                       a variant per student: worksheet, answer key, Moodle quiz
  chainrule exercise check ex/S001/spec.toml answers.toml
                                       an answer sheet marked, every mistake named
  chainrule exercise mark --exercises ex --answers sheets -o grades.csv
                                       a class's sheets marked into one gradebook (CSV)

Every command takes --lang zh|en (default: CHAINRULE_LANG, then the locale).
""")


# --- the console ------------------------------------------------------------------------------

CONSOLE_ERRORS = "chainrule.console"


def _console_fallback(error: UnicodeError) -> tuple[str, int]:
    """What a console that cannot encode a character prints instead: the
    report's symbols in words (✓ ok, η eta), any other character (a Chinese
    neuron name, say) as its escape, 隐 as \\u9690."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    from .report import ASCII
    text = error.object[error.start:error.end]
    return "".join(ASCII.get(c) or CONSOLE_WORDS.get(c) or
                   c.encode("ascii", "backslashreplace").decode() for c in text), error.end


# What a narrow console prints for the other symbols chainrule's texts use (GBK has
# η and Δ but not ∂, ² or ½; ASCII and cp1252 lack the Greek and the full-width
# punctuation of the Chinese texts).
CONSOLE_WORDS = {"∂": "d", "²": "^2", "³": "^3", "½": "1/2", "Δ": "Delta ", "δ": "delta",
                 "Σ": "sum", "→": "->", "←": "<-", "≥": ">=", "≤": "<=", "≈": "~", "×": "x",
                 "·": "*", "−": "-", "—": "--", "…": "...", "，": ", ", "。": ". ", "：": ": ",
                 "；": "; ", "（": " (", "）": ") ", "《": '"', "》": '"'}


codecs.register_error(CONSOLE_ERRORS, _console_fallback)


def _console(streams: Sequence[Any]) -> list[tuple[Any, str]]:
    """Every text chainrule prints (report, errors, argparse's messages) goes
    through these streams: let each degrade as _console_fallback does rather
    than fail. Returns what to restore (main() is also called in-process)."""
    changed = []
    for stream in streams:
        if hasattr(stream, "reconfigure") and getattr(stream, "errors", None) in ("strict",
                                                                                "backslashreplace"):
            changed.append((stream, stream.errors))
            stream.reconfigure(errors=CONSOLE_ERRORS)
    return changed


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _one_line(text: str) -> str:
    """A message line as the terminal shows it: control characters (a file name
    with a newline or an escape in it) written as their escapes."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _demo(args: argparse.Namespace) -> int:
    from .examples import show_engine
    show_engine()
    return 0


# --- bp -----------------------------------------------------------------------------------

def _can_print(text: str) -> bool:
    try:
        text.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _fail(args: argparse.Namespace, message: str) -> int:
    # named as typed: `chainrule bp232 --after abc` is an error of bp232
    print(_one_line(_("chainrule {command}: error: {message}").format(command=args.command,
                                                                         message=message)),
          file=sys.stderr)
    return EXIT_USAGE


def _parse_after(text: Optional[str]) -> Optional[list[int]]:
    if text is None:
        return None
    from .quantities import MAX_UPDATES
    counts = []
    for part in text.split(","):
        part = part.strip()
        # isdecimal, not isdigit: int() reads ١٢ and １２ but not ²
        if not part.isdecimal() or len(part) > len(str(MAX_UPDATES)) or int(part) > MAX_UPDATES:
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise SpecError("--after", _("expected update counts like 9,100,1000 (each "
                                         "0..{most}), got {text}").format(most=MAX_UPDATES,
                                                                          text=repr(shown)))
        counts.append(int(part))
    return counts


def _viz(name: str) -> Callable[..., Any]:
    """A viz function, imported only when a picture is asked for."""
    try:
        import viz
    except ImportError as e:  # pragma: no cover - viz ships with chainrule
        raise RuntimeError(_("pictures need the viz package ({error})").format(error=e)) from None
    fn = getattr(viz, name, None)
    if fn is None:
        raise RuntimeError(_("this version of viz has no {name}() yet; the text report is complete "
                             "without it").format(name=name))
    return fn


def _pictures(args: argparse.Namespace, spec: Any, solution: Any) -> list[str]:
    """Write the pictures asked for, every one of the pass the report works
    (its convention's); on a failure, none of them is left (a picture of this
    run beside an error would pass for a good one)."""
    from .classroom import caption, classroom_steps, legend, seeds, title as page_title
    from .report import convention_name
    asked = [getattr(args, option) for option in PICTURE_SUFFIXES
             if getattr(args, option) is not None]
    new = {p for p in asked if not Path(p).exists()}
    written: list[str] = []
    run = solution.run
    try:
        title = caption(solution)
        with run.first_pass() as local:
            # --graph: the named nodes as on the slides (unnamed steps folded into them);
            # --full-graph: every operation, each edge with the local derivative the pass used.
            for path, compact in ((args.graph, True), (args.full_graph, False)):
                if path:
                    dot = _viz("draw_graph")(run.loss, edge_labels=True, compact=compact,
                                             title=title, local=local)
                    written.append(str(_viz("save")(dot, path)))
            if args.network:
                dot = _viz("draw_network")(run.model, x=spec.inputs, title=title)
                written.append(str(_viz("save")(dot, args.network)))
            if args.animate:
                page = _viz("animate_steps")(
                    run.loss, classroom_steps(solution), args.animate, local=local,
                    seeds=seeds(run), notes=[title], title=page_title(solution))
                written.append(str(page))
            if args.animate_ops:
                page = _viz("animate_backward")(
                    run.loss, args.animate_ops, steps=run.steps, local=local,
                    notes=[title, legend(solution)],
                    title=_("{name}: backward, one operation at a time ({convention} convention, "
                            "as in the report)").format(
                        name=spec.name, convention=convention_name(solution.convention)))
                written.append(str(page))
    except BaseException:
        for path in {*written, *new}:
            try:
                Path(path).unlink(missing_ok=True)
            except OSError:  # the error being raised says more than this one
                pass
        raise
    return [_one_line(_("wrote {path}").format(path=path)) for path in written]


PICTURE_SUFFIXES = {"graph": (".svg", ".png", ".pdf", ".dot"),
                    "full_graph": (".svg", ".png", ".pdf", ".dot"),
                    "network": (".svg", ".png", ".pdf", ".dot"),
                    "animate": (".html", ".htm"),
                    "animate_ops": (".html", ".htm")}


def _check_outputs(args: argparse.Namespace) -> None:
    """Every picture path before any work: a known file type, in a folder that exists."""
    seen: dict[Path, str] = {}
    for option, suffixes in PICTURE_SUFFIXES.items():
        path = getattr(args, option)
        if path is None:
            continue
        flag = f"--{option.replace('_', '-')}"
        kinds = (_("an .html file name") if option.startswith("animate")
                 else _("a .svg, .png, .pdf or .dot file name"))
        if not path.strip():
            raise SpecError(flag, _("the file name is empty: give {kinds}").format(kinds=kinds))
        if Path(path).suffix.lower() not in suffixes:
            raise SpecError(flag, _("{path}: use {kinds}").format(path=repr(path), kinds=kinds))
        from viz.render import path_problem
        try:
            problem = path_problem(path)
            same = seen.get(Path(path).resolve())
        except (OSError, ValueError) as e:  # a name too long, a NUL in it
            raise SpecError(flag, _("{path}: {reason}").format(path=repr(path),
                                                               reason=_path_reason(e))) from None
        if problem:
            raise SpecError(flag, problem)
        if same:
            raise SpecError(flag, _("{path} is also the {flag} file: give each picture its "
                                    "own").format(path=repr(path), flag=same))
        seen[Path(path).resolve()] = flag


def _path_reason(e: Exception) -> str:
    """Why the system refuses a picture's file name, in the run's language where
    the reason is a common one (the system's own words otherwise)."""
    if isinstance(e, ValueError) and "null" in str(e).lower():
        return _("the file name has a NUL character in it")
    from .spec import _os_reason
    return _os_reason(e)


def _json_text(data: dict[str, Any]) -> str:
    """Strict JSON (no NaN or Infinity, which JSON does not have), in ASCII
    escapes where the console cannot print the names."""
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    except ValueError:  # the solver refuses non-finite numbers: a last guard, naming the key
        raise SpecError("--json", _("{value} is not a number JSON can hold").format(
            value=_non_finite(data))) from None
    if not _can_print(text):
        text = json.dumps(data, indent=2, allow_nan=False)
    return text + "\n"


def _non_finite(data: Any, where: str = "") -> str:
    if isinstance(data, float) and not math.isfinite(data):
        return f"{where} = {data}"
    items = data.items() if isinstance(data, dict) else \
        enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        found = _non_finite(value, f"{where}[{key}]" if isinstance(key, int) else
                            f"{where}.{key}" if where else str(key))
        if found:
            return found
    return ""


# The application's arguments the command line sets, and the flags that set them:
# an error about one is said with the flag the user typed.
FLAGS = {"convention": "--convention", "after": "--after", "name": "--preset"}


def _as_typed(error: ArgumentError) -> SpecError:
    flag = FLAGS.get(error.argument)
    return SpecError(flag, error.problem) if flag else error


def _check_bp_arguments(args: argparse.Namespace) -> None:
    """Which spec: a file or a preset, one of them."""
    if args.print_spec and not args.preset:
        raise SpecError("--print-spec", _("prints a preset: use it with --preset NAME"))
    if args.spec is not None and args.preset:
        raise SpecError("", _("give a spec file or --preset NAME, not both"))
    if args.spec is not None and not args.spec.strip():
        raise SpecError("", _("the spec file name is empty (chainrule bp SPEC.toml)"))
    if not args.spec and not args.preset:
        raise SpecError("", _("give a spec file (chainrule bp SPEC.toml) or --preset NAME "
                              "(bp232, exercise211)"))


def _read_spec(args: argparse.Namespace) -> Any:
    """The spec asked for; a problem of one of its keys names the file (or preset) too."""
    from .spec import load_spec, preset
    where = _("preset {name}").format(name=args.preset) if args.preset else args.spec
    try:
        return preset(args.preset) if args.preset else load_spec(args.spec)
    except ArgumentError:
        raise
    except SpecError as e:
        raise SpecError(e.key, e.problem) if not e.key else SpecError(f"{where}: {e.key}", e.problem)


def _bp_text(args: argparse.Namespace, solution: Any, checks: Any) -> tuple[str, int]:
    """What bp prints and its exit status: the worked solution (text or JSON), or with
    --torch each of its figures beside PyTorch's (status 1 when one differs)."""
    from .report import render_json, render_text
    if not args.torch:
        return (_json_text(render_json(solution, checks)) if args.json
                else render_text(solution, checks)), 0
    from . import torch_check
    figures = torch_check.compare(solution)
    status = 0 if all(f.agrees for f in figures) else 1
    if args.json:
        return _json_text({**render_json(solution, checks), "torch": torch_check.as_json(figures)}), status
    return torch_check.render_text(solution, figures), status


def _bp(args: argparse.Namespace) -> int:
    from .solver import check_figures, solve
    from .spec import preset_text

    try:
        _check_bp_arguments(args)
        _check_outputs(args)
        if args.print_spec:
            sys.stdout.write(preset_text(args.preset))
            return 0
        if args.torch:  # before any work: without torch, the one line saying how to install it
            from nn.torch_bridge import require_torch
            require_torch()
        spec = _read_spec(args)
        solution = solve(spec, args.convention, _parse_after(args.after))
        checks = check_figures(solution)
        # the whole output before a byte of it is written: an error is then the only output
        text, status = _bp_text(args, solution, checks)
    except ArgumentError as e:
        return _fail(args, str(_as_typed(e)))
    except (ValueError, ModuleNotFoundError) as e:  # a SpecError, numbers the engine refuses, no torch
        return _fail(args, str(e))
    sys.stdout.write(text)
    try:
        written = _pictures(args, spec, solution)
    except (RuntimeError, OSError, ValueError, subprocess.CalledProcessError) as e:
        print(_one_line(_("chainrule {command}: picture not written: {error}").format(
            command=args.command, error=e)), file=sys.stderr)
        return 1
    for line in written:
        print(line, file=sys.stderr if args.json else sys.stdout)
    return status  # 1: --torch found a figure that differs


def _add_bp_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--convention", choices=("sequential", "simultaneous"),
                   help=_("update convention (default: the spec's; the engine's default is "
                          "simultaneous, the slides use sequential)"))
    p.add_argument("--after", metavar="K[,K...]",
                   help=_("also show outputs, E_total and weights after K updates"))
    p.add_argument("--json", action="store_true",
                   help=_("print the same content as JSON (keys: forward, gradients, updated, "
                          "history, slide_check; with --torch also torch)"))
    p.add_argument("--graph", metavar="FILE",
                   help=_("draw the computation graph as the slides do: the named values "
                          "(net_h1, out_h1, ...), each edge labelled with its derivative "
                          "(.svg/.png/.pdf/.dot)"))
    p.add_argument("--full-graph", metavar="FILE",
                   help=_("draw the computation graph with every operation (wide)"))
    p.add_argument("--network", metavar="FILE", help=_("draw the network (.svg/.png/.pdf/.dot)"))
    p.add_argument("--animate", metavar="FILE.html",
                   help=_("write the classroom animation: the worked solution one named value "
                          "at a time (net, out, E, each gradient, the updates), large enough "
                          "for a projector"))
    p.add_argument("--animate-ops", metavar="FILE.html",
                   help=_("write the animation of every operation of the backward pass, one "
                          "engine edge at a time (the full graph)"))
    p.add_argument("--torch", action="store_true",
                   help=_("solve it with PyTorch's autograd too and print every figure beside "
                          "chainrule's, with the difference (exit 1 if one differs by more than "
                          "1e-9 relative; needs pip install \"chainrule[torch]\")"))


def _bp232(args: argparse.Namespace) -> int:
    args.spec, args.preset, args.print_spec = None, "bp232", False
    return _bp(args)


# --- examples -------------------------------------------------------------------------------

def _example(args: argparse.Namespace) -> int:
    from .examples import EXAMPLES
    EXAMPLES[args.name][1]()
    return 0


# --- iris -----------------------------------------------------------------------------------

def _positive(kind: type, zero: bool = False) -> Callable[[str], Any]:
    """An argparse type: a number of ``kind`` above 0 (from 0 with ``zero``)."""
    what = (_("expected a whole number from 0 up, got {text}") if zero and kind is int else
             _("expected a number from 0 up, got {text}") if zero else
             _("expected a positive whole number, got {text}") if kind is int else
             _("expected a positive number, got {text}"))

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(what.format(text=repr(text)))
        if not (value >= 0 if zero else value > 0) or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(what.format(text=repr(text)))
        return value
    return parse


def _iris(args: argparse.Namespace) -> int:
    from .iris import main as iris_main
    return iris_main(epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, seed=args.seed,
                     use_slide_weights=args.slide_weights, as_json=args.json)


def _add_iris(sub: Any) -> None:
    from .iris import DEFAULTS
    p = sub.add_parser("iris", help=_("the iris deck's classification (4-6-3, softmax)"),
                       description=_("Train the 4-6-3 network (sigmoid hidden, softmax output, "
                                     "cross-entropy) on the first 40 flowers of each class, test "
                                     "on the last 10; print accuracies, the confusion matrix and "
                                     "the probabilities for the six flowers on the slide."))
    p.add_argument("--epochs", type=_positive(int), default=DEFAULTS["epochs"],
                   help=_("passes over the training set (default {epochs})").format(
                       epochs=DEFAULTS["epochs"]))
    p.add_argument("--lr", type=_positive(float), default=DEFAULTS["lr"],
                   help=_("SGD learning rate (default {lr})").format(lr=DEFAULTS["lr"]))
    p.add_argument("--batch-size", type=_positive(int), default=DEFAULTS["batch_size"],
                   help=_("samples per update (default: all 120, full-batch gradient descent; "
                          "1 = stochastic gradient descent)"))
    p.add_argument("--seed", type=_positive(int, zero=True), default=DEFAULTS["seed"],
                   help=_("initial weights and shuffling (default {seed})").format(
                       seed=DEFAULTS["seed"]))
    p.add_argument("--slide-weights", action="store_true",
                   help=_("skip training: evaluate the trained network printed on the slide"))
    p.add_argument("--json", action="store_true", help=_("print the same content as JSON"))
    p.set_defaults(run=_iris)


class _Parser(argparse.ArgumentParser):
    """argparse in the language of the run: its own words (usage:, options,
    error:) translated as far as argparse lets them be, and --lang everywhere."""

    def __init__(self, *args: Any, bare: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.bare = bare  # the first look at the command line, for --lang only
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        if not bare:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=_("show this help message and exit"))
        # SUPPRESS: a subcommand's --lang, absent, leaves the top level's in place
        self.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS,
                          help=_("the language: zh (中文) or en (English); default: "
                                 "CHAINRULE_LANG, then the locale"))

    def error(self, message: str) -> Any:
        if not self.bare:
            self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, _("{prog}: error: {message}").format(
            prog=self.prog, message=_argparse_words(message)) + "\n")


# argparse's own messages, in English whatever the language (it translates through
# the global gettext domain, not chainrule's): the common ones said in the run's language.
_ARGPARSE_MESSAGES = (
    (re.compile(r"argument (?P<name>[^:]+): (?P<problem>.*)", re.S), N_("argument {name}: {problem}")),
    (re.compile(r"invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)", re.S),
     N_("invalid choice: {value} (choose from {choices})")),
    (re.compile(r"the following arguments are required: (?P<names>.*)", re.S),
     N_("the following arguments are required: {names}")),
    (re.compile(r"unrecognized arguments: (?P<words>.*)", re.S), N_("unrecognized arguments: {words}")),
    (re.compile(r"expected one argument"), N_("expected one argument")),
    (re.compile(r"ignored explicit argument (?P<value>.*)", re.S),
     N_("ignored explicit argument {value}")),
    (re.compile(r"ambiguous option: (?P<option>\S+) could match (?P<matches>.*)", re.S),
     N_("ambiguous option: {option} could match {matches}")),
    (re.compile(r"invalid (?P<kind>\w+) value: (?P<value>.*)", re.S), N_("invalid {kind} value: {value}")),
    (re.compile(r"not allowed with argument (?P<other>.*)", re.S),
     N_("not allowed with argument {other}")),
)


def _argparse_words(message: str) -> str:
    for pattern, words in _ARGPARSE_MESSAGES:
        found = pattern.fullmatch(message)
        if found:
            parts = {k: _argparse_words(v) if k == "problem" else v
                     for k, v in found.groupdict().items()}
            return _(words).format(**parts)
    return message


# a character of a Chinese text, full-width punctuation included: a line may break after any
_WIDE = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_TOKENS = re.compile(f"[{_WIDE}]|[^\\s{_WIDE}]+|\\s+")
_NO_LINE_START = set("，。、；：？！）》」』")
_NO_LINE_END = set("（《「『")


def wrap_wide(text: str, columns: int) -> list[str]:
    """``text`` in lines of at most ``columns`` terminal columns, broken at a space
    or between two Chinese characters (never before closing punctuation):
    argparse's textwrap breaks only at spaces and counts 隐 as one column, so a
    Chinese help text ran on in one long line."""
    from .i18n import width
    lines, line = [], ""
    for token in _TOKENS.findall(" ".join(text.split())):
        if token.isspace():
            line += " " if line else ""
        elif line and width(line + token) > columns and token not in _NO_LINE_START:
            carried = line[-1] if line[-1] in _NO_LINE_END else ""  # an opening bracket moves down
            lines.append(line[:len(line) - len(carried)].rstrip())
            line = carried + token
        else:
            line += token
    return lines + [line.rstrip()] if line.strip() else lines


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: Optional[str] = None) -> None:
        super().add_usage(usage, actions, groups, prefix=_("usage: ") if prefix is None else prefix)

    def _split_lines(self, text: str, width: int) -> list[str]:
        if not re.search(f"[{_WIDE}]", text):
            return super()._split_lines(text, width)
        return wrap_wide(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if not re.search(f"[{_WIDE}]", text):
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in wrap_wide(text, width - len(indent)))


class _RawFormatter(_Formatter, argparse.RawDescriptionHelpFormatter):
    """For descriptions laid out by hand (the command list, the examples)."""

    _fill_text = argparse.RawDescriptionHelpFormatter._fill_text


def _language_asked(argv: Optional[Sequence[str]]) -> Optional[str]:
    """--lang, read before the parser is built (its help is in that language);
    a bad value is an error naming --lang."""
    pre = _Parser(prog="chainrule", allow_abbrev=False, bare=True)
    known, _rest = pre.parse_known_args(sys.argv[1:] if argv is None else list(argv))
    return getattr(known, "lang", None)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="chainrule", description=_(DESCRIPTION), formatter_class=_RawFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help=_("the engine on one neuron: forward, backward, each line explained")
                   ).set_defaults(run=_demo)

    bp = sub.add_parser("bp", help=_("the worked backpropagation solution of a network spec"),
                        description=_("Solve a hand exercise: forward pass, chain rule for every "
                                      "weight, updates, and a check of printed figures."))
    bp.add_argument("spec", nargs="?", help=_("a TOML spec (see --preset bp232 --print-spec)"))
    bp.add_argument("--preset", choices=("bp232", "exercise211"), help=_("a built-in exercise"))
    bp.add_argument("--print-spec", action="store_true",
                    help=_("print the preset as a spec and stop"))
    _add_bp_options(bp)
    bp.set_defaults(run=_bp)

    bp232 = sub.add_parser("bp232", help=_("the 2-3-2 example of the BP slides, solved and checked"))
    _add_bp_options(bp232)
    bp232.set_defaults(run=_bp232)

    from .examples import EXAMPLES
    ex = sub.add_parser("example", help=_("small examples from the slides"),
                        description="\n".join(f"  {k:12} {_(v[0])}" for k, v in EXAMPLES.items()),
                        formatter_class=_RawFormatter)
    ex.add_argument("name", choices=list(EXAMPLES))
    ex.set_defaults(run=_example)
    _add_iris(sub)
    from .exercise.cli import register as register_exercise
    register_exercise(sub)
    return parser


# Said in English: the console it is printed on cannot show the Chinese.
NO_CHINESE = ("chainrule: this console ({encoding}) cannot show Chinese characters: they are "
              "printed as \\u escapes (use a UTF-8 console, or --lang en)")


def _run_language(asked: Optional[str]) -> str:
    """The language of this run: --lang, else the environment's. Chinese from the
    environment (the locale, CHAINRULE_LANG) on a console that cannot show it
    (ASCII, cp1252) falls back to English; asked for with --lang zh, it stays
    Chinese, its characters printed as escapes (see main())."""
    chosen = asked or language_from_environment()
    if chosen == "zh" and asked is None and not _can_print("中文"):
        return "en"
    return chosen


def main(argv: Optional[Sequence[str]] = None) -> int:
    restore = _console([sys.stdout, sys.stderr])
    try:
        # --lang sets the language of this run only (main() is also called in-process)
        asked = _language_asked(argv)
        if asked == "zh" and not _can_print("中文"):
            print(NO_CHINESE.format(encoding=sys.stdout.encoding), file=sys.stderr)
        with using_language(_run_language(asked)):
            args = _build_parser().parse_args(argv)
            with using_language(_run_language(getattr(args, "lang", None))):
                return args.run(args)
    except BrokenPipeError:  # `chainrule bp232 | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0
    finally:
        for stream, errors in restore:
            if not stream.closed:
                stream.reconfigure(errors=errors)


if __name__ == "__main__":
    sys.exit(main())
