"""Bad command-line arguments are one line and exit status 2, before any work is done."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hloop.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["label", "--example", "1.7", "--label", "alpha"], "Example id must be a whole number"),
        (["label", "--example", "abc", "--label", "alpha"], "got 'abc'"),
        (["label", "--example", str(2**64), "--label", "alpha"], "Example id"),
        (["label", "--example", "0", "--label", "alpha"], "from 1"),
        (["label", "--label", "alpha"], "required: --example"),
        (["rollback", "two"], "Version must be a whole number"),
        (["rollback", "-1"], "Version"),
        (["metrics", "--version", "1.5"], "Version"),
        (["retrain", "--feedback-weight", "nan"], "Feedback weight must be a number from 0.001"),
        (["train", "--feedback-weight", "0"], "Feedback weight"),
        (["retrain", "--feedback-weight", "heavy"], "Feedback weight"),
        (["queue", "--n", "-1"], "argument --n"),
        (["simulate", "--repeats", "0"], "argument --repeats"),
        (["simulate", "--seed", "-2"], "Seed"),
        (["simulate", "--target", "1.5"], "argument --target"),
        (["simulate", "--feedback-weight", "1e9"], "Feedback weight"),
        (["label", "--example", "1", "--label", "alpha", "--annotator", "x" * 101], "at most 100 characters"),
        (["undo", "--annotator", "  "], "Annotator name must be 1-100 characters"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(capsys, argv, message):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert err.count("\n") == 1 and err.startswith("error:") and message in err


def test_arguments_that_are_not_utf8_are_refused(capsys):
    assert main(["predict", "caf\udce9 prices"]) == 2  # how Python decodes the bytes b"caf\xe9"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "argument 2 is not valid UTF-8 (byte 0xe9" in err


def test_non_utf8_bytes_from_the_shell_are_refused():
    env = {**os.environ, "PYTHONUTF8": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "hloop", "label", "--example", "1", "--label", b"W\xfforld"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "is not valid UTF-8 (byte 0xff" in done.stderr
