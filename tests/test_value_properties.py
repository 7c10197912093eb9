"""Property tests: random expressions built from the op table, gradients against
finite differences; the observer's trace invariant on each of them."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, grad, gradcheck, topological_order

UNARY = {
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "exp_small": lambda x: (x * 0.3).exp(),
    "log_pos": lambda x: (x * x + 1).log(),
    "square": lambda x: x ** 2,
    "neg": lambda x: -x,
}
BINARY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div_safe": lambda x, y: x / (y * y + 1),
    "pow_pos": lambda x, y: (x * x + 0.5) ** y.tanh(),
}

program = st.lists(
    st.one_of(
        st.tuples(st.just("u"), st.sampled_from(sorted(UNARY)), st.integers(0, 9)),
        st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)), st.integers(0, 9), st.integers(0, 9)),
    ),
    min_size=1,
    max_size=12,
)


def build(steps, inputs):
    """Apply the steps, each to earlier results (so values are reused: fan-out)."""
    pool = list(inputs)
    for step in steps:
        if step[0] == "u":
            pool.append(UNARY[step[1]](pool[step[2] % len(pool)]))
        else:
            pool.append(BINARY[step[1]](pool[step[2] % len(pool)], pool[step[3] % len(pool)]))
    return pool[-1]


@settings(max_examples=60, deadline=None)
@given(steps=program, xs=st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_random_expressions_match_finite_differences(steps, xs):
    def f(a, b, c):
        return build(steps, [a, b, c]) * 1.0  # ensure the root is computed

    out = f(*[Value(x) for x in xs])
    if not math.isfinite(out.data) or abs(out.data) > 1e6:
        return
    result = gradcheck(f, xs, eps=1e-6, atol=1e-5, rtol=1e-4)
    assert result, str(result)


@settings(max_examples=40, deadline=None)
@given(steps=program, xs=st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_trace_products_sum_to_every_grad(steps, xs):
    leaves = [Value(x) for x in xs]
    out = build(steps, leaves) * 1.0
    inflow = {}
    out.backward(on_step=lambda s: inflow.__setitem__(id(s.child), inflow.get(id(s.child), 0.0) + s.product))
    for node in topological_order(out):
        if node is not out and not node.is_constant:
            assert inflow.get(id(node), 0.0) == pytest.approx(node.grad, rel=1e-12, abs=1e-12)
    # grad() agrees with backward() and leaves .grad untouched
    fresh = [Value(x) for x in xs]
    g = grad(build(steps, fresh) * 1.0, fresh)
    assert [v.grad for v in fresh] == [0.0, 0.0, 0.0]
    assert g == pytest.approx([v.grad for v in leaves], rel=1e-12, abs=1e-12)
