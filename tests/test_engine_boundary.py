"""Outside autograd/, code uses the engine's public API only: no private name
(``_x``) of autograd, and nothing from autograd.node (the graph core's
internals; ``from autograd import Node`` is the public way)."""
import ast
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCANNED = ("nn", "viz", "chainrule", "bench")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def engine_misuse(source: str) -> list[str]:
    """Every use of a private autograd name, or of autograd.node, in ``source``."""
    tree = ast.parse(source)
    found = []
    engine_names: set[str] = set()  # local names bound to autograd or its modules
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] != "autograd":
                    continue
                if any(_private(p) for p in parts) or parts[1:2] == ["node"]:
                    found.append(f"line {node.lineno}: import {alias.name}")
                engine_names.add(alias.asname or "autograd")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "autograd":
                continue
            if any(_private(p) for p in parts) or parts[1:2] == ["node"]:
                found.append(f"line {node.lineno}: from {node.module} import ...")
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                engine_names.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):
                if _private(base.attr):
                    break
                base = base.value
            if isinstance(base, ast.Name) and base.id in engine_names:
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def node_private_names() -> set[str]:
    """The private methods and slots of autograd's node classes (Node, Value, Tensor)."""
    names = set()
    for path in (ROOT / "autograd").glob("*.py"):
        for cls in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(cls, ast.ClassDef) and cls.name in ("Node", "Value", "Tensor")):
                continue
            for item in cls.body:
                if isinstance(item, ast.FunctionDef) and _private(item.name):
                    names.add(item.name)
                elif isinstance(item, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == "__slots__" for t in item.targets):
                    names |= {n for n in ast.literal_eval(item.value) if _private(n)}
    return names - {"_repr_html_"}  # Jupyter's display protocol, public by convention


NODE_PRIVATE = node_private_names()


def node_internals_used(source: str) -> list[str]:
    """Every ``x._name`` outside a class's own ``self`` where _name is private to a node
    class (``p._zero_like()``, ``v._seed``): the node's public API must serve instead."""
    return [f"line {n.lineno}: {ast.unparse(n)}" for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Attribute) and n.attr in NODE_PRIVATE
            and not (isinstance(n.value, ast.Name) and n.value.id == "self")]


def _sources():
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT), path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        # IPython magics and shell escapes are not Python
        lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        yield path.relative_to(ROOT), "\n".join(lines)


@pytest.mark.parametrize("path, source", list(_sources()), ids=lambda x: str(x)[:40])
def test_only_the_public_engine_api_is_used_outside_autograd(path, source):
    assert engine_misuse(source) == [], f"{path} reaches into autograd's internals"
    assert node_internals_used(source) == [], f"{path} reaches into a node's internals"


def test_the_scan_catches_each_kind_of_misuse():
    assert engine_misuse("from autograd.node import _run_backward_from") == [
        "line 1: from autograd.node import ...", "line 1: from autograd.node import _run_backward_from"]
    assert engine_misuse("from autograd.node import Node") == ["line 1: from autograd.node import ..."]
    assert engine_misuse("from autograd.value import _make") == [
        "line 1: from autograd.value import _make"]
    assert engine_misuse("import autograd\nautograd.backward._fast_floats") == [
        "line 2: autograd.backward._fast_floats"]
    assert engine_misuse("from autograd import ops\nops._pow_const") == ["line 2: ops._pow_const"]
    assert engine_misuse("import autograd.node as n") == ["line 1: import autograd.node"]
    # the public API, and private names of other things, are fine
    assert engine_misuse("import autograd\nfrom autograd import Node, ops, derivative\n"
                         "autograd.grad\nops.SOFTMAX\nx._private\nnp._x") == []


def test_the_scan_catches_a_nodes_private_methods():
    assert {"_seed", "_operand", "_fit_grad"} <= NODE_PRIVATE
    assert node_internals_used("p.grad = p._fit_grad(g)") == ["line 1: p._fit_grad"]
    assert node_internals_used("class A:\n    def f(self):\n        return self._seed") == []
