"""The worked solution in Chinese: the same numbers in the same order as the
English report, Chinese sentences (the slides' symbols kept), the notes and
errata of the presets in Chinese, and underlines and tables measured in
terminal columns (a Chinese character takes two)."""
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from chainrule.cli import main
from chainrule.errors import SpecError
from chainrule.i18n import width
from chainrule.report import wrap_columns
from chainrule.spec import parse_spec, preset_text
from nn import using_language

# A number that is not part of a name (w7, net_h1, E_o1 and the like keep their digits).
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
CHINESE = re.compile(r"[\u4e00-\u9fff]")

CASES = [["bp232"], ["bp232", "--convention", "simultaneous"], ["bp232", "--after", "3,10"],
         ["bp", "--preset", "exercise211"]]


def report(argv, lang, capsys, monkeypatch):
    monkeypatch.setenv("CHAINRULE_LANG", lang)
    assert main(argv) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("argv", CASES, ids=" ".join)
def test_the_chinese_report_has_the_english_numbers_in_order(argv, capsys, monkeypatch):
    en = report(argv, "en", capsys, monkeypatch)
    zh = report(argv, "zh", capsys, monkeypatch)
    assert not CHINESE.search(en)
    numbers = NUMBER.findall(en)
    assert len(numbers) > 100
    assert NUMBER.findall(zh) == numbers
    # the equations of the worked solution, character for character
    assert equations(zh) == equations(en) and len(equations(en)) > 20


def equations(text):
    return [line for line in text.splitlines()
            if re.match(r" {5}(?:d|net_|out_|E_)\S* +=|\s{8,}= ", line)]


@pytest.mark.parametrize("argv", CASES, ids=" ".join)
def test_the_chinese_report_has_no_english_sentence(argv, capsys, monkeypatch):
    zh = report(argv, "zh", capsys, monkeypatch)
    # two English words in a row: a sentence left untranslated (the command's name and the
    # --convention flag with its value are what a student types, and stay)
    words = re.findall(r"\b[A-Za-z]{3,}(?: [A-Za-z]{2,})+\b", zh)
    assert set(words) <= {"chainrule bp", "convention sequential", "convention simultaneous",
                          "eta dE"}, words


def test_the_chinese_worked_solution_reads_as_the_slides(capsys, monkeypatch):
    zh = report(["bp232"], "zh", capsys, monkeypatch)
    lines = zh.splitlines()
    assert lines[0] == "chainrule bp：bp232，BP 课件中的 2-3-2 网络"
    assert lines[1] == "=" * width(lines[0]) and len(lines[1]) == 43
    assert "出处：BP 课件和神经网络基础课件" in lines
    for title in ("1. 前向传播", "2. 反向传播：链式法则，逐个因子计算（数值来自引擎的反向追踪）",
                  "3. 权重更新：p+ = p - η * dE_total/dp, η = 0.5",
                  "5. 课件核对：课件上印出的每个数值与引擎的结果对照"):
        i = lines.index(title)
        assert lines[i + 1] == "-" * width(title)
    assert "更新方式   逐层更新（课件的做法：先更新输出层，再把隐藏层的梯度经过已经更新的输出层权重反向传播）" in lines
    assert "   隐藏层 h1 h2 h3：每个 out 都输入 o1 和 o2，所以它的梯度是各路径之和" in lines
    assert "     dE_total/dout_h1 = dE_o1/dout_h1 + dE_o2/dout_h1 = 0.030866 + (-0.003360) = 0.027505" in lines
    assert "     偏置 b2 由 o1, o2 共用：每个神经元一条路径（每条的 dnet/db2 = 1），各路径相加" in lines
    assert "   逐层更新：相符 44 个（共 46 个）；不符：net_o1 [2], dE_total/dw1 [5]" in lines
    assert "   同时更新：相符 19 个（共 46 个）" in lines
    # the errata, in Chinese, with the engine's numbers
    assert "   [5] 课件勘误：0.011204 与两种更新方式都不符（逐层更新 0.010931，同时更新 0.012268），课件自己" in lines
    assert "net_o1 = 2.10192009，与课件印" in zh and "相差 5 个单位（在第 7 位小数）" in zh
    assert "out_h3 = σ(net_h3) = σ(5.35) =\n       0.99527429。" in zh
    assert "（10 次更新后它们是\n       0.618249 和 0.909857）" in zh
    # the table's columns line up in terminal columns: the rule under each header cell
    i = lines.index("   参数         p  dE_total/dp        p+  dE_total/dp        p+")
    assert lines[i + 1] == "   ----  --------  -----------  --------  -----------  --------"
    assert lines[i - 1] == "                          逐层更新               同时更新"
    row = next(line for line in lines if line.startswith("   out_h3（课件印作“out_h2”）"))
    other = next(line for line in lines if line.startswith("   out_h2 "))
    assert width(row) == width(other) + len("  [1]")
    for line in lines:
        assert width(line) <= 100, line


def test_the_locale_and_the_console_script_give_chinese():
    exe = Path(sys.executable).parent / "chainrule"
    env = {k: v for k, v in os.environ.items() if k not in ("CHAINRULE_LANG", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "zh_CN.UTF-8"
    result = subprocess.run([str(exe), "bp232"], capture_output=True, text=True, timeout=60, env=env,
                            encoding="utf-8")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("chainrule bp：bp232，BP 课件中的 2-3-2 网络\n")
    assert "   w1    0.100000     0.010931  0.094534     0.012268  0.093866" in result.stdout


def test_wrapping_by_columns():
    text = "课件把 out_h1、out_h2 取 6 位小数后的值相加：0.4*0.912934 + 0.5*0.979164。"
    lines = wrap_columns(text, 30, "  ", "  ")
    assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", "")
    assert all(width(line.rstrip("，。：")) <= 30 for line in lines)  # a closing mark may hang
    assert not any(line.strip().startswith(("，", "。", "：")) for line in lines)
    assert "0.4*0.912934" in "".join(lines)  # a number is never cut
    lines = wrap_columns("课件这里用的是逐层更新（先更新输出层，再更新隐藏层）", 22)
    assert lines == ["课件这里用的是逐层更新", "（先更新输出层，再更新", "隐藏层）"]  # （ starts a line
    english = "the output layer is updated first, and the hidden gradients are back-propagated"
    assert wrap_columns(english, 30) == ["the output layer is updated", "first, and the hidden",
                                         "gradients are back-propagated"]


def _spec_with(**check):
    data = tomllib.loads(preset_text("bp232"))
    data["slide_check"] = [{"figure": "net_o1", "slide": "2.1019206", "quantity": "net_o1", **check}]
    return data


def test_a_spec_carries_both_languages():
    spec = parse_spec(_spec_with(note="off by {net_o1:8}", note_zh="差 {net_o1:8}", figure_zh="净输入"))
    fig = spec.slide_check[0]
    assert (fig.note, fig.note_zh) == ("off by {net_o1:8}", "差 {net_o1:8}")
    assert fig.label() == "net_o1"
    with using_language("zh"):
        assert fig.label() == "净输入"
        assert spec.text("title") == "BP 课件中的 2-3-2 网络"
    assert spec.text("title") == "the 2-3-2 network of the BP slides"
    # an old spec, English only, stays valid and its Chinese report shows its English texts
    old = parse_spec(_spec_with(note="off"))
    with using_language("zh"):
        assert old.slide_check[0].label() == "net_o1"


@pytest.mark.parametrize("check, key, problem", [
    ({"note": "{net_o1:8} off", "note_zh": "差"}, "slide_check[0].note_zh",
     "same {quantity} placeholders as note.*note has {net_o1:8}, note_zh has none"),
    ({"note": "{net_o1} {out_o1}", "note_zh": "{out_o1} {net_o1}"}, "slide_check[0].note_zh",
     "in the same order"),
    ({"note_zh": "{out_h9}"}, "slide_check[0].note_zh {out_h9}", ""),
    ({"note_zh": 3}, "slide_check[0].note_zh", ""),
    ({"note_en": "x"}, "slide_check[0].note_en", "unknown key.*note_zh"),
])
def test_bad_chinese_texts_are_named(check, key, problem):
    with pytest.raises(SpecError, match=re.escape(key) + ".*" + problem):
        parse_spec(_spec_with(**check))


def test_a_chinese_windows_console_prints_the_chinese_report():
    """GBK has the Chinese and η σ but not ✓ ✗: the report spells those in ASCII."""
    exe = Path(sys.executable).parent / "chainrule"
    env = {**os.environ, "CHAINRULE_LANG": "zh", "PYTHONIOENCODING": "gbk"}
    result = subprocess.run([str(exe), "bp232"], capture_output=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("gbk")
    assert out.startswith("chainrule bp：bp232，BP 课件中的 2-3-2 网络\n")
    assert "   ok = 引擎的值与课件印的数相差不超过最后一位的一个单位，x = 超过。" in out
    assert "3. 权重更新：p+ = p - η * dE_total/dp, η = 0.5" in out
