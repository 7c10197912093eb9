"""Chinese text in every picture, on a machine with no Chinese font: graphs,
network pictures and matplotlib figures draw the glyphs, not empty boxes, with
the system Graphviz and with graphviz-pure, in PNG and SVG.

How a test tells glyphs from boxes: the same picture is drawn twice, once with
dense characters (赢鼎警) and once with one-stroke ones (一二人). Both are 1 em
wide, so the layouts are identical; drawn with a Chinese font the dense ones
put far more ink on the page, while missing-glyph boxes are the same for every
character (graphviz-pure: byte-identical pictures; pango's boxes: a few pixels
of hex digits)."""
import io
import os
import pathlib
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image

import viz
from autograd import Value
from nn.layers import MLP, Layer
from viz import fonts, render, style

DENSE, SPARSE = "赢鼎警", "一二人"
MIN_INK = 40  # black-pixel equivalents more ink for the dense characters (boxes: 0 to 3)
# What the course's users type: the slides' terms and full-width punctuation.
COURSE_TEXT = ("前向传播 反向传播 链式法则 误差项 学习率 隐藏层 输出层 激活函数 损失函数 梯度下降 批量 随机 "
               "小批量 权重更新 偏置 权重 输入 净输入 神经元 （）：，。、；？！“”《》")
PURE = shutil.which("graphviz-pure", path=str(pathlib.Path(sys.executable).parent))
SCREENS = os.environ.get("CHAINRULE_SCREENSHOTS")


def ink(png: bytes) -> tuple[tuple[int, int], float]:
    """The picture's size and its ink, in black-pixel equivalents."""
    gray = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return gray.shape, float((255.0 - gray).sum() / 255.0)


def assert_glyphs(dense: bytes, sparse: bytes) -> None:
    (size_d, ink_d), (size_s, ink_s) = ink(dense), ink(sparse)
    assert size_d == size_s, "the two pictures should have the same layout"
    assert ink_d - ink_s > MIN_INK, (
        f"dense characters drew {ink_d - ink_s:.1f} more pixels of ink than one-stroke ones: "
        "the Chinese text is drawn as boxes")


def keep(name: str, png: bytes) -> None:
    """With $CHAINRULE_SCREENSHOTS set, keep the picture there to look at."""
    if SCREENS:
        os.makedirs(SCREENS, exist_ok=True)
        pathlib.Path(SCREENS, f"{name}.png").write_bytes(png)


@pytest.fixture(autouse=True)
def fresh_lookups():
    render.find_renderer.cache_clear()
    fonts.cjk_font.cache_clear()
    yield
    render.find_renderer.cache_clear()
    fonts.cjk_font.cache_clear()


@pytest.fixture
def no_fonts(tmp_path, monkeypatch):
    """A machine with no font at all, as fontconfig sees it: a configuration
    file that lists no font folder."""
    conf = tmp_path / "empty-fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<fontconfig>\n'
                    f"<cachedir>{tmp_path / 'cache'}</cachedir>\n</fontconfig>\n", encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    return conf


@pytest.fixture(params=[
    pytest.param("dot", marks=pytest.mark.system_graphviz),
    "graphviz-pure",
    pytest.param("dot, no system font", marks=pytest.mark.system_graphviz),
    "graphviz-pure, no system font",
])
def engine(request, monkeypatch):
    """Each renderer, with the machine's fonts and with none at all."""
    kind = request.param.split(",")[0]
    monkeypatch.setenv(render.ENV_VAR, shutil.which("dot") if kind == "dot" else PURE)
    if "no system font" in request.param:
        request.getfixturevalue("no_fonts")
    return request.param


def chinese_network(names) -> MLP:
    hidden = Layer(2, 2, neuron_names=[names[0], names[1]], seed=1)
    out = Layer(2, 1, neuron_names=[names[2]], seed=2)
    return MLP.from_layers([hidden, out], input_names=["身高", "体重"])


def test_graphs_and_networks_draw_chinese_glyphs(engine):
    found = viz.find_renderer()
    assert found.kind == engine.split(",")[0]
    graphs = {}
    for chars in (DENSE, SPARSE):
        a, b = Value(0.5, chars[:2]), Value(2.0, chars[1:])
        graphs[chars] = {"graph": viz.draw_graph((a * b).named(chars)),
                         "network": viz.draw_network(chinese_network(chars), x=[0.05, 0.1])}
    for view in ("graph", "network"):
        dense = render.pipe(graphs[DENSE][view], "png")
        assert_glyphs(dense, render.pipe(graphs[SPARSE][view], "png"))
        keep(f"font_{view}_{engine.replace(', ', '_').replace(' ', '_')}", dense)


def test_the_packaged_font_has_every_character_students_type():
    from fontTools.ttLib import TTFont

    font = fonts.packaged_cjk_font()
    assert font.family == "Noto Sans SC" and font.source == "package"
    cmap = TTFont(font.path, lazy=True).getBestCmap()
    # the whole CJK Unified Ideographs block of Unicode 1.1 (20,902): free-text names are safe
    missing = [c for c in range(0x4E00, 0x9FA6) if c not in cmap]
    missing += [ord(c) for c in COURSE_TEXT if not c.isspace() and ord(c) not in cmap]
    assert missing == []
    assert fonts.needs_cjk(COURSE_TEXT) and not fonts.needs_cjk("w1 σ → ∂E/∂w η δ éü")


@pytest.mark.system_graphviz  # fontconfig's fc-match comes with it
def test_a_system_chinese_font_is_preferred(tmp_path, monkeypatch):
    """A Chinese font that fontconfig knows wins; only without one does the
    packaged Noto Sans SC serve, and then only the dot run sees it."""
    system = tmp_path / "system-fonts"
    system.mkdir()
    (system / "SystemChinese.otf").symlink_to(fonts.packaged_cjk_font().path)
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?>\n<fontconfig><dir>{system}</dir>'
                    f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n", encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    found = fonts.cjk_font()
    assert (found.source, found.path, found.family) == ("system", system / "SystemChinese.otf",
                                                        "Noto Sans SC")
    assert fonts.fontconfig_env() is None  # dot finds it by itself


@pytest.mark.system_graphviz
def test_without_one_dot_alone_gets_the_packaged_font(no_fonts):
    found = fonts.cjk_font()
    assert found == fonts.packaged_cjk_font()
    env = fonts.fontconfig_env()
    conf = pathlib.Path(env["FONTCONFIG_FILE"])
    assert conf.is_file() and conf != no_fonts
    assert os.environ["FONTCONFIG_FILE"] == str(no_fonts)  # this process's set-up is untouched
    text = conf.read_text(encoding="utf-8")
    assert f"<include ignore_missing=\"yes\">{no_fonts}</include>" in text  # the user's own first
    listed = subprocess.run(["fc-list", ":lang=zh-cn", "file"], env=env, capture_output=True,
                            text=True, check=True).stdout
    assert str(found.path) in listed


def test_svg_names_chinese_fonts_after_the_latin_ones(engine):
    g = viz.draw_network(chinese_network(["输出层神经元", "隐2", "输出"]), x=[0.05, 0.1])
    svg = render.pipe(g, "svg").decode("utf-8")
    sans, mono = fonts.css_families(style.FONT), fonts.css_families(style.MONO)
    assert sans.startswith("Arial,") and sans.endswith(",sans-serif")
    assert mono.startswith("'Courier New',") and mono.endswith(",monospace")
    for family in ("'Microsoft YaHei'", "'PingFang SC'", "'Noto Sans CJK SC'", "'Noto Sans SC'"):
        assert family in sans and family in mono
    assert f'font-family="{sans}"' in svg and f'font-family="{mono}"' in svg
    assert 'font-family="Arial"' not in svg and 'font-family="Courier New"' not in svg
    # "输出层神经元 σ": the σ starts after the name as drawn (6 characters of 1 em, 11 pt)
    name = svg.index(">输出层神经元</text>")
    x_name = float(svg[:name].rsplit(' x="', 1)[1].split('"')[0])
    sigma = svg.index(">σ</text>", name)
    x_sigma = float(svg[:sigma].rsplit(' x="', 1)[1].split('"')[0])
    assert x_sigma >= x_name + 6 * 11.0 - 0.5


@pytest.mark.parametrize("kind", [pytest.param("dot", marks=pytest.mark.system_graphviz),
                                  "graphviz-pure"])
def test_latin_pictures_are_exactly_what_the_engine_draws(kind, monkeypatch):
    """No Chinese text: the PNG is the engine's own, byte for byte (Arial and
    Courier New, or graphviz-pure's Arimo and Cousine, as before)."""
    exe = shutil.which("dot") if kind == "dot" else PURE
    monkeypatch.setenv(render.ENV_VAR, exe)
    a = Value(0.5, "w1")
    g = viz.draw_graph((a * Value(2.0, "x1")).named("net_h1"), edge_labels=True)
    direct = subprocess.run([exe, "-Tpng"], input=g.source.encode("utf-8"), capture_output=True,
                            check=True).stdout
    assert render.pipe(g, "png") == direct


def test_every_way_to_render_draws_the_glyphs(monkeypatch, tmp_path):
    """graphviz's own hooks (Jupyter's PNG, .render()) and viz.save, in PNG and
    JPEG, with graphviz-pure: all go through the Chinese font."""
    monkeypatch.setenv(render.ENV_VAR, PURE)
    pictures = {}
    for chars in (DENSE, SPARSE):
        g = viz.draw_graph(Value(1.0, chars))
        out = g.render(outfile=tmp_path / f"{chars}.png")
        pictures[chars] = [g._repr_image_png(), pathlib.Path(out).read_bytes(),
                           viz.save(g, tmp_path / f"{chars}.jpg").read_bytes()]
    for dense, sparse in zip(pictures[DENSE], pictures[SPARSE]):
        assert_glyphs(dense, sparse)
    assert pictures[DENSE][2][:3] == b"\xff\xd8\xff"  # a JPEG


def test_matplotlib_figures_draw_chinese_glyphs():
    import matplotlib
    from matplotlib.figure import Figure

    def title_png(text: str) -> bytes:
        fig = Figure(figsize=(3, 1), dpi=100)
        fig.text(0.05, 0.3, text, fontsize=20)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()

    with matplotlib.rc_context({"font.family": ["sans-serif"]}):
        with warnings.catch_warnings(record=True) as caught:  # the control: boxes without it
            warnings.simplefilter("always")
            boxes = title_png(DENSE), title_png(SPARSE)
        assert ink(boxes[0]) == ink(boxes[1])
        assert any("missing from font" in str(w.message) for w in caught)

        family = viz.setup_matplotlib_fonts()
        assert viz.setup_matplotlib_fonts() == family  # idempotent
        assert matplotlib.rcParams["font.family"] == ["sans-serif", family]  # Latin font first
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            dense, sparse = title_png(f"{DENSE} E_total"), title_png(f"{SPARSE} E_total")
        assert_glyphs(dense, sparse)
        keep("font_matplotlib", dense)
