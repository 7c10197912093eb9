"""Imports run one way: autograd <- nn <- viz <- chainrule (issue 11 item 2).

The engine imports none of the others; the library (nn) imports the engine only;
the pictures (viz) the engine and the library; the course application
(chainrule) any of them. Every import in the source counts, the ones inside
functions too (a lazy import is still a dependency), and so do
``importlib.import_module("...")`` and ``__import__("...")`` with a literal name.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# each package may import the ones before it, never one after it
LAYERS = ("autograd", "nn", "viz", "chainrule")


def _absolute(module: str, level: int, package: str) -> str:
    """The absolute name of ``from <level dots><module> import ...`` in ``package``
    (the dotted package the importing file is in)."""
    if level == 0:
        return module
    parts = package.split(".")
    base = parts[:len(parts) - level + 1] if level <= len(parts) else []
    return ".".join(base + ([module] if module else []))


def imports(source: str, package: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``source``, a file of
    ``package``, wherever it stands in the file."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, _absolute(node.module or "", node.level, package)))
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__")))):
            found.append((node.lineno, node.args[0].value))
    return found


def wrong_way(source: str, package: str) -> list[str]:
    """Every import in ``source`` (a file of ``package``) of a layer above its own."""
    own = LAYERS.index(package.split(".")[0])
    return [f"line {line}: {name}" for line, name in imports(source, package)
            if name.split(".")[0] in LAYERS[own + 1:]]


def _files():
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            package = ".".join(path.relative_to(ROOT).parent.parts)
            yield pytest.param(path, package, id=str(path.relative_to(ROOT)))


@pytest.mark.parametrize("path, package", list(_files()))
def test_imports_run_one_way(path, package):
    assert wrong_way(path.read_text(encoding="utf-8"), package) == [], (
        f"{path.relative_to(ROOT)} imports a package above its own ({' <- '.join(LAYERS)})")


def test_every_layer_has_files():
    assert all(any((ROOT / layer).rglob("*.py")) for layer in LAYERS)


def test_the_scan_catches_each_kind_of_import():
    source = "\n".join([
        "import numpy as np",
        "from autograd import Value",          # below nn: fine
        "import viz.render as r",              # 3
        "def draw():",
        "    from viz import draw_graph",      # 5: inside a function
        "    from chainrule.cli import main",  # 6
        "from . import naming",                # nn.naming: fine
        "import importlib",
        "importlib.import_module('chainrule.report')",  # 9
        "__import__('viz')",                   # 10
    ])
    assert wrong_way(source, "nn") == ["line 3: viz.render", "line 5: viz", "line 6: chainrule.cli",
                                       "line 9: chainrule.report", "line 10: viz"]
    # relative imports resolve against the file's package
    assert _absolute("render", 2, "viz.sub") == "viz.render"
    assert _absolute("", 1, "chainrule") == "chainrule"
    assert wrong_way("from ..chainrule import spec", "viz.sub") == []  # viz.chainrule, not chainrule
    assert wrong_way("from ...chainrule import spec", "viz.sub") == ["line 1: chainrule"]
    assert wrong_way("from nn.train import fit\nimport autograd", "viz") == []
    assert wrong_way("import nn", "autograd") == ["line 1: nn"]
    assert wrong_way("import viz, chainrule", "chainrule") == []
