"""viz in Chinese: every picture and page a student meets, its texts in Chinese
and its numbers the same as in English, in the same order; Chinese glyphs in
the browser views on a machine with no Chinese font (the page carries them)."""
import io
import json
import logging
import re
from html import unescape
from types import SimpleNamespace

import numpy as np
import pytest

import nn
from autograd import Value
import viz
from conftest import screenshot
from nn import MLP
from test_viz_animate import open_stepper, page_data, read
from test_viz_fonts import DENSE, SPARSE, ink
from test_viz_graph import abc, net232

NUMBER = re.compile(r"-?\d+\.\d+")


def numbers(text: str) -> list[str]:
    return NUMBER.findall(text)


def both(make):
    """make() in English and in Chinese."""
    with nn.using_language("en"):
        en = make()
    with nn.using_language("zh"):
        zh = make()
    return en, zh


# --- the pictures' captions and legends -----------------------------------------------------
def test_graph_legends_in_chinese_carry_the_english_numbers():
    E, n = net232()
    E.backward()
    for compact in (False, True):
        en, zh = both(lambda: viz.draw_graph(E, edge_labels=True, highlight=n["w1"],
                                             compact=compact).source)
        assert numbers(zh) == numbers(en) and numbers(en)
        assert "∂E_total/∂w1：从 E_total 到 w1 有 2 条路径" in zh and "多路径求和法则" in zh
        assert "路径 1：" in zh and "求和" in zh and "与 backward() 算的一致" in zh
        assert "paths from" not in zh and "2 paths from E_total down to w1" in en
    assert "局部导数" in both(lambda: viz.draw_graph(E, edge_labels=True, compact=False).source)[1]
    assert "并入它们所输入的命名框" in both(lambda: viz.draw_graph(E).source)[1]


def test_network_captions_in_chinese_carry_the_english_numbers():
    model = MLP(2, [3, 2], seed=0)
    x = [0.05, 0.1]
    en, zh = both(lambda: viz.draw_network(model, x=x).source)
    assert numbers(zh) == numbers(en) and len(numbers(en)) > 10
    assert "神经元填充色：它的输出（白 0，绿到 1，紫到 -1）" in zh
    assert "neuron fill: its output" in en and "神经元" not in en
    en, zh = both(lambda: viz.draw_network(model, x=x, compact=True).source)
    assert numbers(zh) == numbers(en)
    assert "2 个输入 · 3 × σ · 2 × σ；鼠标停在神经元或边上可看数值" in zh


def test_too_large_and_wrong_file_errors_in_chinese(tmp_path):
    x = Value(1.0, "x")
    for _ in range(30):
        x = x * 1.0
    with nn.using_language("zh"), pytest.raises(viz.GraphTooLargeError) as big:
        viz.draw_graph(x, max_nodes=10, compact=False)
    assert "draw_graph：(*) 下面的计算图有 61 个节点，超过 max_nodes=10；" in str(big.value)
    assert "group='neuron'" in str(big.value)
    a, b, c = abc()
    with nn.using_language("zh"), pytest.raises(ValueError, match="文件名要以 .html 结尾，收到的是 'steps.txt'"):
        viz.animate_backward(c, tmp_path / "steps.txt")
    with nn.using_language("zh"), pytest.raises(FileNotFoundError, match="不存在（请先创建它"):
        viz.animate_backward(c, tmp_path / "nowhere" / "steps.html")


# --- the backward animation --------------------------------------------------------------
def test_the_stepper_page_in_chinese_steps_through_the_same_numbers():
    E, n = net232()
    en, zh = both(lambda: viz.BackwardStepper(E).page())
    assert page_data(zh)["steps"] == page_data(en)["steps"]
    assert '<html lang="zh">' in zh and '<html lang="en">' in en
    assert "<h3>反向传播经过 E_total：一次走一条边</h3>" in zh
    assert 'title="下一步（→）"' in zh and "按键：← → 单步" in zh
    texts = page_data(zh)["t"]
    assert texts["count"] == "第 {k} / {n} 步" and texts["node"] == "节点"
    # English names only: no font rides along, the page is as before
    assert "@font-face" not in en and "url(" not in en
    # the Chinese texts do: one subset of the packaged font, a data: URL, nothing fetched
    assert zh.count("@font-face") == 1
    assert re.findall(r"url\(([^)]{0,22})", zh) == ["data:font/woff;base64,"]
    assert not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)=", zh)


def test_chinese_names_bring_their_glyphs_and_only_theirs():
    a = Value(2.0, "甲")
    b = (a * a).named("乙")
    page = viz.BackwardStepper(b).page()  # English texts, Chinese names
    assert page.count("@font-face") == 1 and 'lang="en"' in page
    face = viz.fonts.embedded_cjk_css("甲乙").split("\n")[0]
    assert face in page and len(face) < 8000  # two glyphs: a few kB
    assert "unicode-range: U+4E59,U+7532;" in face  # the face serves those two only
    from base64 import b64decode

    from fontTools.ttLib import TTFont
    data = b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", face).group(1))
    cmap = TTFont(io.BytesIO(data)).getBestCmap()
    assert {chr(c) for c in cmap if c > 0x2000} == {"甲", "乙"}


def chinese_net232(chars: str):
    """The 2-3-2 network of the slides, its hidden outputs and the loss named in Chinese."""
    E, n = net232()
    for key, name in zip(("out_h1", "out_h2", "out_h3"), chars):
        n[key].label = name
    return E, n


@pytest.mark.browser
def test_the_chinese_stepper_shows_glyphs_on_a_machine_without_a_chinese_font(browser_page,
                                                                            tmp_path):
    """Drawn with dense characters and with one-stroke ones, the page has the same layout;
    glyphs put more ink on the dense one, boxes do not."""
    pictures = {}
    for chars in (DENSE, SPARSE):
        E, _n = chinese_net232(chars)
        with nn.using_language("zh"):
            html = viz.BackwardStepper(E, title=chars * 3).page()
        stepper = open_stepper(browser_page, html, tmp_path)
        browser_page.evaluate("document.fonts.ready")
        loaded = browser_page.evaluate(
            "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
        assert loaded == ["chainrule zh"], loaded
        pictures[chars] = [stepper.locator("h3").screenshot(),
                           stepper.locator(".pic svg").screenshot()]
        if chars == DENSE:
            screenshot(browser_page, "zhviz_stepper_dense")
    for dense, sparse in zip(pictures[DENSE], pictures[SPARSE]):
        (size_d, ink_d), (size_s, ink_s) = ink(dense), ink(sparse)
        assert size_d == size_s
        assert ink_d - ink_s > 40, f"{ink_d - ink_s:.1f}: the Chinese text is drawn as boxes"


@pytest.mark.browser
def test_the_stepper_in_chinese_in_a_browser(browser_page, tmp_path):
    E, n = net232()
    seen = {}
    for lang in ("en", "zh"):
        with nn.using_language(lang):
            html = viz.BackwardStepper(E).page()
        stepper = open_stepper(browser_page, html, tmp_path)
        stepper.focus()
        views = [read(stepper)]
        for _ in range(3):
            browser_page.keyboard.press("ArrowRight")
            views.append(read(stepper))
        browser_page.keyboard.press("End")
        views.append(read(stepper))
        seen[lang] = views
        if lang == "zh":
            assert "<b>节点</b>" in browser_page.content()
            assert "<b>目前的梯度</b>" in browser_page.content()
            screenshot(browser_page, "zhviz_stepper")
    for en, zh in zip(seen["en"], seen["zh"]):
        assert numbers(zh["explain"]) == numbers(en["explain"])
        assert [numbers(" ".join(r)) for r in zh["table"]] == [numbers(" ".join(r)) for r in en["table"]]
    assert seen["zh"][0]["explain"].startswith("开始：种子 ∂E_total/∂E_total = 1.000000。")
    assert "局部导数" in seen["zh"][1]["explain"] and "上游梯度" in seen["zh"][1]["explain"]
    assert seen["zh"][-1]["count"] == f"第 {len(viz.BackwardStepper(E))} / {len(viz.BackwardStepper(E))} 步"
    assert seen["zh"][0]["play"] == "▶ 播放" and seen["en"][0]["play"] == "▶ play"


# --- the live training view and the decision boundary -----------------------------------
def test_the_live_view_in_chinese_carries_the_english_numbers():
    model = MLP(2, [3, 1], seed=0)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    state = SimpleNamespace(model=model, epoch=2, step=7, loss=0.25, val_loss=0.5,
                            batch_inputs=X)

    def page():
        view = viz.LiveTrainingView(display=False)
        view(state)
        return view.html()

    en, zh = both(page)
    text = lambda h: re.sub(r"(?s)<style>.*?</style>|<[^>]+>", "", unescape(h.split("<svg")[0]))  # noqa: E731
    assert numbers(text(zh)) == numbers(text(en))
    assert "第 2 轮 · 第 7 步 · 损失 0.2500 · 验证损失 0.5000" in text(zh)
    assert "epoch 2 · step 7 · loss 0.2500 · validation loss 0.5000" in text(en)
    assert "@font-face" in zh and "@font-face" not in en


def test_the_boundary_colorbar_and_bold_labels_in_chinese(caplog):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    model = MLP(2, [3, 1], seed=0)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    with nn.using_language("zh"), caplog.at_level(logging.WARNING, "matplotlib.font_manager"):
        result = viz.plot_decision_boundary(model, X, [0, 1, 1, 0], colorbar=True, annotate=True,
                                            title="决策边界")
        result.ax.figure.canvas.draw()  # the bold labels are looked up here
    labels = [ax.get_ylabel() for ax in result.ax.figure.axes]
    assert "输出" in labels and result.ax.get_xlabel() == "x1"
    assert not [r for r in caplog.records if "Failed to find font weight" in r.getMessage()]
    # bold Latin text keeps a bold face
    bold = font_manager.findfont(font_manager.FontProperties(weight="bold"))
    assert "Bold" in bold, bold
    plt.close("all")


def test_a_chinese_graph_svg_carries_its_glyphs():
    a, b = Value(0.5, "身高"), Value(2.0, "体重")
    svg = viz.draw_graph((a * b).named("总误差")).pipe(format="svg", encoding="utf-8")
    assert svg.count("@font-face") == 1 and "data:font/woff;base64," in svg
    assert '<style class="chainrule-font">' in svg
    plain = viz.draw_graph((Value(0.5, "x") * 2).named("y")).pipe(format="svg",
                                                                    encoding="utf-8")
    assert "@font-face" not in plain


def test_json_of_the_stepper_keeps_its_keys():
    _a, _b, c = abc()
    with nn.using_language("zh"):
        data = page_data(viz.BackwardStepper(c).page())
    assert set(data) >= {"steps", "root", "rootName", "seed", "zero", "names", "t"}
    assert json.dumps(data["steps"][0], sort_keys=True).startswith('{"after"')


def test_the_boundary_and_network_errors_in_chinese():
    model = MLP(2, [3, 1], seed=0)
    with nn.using_language("zh"):
        with pytest.raises(ValueError, match=r"X 的每个样本要有两个输入（形状 \(n, 2\)），收到的形状是 \(4, 3\)"):
            viz.plot_decision_boundary(model, np.zeros((4, 3)))
        with pytest.raises(ValueError, match=r"y 要给每个样本一个标签（共 4 个），收到的形状是 \(2,\)"):
            viz.plot_decision_boundary(model, np.zeros((4, 2)), [0, 1])
        with pytest.raises(TypeError, match=r"draw_network\(\) 需要一个网络模型，收到的是 str"):
            viz.draw_network("mlp")
