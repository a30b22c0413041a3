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
