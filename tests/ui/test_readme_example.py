"""The README's gradio_client example runs against the app: predict, three queue labels, retrain to v2."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def test_readme_api_example_runs(url, trained, capsys):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## API for scripts", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    exec(compile(code.replace("http://127.0.0.1:7860/", url), "README example", "exec"), {})
    out = capsys.readouterr().out
    assert "labels since the last retrain: 3" in out and "v2: accuracy" in out
    assert [e.source for e in trained.history()] == ["queue"] * 3
