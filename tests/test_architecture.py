"""The import edges of ARCHITECTURE.md: core is pure, labeling and training never import each other."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "hloop/core": {
        "gradio",
        "sqlmodel",
        "sqlalchemy",
        "labeling",
        "training",
        "hloop.services",
        "hloop.ui",
        "datasets",
    },
    "labeling": {"training", "gradio", "hloop.services", "hloop.ui"},
    "training": {"labeling", "gradio", "hloop.services", "hloop.ui"},
}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_forbidden_imports(package):
    offenders = []
    for path in (ROOT / package).rglob("*.py"):
        for name in _imports(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[package]):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_importing_core_pulls_in_nothing_heavy():
    code = (
        "import sys, hloop.core.strategies, hloop.core.metrics, hloop.core.labels, hloop.core.errors; "
        "print(sorted(m for m in ('gradio', 'sqlmodel', 'sqlalchemy', 'datasets', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
