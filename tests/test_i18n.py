"""The language switch and the translation catalogs (nn.i18n, nn/locale)."""
import gettext
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from nn import i18n
from nn.glossary import GLOSSARY
from nn.i18n import _, using_language

ROOT = i18n.LOCALE_DIR.parent.parent
# Each package that speaks to users keeps its own catalog: <package>/locale/zh/LC_MESSAGES/<package>.po
PACKAGES = [p for p in ("autograd", "nn", "viz", "chainrule") if (ROOT / p / "locale").is_dir()]
PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")


def po_file(package: str):
    return ROOT / package / "locale" / "zh" / "LC_MESSAGES" / f"{package}.po"


def catalog(package: str):
    with po_file(package).open("rb") as f:
        return read_po(f)


def messages_in_code(package: str) -> set:
    """Every message the package wraps in _(), ngettext() or N_(), as Babel extracts it."""
    return {message for _file, _line, message, _comments, _context in extract_from_dir(ROOT / package)}


def test_every_package_that_speaks_has_a_catalog():
    assert "nn" in PACKAGES and "autograd" in PACKAGES
    for package in ("autograd", "nn", "viz", "chainrule"):
        if (ROOT / package).is_dir() and messages_in_code(package):
            assert package in PACKAGES and po_file(package).exists(), f"{package}: run `make catalogs`"


@pytest.mark.parametrize("env, expected", [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),   # LC_ALL wins over LANG
    ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"CHAINRULE_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),    # chainrule's own setting wins
    ({"CHAINRULE_LANG": "zh-Hans"}, "zh"),
    ({"CHAINRULE_LANG": "klingon", "LANG": "zh_CN.UTF-8"}, "en"),  # a typo never stops a command
])
def test_the_language_follows_the_environment(env, expected):
    assert i18n.language_from_environment(env) == expected


def test_set_language_wins_and_using_language_restores(monkeypatch):
    monkeypatch.setenv("CHAINRULE_LANG", "en")
    with using_language("zh"):
        assert i18n.language() == "zh" and _("epoch") == "轮"
        with using_language("en"):
            assert _("epoch") == "epoch"
        assert _("epoch") == "轮"
    assert i18n.language() == "en"
    with pytest.raises(ValueError, match="unknown language 'fr'.*zh.*en"):
        i18n.set_language("fr")
    assert i18n.normalise("zh_CN.UTF-8") == "zh" and i18n.normalise("C") == "en"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_message_in_the_code_has_a_chinese_translation(package):
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog(package) if m.id}
    missing = sorted(m if isinstance(m, str) else m[0] for m in messages_in_code(package)
                     if (m if isinstance(m, str) else m[0]) not in translated
                     or not translated[m if isinstance(m, str) else m[0]].string)
    assert not missing, (f"run `make catalogs` and translate in {package}/locale/zh: "
                         + "; ".join(missing[:10]))
    fuzzy = [m.id for m in catalog(package) if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy (unchecked) translations: {fuzzy[:10]}"


@pytest.mark.parametrize("package", PACKAGES)
def test_translations_keep_the_placeholders(package):
    for m in catalog(package):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for s in strings:
            assert sorted(PLACEHOLDER.findall(s)) == sorted(PLACEHOLDER.findall(ids[-1])), (m.id, s)
            ids[-1].format(**{k.split(":")[0].split("!")[0]: 1 for k in PLACEHOLDER.findall(ids[-1])})


@pytest.mark.parametrize("package", PACKAGES)
def test_the_compiled_catalog_is_the_po_file(package):
    """The .mo (what runs) says what the .po (what translators edit) says."""
    with po_file(package).with_suffix(".mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for m in catalog(package):
        if m.id and not isinstance(m.id, tuple):
            shown = compiled.pgettext(m.context, m.id) if m.context else compiled.gettext(m.id)
            assert shown == m.string, f"run `make catalogs`: {m.id!r} is stale"


@pytest.mark.parametrize("package", PACKAGES)
def test_the_glossary_terms_are_used_in_every_translation(package):
    terms = sorted(GLOSSARY, key=lambda t: -len(t.english))  # "hidden layer" before "layer"
    for m in catalog(package):
        if not m.id or isinstance(m.id, tuple):
            continue
        text = m.id.lower()
        for term in terms:
            pattern = r"\b" + re.escape(term.english) + r"s?\b"
            if re.search(pattern, text):
                assert term.chinese in m.string, (f"{m.id!r}: '{term.english}' is "
                                                  f"'{term.chinese}' in the course, got {m.string!r}")
                text = re.sub(pattern, " ", text)


def test_a_translated_library_message():
    from nn import MLP, SGD, TrainingDiverged, fit
    X, Y = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]], [[5.0], [-5.0], [50.0], [0.0]]
    model = MLP(2, [8, 1], "relu", output_activation="identity", seed=0)
    with using_language("zh"), pytest.raises(TrainingDiverged) as info:
        fit(model, X, Y, loss="mse", optimizer=SGD(model.parameters(), lr=5.0), epochs=200, progress=False)
    assert re.fullmatch(r"fit\(\)：训练发散了：第 \d+ 轮第 \d+ 步的损失是 (inf|nan)"
                        r"（学习率为 5：请试一个更小的学习率）。参数保持这一步之前的值。", str(info.value))


def test_the_readme_glossary_is_the_glossary():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## 术语表 Glossary", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:3] for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert [(zh.strip(), en.strip()) for zh, en in rows[1:]] == [(t.chinese, t.english) for t in GLOSSARY]


# --- the rare messages, in Chinese --------------------------------------------------------------

def _overflowing_spec():
    from slides import SMALL_SPEC
    # net_h1 = net_h2 = 1e308 * 1 + 1e308 * 1 + 0.1: past the largest float
    return (SMALL_SPEC.replace("[[0.1, 0.2], [0.3, 0.4]]", "[[1e308, 1e308], [1e308, 1e308]]")
            .replace("inputs = [0.5, 1.0]", "inputs = [1.0, 1.0]"))


def _rare_cases():
    """Each raises one of the messages users meet rarely, and the start of its Chinese text."""
    from slides import SMALL_SPEC

    import viz
    from autograd import Value
    from chainrule.solver import solve
    from chainrule.spec import spec_from_text
    from nn import MLP, SGD, fit
    from nn.linear import Linear
    from nn.losses import get_loss
    from nn.train import update
    from viz.live import LiveTrainingView, fit_svg

    check = '[[slide_check]]\nslide = "{slide}"\nquantity = "out_o1"\n'
    net = MLP(2, [1], seed=0)
    return {
        "note digits": (lambda: spec_from_text(SMALL_SPEC + check.format(slide="1")
                                               + 'note = "{out_o1:20}"\n'),
                        "slide_check[0].note {out_o1:20}: 最多 17 位小数"),
        "figure exponent": (lambda: spec_from_text(SMALL_SPEC + check.format(slide="1e" + "9" * 40)),
                            "slide_check[0].slide: '1e999"),
        "nesting depth": (lambda: spec_from_text("a = " + "[" * 5000 + "]" * 5000),
                          "数组或内联表嵌套太深"),
        "huge int": (lambda: spec_from_text("inputs = [" + "9" * 5000 + "]\n"),
                     "第 1 行：一个有几千位数字的数，浮点数放不下"),
        "overflow": (lambda: solve(spec_from_text(_overflowing_spec())),
                     "前向传播超出了浮点数的范围（最大约 1.8e308）：net_h2 = inf"),
        "live view": (lambda: LiveTrainingView(every=0), "LiveTrainingView：every 必须是 None 或正整数"),
        "fit_svg": (lambda: fit_svg("<svg width='1'></svg>", 100, 400), "fit_svg()：这个 SVG 没有 viewBox"),
        "digits": (lambda: viz.draw_graph(Value(1.0), digits=99), "draw_graph：digits（显示的小数位数）"),
        "describe": (lambda: viz.draw_network(type("M", (), {
            "describe": lambda self: None, "activations": lambda self, batch: []})()),
                     "draw_network()：M.describe() 返回的是 NoneType"),
        "convention": (lambda: fit(net, [[0.0, 1.0]], [[1.0]], convention="backwards"),
                       "未知的更新方式 'backwards'"),
        "sequential": (lambda: update(net, net([1.0, 2.0])[0], SGD(net.parameters(), lr=0.1),
                                      convention="sequential"),
                       "逐层更新（sequential）需要 layer_outputs"),
        "fit rows": (lambda: fit(net, [[0.0, 1.0]], [[1.0], [2.0]], progress=False),
                     "fit()：X 有 1 个样本，Y 却有 2 行"),
        "inputs": (lambda: net([1.0, 2.0, 3.0]), "MLP 需要 2 个输入，实际有 3 个"),
        "loss": (lambda: get_loss("l2"), "未知的损失函数 'l2'（可选：half_sse"),
        "activation": (lambda: Linear(3, 2, "swish"), "activation：未知的激活函数 'swish'"),
        "save": (lambda: net.save("/no/such/folder/m.npz"),
                 "save()：无法写入 /no/such/folder/m.npz：文件夹 /no/such/folder 不存在"),
    }


RARE = _rare_cases()
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{3,}(?: [A-Za-z]{2,}){2,}\b")  # three words in a row


@pytest.mark.parametrize("case", RARE)
def test_the_rare_messages_in_chinese(case):
    raise_it, chinese = RARE[case]
    with using_language("zh"), pytest.raises(Exception) as zh:
        raise_it()
    with using_language("en"), pytest.raises(Exception) as en:
        raise_it()
    text = str(zh.value)
    assert text.startswith(chinese) or chinese in text, text
    assert not ENGLISH_SENTENCE.search(text), text
    assert re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"[\u4e00-\u9fff]", str(en.value))
    # the same numbers in both
    assert re.findall(r"\d+(?:\.\d+)?", text) == re.findall(r"\d+(?:\.\d+)?", str(en.value))


def test_a_missing_graphviz_engine_is_said_in_chinese(monkeypatch):
    from viz import render
    monkeypatch.setenv(render.ENV_VAR, "/no/such/dot")
    render.find_renderer.cache_clear()
    try:
        with using_language("zh"), pytest.raises(render.RenderError) as info:
            render.find_renderer()
    finally:
        render.find_renderer.cache_clear()
    assert str(info.value) == f"${render.ENV_VAR} 设成了 '/no/such/dot'，但它不是可执行程序"
