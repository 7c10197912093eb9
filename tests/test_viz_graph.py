"""viz.draw_graph and viz.gradient_paths, asserted on the DOT text and on
closed-form derivatives (the 2-3-2 network of the slides, built by hand)."""
import math
import re

import numpy as np
import pytest

import viz
from autograd import Value
from viz.graph import GraphTooLargeError


def sig(x):
    return 1.0 / (1.0 + math.exp(-x))


def net232():
    """The slides' 2-3-2 network, one sample, E_total = E_o1 + E_o2."""
    l1, l2 = Value(5.0, "l1"), Value(10.0, "l2")
    b1, b2 = Value(0.35, "b1"), Value(0.65, "b2")
    w = {k + 1: Value(v, f"w{k + 1}") for k, v in enumerate(
        (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65))}
    net_h = [(w[1] * l1 + w[2] * l2 + b1).named("net_h1"),
             (w[3] * l1 + w[4] * l2 + b1).named("net_h2"),
             (w[5] * l1 + w[6] * l2 + b1).named("net_h3")]
    out_h = [n.sigmoid().named(f"out_h{k + 1}") for k, n in enumerate(net_h)]
    net_o1 = (w[7] * out_h[0] + w[9] * out_h[1] + w[11] * out_h[2] + b2).named("net_o1")
    net_o2 = (w[8] * out_h[0] + w[10] * out_h[1] + w[12] * out_h[2] + b2).named("net_o2")
    out_o1, out_o2 = net_o1.sigmoid().named("out_o1"), net_o2.sigmoid().named("out_o2")
    e_o1 = (0.5 * (0.01 - out_o1) ** 2).named("E_o1")
    e_o2 = (0.5 * (0.99 - out_o2) ** 2).named("E_o2")
    E = (e_o1 + e_o2).named("E_total")
    nodes = {n.label: n for n in [l1, l2, b1, b2, *w.values(), *net_h, *out_h, net_o1, net_o2,
                                  out_o1, out_o2, e_o1, e_o2, E]}
    return E, nodes


def abc():
    a = Value(1.0, "a")
    b = (a + a).named("b")
    c = (b + b).named("c")
    return a, b, c


def node_id(source, label):
    """The DOT id of the value node showing ``label``."""
    m = re.search(rf"\t(v\d+) \[label=<<table[^\n]*<b>{re.escape(label)}</b>", source)
    assert m, f"no value node labelled {label}"
    return m.group(1)


def edge_lines(source):
    """The drawn edges (not the invisible ones that keep a column in order)."""
    return [line.strip() for line in source.splitlines()
            if " -> " in line and "style=invis" not in line]


# --- value and op nodes ----------------------------------------------------------------------

def test_value_nodes_show_label_data_and_grad_with_six_decimals():
    a, b, c = abc()
    c.backward()
    src = viz.draw_graph(c).source
    for label, data, grad in (("a", "1.000000", "4.000000"), ("b", "2.000000", "2.000000"),
                              ("c", "4.000000", "1.000000")):
        line = next(x for x in src.splitlines() if f"<b>{label}</b>" in x)
        assert f"data {data}" in line and f"grad {grad}" in line
    assert src.count('[label="+"') == 2  # one op node per operation
    assert "rankdir=LR" in src
    # b = a + a: two edges from a into the same + node
    a_id = node_id(src, "a")
    assert sum(1 for e in edge_lines(src) if e.startswith(f"{a_id} -> o")) == 2
    assert isinstance(viz.draw_graph(c), viz.Digraph)


def test_digits_sets_the_decimals():
    a, b, c = abc()
    c.backward()
    src = viz.draw_graph(c, digits=2).source
    assert "data 1.00<" in src and "grad 4.00<" in src and "1.000000" not in src


def test_small_matrices_are_shown_in_full():
    """The matrix-BP slides' out = Z W + b: with matrices=True, W (3 x 2) and
    Z (2 x 3) show every entry of data and grad, a line per row, and the
    grads are the slides' rules: dJ/dW = Z^T dJ/dout, dJ/db = column sums."""
    from autograd import Tensor
    from nn.losses import mse_half

    Z = Tensor([[2.04, -2.56, 0.42], [-0.57, -0.45, -0.22]], label="Z")
    W = Tensor([[-2.02, -0.23], [-0.87, 3.32], [0.23, -0.35]], label="W")
    b = Tensor([-0.28, -0.67], label="b")
    out = (Z @ W + b).named("out")
    J = mse_half(out, np.eye(2)).named("J")
    J.backward()
    # J = 1/(2N) sum (out - T)^2, N = 2: dJ/dout = (out - T) / 2
    d_out = (Z.data @ W.data + b.data - np.eye(2)) / 2
    assert np.allclose(W.grad, Z.data.T @ d_out, atol=1e-15)
    assert np.allclose(b.grad, d_out.sum(axis=0), atol=1e-15)
    assert W.grad[0, 0] == pytest.approx(2.04 * -1.5385 + -0.57 * 0.60615, abs=1e-12)

    def box(src, label):
        line = next(x for x in src.splitlines() if f"<b>{label}</b>" in x)
        rows = re.findall(r"<font [^>]*>(.*?)</font>", line)
        return [r.replace("&#160;", " ") for r in rows]

    src = viz.draw_graph(J, digits=3, matrices=True).source
    assert box(src, "W") == ["data [-2.020  -0.230]",
                             "     [-0.870   3.320]",
                             "     [ 0.230  -0.350]",
                             "grad [-3.484  -9.139]",
                             "     [ 3.666  13.190]",
                             "     [-0.780  -1.730]"]
    assert box(src, "Z")[:2] == ["data [ 2.040  -2.560   0.420]", "     [-0.570  -0.450  -0.220]"]
    assert box(src, "b") == ["data [-0.280  -0.670]", "grad [-0.932  -6.371]"]  # a vector: one line
    assert box(src, "J") == ["data 28.857", "grad 1.000"]
    # the constant -T of out - T, a matrix too
    assert "[-1.000&#160;&#160;&#160;0.000]</font></td></tr><tr>" in src
    assert "[&#160;0.000&#160;&#160;-1.000]" in src
    # by default: their shape and mean, as before
    src = viz.draw_graph(J, digits=3).source
    assert box(src, "W")[0] == f"data array(3, 2) mean {W.data.mean():.3f}"
    # past 4 x 4 entries, the shape and mean even with matrices=True
    big = Tensor(np.arange(20.0).reshape(4, 5), label="big")
    src = viz.draw_graph((big * 2.0).sum().named("s"), matrices=True).source
    assert box(src, "big")[0] == "data array(4, 5) mean 9.500000"
    assert viz.style.matrix_lines(np.ones((4, 4)), 1)[3] == "[1.0  1.0  1.0  1.0]"


@pytest.mark.parametrize("digits, error, message", [
    (2.5, TypeError, "draw_graph: digits is the number of decimals shown, a whole number from 0 "
                     "to 15, got 2.5"),
    (True, TypeError, "got True"),
    (-1, ValueError, "draw_graph: digits must be from 0 to 15 (decimals shown), got -1"),
    (16, ValueError, "got 16"),
])
def test_bad_digits_are_a_clear_error(digits, error, message):
    _, _, c = abc()
    with pytest.raises(error) as info:
        viz.draw_graph(c, digits=digits)
    assert message in str(info.value)
    assert "2 decimals" not in viz.draw_graph(c, digits=np.int64(2)).source  # numpy ints are fine


@pytest.mark.parametrize("view", [dict(compact=True), dict(compact=False), dict(group="neuron")])
def test_title_is_a_caption_under_the_picture(view):
    E, n = net232()
    E.backward()
    src = viz.draw_graph(E, title="one plain backward pass, before any update", **view).source
    assert "<b>one plain backward pass, before any update</b>" in src
    assert "labelloc=b" in src
    assert "grad 0.012268" in src or view.get("group")  # w1's plain gradient, drawn as computed


def test_edge_labels_are_the_op_local_derivatives():
    x = Value(0.7, "x")
    s = x.sigmoid().named("s")
    t = x.tanh().named("t")
    y = (s * t + x ** 3).named("y")
    y.backward()
    src = viz.draw_graph(y, edge_labels=True, compact=False).source  # one circle per op
    labels = {}
    for line in edge_lines(src):
        m = re.match(r'(v\d+) -> (o\d+) \[label=" (\S+) "', line)
        if m:
            labels.setdefault((m.group(1), m.group(2)), []).append(float(m.group(3)))
    x_id, s_id, t_id = node_id(src, "x"), node_id(src, "s"), node_id(src, "t")
    by_child = {}
    for (child, _), values in labels.items():
        by_child.setdefault(child, []).extend(values)
    sv, tv = sig(0.7), math.tanh(0.7)
    # x feeds sigmoid, tanh and **: s(1-s), 1-t^2, 3x^2
    assert sorted(by_child[x_id]) == pytest.approx(sorted([sv * (1 - sv), 1 - tv * tv,
                                                           3 * 0.7 ** 2]), abs=1e-6)
    assert by_child[s_id] == pytest.approx([tv], abs=1e-6)  # d(s*t)/ds = t
    assert by_child[t_id] == pytest.approx([sv], abs=1e-6)
    assert "the local derivative" in src  # the legend says what the blue numbers are
    # a product of the labels along the single path x -> s -> y is dy/dx through s
    assert viz.local_derivatives(s) == pytest.approx((sv * (1 - sv),))


def test_constants_are_small_boxes_without_grad():
    x = Value(3.0, "x")
    y = (x ** 2 * 0.5).named("y")
    y.backward()
    src = viz.draw_graph(y, edge_labels=True).source
    assert re.search(r"\[label=0\.5 .*fillcolor=\"#f1f5f9\"", src)
    assert re.search(r"\[label=2 .*fillcolor=\"#f1f5f9\"", src)
    assert src.count("grad ") == 3  # x, x**2 and y; no grad on the constants
    assert re.search(r'v\d+ -> o\d+ \[color="#cbd5e1" id=e\d+_1 style=dashed\]', src)


# --- the chain rule's paths --------------------------------------------------------------------

def test_paths_of_a_plus_a_plus_a_plus_a():
    a, b, c = abc()
    c.backward()
    paths = viz.gradient_paths(c, a)
    assert len(paths) == 4
    for path, factors, product in paths:
        assert [n.label for n in path] == ["c", "b", "a"]
        assert factors == (1.0, 1.0) and product == 1.0
    assert sum(p.product for p in paths) == a.grad == 4.0


def test_w1_has_two_paths_through_o1_and_o2_summing_to_its_grad():
    E, n = net232()
    E.backward()
    paths = viz.gradient_paths(E, n["w1"])
    assert len(paths) == 2
    through = [{v.label for v in p.nodes} for p in paths]
    assert "out_o1" in through[0] and "out_o2" not in through[0]
    assert "out_o2" in through[1] and "out_o1" not in through[1]
    oh1 = n["out_h1"].data
    for p, k, t, w in ((paths[0], "1", 0.01, 0.4), (paths[1], "2", 0.99, 0.45)):
        o = n[f"out_o{k}"].data
        closed = (o - t) * o * (1 - o) * w * oh1 * (1 - oh1) * 5.0
        assert p.product == pytest.approx(closed, rel=1e-12)
        assert math.prod(p.factors) == pytest.approx(p.product, rel=1e-15)
        segs = p.segments()
        assert [u.label for u, _, _ in segs] + [segs[-1][1].label] == [
            "E_total", f"E_o{k}", f"out_o{k}", f"net_o{k}", "out_h1", "net_h1", "w1"]
        assert [v for _, _, v in segs] == pytest.approx(
            [1.0, o - t, o * (1 - o), w, oh1 * (1 - oh1), 5.0], rel=1e-12)
    assert sum(p.product for p in paths) == pytest.approx(n["w1"].grad, rel=1e-12)
    assert round(n["w1"].grad, 6) == 0.012268  # plain gradient descent's dE/dw1
    # the slides' figures for the output weight: 0.88109 * 0.097049 * 0.912934
    (p7,) = viz.gradient_paths(E, n["w7"])
    values = [round(v, 6) for _, _, v in p7.segments()]
    assert values == [1.0, 0.88109, 0.097049, 0.912934]
    assert round(p7.product, 6) == 0.078064
    assert "dE_total/dE_o1 * dE_o1/dout_o1" in p7.describe()


@pytest.mark.parametrize("compact", [False, True])
def test_highlight_colours_both_paths_and_lists_their_products(compact):
    E, n = net232()
    E.backward()
    src = viz.draw_graph(E, edge_labels=True, highlight=n["w1"], compact=compact).source
    assert "2 paths from E_total down to w1" in src
    assert "path 1: ∂E_total/∂E_o1 × ∂E_o1/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂out_h1" in src
    assert "= 0.013593<" in src and "= -0.001326<" in src
    assert "= 0.013593 + -0.001326" in src and "= 0.012268<" in src
    assert "w1.grad = 0.012268, as backward() computed" in src
    # the shared part of the two paths (w1 -> net_h1 -> out_h1) carries both colours
    w1 = node_id(src, "w1")
    (w1_edge,) = [e for e in edge_lines(src) if e.startswith(f"{w1} -> ")]
    assert 'color="#7c3aed:#059669"' in w1_edge and "penwidth=2.2" in w1_edge
    # an edge on no path stays plain
    (w2_edge,) = [e for e in edge_lines(src) if e.startswith(f"{node_id(src, 'w2')} -> ")]
    assert "penwidth" not in w2_edge
    # each path's own part has its own colour
    out_o2 = node_id(src, "out_o2")
    assert any(e.startswith(f"{out_o2} -> ") and 'color="#059669"' in e for e in edge_lines(src))
    assert re.search(rf'\t{w1} \[.*fillcolor="#fef9c3".*penwidth=3', src)


def test_highlight_before_backward_says_how_to_fill_the_grad():
    E, n = net232()
    src = viz.draw_graph(E, highlight=n["w7"]).source
    assert "one path from E_total down to w7" in src
    assert "= 0.078064<" in src
    assert "w7.grad is 0: call E_total.backward() to fill it" in src


def test_highlight_of_a_node_outside_the_graph_is_a_clear_error():
    E, _ = net232()
    with pytest.raises(ValueError, match="is not in the graph under E_total"):
        viz.draw_graph(E, highlight=Value(1.0, "stranger"))
    with pytest.raises(TypeError, match="Value"):
        viz.draw_graph([E])


def test_exponentially_many_paths_are_counted_not_listed():
    a = Value(1.0, "a")
    x = a
    for _ in range(20):
        x = x + x
    x.label = "top"
    x.backward()
    assert a.grad == 2.0 ** 20
    with pytest.raises(ValueError, match="1,048,576 paths"):
        viz.gradient_paths(x, a)
    src = viz.draw_graph(x, highlight=a).source
    assert "1048576 paths" in src and "and 1,048,564 more paths" in src
    assert "= 1048576.000000<" in src  # the sum, from one sweep like backward's
    assert "a.grad = 1048576.000000, as backward() computed" in src


def test_deep_chains_need_no_recursion():
    x = Value(0.5, "x")
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    (path,) = viz.gradient_paths(y, x)
    assert len(path.factors) == 5000
    assert path.product == pytest.approx(x.grad, rel=1e-12)
    with pytest.raises(GraphTooLargeError, match="10,001 nodes.*group="):
        viz.draw_graph(y)


# --- grouping -------------------------------------------------------------------------------------

def test_unlabelled_nodes_join_the_group_of_the_node_they_feed():
    E, n = net232()
    groups = viz.assign_groups(E, "neuron")
    assert groups[id(n["net_h1"])] == groups[id(n["out_h1"])] == "h1"
    assert groups[id(n["w1"])] == groups[id(n["w2"])] == "h1"  # weights join their neuron
    assert groups[id(n["w7"])] == "o1" and groups[id(n["w8"])] == "o2"
    w1_times_l1 = n["net_h1"].children[0].children[0]
    assert groups[id(w1_times_l1)] == "h1"
    # shared by h1, h2, h3: the slides' one bias per layer stays on its own
    assert groups[id(n["b1"])] == "b1" and groups[id(n["l1"])] == "l1"
    layers = viz.assign_groups(E, "layer")
    assert layers[id(n["out_h2"])] == layers[id(n["w6"])] == "h*"
    assert layers[id(n["net_o2"])] == "o*" and layers[id(n["b1"])] == "b1"


def test_group_by_prefix_mapping_or_function():
    E, n = net232()
    src = viz.draw_graph(E, group={"net_h": "hidden", "out_h": "hidden",
                                   "net_o": "output", "out_o": "output"}).source
    assert "<b>hidden</b>" in src and "<b>output</b>" in src
    assert "<b>w1</b>" not in src  # inside "hidden" now
    # every user of l1, w1, b1 is in "hidden", so they join it
    assert "9 leaves: l1 … b1" in src and "7 leaves: w7 … b2" in src
    by_fn = viz.assign_groups(E, lambda v: "loss" if v.label.startswith("E_") else None)
    assert by_fn[id(n["E_o1"])] == "loss" and by_fn[id(n["out_o1"])] == "loss"
    with pytest.raises(ValueError, match="unknown grouping"):
        viz.draw_graph(E, group="neurons")
    with pytest.raises(ValueError, match="highlight"):
        viz.draw_graph(E, group="neuron", highlight=n["w1"])


def test_a_2_16_16_1_mlp_on_100_samples_collapses_to_a_readable_picture():
    from nn.layers import MLP
    from nn.losses import half_sse

    X = np.random.default_rng(0).uniform(-1, 1, (100, 2))
    model = MLP(2, [16, 16, 1], seed=0)
    E = half_sse([model(x) for x in X.tolist()], [[1.0]] * 100)
    E.backward()
    with pytest.raises(GraphTooLargeError, match=r"65,536 nodes.*group='neuron'"):
        viz.draw_graph(E)
    src = viz.draw_graph(E, group="neuron").source
    boxes = re.findall(r"\t(g\d+) \[label=<<table[^\n]*?<b>([^<]+)</b>", src)
    names = {name for _, name in boxes}
    assert names == ({f"h1_{i}" for i in range(1, 17)} | {f"h2_{i}" for i in range(1, 17)}
                     | {"o1", "x1", "x2", "E_o1", "E_total"})
    assert "3,317 nodes" in src and "503 nodes" in src  # h2_k and h1_k over 100 samples
    layer = viz.draw_graph(E, group="layer").source
    names = set(re.findall(r"\tg\d+ \[label=<<table[^\n]*?<b>([^<]+)</b>", layer))
    assert names == {"h1_*", "h2_*", "o*", "x1", "x2", "E_o1", "E_total"}
    assert "53,072 nodes" in layer
    assert "data 12." in layer and "grad 1.000000" in layer  # E_total's own value


# --- the compact view ---------------------------------------------------------------------------

def compact_edges(src):
    """{(operand label, result label): the number on the edge} of a compact picture."""
    names = dict(re.findall(r"\t(v\d+) \[label=<<table[^\n]*?<b>([^<]+)</b>", src))
    out = {}
    for line in edge_lines(src):
        m = re.match(r"(v\d+) -> (v\d+) \[.*label=\"?(-?[\d.]+)\"?", line)
        assert m, line
        out[(names[m.group(1)], names[m.group(2)])] = float(m.group(3))
    return out


def test_compact_232_reads_like_the_slides():
    E, n = net232()
    E.backward()
    src = viz.draw_graph(E).source  # compact: the default for a graph with named nodes
    boxes = set(re.findall(r"\tv\d+ \[label=<<table[^\n]*?<b>([^<]+)</b>", src))
    assert boxes == set(n)  # l1 l2 b1 b2 w1..w12 net_h* out_h* net_o* out_o* E_o* E_total
    assert "shape=circle" not in src and "#f1f5f9" not in src  # no op circles, no constants
    assert "w1</b> = <font" in src and "0.100000</font>" in src and "grad 0.012268" in src
    edges = compact_edges(src)
    # 3 x (w, w, l1, l2, b1) + 3 + 2 x (3 w, 3 out_h, b2) + 2 + 2 + 2
    assert len(edges) == 15 + 3 + 14 + 2 + 2 + 2
    oh1, oo1 = n["out_h1"].data, n["out_o1"].data
    expected = {
        ("w1", "net_h1"): 5.0, ("l1", "net_h1"): 0.1, ("b1", "net_h3"): 1.0,
        ("net_h1", "out_h1"): oh1 * (1 - oh1),
        ("w7", "net_o1"): oh1, ("out_h1", "net_o1"): 0.4, ("out_h1", "net_o2"): 0.45,
        ("net_o1", "out_o1"): oo1 * (1 - oo1),
        # E_o1 = 0.5 * (0.01 - out_o1) ** 2 folds * -1, + 0.01, ** 2, * 0.5 into one edge
        ("out_o1", "E_o1"): oo1 - 0.01, ("E_o1", "E_total"): 1.0,
    }
    for edge, value in expected.items():
        assert edges[edge] == pytest.approx(value, abs=5e-7), edge
    # the slides' figures for dE_total/dw7 = 0.88109 * 0.097049 * 0.912934
    assert [edges[e] for e in (("out_o1", "E_o1"), ("net_o1", "out_o1"), ("w7", "net_o1"))] \
        == [0.88109, 0.097049, 0.912934]
    # ... and along every edge the chain rule through the folded steps: the product
    # of an edge's number and its head's grad, summed over a node's edges, is its grad
    grads = {}
    for (tail, head), value in edges.items():
        grads[tail] = grads.get(tail, 0.0) + value * n[head].grad
    for name, total in grads.items():
        assert total == pytest.approx(n[name].grad, abs=3e-6), name
    assert "folded into the named box they feed" in src


def test_compact_paths_to_w1_sum_to_its_grad():
    E, n = net232()
    E.backward()
    full = viz.gradient_paths(E, n["w1"])
    src = viz.draw_graph(E, highlight=n["w1"], compact=True).source
    assert "2 paths from E_total down to w1" in src
    # each compact path's factors are the full path's factors grouped at the named nodes
    for k, path in enumerate(full, 1):
        numbers = " × ".join(f"{v:.6f}" for _, _, v in path.segments())
        assert f"= {numbers}<" in src, numbers
        assert f"<b>= {path.product:.6f}</b>" in src
    assert "= 0.013593 + -0.001326 <b>= 0.012268</b>" in src
    assert "w1.grad = 0.012268, as backward() computed" in src
    # the coloured edges are exactly the two paths: 4 + 4 edges, out_h1 -> net_h1 -> w1 shared
    coloured = [e for e in edge_lines(src) if "penwidth=2.2" in e]
    assert len(coloured) == 6 + 6 - 2
    names = dict(re.findall(r"\t(v\d+) \[label=<<table[^\n]*?<b>([^<]+)</b>", src))
    shared = [e for e in coloured if 'color="#7c3aed:#059669"' in e]
    assert sorted(names[e.split()[0]] for e in shared) == ["net_h1", "w1"]


def test_compact_sums_the_folded_paths_and_keeps_unnamed_variables():
    x = Value(3.0, "x")
    c = Value(2.0)                       # an unnamed variable (not a constant): kept
    y = (x * x * c).named("y")           # x * x is unnamed: two folded paths x -> y
    z = (y + x).named("z")
    z.backward()
    assert x.grad == 2 * 3.0 * 2.0 + 1.0 and c.grad == 9.0
    src = viz.draw_graph(z, compact=True).source
    boxes = re.findall(r"\tv\d+ \[label=<<table[^\n]*?</table>>", src)
    assert len(boxes) == 4 and sum("data " in b for b in boxes) == 1  # x, c, y, z
    assert "data <font face=\"Courier New\" color=\"#1f2933\">2.000000" in src
    edges = compact_edges(src.replace("data <font", "<b>c</b><font"))
    assert edges == {("x", "y"): 12.0, ("c", "y"): 9.0, ("y", "z"): 1.0, ("x", "z"): 1.0}
    assert "∂y/∂x = 12.000000, through 1 unnamed step" in src  # its tooltip


def test_when_the_graph_is_compact_and_when_not():
    a, b, c = abc()
    c.backward()
    # every result named: nothing to fold, so every op stays (the 4 paths of a)
    assert viz.draw_graph(c, highlight=a).source.count('[label="+"') == 2
    assert "4 paths" in viz.draw_graph(c, highlight=a).source
    E, n = net232()
    E.backward()
    full = viz.draw_graph(E, compact=False).source
    # one circle per op: 3 x (2 * and 2 +) + 3 σ + 2 x (3 * and 3 +) + 2 σ
    # + 2 x (* -1, + 0.01, ** 2, * 0.5) + the last +
    assert full.count("shape=circle") == 12 + 3 + 12 + 2 + 8 + 1
    assert "label=" not in "".join(e for e in edge_lines(full) if "style=dashed" not in e)
    # an unnamed node to highlight: the full graph (auto), or a clear error
    partial = n["net_h1"].children[0]
    src = viz.draw_graph(E, highlight=partial).source
    assert "2 paths from E_total down to (+)" in src and "shape=circle" in src
    with pytest.raises(ValueError, match="folded into the named node.*compact=False"):
        viz.draw_graph(E, highlight=partial, compact=True)
    with pytest.raises(ValueError, match="group= and compact=True"):
        viz.draw_graph(E, group="neuron", compact=True)
    from autograd import Tensor
    t = (Tensor([[1.0, 2.0]]) @ Tensor([[3.0], [4.0]])).named("t")
    assert "shape=circle" in viz.draw_graph(t.sum().named("s")).source  # tensors: full
    with pytest.raises(ValueError, match="compact=True folds graphs of scalar Values"):
        viz.draw_graph(t, compact=True)
