"""The engine's own messages in both languages (autograd.i18n, autograd/locale).

The language state lives in the engine and nn re-exports it: one switch for all.
A sample of the errors students meet in the notebooks is raised under each
language; the Chinese one must be Chinese, with the English one's numbers and
names. (Catalog completeness and placeholders: tests/test_i18n.py, which covers
every package with a locale/ folder, autograd's included.)"""
import re
import warnings

import numpy as np
import pytest

import autograd.i18n
import nn
import nn.i18n
from autograd import GradientAccumulationWarning, Tensor, Value, check_local_derivative, grad, gradcheck
from nn.i18n import using_language

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{3,}(?: [A-Za-z]{2,}){2,}\b")  # three words in a row
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def test_one_language_state_for_every_package():
    assert nn.set_language is autograd.i18n.set_language is nn.i18n.set_language
    assert nn.i18n.using_language is autograd.i18n.using_language
    assert nn.i18n.Translator is autograd.i18n.Translator
    with using_language("zh"):  # nn's switch, the engine's catalog
        assert autograd.i18n.language() == "zh"
        assert autograd.i18n._("log is defined for positive numbers only") == "log 只对正数有定义"
    nn.set_language("zh")
    try:
        assert autograd.i18n.language() == "zh"
    finally:
        nn.set_language(None)


# name -> (raise it, a fragment of the Chinese message, names that both languages show)
ERRORS = {
    "matmul shapes": (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3))),
                      "对不上：第一个操作数的最后一个轴（3）必须等于第二个操作数的倒数第二个轴（2）",
                      ["matmul (@)"]),
    "Value of a string": (lambda: Value("abc"), "需要一个数（int 或 float），实际是 str 'abc'",
                          ["Value()", "'abc'"]),
    "log of a negative number": (lambda: Value(-2.0, label="x").log(), "log 只对正数有定义",
                                 ["log(x=-2.0)"]),
    "exp overflow": (lambda: Value(1000.0).exp(), "exp 溢出了：结果比最大的浮点数还大", ["exp(1000.0)"]),
    "tensor domain": (lambda: Tensor([1.0, -3.0], label="z").log(), "第一次出现在元素 [1]",
                      ["log(-3.000000)", "z=Tensor([1.0, -3.0])"]),
    "division by zero": (lambda: Value(1.5, label="a") / 0, "除以零（a=1.5 / 0.0）", ["a=1.5"]),
    "grad of a vector": (lambda: grad(Tensor(np.ones(3)) * 2, []),
                         "output 的形状是 (3,)；梯度只对标量", ["grad()", "output.sum()"]),
    "grad of a string": (lambda: grad("loss", []), "output 必须是 Value 或 Tensor，实际是 str", ["grad()"]),
    "backward of a vector": (lambda: (Tensor(np.ones(3)) * 2).backward(),
                             "有 3 个元素。梯度是「一个」数（损失）", ["backward()", ".sum()"]),
    "unknown op": (lambda: check_local_derivative("swish", lambda x: 1.0, [0.5]),
                   "未知的运算 'swish'；运算表里的标量运算有：", ["check_local_derivative()", "sigmoid"]),
    "point of 3 numbers": (lambda: check_local_derivative("mul", lambda a, b: (b, a), [(1.0, 2.0, 3.0)]),
                           "点 (1.0, 2.0, 3.0) 有 3 个数，但这个运算有 2 个操作数", ["check_local_derivative()"]),
    "gradcheck names": (lambda: gradcheck(lambda x, y: x * y, [1.0, 2.0], names=["x"]),
                        "gradcheck()：给了 1 个名字，但有 2 个输入", ["gradcheck()"]),
    "numpy function": (lambda: np.exp(Value(1.0, label="x")),
                       "np.exp() 收到了 x=1.0：Value 是计算图的节点，不是数组", [".exp()", ".data"]),
    "reshape": (lambda: Tensor(np.ones(4)).reshape(3), "（4 个元素）变成形状 (3,)", ["reshape"]),
    "class index": (lambda: Tensor(np.ones((2, 3))).cross_entropy([0, 5]),
                    "类别下标必须在 0..2 之间（logits 有 3 个类别）；实际是 0..5", ["cross_entropy"]),
    "operand": (lambda: Value(2.0) * [1, 2], "操作数必须是 Value 或数，实际是 list [1, 2]", []),
}


@pytest.mark.parametrize("case", ERRORS)
def test_engine_errors_in_chinese_carry_the_english_numbers_and_names(case):
    raise_it, chinese, names = ERRORS[case]
    with using_language("en"), pytest.raises(Exception) as en:
        raise_it()
    with using_language("zh"), pytest.raises(Exception) as zh:
        raise_it()
    english, text = str(en.value), str(zh.value)
    assert type(zh.value) is type(en.value)
    assert chinese in text, text
    assert CHINESE.search(text) and not CHINESE.search(english), (english, text)
    assert not ENGLISH_SENTENCE.search(text), text
    assert NUMBER.findall(text) == NUMBER.findall(english), (english, text)
    for name in names:
        assert name in english and name in text, (name, english, text)


def test_the_english_messages_are_unchanged_by_default():
    # what the English notebooks and the existing tests read
    with pytest.raises(ArithmeticError, match=r"^log\(x=-2\.0\): log is defined for positive numbers only$"):
        Value(-2.0, label="x").log()
    with pytest.raises(TypeError, match=r"^\*: operands must be Values or numbers, got list \[1, 2\]$"):
        Value(2.0) * [1, 2]


def test_the_gradcheck_report_in_both_languages():
    # d(x*y + tanh x)/dx = y + 1 - tanh(x)^2 at (0.5, -1): -0.2135...; d/dy = x = 0.5
    f = lambda x, y: x * y + x.tanh()  # noqa: E731
    with using_language("en"):
        english = str(gradcheck(f, [0.5, -1.0]))
    with using_language("zh"):
        result = gradcheck(f, [0.5, -1.0])
        chinese = str(result)
    assert result.ok and abs(result.analytic[0] - (-1.0 + 1.0 - np.tanh(0.5) ** 2)) < 1e-12
    head_en, *rows_en = english.splitlines()
    head_zh, *rows_zh = chinese.splitlines()
    assert head_en.split() == ["input", "backward", "finite", "diff", "|error|"]
    assert head_zh.split() == ["输入", "反向传播", "有限差分", "|误差|"]
    # the Chinese headings take as many screen columns as the English ones (a Chinese character: two)
    assert sum(2 if CHINESE.match(c) else 1 for c in head_zh) == len(head_en)
    assert rows_zh[:-1] == rows_en[:-1]  # the numbers' rows are the same
    assert rows_en[-1].startswith("OK: worst |error|") and rows_zh[-1].startswith("通过：最大的 |误差| 是")
    assert NUMBER.findall(rows_zh[-1]) == NUMBER.findall(rows_en[-1])
    with using_language("zh"):
        wrong = gradcheck(lambda x: x * 2, [1.0])
        wrong.analytic[0] = 3.0  # as a wrong local derivative would give
        wrong.__post_init__()
        assert str(wrong).splitlines()[-1] == "不一致：最大的 |误差| 是 1.00e+00，在 x"


def test_the_accumulation_warning_in_chinese():
    w = Value(1.0, label="w")
    (w * 2).backward()
    with using_language("zh"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (w * 2).backward()
    [warning] = [c for c in caught if c.category is GradientAccumulationWarning]
    text = str(warning.message)
    assert text.startswith("backward()：根节点下有 1 个叶子节点（'w'）还留着上一次 backward() 的非零梯度")
    assert "zero_grad(root)" in text and "accumulate=True" in text and "requires_grad=False" in text
    assert w.grad == 4.0  # 2 + 2: the warning says they add up, and they do


def test_no_translation_on_the_hot_path(monkeypatch):
    """The engine asks for the language only when it raises or reports: a
    training step of Values and Tensors (with number and array operands) never."""
    calls = []
    real = autograd.i18n.language

    def counting() -> str:
        calls.append(1)
        return real()

    monkeypatch.setattr(autograd.i18n, "language", counting)
    x = [Value(0.5), Value(-1.0)]
    w = [Value(0.1 * i, label=f"w{i}") for i in range(1, 3)]
    out = sum((wi * xi for wi, xi in zip(w, x)), Value(0.0)).tanh() * 2 + 1
    loss = (out - 3) ** 2 / 2
    loss.backward()
    X = Tensor(np.ones((4, 2)))
    W = Tensor(np.full((2, 3), 0.5))
    h = (X @ W + [0.1, 0.2, 0.3]).sigmoid()
    (h.sum() * 0.5 - 1).backward()
    assert W.grad.shape == (2, 3) and calls == []
    with pytest.raises(ArithmeticError):  # and it does ask when it raises
        Value(-1.0).log()
    assert calls
