"""Unit tests: import hygiene and house style of the pgwtui package (checked without import-linter too)."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "pgwtui"
COMPOSERS = {"__main__.py", "demo.py"}
"""The only modules allowed to compose the embedded gateway."""
WEB_CONFIG = ("web/auth.py", {"bridge.gateway.web.webconfig"})
"""The one other use of bridge.gateway: `pgwtui web` reads --web.config.file with the gateway's loader."""
EDGES = {"__init__", "__main__", "app", "client", "demo", "gateway_workers", "messages"}
"""Top-level modules that may import the UI, HTTP or the event loop; every other one is in the pure contract."""


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


def pure_contract() -> list[str]:
    """The source modules of pyproject's contract that keeps the views (and the rest of the pure core) pure."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (contract,) = [
        c for c in contracts if "pgwtui.views" in c.get("source_modules", ()) and "textual" in c["forbidden_modules"]
    ]
    return list(contract["source_modules"])


def expanded(names: list[str]) -> list[str]:
    """Each name, and every module inside it if it is a package."""
    found = []
    for name in names:
        found.append(name)
        path = ROOT.joinpath(*name.split("."))
        if path.is_dir():
            found += [f"{name}.{m.name}" for m in pkgutil.walk_packages([str(path)]) if not m.ispkg]
    return found


def test_only_the_entry_point_and_the_demo_touch_the_gateway():
    for path in modules():
        if path.name in COMPOSERS and path.parent == PACKAGE:
            continue
        bridge = {n for n in imported(path) if n.startswith("bridge")}
        if path.relative_to(PACKAGE).as_posix() == WEB_CONFIG[0]:
            bridge -= WEB_CONFIG[1] | {"bridge.errors"}
        assert all(n.startswith("bridge.protocol") for n in bridge), f"{path.name} imports {bridge}"


def test_importing_the_app_loads_no_gateway_code():
    code = (
        "import sys, pgwtui.app; "
        "bad = sorted(m for m in sys.modules if m.startswith(('bridge.gateway', 'bridge.spool', 'uvicorn'))); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_pure_modules_load_no_ui_no_http_and_no_event_loop():
    pure = expanded(pure_contract())
    assert "pgwtui.views.groups" in pure and "pgwtui.rules.cli" in pure, pure
    code = (
        "import importlib, sys\n"
        f"for name in {pure!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in ('textual', 'rich', 'httpx', 'asyncio') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_every_top_level_module_is_either_pure_or_a_known_edge():
    # A new module in views/, rules/ or alerts/ falls under its package's contract; a new one at
    # the top level has to be put on one side or the other, here or in the contract.
    top = {path.stem for path in PACKAGE.glob("*.py")}
    pure = {name.removeprefix("pgwtui.") for name in pure_contract() if name.count(".") == 1}
    assert top - pure == EDGES, "classify the new module: add it to the pure contract in pyproject.toml, or to EDGES"


def test_every_module_has_a_one_line_docstring_and_future_annotations():
    for path in modules():
        tree = ast.parse(path.read_text())
        docstring = ast.get_docstring(tree, clean=False)
        assert docstring, f"{path} has no module docstring"
        assert docstring.splitlines()[0].strip(), f"{path}: the docstring's first line is empty"
        if len(tree.body) > 1:  # any code besides the docstring (a package's map is only a docstring)
            futures = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
            assert futures, f"{path} lacks `from __future__ import annotations`"


def test_every_package_docstring_maps_its_modules():
    for init in PACKAGE.rglob("__init__.py"):
        docstring = ast.get_docstring(ast.parse(init.read_text())) or ""
        here = init.parent
        entries = [m.name for m in here.glob("*.py") if m.name != "__init__.py"]
        entries += [f"{d.name}/" for d in here.iterdir() if (d / "__init__.py").is_file()]
        for entry in entries:
            assert entry in docstring, f"{here.relative_to(ROOT)}/__init__.py does not place {entry} on its map"


def test_styles_live_in_tcss_not_in_python():
    for path in modules():
        text = path.read_text()
        assert "DEFAULT_CSS" not in text and "CSS = " not in text, f"{path} carries inline CSS"
