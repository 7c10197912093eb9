"""The "adding an op" recipe at the top of autograd/ops.py works as written:
its worked example, run from the docstring itself, gives the right values,
first and second derivatives on Values and Tensors."""
import math
import re

import numpy as np
import pytest

from autograd import Tensor, Value, derivative, grad, gradcheck, ops


def recipe_op(name: str) -> ops.Op:
    """The example op ``name`` of the recipe, defined by executing its text."""
    block = re.search(rf"\n( +){name} = Op\(.*?\)\)\n", ops.__doc__, re.S)
    assert block, f"the recipe's {name} example is gone"
    code = "\n".join(line[len(block.group(1)):] for line in block.group(0).strip("\n").split("\n"))
    namespace = dict(vars(ops))
    exec(code, namespace)
    return namespace[name]


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@pytest.mark.parametrize("x", [-30.0, -1.5, 0.0, 0.7, 40.0])
def test_the_worked_example_on_values(x):
    SOFTPLUS = recipe_op("SOFTPLUS")
    v = Value(x)
    y = v._apply(SOFTPLUS, (v,))
    assert y.data == pytest.approx(softplus(x), rel=1e-15)
    (dy,) = grad(y, v, create_graph=True)
    assert dy.data == pytest.approx(sigmoid(x), rel=1e-12, abs=1e-300)
    s = sigmoid(x)
    assert derivative(dy, v) == pytest.approx(s * (1 - s), rel=1e-9, abs=1e-300)
    assert gradcheck(lambda a: a._apply(SOFTPLUS, (a,)) * 1.0, [x])


def test_the_tables_softplus_is_the_worked_example():
    SOFTPLUS = recipe_op("SOFTPLUS")
    assert ops.SOFTPLUS in ops.UNARY_FUNCTIONS and ops.SOFTPLUS in ops.SCALAR_OPS
    for x in (-40.0, -1.5, 0.0, 0.7, 40.0):
        assert ops.SOFTPLUS.forward(x) == SOFTPLUS.forward(x)
        out = SOFTPLUS.forward(x)
        assert ops.SOFTPLUS.local(out, x) == SOFTPLUS.local(out, x)
    xs = np.array([-3.0, 0.0, 2.0])
    np.testing.assert_array_equal(ops.SOFTPLUS.forward_array(xs), SOFTPLUS.forward_array(xs))
    assert Value(0.7).softplus().op is ops.SOFTPLUS


def test_the_worked_example_on_tensors_and_the_structural_one():
    SOFTPLUS = recipe_op("SOFTPLUS")
    xs = np.array([-2.0, 0.0, 0.5, 3.0])
    t = Tensor(xs)
    y = t._apply(SOFTPLUS, (t,))
    np.testing.assert_allclose(y.data, np.log1p(np.exp(xs)), rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(t.grad, 1 / (1 + np.exp(-xs)), rtol=1e-14)
    # the structural example is the table's own transpose
    TRANSPOSE = recipe_op("TRANSPOSE")
    m = Tensor(np.arange(6.0).reshape(2, 3))
    w = np.arange(6.0).reshape(3, 2) + 1.0
    (m._apply(TRANSPOSE, (m,), (1, 0)) * w).sum().backward()
    np.testing.assert_array_equal(m.grad, w.T)


def test_op_names_are_unique_and_messages_write_the_function():
    table = ops.SCALAR_OPS + ops.TENSOR_OPS + (ops.CONSTANT,)
    names = [op.name for op in table]
    assert len(set(names)) == len(names)
    assert (ops.POW.name, ops.POW_CONST.name) == ("pow", "pow_const")
    assert ops.POW_CONST.function == ops.POW.function == "pow"
    assert ops.TANH.function == "tanh"
    # only the ops that can leave their domain are checked, each saying where it is defined
    assert {op.name for op in table if op.domain} == {"pow", "pow_const", "exp", "log"}
