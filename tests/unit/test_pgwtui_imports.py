"""Unit tests: import hygiene and house style of the pgwtui package (checked without import-linter too)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pgwtui"
COMPOSERS = {"__main__.py", "demo.py"}
"""The only modules allowed to compose the embedded gateway."""


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_entry_point_and_the_demo_touch_the_gateway():
    for path in modules():
        if path.name in COMPOSERS and path.parent == PACKAGE:
            continue
        bridge = {n for n in imported(path) if n.startswith("bridge")}
        assert all(n.startswith("bridge.protocol") for n in bridge), f"{path.name} imports {bridge}"


def test_importing_the_app_loads_no_gateway_code():
    code = (
        "import sys, pgwtui.app; "
        "bad = sorted(m for m in sys.modules if m.startswith(('bridge.gateway', 'bridge.spool', 'uvicorn'))); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_module_has_a_one_line_docstring_and_future_annotations():
    for path in modules():
        tree = ast.parse(path.read_text())
        docstring = ast.get_docstring(tree, clean=False)
        assert docstring, f"{path} has no module docstring"
        assert docstring.splitlines()[0].strip(), f"{path}: the docstring's first line is empty"
        if path.stat().st_size > 200:
            futures = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
            assert futures, f"{path} lacks `from __future__ import annotations`"


def test_styles_live_in_tcss_not_in_python():
    for path in modules():
        text = path.read_text()
        assert "DEFAULT_CSS" not in text and "CSS = " not in text, f"{path} carries inline CSS"
