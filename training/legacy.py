"""Versions saved by releases before the skops format hold ``model.joblib``, a pickle, which can run code when
loaded. A load refuses them (``require_format``); ``from_legacy`` converts one, only because the user asked
(`python -m hloop trust-legacy`): the one place a pickle is ever read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from hloop.core.cards import ModelCard
from hloop.core.errors import ModelIntegrityError
from training.artifact import FORMAT, Artifact, from_pipeline
from training.atomic_files import sha256_file
from training.integrity import check_against_card, record_probe

LEGACY_ARTIFACT = "model.joblib"  # a pickle, written by releases before the skops format


def require_format(version: int, card: ModelCard) -> None:
    """ModelIntegrityError unless the card says the artifact is in our safe format."""
    found = card.format
    if found == FORMAT:
        return
    if found is None:
        raise ModelIntegrityError(
            f"v{version} is in the old pickle format ({LEGACY_ARTIFACT}), which can run code when loaded, so it "
            f"was not loaded. If you trust this file, convert it: `python -m hloop trust-legacy {version}`; "
            "otherwise roll back to another version or retrain."
        )
    raise ModelIntegrityError(f"v{version} is in an unknown format {found!r}; retrain or roll back.")


def from_legacy(version: int, legacy: Path, card: ModelCard) -> tuple[ModelCard, Artifact]:
    """(new card, artifact in the safe format) of ``version``'s pickle ``legacy``, once its bytes match the card's
    sha256 and the model they hold matches the card; ModelIntegrityError otherwise. Unpickling runs code: call
    this only for a file the user trusts."""
    if not legacy.exists():
        raise ModelIntegrityError(f"v{version} has no {LEGACY_ARTIFACT} to convert; roll back or retrain.")
    if sha256_file(legacy) != card.artifact_sha256:
        raise ModelIntegrityError(
            f"v{version}'s {LEGACY_ARTIFACT} fails its sha256 check (corrupt or tampered); it was not loaded."
        )
    import joblib  # only here, where the user asked for the pickle to be trusted

    try:
        artifact = from_pipeline(joblib.load(legacy))
        check_against_card(artifact.pipeline, card)
    except ModelIntegrityError as exc:
        raise ModelIntegrityError(f"v{version}: {exc}") from exc
    except Exception as exc:  # a pickle from a library version this one cannot read
        problem = f"{type(exc).__name__}: {exc}"
        raise ModelIntegrityError(f"v{version}'s pickle could not be loaded ({problem}).") from exc
    converted = {
        "from": f"{LEGACY_ARTIFACT} (pickle), sha256 {card.artifact_sha256}",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": "converted from a legacy pickle the user trusted (`python -m hloop trust-legacy`)",
    }
    probe = record_probe(artifact.pipeline)
    return replace(card, format=FORMAT, artifact_sha256=artifact.sha256, probe=probe, converted=converted), artifact
