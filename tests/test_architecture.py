"""The layering of ../shared/docs/ARCHITECTURE.md, and no module outside the corpus loader knowing the dataset."""

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EDGES = {"gradio", "hloop.ui", "hloop.cli", "app"}
FORBIDDEN = {
    "hloop/core": {"sqlmodel", "sqlalchemy", "labeling", "training", "datasets", "hloop.config", "hloop.data"}
    | {"hloop.services", "hloop.experiments"}
    | EDGES,
    "hloop/data": {"labeling", "training", "hloop.services", "hloop.experiments", "sqlmodel"} | EDGES,
    "labeling": {"training", "hloop.services", "hloop.experiments", "hloop.data"} | EDGES,
    "training": {"labeling", "hloop.services", "hloop.experiments", "hloop.data"} | EDGES,
    "hloop/services": {"hloop.experiments"} | EDGES,
    "hloop/experiments": EDGES,
    # the one figure module draws the values it is given: the Model tab's cards, the simulation's curves
    "hloop/plots.py": {"labeling", "training", "sqlmodel", "sqlalchemy", "hloop.data", "hloop.config"}
    | {"hloop.services", "hloop.experiments"}
    | EDGES,
    # the edges receive one Services façade: no engine, table or registry leaks out to them
    "hloop/ui": {"labeling", "training", "sqlmodel", "sqlalchemy", "hloop.data"},
    "hloop/cli": {"labeling", "training", "sqlmodel", "sqlalchemy", "hloop.data"},
}
# the AG News label names, and literals that fix a label count, may appear only where the dataset is known
AG_NEWS_NAMES = {"World", "Sports", "Business", "Sci/Tech"}
DATA_SPECIFIC = {"hloop/data/demo.py"}


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
    root = ROOT / package
    assert root.exists(), f"{package} is gone: point FORBIDDEN at where that code lives now"
    for path in [root] if root.is_file() else root.rglob("*.py"):
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


def _product_files() -> list[Path]:
    files = [ROOT / "app.py"]
    for package in ("hloop", "labeling", "training", "benchmarks"):
        files += sorted((ROOT / package).rglob("*.py"))
    return [f for f in files if str(f.relative_to(ROOT)) not in DATA_SPECIFIC]


def test_one_figure_module():
    """Only ``hloop/plots.py`` draws: no other product module imports matplotlib."""
    drawing = [
        str(path.relative_to(ROOT))
        for path in _product_files()
        if any(name.split(".")[0] == "matplotlib" for name in _imports(path))
    ]
    assert drawing == ["hloop/plots.py"]


def test_no_module_outside_the_corpus_loader_knows_a_label_name_or_count():
    offenders = []
    for path in _product_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.strip() in AG_NEWS_NAMES or "Sci/Tech" in node.value:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} names a label: {node.value[:40]!r}")
            if isinstance(node, ast.keyword) and node.arg == "minlength" and isinstance(node.value, ast.Constant):
                offenders.append(f"{path.relative_to(ROOT)}:{node.value.lineno} fixes a label count")
            if isinstance(node, ast.Name) and node.id in ("LABELS", "TOPICS"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} uses a global label list {node.id}")
    assert not offenders, offenders


def test_the_check_above_would_catch_a_label_name(tmp_path):
    """The scan reads string constants: a module naming a label is caught (guards the test against rot)."""
    tree = ast.parse('LABELS = ("World", "Sports")\nnp.bincount(x, minlength=4)')
    names = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    counts = [n for n in ast.walk(tree) if isinstance(n, ast.keyword) and n.arg == "minlength"]
    assert names & AG_NEWS_NAMES and counts


PROJECT_PACKAGES = ("hloop", "labeling", "training", "app", "benchmarks", "tests")


def private_overrides(cls: type) -> list[str]:
    """The single-underscore methods ``cls`` defines that a base class from another library already has."""
    outside = [b for b in cls.__mro__[1:] if b.__module__.split(".")[0] not in PROJECT_PACKAGES + ("builtins",)]
    mine = [n for n, v in vars(cls).items() if n.startswith("_") and not n.startswith("__") and callable(v)]
    return [f"{cls.__module__}.{cls.__qualname__}.{n}" for n in mine if any(hasattr(b, n) for b in outside)]


def test_no_class_overrides_a_private_method_of_a_library():
    """Libraries are used through their public API: no project class replaces, say, scikit-learn's private steps."""
    offenders = []
    for path in _product_files():
        relative = path.relative_to(ROOT)
        if relative.parts[0] == "benchmarks" or "migrations" in relative.parts or path.name == "__main__.py":
            continue
        module = importlib.import_module(".".join(relative.with_suffix("").parts).removesuffix(".__init__"))
        for cls in vars(module).values():
            if inspect.isclass(cls) and cls.__module__ == module.__name__:
                offenders += private_overrides(cls)
    assert not offenders, offenders


def test_the_check_above_would_catch_a_private_override():
    from sklearn.feature_extraction.text import TfidfVectorizer

    class Faster(TfidfVectorizer):
        def _limit_features(self, X, vocabulary, high=None, low=None, limit=None):
            return X

        def _helper_of_our_own(self):
            return None

    assert [name.rsplit(".", 1)[1] for name in private_overrides(Faster)] == ["_limit_features"]


def facade_leaks(source: str, allowed: set[str]) -> list[str]:
    """Every ``services.X`` (also ``self.services.X``, ``Services.X``) in ``source`` whose ``X`` is not one of the
    ``allowed`` façade names: a part (``services.queue``), the registry, the engine, a session or a private field."""
    leaks = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr not in allowed:
            owner = node.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if name in ("services", "Services"):
                leaks.append((node.lineno, f"line {node.lineno}: {name}.{node.attr}"))
    return [leak for _line, leak in sorted(leaks)]


def test_no_edge_reaches_past_the_services_facade():
    from hloop.services import FACADE

    edges = [ROOT / "app.py", *(p for p in sorted((ROOT / "hloop").rglob("*.py")) if "services" not in p.parts)]
    found = {str(p.relative_to(ROOT)): leaks for p in edges if (leaks := facade_leaks(p.read_text(), set(FACADE)))}
    assert not found, f"call one of the façade's names (hloop.services.FACADE) instead: {found}"


def test_the_check_above_would_catch_a_leak():
    source = (
        "v = services.registry.current_version()\n"
        "with self.services.session() as s: pass\n"
        "services.queue.next_item('ana')\n"
        "services.next_item('ana')\n"
        "Services.pool\n"
    )
    assert facade_leaks(source, {"next_item"}) == [
        "line 1: services.registry",
        "line 2: services.session",
        "line 3: services.queue",
        "line 5: Services.pool",
    ]


def environment_reads(source: str) -> list[int]:
    """Lines of ``source`` that read the environment (``os.environ``, ``os.getenv``), in order."""
    return sorted(
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and node.attr in ("environ", "getenv")
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def test_only_the_config_package_reads_the_environment():
    packages = ("hloop", "labeling", "training")
    files = [ROOT / "app.py", *(p for package in packages for p in sorted((ROOT / package).rglob("*.py")))]
    found = {
        str(p.relative_to(ROOT)): lines
        for p in files
        if "config" not in p.relative_to(ROOT).parts[:2] and (lines := environment_reads(p.read_text()))
    }
    assert not found, f"read settings in hloop/config instead: {found}"
    assert environment_reads("import os\nx = os.environ.get('A')\ny = os.getenv('B')") == [2, 3]


MAX_MODULE_LINES = 300  # STYLE.md: modules under about 300 lines, split by concept


def oversized_modules(root: Path, limit: int = MAX_MODULE_LINES) -> dict[str, int]:
    """Modules of hloop/, labeling/ and training/ under ``root`` (tests left out) longer than ``limit`` lines."""
    files = [p for package in ("hloop", "labeling", "training") for p in sorted((root / package).rglob("*.py"))]
    return {
        str(p.relative_to(root)): lines
        for p in files
        if "tests" not in p.relative_to(root).parts and (lines := len(p.read_text().splitlines())) > limit
    }


def test_every_module_is_under_300_lines():
    too_long = oversized_modules(ROOT)
    assert not too_long, f"split these modules by concept (at most {MAX_MODULE_LINES} lines): {too_long}"


def test_the_check_above_would_catch_a_long_module(tmp_path):
    (tmp_path / "training").mkdir()
    (tmp_path / "training" / "long.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1))
    (tmp_path / "training" / "short.py").write_text("x = 1\n" * MAX_MODULE_LINES)
    assert oversized_modules(tmp_path) == {"training/long.py": MAX_MODULE_LINES + 1}
