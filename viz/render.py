"""Rendering DOT on any machine: the system Graphviz ``dot`` where installed,
else the ``graphviz-pure`` engine that ``pip install chainrule`` brings along.

:class:`Digraph` is a ``graphviz.Digraph`` whose own ``.pipe()``,
``.render()`` and Jupyter display (``_repr_mimebundle_``, ``_repr_image_svg_xml``)
run the engine found by :func:`find_renderer`, so a fresh ``pip install`` draws
with no PATH set-up. It does so through the three hooks graphviz's backend
mixins expose (``_pipe_lines``, ``_pipe_lines_string``, ``_render``): no global
state of the ``graphviz`` package is touched, so other code that uses it is
unaffected.

Chinese text (see :mod:`viz.fonts`): a system ``dot`` gets the Chinese font
through fontconfig for that run; graphviz-pure, whose own PNG has only its
built-in Latin fonts, writes SVG that resvg draws with the Chinese font; SVG
names Chinese fonts after Arial and Courier New for the browser.
"""
from __future__ import annotations

import functools
import io
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from typing import Iterator, Optional, Union

import graphviz

from . import fonts, style
from .i18n import N_, _

PathLike = Union[str, "os.PathLike[str]"]

ENV_VAR = "CHAINRULE_DOT"  # an explicit executable wins over the search below

# What each engine can write (graphviz-pure: `graphviz-pure -T?`).
_PURE_FORMATS = frozenset({
    "canon", "dot", "dot_json", "gv", "jpe", "jpeg", "jpg", "json", "json0", "plain",
    "plain-ext", "png", "svg", "xdot", "xdot1.2", "xdot1.4", "xdot_json",
})
_DOT_FORMATS = _PURE_FORMATS | {"pdf", "ps", "eps", "gif", "bmp", "tif", "tiff", "webp", "svgz"}

_INSTALL_HINT = N_(
    "install Graphviz (apt install graphviz / brew install graphviz / "
    "conda install graphviz / https://graphviz.org/download/)"
)


# graphviz-pure estimates text width from built-in metrics and says so for each
# non-ASCII character (σ, →, ∂); the glyphs still render fine.
_HARMLESS = re.compile(r"no value for width of non-ASCII character")


class RenderError(RuntimeError):
    """No engine can render the requested format; the message says how to fix it."""


@dataclass(frozen=True)
class Renderer:
    """The layout program used to turn DOT into pictures."""

    executable: pathlib.Path
    kind: str  # "dot" (a system Graphviz) or "graphviz-pure"
    formats: frozenset

    def check(self, format_: str) -> None:
        if format_ in self.formats:
            return
        if format_ in ("pdf", "ps", "eps"):
            raise RenderError(_(
                "{format} output needs a system Graphviz `dot` program, which is not on PATH; the "
                "built-in graphviz-pure engine ({engine}) writes svg and png (and json), not "
                "{kind}. Save as .svg or .png instead, or {install}.").format(
                format=format_.upper(), engine=self.executable, kind=format_,
                install=_(_INSTALL_HINT)))
        raise RenderError(_("the {engine} engine ({path}) cannot write {kind}; it writes: "
                            "{formats}").format(engine=self.kind, path=self.executable,
                                                kind=repr(format_),
                                                formats=", ".join(sorted(self.formats))))


def _pure_candidates() -> Iterator[pathlib.Path]:
    """graphviz-pure as a pip wheel installs it: next to this Python (a venv's
    bin/ or Scripts/), in the scheme's scripts directory, or on PATH."""
    seen = set()
    dirs = [pathlib.Path(sys.executable).parent]
    for scheme_dir in (sysconfig.get_path("scripts"),
                       sysconfig.get_path("scripts", f"{os.name}_user")):
        if scheme_dir:
            dirs.append(pathlib.Path(scheme_dir))
    for d in dirs:
        if d in seen:
            continue
        seen.add(d)
        found = shutil.which("graphviz-pure", path=str(d))
        if found:
            yield pathlib.Path(found)
    found = shutil.which("graphviz-pure")
    if found:
        yield pathlib.Path(found)


def _make(executable: PathLike) -> Renderer:
    path = pathlib.Path(executable)
    if "graphviz-pure" in path.name:
        return Renderer(path, "graphviz-pure", _PURE_FORMATS)
    return Renderer(path, "dot", _DOT_FORMATS)


@functools.lru_cache(maxsize=None)
def find_renderer() -> Renderer:
    """The engine every picture is rendered with, found once per process:
    ``$CHAINRULE_DOT`` if set, else the system ``dot`` on PATH, else the
    ``graphviz-pure`` executable installed with this Python.
    Raises :class:`RenderError` (saying how to fix it) if there is none."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        found = shutil.which(explicit)
        if not found:
            raise RenderError(_("${name} is set to {value}, which is not an executable").format(
                name=ENV_VAR, value=repr(explicit)))
        return _make(found)
    system_dot = shutil.which("dot")
    if system_dot:
        return _make(system_dot)
    for candidate in _pure_candidates():
        return _make(candidate)
    raise RenderError(_(
        "no Graphviz engine found to render the picture. chainrule uses the system `dot` program "
        "if it is on PATH, else `graphviz-pure`, a pip dependency installed next to Python "
        "({folder}). To fix it: `{python} -m pip install graphviz-pure`, or {install}, or set "
        "${name}=/path/to/dot. The DOT text is there anyway: digraph.source, or "
        "viz.save(digraph, 'graph.dot').").format(
        folder=pathlib.Path(sys.executable).parent, python=sys.executable,
        install=_(_INSTALL_HINT), name=ENV_VAR))


def _command(engine: str, format_: str, renderer: Optional[str] = None,
             formatter: Optional[str] = None,
             neato_no_op: Union[bool, int, None] = None) -> list[str]:
    found = find_renderer()
    found.check(format_)
    if formatter is not None and renderer is None:
        raise graphviz.RequiredArgumentError("formatter given without renderer")
    flag = ":".join(f for f in (format_, renderer, formatter) if f is not None)
    cmd = [str(found.executable), f"-K{engine}", f"-T{flag}"]
    if neato_no_op:
        cmd.append(f"-n{int(neato_no_op):d}")
    return cmd


def _run(cmd: list[str], *, data: Optional[bytes], quiet: bool,
         cwd: Optional[PathLike] = None, env: Optional[dict] = None) -> bytes:
    try:
        proc = subprocess.run(cmd, input=data, capture_output=True, cwd=cwd, env=env)
    except OSError as e:  # vanished or not executable since it was found
        find_renderer.cache_clear()
        raise RenderError(_("could not run {program}: {error}").format(program=cmd[0],
                                                                         error=e)) from e
    if proc.returncode != 0:
        raise graphviz.CalledProcessError(proc.returncode, cmd, output=proc.stdout,
                                          stderr=proc.stderr)
    if proc.stderr and not quiet:
        text = "".join(line for line in proc.stderr.decode(errors="replace").splitlines(True)
                       if not _HARMLESS.search(line))
        if text:
            sys.stderr.write(text)
    return proc.stdout


_RASTER = frozenset({"png", "jpeg", "jpg", "jpe"})
# The SVG attributes graphviz writes for style.FONT and style.MONO.
_SVG_FONTS = {f'font-family="{f}"'.encode(): f'font-family="{fonts.css_families(f)}"'.encode()
              for f in (style.FONT, style.MONO)}


def _keep_spaces(svg: bytes) -> bytes:
    """Graphviz places each piece of a label's line (a bold ``w1``, then `` = 0.5``)
    at its own x, the spaces measured in; a browser drops a piece's leading and
    trailing spaces unless told to keep them, and ``w1 = 0.5`` would read
    ``w1= 0.5``, ``w1 0.5`` would read ``w10.5``. graphviz-pure says so on every
    text; older system dot (2.43) does not."""
    return re.sub(rb"<text(?= )(?! xml:space=)", b'<text xml:space="preserve"', svg)


def _svg_font_fallback(svg: bytes) -> bytes:
    """Name the Chinese fonts after Arial and Courier New, so a browser draws
    Chinese labels in a Chinese font (Latin text keeps Arial/Courier New)."""
    for plain, listed in _SVG_FONTS.items():
        svg = svg.replace(plain, listed)
    return svg


SVG_FONT_STYLE = re.compile(r'<style class="chainrule-font">.*?</style>', re.S)


def _embed_cjk_font(svg: bytes) -> bytes:
    """An SVG with Chinese text carries the glyphs it uses (fonts.embedded_cjk_css)
    in a <style> after its opening tag, as the font-family lists name it: a
    browser on a machine with no Chinese font still draws them."""
    face = fonts.embedded_cjk_css(svg.decode("utf-8", errors="replace"), "svg")
    start = svg.find(b"<svg")
    end = svg.find(b">", start)
    if not face or start < 0 or end < 0:
        return svg
    style_ = f'\n<style class="chainrule-font">{face}</style>'.encode()
    return svg[:end + 1] + style_ + svg[end + 1:]


# graphviz-pure (like Graphviz without pango) estimates text width from Arial/Courier/Times
# tables and counts each byte of a non-ASCII character as a space: a Chinese character
# (3 bytes in UTF-8) gets 0.83 em in Arial, 1.8 em in Courier New, while it is drawn 1 em wide.
_SPACE_EM = {style.FONT: 0.278, style.MONO: 0.6}  # else Times: 0.25
_SPAN = re.compile(rb'<text xml:space="preserve" text-anchor="start" x="(-?[\d.]+)" '
                   rb'y="(-?[\d.]+)"([^>]*)>([^<]*)</text>')
_ATTR = re.compile(rb'(font-family|font-size)="([^"]*)"')


def _cjk_width_error(attrs: bytes, text: bytes) -> float:
    """How much wider (in points) ``text`` is drawn than graphviz-pure estimated."""
    found = dict(_ATTR.findall(attrs))
    size = float(found.get(b"font-size", b"14"))
    space = _SPACE_EM.get(found.get(b"font-family", b"").decode(), 0.25)
    return sum(size * (1.0 - len(c.encode("utf-8")) * space)
               for c in text.decode("utf-8") if fonts.needs_cjk(c))


def _widen_cjk_spans(svg: bytes) -> bytes:
    """Move each piece of an HTML label's line right by how much wider the
    Chinese text before it is drawn than graphviz-pure estimated (1 em per
    character), so that ``name σ`` or ``name = 0.5`` do not overlap."""
    out, last, shift, line_y = [], 0, 0.0, None
    for m in _SPAN.finditer(svg):
        x, y, attrs, text = m.groups()
        if y != line_y or svg[last:m.start()].strip():  # not the next piece of the same line
            shift = 0.0
        out.append(svg[last:m.start()])
        out.append(m.group(0).replace(b'x="%s"' % x, b'x="%.2f"' % (float(x) + shift), 1)
                   if shift else m.group(0))
        shift += _cjk_width_error(attrs, text)
        last, line_y = m.end(), y
    out.append(svg[last:])
    return b"".join(out)


def _rasterize(svg: bytes, format_: str) -> bytes:
    """graphviz-pure's SVG as PNG (or JPEG) drawn by resvg, with the Chinese
    font that graphviz-pure's own rasterizer (Arimo, Cousine, Tinos built in)
    cannot load. Same size as graphviz-pure's PNG: 96 dpi."""
    import resvg_py

    png = bytes(resvg_py.svg_to_bytes(svg_string=svg.decode("utf-8"), dpi=96.0,
                                      font_files=[str(fonts.cjk_font().path)],
                                      background="white"))
    if format_ == "png":
        return png
    try:
        from PIL import Image
    except ImportError:
        raise RenderError(_("{format} output of Chinese text without a system Graphviz needs "
                            "Pillow (pip install pillow); or save as .png or .svg").format(
            format=format_.upper())) from None
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, format="JPEG", quality=90)
    return out.getvalue()


def _output(engine: str, format_: str, renderer: Optional[str] = None,
            formatter: Optional[str] = None, neato_no_op: Union[bool, int, None] = None, *,
            data: Optional[bytes] = None, infile: Optional[pathlib.Path] = None,
            encoding: str = "utf-8", quiet: bool = False) -> bytes:
    """The rendered bytes of DOT ``data`` (or of the file ``infile``).
    Chinese text: a system dot gets the Chinese font through fontconfig
    (:func:`fonts.fontconfig_env`); graphviz-pure writes SVG, which resvg
    turns into the PNG. SVG names Chinese fonts after the Latin ones."""
    found = find_renderer()
    source = data if data is not None else infile.read_bytes()
    chinese = fonts.needs_cjk(source.decode(encoding, errors="replace"))
    plain_format = renderer is None and formatter is None
    via_svg = chinese and found.kind == "graphviz-pure" and format_ in _RASTER and plain_format
    if via_svg:
        found.check(format_)
    cmd = _command(engine, "svg" if via_svg else format_, renderer, formatter, neato_no_op)
    if infile is not None:
        cmd.append(str(infile.resolve()))
    env = fonts.fontconfig_env() if chinese and found.kind == "dot" else None
    out = _run(cmd, data=data, quiet=quiet, env=env)
    if chinese and found.kind == "graphviz-pure" and (via_svg or format_ == "svg"):
        out = _widen_cjk_spans(out)
    if via_svg:
        return _rasterize(_svg_font_fallback(out), format_)
    if format_ == "svg" and plain_format:
        out = _svg_font_fallback(_keep_spaces(out))
        return _embed_cjk_font(out) if chinese else out
    return out


# --- the three backend hooks of graphviz's Pipe/Render mixins --------------------------

def _pipe_lines(engine: str, format: str, input_lines: Iterator[str], *,
                input_encoding: str, renderer: Optional[str] = None,
                formatter: Optional[str] = None,
                neato_no_op: Union[bool, int, None] = None, quiet: bool = False) -> bytes:
    data = "".join(input_lines).encode(input_encoding)
    return _output(engine, format, renderer, formatter, neato_no_op, data=data,
                   encoding=input_encoding, quiet=quiet)


def _pipe_lines_string(engine: str, format: str, input_lines: Iterator[str], *,
                       encoding: str, renderer: Optional[str] = None,
                       formatter: Optional[str] = None,
                       neato_no_op: Union[bool, int, None] = None, quiet: bool = False) -> str:
    raw = _pipe_lines(engine, format, input_lines, input_encoding=encoding, renderer=renderer,
                      formatter=formatter, neato_no_op=neato_no_op, quiet=quiet)
    return raw.decode(encoding)


def _render(engine: str, format: Optional[str] = None, filepath: Optional[PathLike] = None,
            renderer: Optional[str] = None, formatter: Optional[str] = None,
            neato_no_op: Union[bool, int, None] = None, quiet: bool = False, *,
            outfile: Optional[PathLike] = None, raise_if_result_exists: bool = False,
            overwrite_filepath: bool = False) -> str:
    """graphviz.render() with our engine: same arguments, same result path."""
    if filepath is None:
        if outfile is None:
            raise graphviz.RequiredArgumentError("filepath: (required if outfile is not given)")
        filepath = pathlib.Path(outfile).with_suffix(".gv")
    filepath = pathlib.Path(filepath)
    if outfile is not None:
        outfile = pathlib.Path(outfile)
        if format is None:
            format = outfile.suffix.lstrip(".").lower()
        if (not overwrite_filepath and outfile.resolve() == filepath.resolve()):
            raise ValueError(f"outfile {outfile.name!r} must be different from input file "
                             f"{filepath.name!r} (pass overwrite_filepath=True to override)")
    else:
        if format is None:
            raise graphviz.RequiredArgumentError("format: (required if outfile is not given)")
        suffix = ".".join(a for a in (formatter, renderer, format) if a is not None)
        outfile = filepath.with_suffix(f"{filepath.suffix}.{suffix}")
    if raise_if_result_exists and outfile.exists():
        raise graphviz.FileExistsError(_("output file exists: {path}").format(
            path=repr(os.fspath(outfile))))
    rendered = _output(engine, format, renderer, formatter, neato_no_op, infile=filepath,
                       quiet=quiet)
    outfile.write_bytes(rendered)
    return os.fspath(outfile)


class Digraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders (``.pipe()``, ``.render()``, Jupyter's
    inline SVG) with the engine :func:`find_renderer` finds, so it works without
    a system Graphviz. Everything else is graphviz's own."""

    @property
    def _pipe_lines(self):  # graphviz's hooks are properties too
        return _pipe_lines

    @property
    def _pipe_lines_string(self):
        return _pipe_lines_string

    @property
    def _render(self):
        return _render

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        """graphviz's bundle (SVG by default) plus the metadata that asks
        Jupyter to show the SVG at its own size, with a scrollbar if wider than
        the page, rather than shrunk to the page width (a wide graph would
        otherwise come out with unreadably small text). IPython accepts a
        (data, metadata) pair from this hook."""
        bundle = super()._repr_mimebundle_(include, exclude, **kwargs)
        if "image/svg+xml" in bundle:
            return bundle, {"image/svg+xml": {"unconfined": True}}
        return bundle

    @property
    def _unflatten(self):
        if shutil.which("unflatten"):
            return super()._unflatten
        raise RenderError(_("unflatten() needs the `unflatten` program of a system Graphviz, "
                            "which is not on PATH; {install}").format(install=_(_INSTALL_HINT)))


_SUFFIX_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".jpg": "jpeg",
                   ".jpeg": "jpeg", ".json": "json"}


def pipe(digraph: graphviz.Source | graphviz.Digraph | graphviz.Graph, format_: str) -> bytes:
    """Render any graphviz object (ours or not) to bytes with our engine."""
    engine = getattr(digraph, "engine", None) or "dot"
    return _output(engine, format_, data=digraph.source.encode("utf-8"), quiet=True)


def path_problem(path: PathLike) -> Optional[str]:
    """Why a picture cannot be written to ``path`` (None if it can): a missing
    folder or a folder in place of a file. Folders are never created: a typo
    in a folder name would leave a new folder somewhere unexpected."""
    path = pathlib.Path(path)
    if path.is_dir():
        return _("{path} is a folder; give a file name in it, such as {example}").format(
            path=repr(str(path)), example=repr(str(path / path.name)))
    if not path.parent.is_dir():
        return _("the folder {folder} does not exist (create it first: pictures are only "
                 "written into existing folders)").format(folder=repr(str(path.parent)))
    return None


def writable_path(path: PathLike, who: str) -> pathlib.Path:
    """``path`` if a file can be written there, else FileNotFoundError (no
    such folder) or IsADirectoryError (a folder), the message led by ``who``."""
    problem = path_problem(path)
    if problem:
        error = IsADirectoryError if pathlib.Path(path).is_dir() else FileNotFoundError
        raise error(f"{who}: {problem}")
    return pathlib.Path(path)


def save(digraph: graphviz.Source | graphviz.Digraph | graphviz.Graph,
         path: PathLike) -> pathlib.Path:
    """Write ``digraph`` to ``path``; the format comes from the extension:
    .svg, .png, .pdf (needs a system Graphviz), .jpg, .json, or .dot/.gv for
    the DOT text itself. The folder must exist (FileNotFoundError naming it
    otherwise). Returns the path."""
    path = pathlib.Path(path)
    if not hasattr(digraph, "source"):
        raise TypeError(_("save() needs a graphviz Digraph/Graph/Source, got {kind}").format(
            kind=type(digraph).__name__))
    suffix = path.suffix.lower()
    if suffix not in _SUFFIX_FORMATS and suffix not in (".dot", ".gv"):
        known = ", ".join(sorted(set(_SUFFIX_FORMATS) | {".dot", ".gv"}))
        raise ValueError(_("save(): cannot tell the format from {name}; use one of these "
                           "extensions: {known}").format(name=repr(path.name), known=known))
    writable_path(path, "save()")
    if suffix in (".dot", ".gv"):
        path.write_text(digraph.source, encoding="utf-8")
        return path
    path.write_bytes(pipe(digraph, _SUFFIX_FORMATS[suffix]))
    return path
