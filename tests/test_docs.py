"""Keep the README honest: its two commands, the CI script, every CLI command and setting documented."""

import re
from pathlib import Path

from hloop.cli import COMMANDS
from hloop.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def test_readme_has_the_run_and_test_commands():
    blocks = [b.strip() for b in _bash_blocks()]
    assert any(b.endswith("app.py") and "requirements.txt" in b for b in blocks), "the command that runs the app"
    assert any("pytest" in b and "bash .ci/setup" in b for b in blocks), "the command that runs the tests"


def test_ci_runs_the_readme_test_command():
    test_command = next(b.strip() for b in _bash_blocks() if "pytest" in b)
    ci = (ROOT / ".ci" / "run").read_text()
    runner = test_command.split("&&")[-1].strip()
    runner = re.sub(r"^(HLOOP_\w+=\S+\s+)+", "", runner)
    assert "bash .ci/setup" in ci and runner in ci, f"{runner!r} not in .ci/run"


def test_every_cli_command_is_documented():
    missing = [name for name in COMMANDS if not re.search(rf"python -m hloop {name}\b", README)]
    assert not missing, f"README does not show: {missing}"


def test_every_setting_is_documented():
    missing = [f"HLOOP_{name.upper()}" for name in Settings.model_fields if f"HLOOP_{name.upper()}" not in README]
    assert not missing, f"README does not document: {missing}"


def test_spaces_front_matter():
    front = README.split("---")[1]
    assert "sdk: gradio" in front and "app_file: app.py" in front and re.search(r"sdk_version: \d", front)


def test_code_passes_the_linter():
    import shutil
    import subprocess
    import sys

    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    result = subprocess.run(
        [ruff, "check", "--output-format", "concise", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:]


# --- the README is a guide: short, linked to docs/, every CLI block pasteable ---

DOCS = sorted((ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", flags=re.S | re.M)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in re.findall(r"^#{1,6}\s+(.*?)\s*$", FENCE.sub("", text), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _links(path: Path) -> list[str]:
    """The relative links of a Markdown file, outside code blocks and code spans."""
    text = FENCE.sub("", path.read_text())
    text = re.sub(r"`[^`\n]*`", "", text)
    return [t for t in LINK.findall(text) if not re.match(r"^[a-z][a-z0-9+.-]*:", t)]


def test_readme_is_at_most_400_lines():
    lines = len(README.splitlines())
    assert lines <= 400, f"README.md has {lines} lines; move reference material to docs/"


def test_readme_links_every_docs_page_and_each_exists():
    linked = {t.split("#")[0] for t in _links(ROOT / "README.md") if t.startswith("docs/") and ".md" in t}
    missing = sorted(t for t in linked if not (ROOT / t).is_file())
    assert not missing, f"README links to docs pages that do not exist: {missing}"
    unlinked = sorted(f"docs/{p.name}" for p in DOCS if f"docs/{p.name}" not in linked)
    assert not unlinked, f"docs pages the README does not link to: {unlinked}"


def test_relative_links_point_to_existing_files_and_headings():
    broken = []
    for page in [ROOT / "README.md", *DOCS]:
        for target in _links(page):
            file_part, _, anchor = target.partition("#")
            dest = (page.parent / file_part).resolve() if file_part else page
            where = f"{page.relative_to(ROOT)}: {target}"
            if not dest.exists():
                broken.append(f"{where} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest.read_text()):
                broken.append(f"{where} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_cli_blocks_use_the_virtual_environment():
    """A block that runs hloop or the app is fenced as bash and calls .venv/bin/python (or says to activate)."""
    bad = []
    for page in [ROOT / "README.md", *DOCS]:
        for lang, block in FENCE.findall(page.read_text()):
            runs = re.findall(r"(\S*?)python3?\s+(?:-m hloop\b|app\.py)", block)
            if not runs:
                continue
            if lang != "bash":
                bad.append(f"{page.name}: a ```{lang} block runs hloop; fence it as bash")
            elif "activate" not in block:
                bad += [
                    f"{page.name}: {prefix or '(bare)'}python in: {block.strip()[:80]!r}"
                    for prefix in runs
                    if not prefix.endswith(".venv/bin/")
                ]
    assert not bad, "\n".join(bad)


def test_ci_also_runs_the_slow_tests_the_default_run_leaves_out():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pytest -q --slow -m slow" in ci, "the tests marked slow would run nowhere"
    assert "--slow" in README, "the README says how to run the slow tests"
