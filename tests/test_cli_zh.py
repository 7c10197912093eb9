"""The `chainrule` command in Chinese (issue 13): --lang on every command, the
environment's language otherwise, the help, the errors, demo, the examples and
iris in Chinese with the same numbers as in English, in the same order; and the
consoles a Chinese student meets (GBK, UTF-8) and narrow ones (ASCII)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chainrule.cli import NO_CHINESE
from nn import i18n
from cli_runs import run
from slides import SMALL_SPEC

ROOT = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")

SMALL = SMALL_SPEC


@pytest.fixture(autouse=True)
def english_environment(monkeypatch):
    """Each test starts from an environment that asks for no language."""
    for key in ("CHAINRULE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(key, raising=False)




def numbers(text):
    return NUMBER.findall(text)


def has_chinese(text):
    return re.search(r"[\u4e00-\u9fff]", text) is not None


# --- the switch ----------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [["--lang", "zh", "demo"], ["demo", "--lang", "zh"],
                                  ["--lang=zh", "demo"], ["demo", "--lang=zh"]])
def test_lang_before_or_after_the_command(capsys, argv):
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out.startswith("chainrule demo：用引擎算一个 sigmoid 神经元的前向和反向")


def test_lang_is_for_that_run_only(capsys):
    before = i18n.language()
    run(capsys, "--lang", "zh", "demo")
    assert i18n.language() == before == "en"
    code, out, _ = run(capsys, "demo")
    assert code == 0 and out.startswith("chainrule demo: one sigmoid neuron") and not has_chinese(out)


@pytest.mark.parametrize("env", [{"CHAINRULE_LANG": "zh"}, {"LANG": "zh_CN.UTF-8"},
                                 {"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}])
def test_without_lang_the_environment_decides(capsys, monkeypatch, env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert run(capsys, "demo")[1].startswith("chainrule demo：")
    # --lang wins over the environment, before or after the command
    assert run(capsys, "demo", "--lang", "en")[1].startswith("chainrule demo: one sigmoid")
    assert run(capsys, "--lang", "en", "demo")[1].startswith("chainrule demo: one sigmoid")


@pytest.mark.parametrize("argv", [["--lang", "fr", "demo"], ["bp232", "--lang", "klingon"],
                                  ["iris", "--lang"], ["--lang", "zh", "demo", "--lang", "de"]])
def test_a_bad_language_is_a_usage_error_naming_lang(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and "--lang" in err and "Traceback" not in err


# --- the help ------------------------------------------------------------------------------

def test_the_help_in_chinese(capsys):
    code, out, _ = run(capsys, "--lang", "zh", "--help")
    assert code == 0 and out.startswith("用法：chainrule [-h] [--lang {en,zh}]")
    assert "chainrule bp --preset exercise211    BP 讲义里的 2-1-1 练习题" in out
    assert "chainrule iris [--json]              鸢尾花课件：给鸢尾花分类" in out
    # argparse puts its own ":" after a section's title
    assert "\n选项:\n" in out and "显示这条帮助并退出" in out and "seed" not in out

    code, out, _ = run(capsys, "bp232", "--help", "--lang", "zh")
    assert code == 0 and out.startswith("用法：chainrule bp232 [-h] [--lang {en,zh}]")
    assert "更新方式（默认：spec里写的；引擎默认是simultaneous，即同时更新；课件用sequential，即逐层更新）" \
        in re.sub(r"\s+", "", out)  # argparse wraps at any space
    for flag in ("--convention", "--after", "--json", "--graph", "--full-graph", "--network",
                 "--animate", "--animate-ops"):
        assert flag in out
    assert "写出课堂动画：解题过程一次一个有名字的量" in re.sub(r"\s+", "", out)

    code, out, _ = run(capsys, "iris", "--lang", "zh", "--help")
    flat = re.sub(r"\s*\n\s*", "", out)
    assert "遍历训练集的轮数（默认 5000）" in flat and "SGD 的学习率（默认 0.1）" in flat
    code, en, _ = run(capsys, "iris", "--help")
    assert "passes over the training set (default 5000)" in en and "usage: chainrule iris" in en


def test_argparse_errors_in_chinese(capsys):
    code, out, err = run(capsys, "--lang", "zh", "iris", "--epochs", "0")
    assert code == 2 and "用法：chainrule iris" in err
    assert "chainrule iris：错误：参数 --epochs：应为正整数，实际是 '0'" in err
    code, out, err = run(capsys, "bp232", "--convention", "x", "--lang", "zh")
    assert code == 2 and err.endswith("chainrule bp232：错误：参数 --convention：无效的选择："
                                      "'x'（可选：'sequential', 'simultaneous'）\n")
    code, out, err = run(capsys, "--lang", "zh", "example")
    assert code == 2 and err.endswith("chainrule example：错误：缺少这些参数：name\n")
    code, out, err = run(capsys, "iris", "--epochs", "0")
    assert "chainrule iris: error: argument --epochs: expected a positive whole number, got '0'" in err
    code, out, err = run(capsys, "--lang", "zh", "bp232", "--json=1")
    assert code == 2 and err.endswith("chainrule bp232：错误：参数 --json：这个选项不带值，却给了 '1'\n")


# --- the spec's errors -----------------------------------------------------------------------

@pytest.mark.parametrize("old, new, english, chinese", [
    ('learning_rate = 0.5\n', '', "learning_rate: missing", "learning_rate: 缺少这个键"),
    ('name = "small"', 'name = "small"\nlearning_rat = 0.5', "learning_rat: unknown key (known keys: name,",
     "learning_rat: 未知的键（已知的键：name,"),
    ('learning_rate = 0.5', 'learning_rate = "fast"', "learning_rate: expected a positive number, got 'fast'",
     "learning_rate: 应为一个正数，实际是 'fast'"),
    ('targets = [0.2]', 'targets = [0.2, 0.3, 0.4]',
     "targets: expected 1 targets (one per output neuron), got 3",
     "targets: 应有 1 个目标值（每个输出神经元一个），实际有 3 个"),
    ('weights = [[0.5, 0.6]]', 'weights = [[0.5, 0.6, 0.7]]',
     "layers[1].weights[0]: has 3 numbers but there are 2 layers[0] neurons",
     "layers[1].weights[0]: 有 3 个数，但共有 2 个 layers[0] neurons"),
    ('bias = 0.1', 'bias = 0.1\ntrain_bias = "no"', "layers[0].train_bias: expected true or false, got 'no'",
     "layers[0].train_bias: 应为 true 或 false，实际是 'no'"),
    ('name = "small"', 'name = "a\\u0007b"', "name: has U+0007, a control character, at character 2",
     "name: 含有 U+0007（一个控制字符），在第 2 个字符"),
    ('', '[[slide_check]]\nslide = "1"\nquantity = "out_h9"\n',
     "slide_check[0].quantity: 'out_h9' is not in this network (names: ",
     "slide_check[0].quantity: 这个网络里没有 'out_h9'（已有的名字："),
    ('', '[[slide_check]]\nslide = "1"\nquantity = "dE_total/dout_h9"\n',
     "slide_check[0].quantity: 'dE_total/dout_h9' names 'out_h9', which is not in this network",
     "slide_check[0].quantity: 'dE_total/dout_h9' 提到了 'out_h9'，但这个网络里没有它"),
])
def test_spec_errors_in_both_languages(tmp_path, capsys, old, new, english, chinese):
    # a [[slide_check]] table comes after the top keys: at the end
    text = SMALL.replace(old, new, 1) if old else SMALL + new
    spec = tmp_path / "my.toml"
    spec.write_text(text, encoding="utf-8")
    code, out, en = run(capsys, "bp", spec)
    assert code == 2 and out == "" and english in en
    code, out, zh = run(capsys, "bp", spec, "--lang", "zh")
    assert code == 2 and out == "" and chinese in zh
    assert zh.startswith(f"chainrule bp：错误：{spec}: ") and en.startswith(f"chainrule bp: error: {spec}: ")
    assert numbers(zh) == numbers(en)


@pytest.mark.parametrize("data, chinese", [
    (None, "无法读取 {path}：没有这个文件或文件夹"),
    (b"inputs = [0.5\n", "{path}：不是合法的 TOML："),
    (b'name = "\xe9t\xe9"\n', "{path}：不是 UTF-8 文本：字节 0xe9（第 1 行第 9 列）不是 UTF-8"),
    ("name = 'x'\n".encode("utf-16"), "{path}：这个文件是 UTF-16 文本，而 spec 必须是 UTF-8"),
])
def test_file_errors_in_chinese(tmp_path, capsys, data, chinese):
    spec = tmp_path / "my.toml"
    if data is not None:
        spec.write_bytes(data)
    code, out, zh = run(capsys, "--lang", "zh", "bp", spec)
    assert code == 2 and out == "" and chinese.format(path=spec) in zh, zh
    code, out, en = run(capsys, "bp", spec)
    assert code == 2 and numbers(zh) == numbers(en)


def test_cli_errors_in_chinese(capsys):
    code, _, err = run(capsys, "bp", "--lang", "zh")
    assert code == 2 and err == ("chainrule bp：错误：请给出 spec 文件（chainrule bp SPEC.toml）或 "
                                 "--preset NAME（bp232、exercise211）\n")
    code, _, err = run(capsys, "bp232", "--lang", "zh", "--after", "9,x")
    assert code == 2 and err == ("chainrule bp232：错误：--after: 应为更新次数，如 9,100,1000"
                                 "（每个在 0..100000 之间），实际是 '9,x'\n")
    code, _, err = run(capsys, "bp232", "--lang", "zh", "--graph", "g.txt")
    assert code == 2 and "--graph: 'g.txt'：请用一个 .svg、.png、.pdf 或 .dot 文件名" in err
    # the system refuses the name: its reason in Chinese too
    long_name = "/tmp/" + "a" * 300 + ".svg"
    code, out, err = run(capsys, "bp232", "--lang", "zh", "--graph", long_name)
    assert code == 2 and out == "" and err == f"chainrule bp232：错误：--graph: '{long_name}'：文件名太长\n"


# --- demo, the examples, iris ---------------------------------------------------------------

def test_demo_in_chinese_with_the_english_numbers(capsys):
    _, en, _ = run(capsys, "demo")
    code, zh, _ = run(capsys, "demo", "--lang", "zh")
    assert code == 0
    for line in ("代码（刚刚运行过）：", "前向：每一行是代码建出的图里的一个节点；.data 是它的值。",
                 "乘以两者之间的局部导数（链式法则）。",
                 "不用链式法则来验证：把 w1 往两边各挪 1e-6，再做一次前向传播：",
                 "    (E(w1 + 1e-6) - E(w1 - 1e-6)) / 2e-6 = 0.358850，而 w1.grad = 0.358850",
                 "下一步：chainrule bp232   课件里的 2-3-2 网络：链式法则的每个因子，"):
        assert line in zh.splitlines(), line
    assert "    E.backward()                                  # 链式法则：从 E 一路算到 w1、w2、b1" \
        in zh.splitlines()
    # the code run and the computed lines are the same, character for character; only the
    # code's comments are translated
    def code(text):
        return [x.split("#")[0].rstrip() for x in text.splitlines() if x.startswith("    ")
                and (not has_chinese(x) or "#" in x) and "(E(" not in x and "sigmoid's" not in x
                and "against the figures" not in x]
    assert code(zh) == code(en) and len(code(en)) == 16
    assert numbers(zh) == numbers(en) and "0.358850" in numbers(zh)


def test_the_demo_code_translated_is_the_code():
    from chainrule.examples import ENGINE_DEMO, engine_demo
    with i18n.using_language("zh"):
        shown = i18n.Translator("chainrule", ROOT / "chainrule" / "locale").gettext(ENGINE_DEMO)
        names = engine_demo()
    assert shown != ENGINE_DEMO and "链式法则" in shown
    strip = [line.split("#")[0].rstrip() for line in ENGINE_DEMO.splitlines()]
    assert [line.split("#")[0].rstrip() for line in shown.splitlines()] == strip
    assert f"{names['w1'].grad:.6f}" == "0.358850"


@pytest.mark.parametrize("name, chinese", [
    ("perceptron", "神经网络基础课件：一个感知器网络，激活值由阶跃函数给出"),
    ("xor-relu", "《深度前馈网络》课件：用一个 ReLU 隐藏层和手工设定的权重实现异或（XOR）"),
    # the learning rate by the glossary's name, not torch's keyword lr
    ("xor-train", "从随机初值学出异或（XOR）：MLP(2, [4, 1])，隐藏层 tanh，输出 sigmoid，\n"
                  "均方误差，全批量 Adam（学习率 0.1），随机种子 0\n"),
])
def test_examples_in_chinese(capsys, name, chinese):
    _, en, _ = run(capsys, "example", name)
    code, zh, _ = run(capsys, "example", name, "--lang", "zh")
    assert code == 0 and zh.startswith(chinese) and "eed 00" not in en + zh
    assert numbers(zh) == numbers(en)


def test_example_list_names_the_decks(capsys):
    _, en, _ = run(capsys, "example", "--help")
    _, zh, _ = run(capsys, "example", "--help", "--lang", "zh")
    assert "perceptron   the neural-network basics slides: step perceptrons computing a truth table" in en
    assert "xor-relu     《深度前馈网络》课件：用 ReLU 和手工设定的权重实现异或" in zh


@pytest.mark.parametrize("argv", [["--slide-weights"], ["--epochs", "40", "--batch-size", "30"]])
def test_iris_in_chinese_with_the_english_numbers(capsys, argv):
    _, en, _ = run(capsys, "iris", *argv)
    code, zh, _ = run(capsys, "iris", "--lang", "zh", *argv)
    assert code == 0
    assert zh.startswith("鸢尾花（鸢尾花课件）：4-6-3 网络，隐藏层用 sigmoid，输出用 softmax，交叉熵损失")
    assert "测试集上的混淆矩阵（行 = 真实类别，列 = 预测类别）：" in zh
    assert en.startswith("Iris (the iris deck): a 4-6-3 network") and "seed 004" not in en
    if "--slide-weights" in argv:
        assert "测试准确率： 30/30  = 100.00%" in zh and "权重：课件上印出的训练好的网络（不训练）" in zh
    else:
        assert "训练：小批量梯度下降（每批 30 个），SGD 学习率 0.1，40 轮，随机种子 0；最终训练损失 " in zh
        assert "Training: mini-batch gradient descent (30 per batch), SGD lr 0.1, 40 epochs" in en
    assert numbers(zh) == numbers(en) and len(numbers(en)) > 40


def test_iris_json_keys_stay_english(capsys):
    _, en, _ = run(capsys, "iris", "--slide-weights", "--json")
    _, zh, _ = run(capsys, "iris", "--slide-weights", "--json", "--lang", "zh")
    assert zh == en and '"confusion_matrix"' in zh


def test_the_presets_title_in_chinese():
    from chainrule.spec import preset
    with i18n.using_language("zh"):
        assert preset("bp232").text("title") == "BP 课件中的 2-3-2 网络"
        assert preset("exercise211").text("source") == "BP 讲义"
    assert preset("exercise211").text("source") == "the BP handout"


# --- consoles --------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "ascii"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bp232_prints_on_every_console(encoding, lang):
    env = {k: v for k, v in os.environ.items() if k not in ("CHAINRULE_LANG", "LANG", "LC_ALL")}
    env["PYTHONIOENCODING"] = encoding
    done = subprocess.run([sys.executable, "-m", "chainrule", "bp232", "--lang", lang], cwd=ROOT,
                          env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    # --lang zh on a console without Chinese: one English line says so, first
    assert done.stderr == (NO_CHINESE.format(encoding=encoding).encode() + b"\n"
                           if lang == "zh" and encoding == "ascii" else b"")
    text = done.stdout.decode(encoding)  # all of it in the console's encoding
    assert "w1" in text and "0.094534" in text  # the slides' w1+
    if encoding == "ascii":
        assert "\\u" in text if lang == "zh" else True
        assert "✓" not in text and "η" not in text
    if lang == "zh" and encoding != "ascii":
        assert "BP 课件中的 2-3-2 网络" in text
    if encoding == "gbk":
        assert "✓" not in text and "η" in text  # GBK has η, not ✓: ✓ is said in words


def console_run(encoding, *argv, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("CHAINRULE_LANG", "LANG", "LC_ALL",
                                                              "LC_MESSAGES")}
    done = subprocess.run([sys.executable, "-m", "chainrule", *argv], cwd=ROOT, capture_output=True,
                          env={**clean, "PYTHONIOENCODING": encoding, **env}, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode(encoding), done.stderr.decode(encoding)


@pytest.mark.parametrize("encoding", ["ascii", "cp1252", "gbk"])
@pytest.mark.parametrize("env", [{"LANG": "zh_CN.UTF-8"}, {"CHAINRULE_LANG": "zh"}], ids=str)
def test_chinese_from_the_environment_falls_back_to_english_on_a_narrow_console(encoding, env):
    out, err = console_run(encoding, "demo", **env)
    assert err == ""
    if encoding == "gbk":  # a Chinese Windows console shows it
        assert out.startswith("chainrule demo：用引擎算一个 sigmoid 神经元的前向和反向\n")
    else:  # no escapes: the same demo in English
        assert out.startswith("chainrule demo: one sigmoid neuron, forward and backward, through "
                              "the engine\n")
        assert "\\u" not in out


@pytest.mark.parametrize("encoding", ["ascii", "cp1252", "gbk"])
def test_lang_zh_on_a_narrow_console_says_so_in_english_then_prints_escapes(encoding):
    out, err = console_run(encoding, "demo", "--lang", "zh")
    if encoding == "gbk":
        assert err == "" and out.startswith("chainrule demo：用引擎算一个")
        return
    assert err == (f"chainrule: this console ({encoding}) cannot show Chinese characters: they are "
                   "printed as \\u escapes (use a UTF-8 console, or --lang en)\n")
    # 用引擎算 as its escapes; the English text does not replace it
    assert out.startswith("chainrule demo: \\u7528\\u5f15\\u64ce\\u7b97")


def test_the_pictures_caption_in_chinese():
    from chainrule.classroom import caption
    from chainrule.solver import solve
    from chainrule.spec import preset
    for convention in ("sequential", "simultaneous"):
        solution = solve(preset("bp232"), convention, None)
        en = caption(solution)
        with i18n.using_language("zh"):
            zh = caption(solution)
        assert numbers(zh) == numbers(en)
        if convention == "sequential":
            assert zh.startswith("bp232，逐层更新，与解题过程一致：先求输出层的梯度")
            assert "w7+..w12+" in zh and "grad w1 = 0.010931（普通的梯度下降：0.012268）" in zh
        else:
            assert zh.startswith("bp232，同时更新，与解题过程一致")
            assert "grad w1 = 0.012268" in zh


def test_the_top_level_help_names_the_exercise_commands(capsys):
    for lang, words in (("en", ["Exercises (a teacher sets them, a student checks them):",
                                "a variant per student: worksheet, answer key, Moodle quiz",
                                "an answer sheet marked, every mistake named",
                                "a class's sheets marked into one gradebook (CSV)"]),
                        ("zh", ["练习题（老师出题，学生自查）：", "每个学生一份练习题：练习纸、答案、Moodle 测验",
                                "批改一份答题卡，指出每个错误", "把全班的答题卡批改成一份成绩单（CSV）"])):
        code, out, _ = run(capsys, "--lang", lang, "--help")
        assert code == 0
        for command in ("new", "check", "mark"):
            line = next(x for x in out.splitlines() if x.startswith(f"  chainrule exercise {command} "))
            # each example runs as written: its options are the subcommand's own
            code, usage, _ = run(capsys, "exercise", command, "--help")
            assert all(w in usage for w in line.split() if w.startswith("-")), line
        assert all(w in out for w in words), lang


def test_chinese_help_wraps_at_the_terminal_width(capsys, monkeypatch):
    from chainrule.cli import wrap_wide
    from chainrule.i18n import width
    # argparse's textwrap breaks only at spaces: a Chinese description ran on in one line
    monkeypatch.setenv("COLUMNS", "80")
    for argv in (["exercise"], ["exercise", "check"], ["exercise", "mark"], ["exercise", "new"]):
        code, out, _ = run(capsys, "--lang", "zh", *argv, "--help")
        assert code == 0
        out = out.split("模板（TOML）：")[0]  # the template example is laid out by hand
        assert max(width(line) for line in out.splitlines()) <= 80 + 4, argv  # a closing mark may hang
        assert not any(line.rstrip().endswith("（") or line.lstrip().startswith(("，", "。", "）"))
                       for line in out.splitlines())
    lines = wrap_wide("批改一个学生的答题卡（TOML，一个 [answers] 表）：每个数字判为正确", 20)
    assert "".join(lines).replace(" ", "") == "批改一个学生的答题卡（TOML，一个[answers]表）：每个数字判为正确"
    assert all(width(x) <= 20 for x in lines) and "[answers]" in "".join(lines)
    assert wrap_wide("the same English words", 10) == ["the same", "English", "words"]
