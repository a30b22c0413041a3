"""Bulk labelling: one label for chosen search results, or for every result of a search, after a preview.

A batch is one event with its query, undone as one; it never labels an eval or dev text, a text held out for
evaluation or a near-copy of one (the search never returns them, and chosen ids are checked again), nor a text
another annotator holds in the queue; texts that already have a label are skipped unless ``relabel`` is asked.
Bulk labels carry the source ``bulk``: retraining weights them ``HLOOP_BULK_WEIGHT``, and review can filter them.
"""

from __future__ import annotations

import json
from dataclasses import replace

from hloop.core import events
from hloop.core.errors import InvalidInputError
from hloop.core.search_records import BulkBatch
from hloop.core.values import parse_annotator, parse_count, parse_example_id
from hloop.services.fitting import Fitting
from hloop.services.project import Project
from hloop.services.search import Search
from labeling import bulk_labels, claims, search_queries
from labeling.store import TRAINABLE_ORIGINS
from labeling.tables import LabelBatch

SAMPLE = 10  # texts a preview shows


class BulkLabels:
    """Preview, give and undo bulk batches; list them."""

    def __init__(self, project: Project, search: Search, fitting: Fitting) -> None:
        self.project = project
        self.search = search
        self.fitting = fitting

    def _selection(self, new_label: object, annotator: str, ids: object, relabel: bool, raw: dict):
        """(label index, annotator, the query as stored, ids to label, skipped counts by reason)."""
        wanted = self.project.label_set.index(new_label)
        who = parse_annotator(annotator)
        request = self.search.parse(**{k: v for k, v in raw.items() if k not in ("page", "per_page")})
        self.project.ensure_store()
        limit = self.project.settings.bulk_max
        if ids is not None:  # chosen results: checked here as the search would check them
            if not isinstance(ids, list | tuple) or not ids:
                raise InvalidInputError(
                    "ids must be a non-empty list of example ids (or leave it out for all results)."
                )
            chosen = list(dict.fromkeys(parse_example_id(i) for i in ids))
            candidates, skipped = self._checked(chosen)
            ids = chosen
        else:
            self.search.prepare(request)
            found, _scores, capped, notes = self.search.matching(request, most=limit)
            if capped:
                raise InvalidInputError(
                    f"The search selects more than {limit:,} texts (HLOOP_BULK_MAX); narrow it with words or filters."
                )
            if notes:  # the model filters could not see every match: the selection would be short
                raise InvalidInputError(f"{notes[0]} Nothing was labelled.")
            candidates, skipped = [int(i) for i in found], {}
        if len(candidates) > limit:
            raise InvalidInputError(
                f"At most {limit:,} texts per bulk batch (HLOOP_BULK_MAX); {len(candidates):,} given."
            )
        with self.project.session() as session:
            rows = search_queries.found_rows(candidates, session=session)
            held_by = claims.holders(candidates, session=session)
        chosen_now: list[int] = []
        for example_id in candidates:
            row = rows[example_id]
            holder = held_by.get(example_id)
            if holder is not None and holder != who:
                reason = "claimed by another annotator"
            elif row.label == wanted:
                reason = "already labelled so"
            elif row.label is not None and not relabel:
                reason = "already labelled (ask to relabel)"
            else:
                chosen_now.append(example_id)
                continue
            skipped[reason] = skipped.get(reason, 0) + 1
        query = {**request.to_dict(self.project.label_set), "ids": ids, "relabel": bool(relabel)}
        return wanted, who, query, chosen_now, skipped

    def _checked(self, chosen: list[int]) -> tuple[list[int], dict[str, int]]:
        """The chosen ids a search could return (stored, searched origins, not held out), and the rest counted."""
        with self.project.session() as session:
            rows = search_queries.found_rows(chosen, session=session)
        kept, skipped = [], {}
        for example_id in chosen:
            row = rows.get(example_id)
            if row is None:
                reason = "not stored"
            elif row.origin not in TRAINABLE_ORIGINS or self.project.guarded_split(row.text) is not None:
                reason = "held out (eval or dev)"
            elif self.project.is_held_out(row.text):
                reason = "held out for evaluation"
            else:
                kept.append(example_id)
                continue
            skipped[reason] = skipped.get(reason, 0) + 1
        return kept, skipped

    def bulk_preview(
        self, new_label: object, annotator: str, ids: object = None, relabel: bool = False, **raw: object
    ) -> BulkBatch:
        """What ``bulk_label`` with the same arguments would do now: how many texts, what it skips, a sample."""
        wanted, who, query, chosen, skipped = self._selection(new_label, annotator, ids, relabel, raw)
        return self._batch(None, wanted, who, query, len(chosen), skipped, self.search.hits(chosen[:SAMPLE]))

    def bulk_label(
        self,
        new_label: object,
        annotator: str,
        expected: int | None = None,
        ids: object = None,
        relabel: bool = False,
        **raw: object,
    ) -> BulkBatch:
        """Give ``new_label`` to the selection (``ids``, or every result of the search ``raw``) as one batch.
        ``expected``: the size the preview showed; when the selection changed since, nothing is stored."""
        with self.project.lock:
            previewed = None if expected is None else parse_count(expected, "expected (the preview's size)")
            wanted, who, query, chosen, skipped = self._selection(new_label, annotator, ids, relabel, raw)
            if previewed is not None and previewed != len(chosen):
                raise InvalidInputError(
                    f"The selection now holds {len(chosen):,} texts, not {previewed:,} as previewed (someone "
                    "labelled or claimed some meanwhile); nothing was labelled. Preview again."
                )
            if not chosen:
                raise InvalidInputError(
                    "Nothing to label: "
                    + (", ".join(f"{n} {why}" for why, n in skipped.items()) or "no results")
                    + ". Nothing was stored."
                )
            with self.project.session() as session:
                batch = bulk_labels.add_batch(wanted, who, json.dumps(query), chosen, session=session)
                session.commit()
                result = self._batch(batch.id, wanted, who, query, len(chosen), skipped, ())
                result = self._stamp(result, batch)
        events.emit("bulk.labelled", user=who, source="bulk", count=len(chosen), batch_id=result.batch_id,
                    label=result.label, skipped=sum(skipped.values()))  # fmt: skip
        self.fitting.train_first_if_ready()
        self.fitting.maybe_auto_retrain()
        return result

    def undo_bulk(self, batch_id: int) -> BulkBatch:
        """Undo a whole batch: every text it labelled gets back the label it had before."""
        with self.project.lock, self.project.session() as session:
            batch = bulk_labels.undo_batch(parse_count(batch_id, "Batch id"), session=session)
            session.commit()
            undone = self._stored(batch)
        # the batch's own annotator is a field: who undid it is the request's user, if known
        events.emit(
            "bulk.undone", source="bulk", count=undone.size, batch_id=undone.batch_id, given_by=undone.annotator
        )
        return undone

    def bulk_batches(self, limit: int = 50) -> list[BulkBatch]:
        """The newest bulk batches, with their queries, sizes and whether they were undone."""
        with self.project.session() as session:
            return [self._stored(b) for b in bulk_labels.recent_batches(limit, session=session)]

    def _stored(self, batch: LabelBatch) -> BulkBatch:
        query = json.loads(batch.query)
        name = self.project.label_set.name(batch.label)
        return self._stamp(BulkBatch(batch.id, name, batch.annotator, query, batch.size, {}, None, None), batch)

    @staticmethod
    def _stamp(result: BulkBatch, batch: LabelBatch) -> BulkBatch:
        when = batch.created_at.isoformat(timespec="seconds")
        undone = None if batch.undone_at is None else batch.undone_at.isoformat(timespec="seconds")
        return replace(result, created_at=when, undone_at=undone)

    def _batch(self, batch_id, wanted, who, query: dict, size, skipped, sample: tuple | list) -> BulkBatch:
        return BulkBatch(
            batch_id,
            self.project.label_set.name(wanted),
            who,
            query,
            size,
            dict(skipped),
            None,
            None,
            tuple(sample),
        )
