"""Rendering anywhere: the pip-installed graphviz-pure engine renders every
view, through viz.save and through graphviz's own pipe/render/Jupyter hooks,
with no PATH set-up; no engine at all gives one clear error."""
import pathlib
import shutil
import struct
import sys

import graphviz
import pytest

import viz
from autograd import Value
from viz import render


@pytest.fixture(autouse=True)
def fresh_renderer():
    render.find_renderer.cache_clear()
    yield
    render.find_renderer.cache_clear()


@pytest.fixture
def no_path(monkeypatch):
    """A user who set nothing up: no PATH at all (so no system dot either)."""
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv(render.ENV_VAR, raising=False)


def small_graph():
    a = Value(1.0, "a")
    b = (a + a).named("b")
    c = (b + b).named("c")
    c.backward()
    return viz.draw_graph(c, edge_labels=True, highlight=a)


def png_size(data: bytes) -> tuple:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_graphviz_pure_is_found_next_to_python(no_path):
    found = viz.find_renderer()
    assert found.kind == "graphviz-pure"
    assert found.executable.parent == pathlib.Path(sys.executable).parent
    assert "png" in found.formats and "svg" in found.formats and "pdf" not in found.formats


def test_the_returned_digraph_renders_itself_with_no_path_setup(no_path, tmp_path):
    g = small_graph()
    assert isinstance(g, graphviz.Digraph)
    svg = g.pipe(format="svg", encoding="utf-8")
    assert "<svg" in svg and "grad 4.000000" in svg and "data 1.000000" in svg
    bundle, metadata = g._repr_mimebundle_()  # what Jupyter calls to show it inline
    assert "grad 4.000000" in bundle["image/svg+xml"]
    assert metadata == {"image/svg+xml": {"unconfined": True}}
    assert "∂c/∂a: 4 paths" in g._repr_image_svg_xml()
    width, height = png_size(g._repr_image_png())
    assert width > 300 and height > 100
    out = g.render(tmp_path / "abc")  # graphviz's default format would be pdf: ours is svg
    assert out.endswith("abc.svg") and "<svg" in pathlib.Path(out).read_text(encoding="utf-8")
    out = g.render(outfile=tmp_path / "abc.png")
    assert png_size(pathlib.Path(out).read_bytes())[0] > 300
    assert graphviz.Digraph.render is viz.Digraph.render  # graphviz's own method, our engine


def test_save_writes_svg_png_and_dot(tmp_path):
    g = small_graph()
    assert "<svg" in viz.save(g, tmp_path / "g.svg").read_text(encoding="utf-8")
    assert png_size(viz.save(g, tmp_path / "g.png").read_bytes())[0] > 300
    assert viz.save(g, tmp_path / "g.dot").read_text(encoding="utf-8") == g.source
    plain = graphviz.Digraph()  # any graphviz object, not only ours
    plain.edge("x", "y")
    assert png_size(viz.save(plain, tmp_path / "plain.png").read_bytes())[1] > 50
    with pytest.raises(ValueError, match=r"\.svg"):
        viz.save(g, tmp_path / "g.gif")


def test_save_never_creates_folders(tmp_path):
    g = small_graph()
    for name in ("g.svg", "g.dot"):
        with pytest.raises(FileNotFoundError) as info:
            viz.save(g, tmp_path / "missing" / name)
        assert str(info.value) == (f"save(): the folder '{tmp_path / 'missing'}' does not exist "
                                   "(create it first: pictures are only written into existing "
                                   "folders)")
    assert not (tmp_path / "missing").exists()
    (tmp_path / "out.svg").mkdir()
    with pytest.raises(IsADirectoryError, match="out.svg' is a folder; give a file name in it"):
        viz.save(g, tmp_path / "out.svg")


def test_pdf_needs_a_system_graphviz_and_says_so(no_path, tmp_path):
    g = small_graph()
    with pytest.raises(viz.RenderError,
                       match=r"PDF output needs a system Graphviz.*\.svg or \.png"):
        viz.save(g, tmp_path / "g.pdf")
    with pytest.raises(viz.RenderError, match="PDF"):
        g.render(tmp_path / "g", format="pdf")
    assert not (tmp_path / "g.pdf").exists()


@pytest.mark.system_graphviz
def test_pdf_with_a_system_graphviz(tmp_path):
    assert viz.save(small_graph(), tmp_path / "g.pdf").read_bytes()[:4] == b"%PDF"


def test_no_engine_at_all_is_one_clear_error(no_path, monkeypatch):
    monkeypatch.setattr(render, "_pure_candidates", lambda: iter(()))
    with pytest.raises(viz.RenderError) as info:
        viz.find_renderer()
    message = str(info.value)
    assert "pip install graphviz-pure" in message and "apt install graphviz" in message
    assert "digraph.source" in message
    g = small_graph()
    with pytest.raises(viz.RenderError, match="no Graphviz engine found"):
        g.pipe(format="svg")
    with pytest.raises(viz.RenderError, match="no Graphviz engine found"):
        g._repr_mimebundle_()
    assert "grad 4.000000" in g.source  # the DOT text needs no engine


def test_an_explicit_engine_wins(monkeypatch):
    pure = shutil.which("graphviz-pure", path=str(pathlib.Path(sys.executable).parent))
    monkeypatch.setenv(render.ENV_VAR, pure)
    assert viz.find_renderer().executable == pathlib.Path(pure)
    render.find_renderer.cache_clear()
    monkeypatch.setenv(render.ENV_VAR, "/nowhere/dot")
    with pytest.raises(viz.RenderError, match="CHAINRULE_DOT is set to '/nowhere/dot'"):
        viz.find_renderer()


def test_every_view_renders_to_png(tmp_path):
    """The graph, a highlight, a grouped graph, the network and the stepper's
    picture, each rendered by the embedded engine."""
    from nn.layers import MLP
    from nn.losses import half_sse

    model = MLP(2, [3, 2], seed=0)
    E = half_sse([model([5.0, 10.0])], [[0.01, 0.99]])
    E.backward()
    w1 = model.layers[0].neurons[0].w[0]
    views = {
        "graph": viz.draw_graph(E, edge_labels=True),
        "highlight": viz.draw_graph(E, highlight=w1),
        "neuron": viz.draw_graph(E, group="neuron"),
        "layer": viz.draw_graph(E, group="layer"),
        "network": viz.draw_network(model, x=[5.0, 10.0]),
    }
    sizes = {name: png_size(viz.save(g, tmp_path / f"{name}.png").read_bytes())
             for name, g in views.items()}
    assert all(w > 200 and h > 100 for w, h in sizes.values()), sizes
    assert sizes["graph"][0] > sizes["layer"][0]  # collapsing makes it smaller
    stepper = viz.BackwardStepper(E)
    assert "<svg" in stepper.svg and "grad " in stepper.svg


def test_jupyter_shows_wide_graphs_at_full_size_with_a_scrollbar():
    """IPython's own display formatter gets the SVG and, for it, the
    "unconfined" metadata: shown at its size, not shrunk to the page width."""
    formatters = pytest.importorskip("IPython.core.formatters")
    g = small_graph()
    data, metadata = formatters.DisplayFormatter().format(g)
    assert data["image/svg+xml"].lstrip().startswith("<?xml") and "∂c/∂a" in data["image/svg+xml"]
    assert metadata["image/svg+xml"] == {"unconfined": True}
    # asked for a PNG only, graphviz's plain bundle: no SVG, no metadata for it
    png_only = g._repr_mimebundle_(include=["image/png"])
    assert list(png_only) == ["image/png"] and png_only["image/png"][:4] == b"\x89PNG"
