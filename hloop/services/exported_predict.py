"""Predict with an exported HumanLoopML model version, without HumanLoopML installed.

    python predict.py "some text"           the label and its confidence
    python predict.py --file texts.txt      one text per line in, one "label<TAB>confidence" line out per text
    python predict.py --json "some text"    every label's probability and the model version, as JSON

Needs only the packages in requirements.txt (``pip install -r requirements.txt``). The model file is read by
skops, trusting only the types listed in trusted_types.txt; ``vendor/`` holds the few modules of the HumanLoopML
release that made it whose classes the file names (the model's own steps), exactly as they were.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "vendor"))

import numpy as np  # noqa: E402
import skops.io as sio  # noqa: E402


def load():
    """(pipeline, label names, the card's facts) of this folder's model."""
    data = (HERE / "model.skops").read_bytes()
    trusted = (HERE / "trusted_types.txt").read_text(encoding="utf-8").split()
    unknown = sorted(set(sio.get_untrusted_types(data=data)) - set(trusted))
    if unknown:
        raise SystemExit(f"model.skops holds types this folder does not trust: {', '.join(unknown)}")
    content = sio.loads(data, trusted=trusted)
    pipeline, terms = content["pipeline"], content["terms"]
    if isinstance(terms, str):  # the tfidf-lr format: one vocabulary
        holders = [pipeline.named_steps["tfidf"]]
        terms = [terms]
    else:  # any family: one vocabulary per vectorizer, in the order the family's own code finds them
        from training.families import vectorizers

        holders = list(vectorizers(pipeline))
    for vectorizer, joined in zip(holders, terms, strict=True):
        vectorizer.vocabulary_ = {term: i for i, term in enumerate(joined.split("\n"))}
    facts = json.loads((HERE / "card.json").read_text(encoding="utf-8"))
    return pipeline, facts["labels"], facts


def probabilities(pipeline, labels: list[str], texts: list[str]) -> np.ndarray:
    """One row of label probabilities per text, one column per label (a label the model never saw gets 0)."""
    out = np.zeros((len(texts), len(labels)))
    if texts:
        out[:, pipeline.classes_] = pipeline.predict_proba(list(texts))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", help="a text to classify")
    parser.add_argument("--file", type=Path, help="a UTF-8 file of texts, one per line")
    parser.add_argument("--json", action="store_true", help="print JSON: every label's probability")
    args = parser.parse_args(argv)
    if (args.text is None) == (args.file is None):
        parser.error("give a text or --file FILE")
    texts = [args.text] if args.file is None else [line.strip() for line in args.file.open(encoding="utf-8")]
    texts = [t for t in texts if t]
    pipeline, labels, facts = load()
    probs = probabilities(pipeline, labels, texts)
    for text, row in zip(texts, probs, strict=True):
        best = int(np.argmax(row))
        if args.json:
            chances = {name: float(p) for name, p in zip(labels, row, strict=True)}
            record = {"text": text, "label": labels[best], "confidence": float(row[best]), "probabilities": chances}
            print(json.dumps({**record, "model_version": facts["version"]}, ensure_ascii=False))
        else:
            print(f"{labels[best]}\t{row[best]:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
