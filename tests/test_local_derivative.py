"""check_local_derivative: a hand-written local derivative run through the
engine's backward pass and marked by gradcheck against finite differences
(notebook 13). Right rules pass, the classic wrong ones fail with the numbers
a student needs, and a student's broken function is marked, never raised."""
import math

import pytest

from autograd import LocalDerivativeCheck, Op, Value, check_local_derivative, gradcheck
from autograd import ops


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


RIGHT = {
    "add": (lambda a, b: (1.0, 1.0), [(0.5, -1.5), (-2.0, 0.7)]),
    "mul": (lambda a, b: (b, a), [(0.5, -1.5), (-2.0, 0.7)]),
    "sigmoid": (lambda x: sigmoid(x) * (1 - sigmoid(x)), [-1.5, 0.0, 0.3, 2.0]),
    "tanh": (lambda x: 1 - math.tanh(x) ** 2, [-1.5, 0.0, 0.5, 2.0]),
    "exp": (lambda x: math.exp(x), [-1.5, 0.0, 1.0, 2.0]),
    "log": (lambda x: 1 / x, [0.4, 1.0, 2.5]),
    "pow": (lambda a, b: (b * a ** (b - 1), a ** b * math.log(a)), [(1.7, 0.6), (0.5, 3.0)]),
    "relu": (lambda x: 1.0 if x > 0 else 0.0, [-1.5, 0.3, 2.0]),
}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_a_right_rule_passes(name):
    fn, points = RIGHT[name]
    check = check_local_derivative(name, fn, points)
    assert isinstance(check, LocalDerivativeCheck) and check.op == name
    assert check and check.failures == []
    assert len(check.marks) == len(points) * check.operands
    for mark in check.marks:
        assert mark.problem is None
        assert mark.given == pytest.approx(mark.table, abs=1e-12)
        assert mark.numeric == pytest.approx(mark.table, abs=1e-7)


def test_the_marks_hold_closed_forms():
    sig = check_local_derivative("sigmoid", RIGHT["sigmoid"][0], [0.0])
    assert sig.marks[0].given == 0.25 and sig.marks[0].table == 0.25
    tanh = check_local_derivative("tanh", RIGHT["tanh"][0], [0.5])
    assert tanh.marks[0].table == pytest.approx(0.7864477329659274, abs=1e-15)
    mul = check_local_derivative("mul", RIGHT["mul"][0], [(2.0, 3.0)])
    assert [(m.operand, m.given, m.table) for m in mul.marks] == [(0, 3.0, 3.0), (1, 2.0, 2.0)]
    assert [m.numeric for m in mul.marks] == pytest.approx([3.0, 2.0], abs=1e-8)


def test_the_classic_sigmoid_mistake_fails_with_both_numbers():
    # sigmoid'(x) written sigmoid(x)(1 - x): the slides' out(1 - out) with x for out
    check = check_local_derivative("sigmoid", lambda x: sigmoid(x) * (1 - x), [0.3, 2.0])
    assert not check.ok
    first, second = check.marks
    assert first.point == (0.3,) and not first.ok
    assert first.given == pytest.approx(0.574442516811659 * 0.7, abs=1e-12)   # 0.402110
    assert first.table == pytest.approx(0.574442516811659 * 0.425557483188341, abs=1e-12)
    assert first.numeric == pytest.approx(0.2444583, abs=1e-7)
    assert second.given == pytest.approx(-0.8807970779778823, abs=1e-12)    # sigmoid(2) (1 - 2)
    assert check.failures == [first, second]


def test_swapped_partials_of_mul_fail_at_each_operand():
    check = check_local_derivative("mul", lambda a, b: (a, b), [(2.0, 3.0), (1.5, 1.5)])
    # at a = b the swap is invisible: only the first point gives it away
    assert [m.ok for m in check.marks] == [False, False, True, True]
    assert [(m.given, m.table) for m in check.failures] == [(2.0, 3.0), (3.0, 2.0)]


def test_a_near_miss_fails_and_rounding_noise_passes():
    exact = RIGHT["tanh"][0]
    assert not check_local_derivative("tanh", lambda x: exact(x) + 1e-3, [0.5])
    assert check_local_derivative("tanh", lambda x: exact(x) + 1e-9, [0.5])


def test_the_student_rule_runs_inside_the_engine_and_leaves_the_table_alone():
    calls = []

    def rule(x):
        calls.append(x)
        return math.exp(x)

    original = ops.EXP.local
    check_local_derivative("exp", rule, [1.0])
    # once checked directly, once called by backward() through the rebuilt op
    assert calls == [1.0, 1.0]
    assert ops.EXP.local is original
    x = Value(1.0)
    x.exp().backward()
    assert x.grad == pytest.approx(math.e, abs=1e-15)


@pytest.mark.parametrize("fn, problem, detail", [
    (lambda x: undefined_name * x, "raised", "NameError: name 'undefined_name' is not defined"),  # noqa: F821
    (lambda x: None, "returned_none", ""),
    (lambda x: (1.0, 2.0), "count", "(1.0, 2.0)"),
    (lambda x: [None], "not_a_number", "[None]"),
])
def test_a_broken_function_is_marked_not_raised(fn, problem, detail):
    check = check_local_derivative("sigmoid", fn, [0.0])
    (mark,) = check.marks
    assert not check and mark.given is None
    assert (mark.problem, mark.detail) == (problem, detail)
    assert mark.table == 0.25 and mark.numeric == pytest.approx(0.25, abs=1e-9)


def test_an_op_of_ones_own_is_checked_too():
    # the softplus of autograd/ops.py's recipe: its derivative is the sigmoid
    softplus = Op("softplus", "softplus",
                  lambda a: max(a, 0.0) + math.log1p(math.exp(-abs(a))),
                  lambda out, a: (ops.exp(a - out),))
    assert check_local_derivative(softplus, sigmoid, [-1.0, 0.5, 3.0])
    wrong = check_local_derivative(softplus, lambda a: math.exp(a), [0.5])
    assert wrong.marks[0].given == pytest.approx(1.6487212707, abs=1e-10)
    assert wrong.marks[0].table == pytest.approx(sigmoid(0.5), abs=1e-12)


def test_it_agrees_with_gradcheck_on_the_table():
    check = check_local_derivative("sigmoid", RIGHT["sigmoid"][0], [-0.8])
    reference = gradcheck(lambda a: a.sigmoid(), [-0.8])
    assert check.marks[0].numeric == reference.numeric[0]


@pytest.mark.parametrize("op, fn, points, error, words", [
    ("sigmod", abs, [0.3], ValueError,
     "unknown op 'sigmod'; the op table's scalar ops are add, exp, log, mul, pow, relu, sigmoid, "
     "softplus, step, tanh"),
    (["tanh"], abs, [0.3], ValueError, "unknown op ['tanh']"),
    ("pow_const", abs, [0.3], ValueError, "use pow rather than pow_const"),
    ("mul", abs, [0.3], ValueError, "the point (0.3,) has 1 number(s); the op takes 2"),
    ("tanh", abs, [], ValueError, "non-empty list"),
    ("tanh", abs, ["x"], TypeError, "the point ('x',) is not numbers"),
    ("tanh", 0.5, [0.3], TypeError, "fn must be a function, got float"),
])
def test_bad_input_is_named(op, fn, points, error, words):
    with pytest.raises(error) as raised:
        check_local_derivative(op, fn, points)
    assert words in str(raised.value)


def test_the_table_values_are_torchs():
    torch = pytest.importorskip("torch")
    functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "exp": torch.exp}
    for name, function in functions.items():
        fn, points = RIGHT[name]
        for mark in check_local_derivative(name, fn, points).marks:
            x = torch.tensor(mark.point[0], dtype=torch.float64, requires_grad=True)
            function(x).backward()
            assert mark.table == pytest.approx(x.grad.item(), abs=1e-15)
            assert mark.given == pytest.approx(x.grad.item(), abs=1e-12)
