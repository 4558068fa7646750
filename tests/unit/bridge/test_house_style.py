"""Unit tests: the bridge package's house style (module docstrings, future annotations, one drawn exception tree)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "bridge"
ERRORS = PACKAGE / "errors.py"


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_one_line_docstring_and_future_annotations() -> None:
    assert len(modules()) > 50
    for path in modules():
        tree = ast.parse(path.read_text())
        docstring = ast.get_docstring(tree, clean=False)
        assert docstring, f"{path} has no module docstring"
        assert docstring.splitlines()[0].strip(), f"{path}: the docstring's first line is empty"
        code = [node for node in tree.body[1:] if not isinstance(node, ast.Expr)]
        if code:
            futures = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
            assert futures, f"{path} lacks `from __future__ import annotations`"


def drawn() -> dict[str, int]:
    """The classes drawn in bridge/errors.py's hierarchy, with their depth."""
    doc = ast.get_docstring(ast.parse(ERRORS.read_text())) or ""
    tree: dict[str, int] = {}
    for line in doc.splitlines():
        match = re.match(r"\s*((?:[│ ] {3})*)[├└]── (\w+)", line)
        if match:
            tree[match.group(2)] = len(match.group(1)) // 4 + 1
        elif line.strip() == "BridgeError":
            tree["BridgeError"] = 0
    return tree


def test_every_exception_bridge_defines_is_drawn_in_the_tree_and_every_drawn_one_is_defined() -> None:
    defined: set[str] = set()
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                if bases & ({"Exception", "BaseException"} | set(drawn())):
                    defined.add(node.name)
    assert defined == set(drawn())


def test_every_leaf_of_the_tree_is_raised_somewhere() -> None:
    tree = drawn()
    names = list(tree)
    leaves = [n for i, n in enumerate(names) if i + 1 == len(names) or tree[names[i + 1]] <= tree[n]]
    source = "\n".join(path.read_text() for path in modules())
    for name in leaves:
        assert re.search(rf"raise {name}\b", source), f"{name} is drawn in bridge/errors.py but never raised"


def test_every_package_docstring_maps_its_modules() -> None:
    # A module's name as a word of its package's docstring (`store/`, `metric_store`): the map a
    # newcomer reads first stays complete when a module is added.
    for init in PACKAGE.rglob("__init__.py"):
        docstring = ast.get_docstring(ast.parse(init.read_text())) or ""
        here = init.parent
        entries = [m.stem for m in here.glob("*.py") if m.name != "__init__.py"]
        entries += [d.name for d in here.iterdir() if (d / "__init__.py").is_file()]
        for entry in entries:
            assert re.search(rf"(?<![\w.]){re.escape(entry)}\b", docstring), (
                f"{init.relative_to(PACKAGE.parent)} does not place {entry} on its map"
            )
