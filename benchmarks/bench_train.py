"""Training time and test accuracy of our model against fastText, on all 10,000 labelled AG News rows.

Both clocks run from raw texts to a fitted model: ours is ``training.pipeline.fit_pipeline`` on the list of
texts (``--model tfidf-lr``), or a model family fitted on the texts with their embeddings already stored, as a
retrain does (``--model`` a family, or ``auto``: the families are compared once, timed on its own, as the
product does when the labels have grown by half, and the winner is what each run fits); fastText's includes
writing its ``__label__N text`` training file. Embedding the texts is timed once on its own (texts/s). Runs
alternate (ours, fastText, ours, ...) after one untimed warm-up of each, so both see the same machine noise;
medians are reported. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from data_option import add_data_option  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from hloop.core.models import AUTO, DEFAULT_EMBEDDINGS, MODEL_CHOICES  # noqa: E402
from hloop.data.corpus import DatasetSpec, load_corpus  # noqa: E402
from training.choice import choose_family  # noqa: E402
from training.embeddings import EmbeddedTexts, shared_embedder  # noqa: E402
from training.evaluate import evaluate  # noqa: E402
from training.families import family_hyperparameters, fit_family  # noqa: E402
from training.pipeline import fit_pipeline  # noqa: E402

TARGET_RATIO = 1.0
TARGET_ACCURACY = 0.875


def write_fasttext_file(path: Path, texts: Sequence[str], labels: Sequence[int]) -> None:
    """One ``__label__N text`` line per row; fastText reads a line per example, so whitespace is collapsed."""
    with path.open("w", encoding="utf-8") as handle:
        for text, label in zip(texts, labels, strict=True):
            handle.write(f"__label__{int(label)} {' '.join(text.split())}\n")


@dataclass(frozen=True)
class Fitted:
    """A fitted model of ours, as ``fit_pipeline`` returns it (the family's when not tfidf-lr)."""

    pipeline: object
    converged: bool


def time_ours(texts: Sequence[str], labels: Sequence[int], family: str = "tfidf-lr"):
    """Seconds from the texts (with their stored vectors for another family) to the fitted model, and the model."""
    start = time.perf_counter()
    if family == "tfidf-lr":
        fit = fit_pipeline(list(texts), labels)
        return time.perf_counter() - start, Fitted(fit.pipeline, fit.converged)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        pipeline = fit_family(family, texts, labels)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return time.perf_counter() - start, Fitted(pipeline, converged)


def embedded_with_throughput(texts: Sequence[str], spec: str) -> tuple[EmbeddedTexts, float]:
    """The texts with their embeddings as the store keeps them (float16), and the embedding rate (texts/s)."""
    embedder = shared_embedder(spec)
    embedder.embed(list(texts[:64]))  # warm-up
    start = time.perf_counter()
    vectors = embedder.embed(list(texts)).astype(np.float16)
    return EmbeddedTexts(list(texts), vectors, embedder.identity), len(texts) / (time.perf_counter() - start)


def time_fasttext(texts: Sequence[str], labels: Sequence[int], workdir: Path, options: dict):
    """Seconds from raw texts (writing the training file included) to the fitted fastText model, and the model."""
    import fasttext

    path = workdir / "train.txt"
    start = time.perf_counter()
    write_fasttext_file(path, texts, labels)
    model = fasttext.train_supervised(str(path), verbose=0, **options)
    return time.perf_counter() - start, model


def fasttext_accuracy(model, test_file: Path) -> float:
    """Test accuracy through ``model.test`` (precision@1; fastText 0.9.3's ``predict`` breaks under numpy 2)."""
    _n, precision_at_1, _recall = model.test(str(test_file))
    return float(precision_at_1)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each model (default 3); medians reported")
    parser.add_argument(
        "--fasttext-lr",
        type=float,
        default=1.0,
        help="fastText learning rate (default 1.0: at its own default of 0.1, 5 epochs reach only ~0.54 here, "
        "far below its reference ~0.86, which is no fair peer; pass 0.1 to see that)",
    )
    parser.add_argument(
        "--model", choices=MODEL_CHOICES, default=AUTO, help="our model: auto (the default, as HLOOP_MODEL) or a family"
    )
    parser.add_argument("--embeddings", default=DEFAULT_EMBEDDINGS, help="embeddings spec (default wordllama)")
    parser.add_argument("--fasttext-epoch", type=int, default=None, help="fastText epochs (default: fastText's own, 5)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv)
    corpus = load_corpus(DatasetSpec(args.data))
    texts, labels = list(corpus.train_texts), corpus.train_labels.tolist()
    options = {"wordNgrams": 2}
    options["lr"] = args.fasttext_lr
    if args.fasttext_epoch is not None:
        options["epoch"] = args.fasttext_epoch
    print(f"data: {args.data} ({len(texts):,} train rows, {len(corpus.eval_texts):,} test rows)")
    extra: dict = {"model": args.model}
    family, eval_texts = args.model, list(corpus.eval_texts)
    if args.model != "tfidf-lr":
        stored, rate = embedded_with_throughput(texts, args.embeddings)
        eval_texts, _ = embedded_with_throughput(eval_texts, args.embeddings)
        extra["embedding_texts_per_second"] = round(rate)
        print(f"embeddings {args.embeddings}: {rate:,.0f} texts/s (once per text, kept beside the store)")
        texts = stored  # type: ignore[assignment]
        if args.model == AUTO:
            start = time.perf_counter()
            choice = choose_family(stored, labels, embeddings=args.embeddings)
            extra.update(choice_seconds=round(time.perf_counter() - start, 2), chosen=choice.family)
            print(f"auto: {choice.reason} ({extra['choice_seconds']} s, once per 1.5x growth of the labels)")
            family = choice.family
    extra["family"] = family
    print(f"ours: {family} {family_hyperparameters(family, args.embeddings)}")

    ours_times, ft_times, ft_accuracies = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench_train_") as tmp:
        workdir = Path(tmp)
        test_file = workdir / "test.txt"
        write_fasttext_file(test_file, corpus.eval_texts, corpus.eval_labels.tolist())
        _seconds, fit = time_ours(texts, labels, family)  # warm-up: imports, caches, page faults
        _seconds, model = time_fasttext(texts, labels, workdir, options)
        settings = {k: getattr(model, k) for k in ("wordNgrams", "epoch", "lr", "thread", "dim", "bucket", "minCount")}
        print(
            f"fastText {version('fasttext')}: wordNgrams=2, lr={args.fasttext_lr} (at its default 0.1 it reaches "
            f"only ~0.54 here), every other setting its default unless given on the command line: {settings}"
        )
        for run in range(1, args.runs + 1):
            seconds, fit = time_ours(texts, labels, family)
            ours_times.append(seconds)
            seconds, model = time_fasttext(texts, labels, workdir, options)
            ft_times.append(seconds)
            ft_accuracies.append(fasttext_accuracy(model, test_file))
            print(
                f"run {run}: ours {ours_times[-1]:.3f} s, fastText {ft_times[-1]:.3f} s "
                f"(fastText accuracy {ft_accuracies[-1]:.4f})"
            )
    # deterministic fit
    ours_accuracy = evaluate(fit.pipeline, eval_texts, corpus.eval_labels, corpus.label_set)["accuracy"]
    ours_seconds, ft_seconds = statistics.median(ours_times), statistics.median(ft_times)
    result = {
        "ours_seconds": round(ours_seconds, 4),
        "fasttext_seconds": round(ft_seconds, 4),
        "ratio": round(ours_seconds / ft_seconds, 4),
        "ours_accuracy": round(ours_accuracy, 4),
        "fasttext_accuracy": round(statistics.median(ft_accuracies), 4),
        "runs": args.runs,
        "train_rows": len(texts),
        "ours_converged": fit.converged,
        "fasttext_settings": settings,
        **extra,
    }
    met = result["ratio"] <= TARGET_RATIO and result["ours_accuracy"] >= TARGET_ACCURACY
    print(f"ours:     median {ours_seconds:.3f} s, test accuracy {ours_accuracy:.4f} (converged: {fit.converged})")
    print(f"fastText: median {ft_seconds:.3f} s, test accuracy {result['fasttext_accuracy']:.4f} (median of runs)")
    print(
        f"ratio ours/fastText: {result['ratio']:.3f}; targets (ratio <= {TARGET_RATIO}, "
        f"accuracy >= {TARGET_ACCURACY}) {'met' if met else 'NOT met'}"
    )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
