"""Label descriptions (JSON or YAML) and guidelines (Markdown): read in the label set's order, and every mistake
in the files stops with one line that says what to fix."""

from __future__ import annotations

import json

import pytest

from hloop.core.errors import InvalidInputError
from hloop.data.guidance import LabelGuide, read_descriptions, read_guidelines

LABELS = ["ABBR", "DESC", "NUM"]


def test_json_and_yaml_descriptions_with_or_without_examples(tmp_path):
    as_json = tmp_path / "d.json"
    as_json.write_text(
        json.dumps(
            {"NUM": "a number", "ABBR": {"description": "an  abbreviation", "examples": ["What does NASA stand for?"]}}
        )
    )
    as_yaml = tmp_path / "d.yaml"
    as_yaml.write_text(
        "NUM: a number\nABBR:\n  description: an abbreviation\n  examples:\n    - What does NASA stand for?\n"
    )
    for path in (as_json, as_yaml):
        guides = read_descriptions(path, LABELS)
        assert list(guides) == ["ABBR", "NUM"], "in the label set's order; DESC has none"
        assert guides["ABBR"] == LabelGuide("an abbreviation", ("What does NASA stand for?",))
        assert guides["NUM"] == LabelGuide("a number")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"NUMBER": "a number"}', "labels the project does not have: NUMBER. Its labels are: ABBR, DESC, NUM"),
        ("[1, 2]", "must map each label to a description"),
        ('{"NUM": 3}', "must be a non-empty text"),
        ('{"NUM": {"description": "x", "sample": []}}', "unknown keys ['sample']"),
        ('{"NUM": {"description": "x", "examples": "one"}}', "examples must be a list"),
        ("NUM: [unclosed", "neither JSON nor YAML"),
        ('{"NUM": "' + "x" * 501 + '"}', "keep it to 500"),
    ],
)
def test_mistakes_in_the_descriptions_say_what_to_fix(tmp_path, body, message):
    path = tmp_path / "d.yaml"
    path.write_text(body)
    with pytest.raises(InvalidInputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read_descriptions(path, LABELS)


def test_missing_unreadable_or_empty_files(tmp_path):
    with pytest.raises(InvalidInputError, match="does not exist"):
        read_descriptions(tmp_path / "none.json", LABELS)
    with pytest.raises(InvalidInputError, match="is a folder"):
        read_guidelines(tmp_path)
    (tmp_path / "g.md").write_text("  \n")
    with pytest.raises(InvalidInputError, match="is empty"):
        read_guidelines(tmp_path / "g.md")
    (tmp_path / "bin.md").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InvalidInputError, match="not UTF-8"):
        read_guidelines(tmp_path / "bin.md")
    (tmp_path / "ok.md").write_text("# Rules\nLabel the question, not the answer.")
    assert read_guidelines(tmp_path / "ok.md").startswith("# Rules")
    (tmp_path / "empty.yaml").write_text("")
    assert read_descriptions(tmp_path / "empty.yaml", LABELS) == {}
