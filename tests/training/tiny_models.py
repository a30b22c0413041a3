"""Tiny embedding models written by the tests into a folder, so the real model2vec and sentence-transformers
loading code runs with no hub."""

from __future__ import annotations

from pathlib import Path

import numpy as np

WORDS = ("ball", "goal", "team", "match", "stock", "bank", "market", "price", "cpu", "chip", "code", "robot")


def word_tokenizer():
    """A whitespace WordLevel tokenizer over ``WORDS`` (id 0 is [UNK])."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    vocab = {"[UNK]": 0, **{w: i + 1 for i, w in enumerate(WORDS)}}
    tokenizer = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    return tokenizer


def write_model2vec(folder: Path, dim: int = 8, seed: int = 0) -> Path:
    """A model2vec StaticModel of random vectors over ``WORDS``, saved in ``folder``."""
    from model2vec import StaticModel

    vectors = np.random.default_rng(seed).normal(size=(len(WORDS) + 1, dim)).astype(np.float32)
    StaticModel(vectors, word_tokenizer(), normalize=True).save_pretrained(folder)
    return folder


def write_sentence_transformer(folder: Path, dim: int = 8, seed: int = 0) -> Path:
    """A sentence-transformers model of one StaticEmbedding (random vectors over ``WORDS``), saved in ``folder``."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer

    torch.manual_seed(seed)
    tokenizer: Tokenizer = word_tokenizer()
    weights = torch.randn(len(WORDS) + 1, dim)
    module = StaticEmbedding(tokenizer, embedding_weights=weights)
    SentenceTransformer(modules=[module], device="cpu").save(str(folder))
    return folder


def write_word_vectors(folder: Path, vectors: dict[str, np.ndarray]) -> Path:
    """A model2vec StaticModel whose words have the given vectors (an unknown word's is zero), saved in ``folder``."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    words = list(vectors)
    tokenizer = Tokenizer(WordLevel({"[UNK]": 0, **{w: i + 1 for i, w in enumerate(words)}}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    dim = len(next(iter(vectors.values())))
    table = np.vstack([np.zeros(dim), *(np.asarray(vectors[w], dtype=float) for w in words)]).astype(np.float32)
    StaticModel(table, tokenizer, normalize=True).save_pretrained(folder)
    return folder
