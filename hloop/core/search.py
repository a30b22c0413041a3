"""A search of the store's texts, as one typed value: the words, the filters, the order and the page.

``SearchRequest.parse`` validates what arrived from any edge (the Browse tab, the API, the CLI) once and says what
was wrong; ``terms`` reads the query text as the index reads texts (letters and digits; everything else splits
words), so no user input reaches the database's query language as syntax.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time

from hloop.core.errors import InvalidInputError
from hloop.core.labels import LabelSet
from hloop.core.values import parse_annotator, parse_name, parse_text

STATUSES = ("any", "unlabelled", "labelled")
FILTERS = (  # the request's filters (its fields but the words, the order and the page), in the edges' order
    "status", "label", "predicted", "min_confidence", "max_confidence", "labelled_by", "source", "since", "until",
)  # fmt: skip
SORTS = ("relevance", "uncertainty", "newest", "oldest")
LABEL_SOURCES = ("seed", "queue", "correction", "import", "cli", "simulated", "review", "overlap", "bulk")  # as stored
SOURCES = ("seed", "pool", "import", "user", "queue", "correction", "review", "bulk", "cli", "simulated", "overlap")
MAX_QUERY_CHARS = 500
MAX_TERMS = 16
MAX_PER_PAGE = 200
MAX_PAGE = 10_000

WORD = re.compile(r"[^\W_]+")  # the index's tokens: runs of letters and digits (unicode61, PostgreSQL 'simple')
_PART = re.compile(r'"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class Term:
    """One part of a query: a word, a phrase (words in this order) or a prefix (``word*``)."""

    words: tuple[str, ...]
    prefix: bool = False


def terms(query: str) -> tuple[Term, ...]:
    """The query's parts, every one required: ``"quoted words"`` a phrase, ``word*`` a prefix, other words as
    they are (punctuation splits them, as in the index); at most ``MAX_TERMS``."""
    found: list[Term] = []
    for quoted, bare in _PART.findall(query):
        if quoted:
            words = tuple(w.lower() for w in WORD.findall(quoted))
            if words:
                found.append(Term(words))
            continue
        loose = [w.lower() for w in WORD.findall(bare)]
        found += [Term((w,)) for w in loose[:-1]]
        if loose:
            found.append(Term((loose[-1],), prefix=bare.endswith("*")))
    if len(found) > MAX_TERMS:
        raise InvalidInputError(f"A search takes at most {MAX_TERMS} words or phrases; got {len(found)}. Shorten it.")
    return tuple(found)


@dataclass(frozen=True)
class SearchRequest:
    """What to find: texts matching ``query`` (empty: every text) that pass every filter given, in ``sort``
    order, page ``page`` (from 1) of ``per_page`` hits. Labels are indices into the project's label set."""

    query: str = ""
    status: str = "any"
    label: int | None = None  # the counting label
    predicted: int | None = None  # the current model's label
    min_confidence: float | None = None
    max_confidence: float | None = None
    labelled_by: str | None = None  # the annotator of the counting label
    source: str | None = None  # where the text came from, or how its counting label was given
    since: datetime | None = None  # the counting label's time, or the text's when it has none
    until: datetime | None = None
    sort: str = ""  # "" = relevance with a query, newest without
    page: int = 1
    per_page: int = 20

    @property
    def order(self) -> str:
        """The sort in force: relevance needs a query; without one, newest first."""
        if self.sort == "relevance" and not self.terms:
            return "newest"
        return self.sort or ("relevance" if self.terms else "newest")

    @property
    def terms(self) -> tuple[Term, ...]:
        """The query's parts (``terms``)."""
        return terms(self.query)

    @property
    def needs_scores(self) -> bool:
        """Whether the current model's scores decide which texts pass or their order."""
        scored = (self.predicted, self.min_confidence, self.max_confidence)
        return any(v is not None for v in scored) or self.order == "uncertainty"

    def first_page(self) -> SearchRequest:
        """The same search from its first page."""
        return replace(self, page=1)

    def to_dict(self, label_set: LabelSet | None = None) -> dict:
        """The request as JSON values (labels by name when ``label_set`` is given); dates as ISO text."""
        out = asdict(self)
        for key in ("label", "predicted"):
            if out[key] is not None and label_set is not None:
                out[key] = label_set.name(out[key])
        for key in ("since", "until"):
            out[key] = None if out[key] is None else out[key].isoformat()
        return out

    @classmethod
    def parse(cls, label_set: LabelSet, **raw: object) -> SearchRequest:
        """The request from raw values (strings from a form or argv, JSON values); empty strings and None mean
        "no filter". InvalidInputError names the field, what it must be and what arrived."""
        unknown = sorted(set(raw) - set(cls.__dataclass_fields__))
        if unknown:
            raise InvalidInputError(
                f"Unknown search field(s) {', '.join(unknown)}; use {', '.join(cls.__dataclass_fields__)}."
            )
        given = {k: v for k, v in raw.items() if v is not None and v != ""}
        query = parse_text(given.get("query", ""), "Query")
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidInputError(f"A search query must be at most {MAX_QUERY_CHARS} characters; got {len(query):,}.")
        request = cls(
            query=query.strip(),
            status=_choice(given.get("status", "any"), STATUSES, "Status"),
            label=_label(label_set, given.get("label"), "Label"),
            predicted=_label(label_set, given.get("predicted"), "Predicted label"),
            min_confidence=_confidence(given.get("min_confidence"), "min_confidence", no_filter=0.0),
            max_confidence=_confidence(given.get("max_confidence"), "max_confidence", no_filter=1.0),
            labelled_by=parse_annotator(given["labelled_by"]) if "labelled_by" in given else None,
            source=_choice(given["source"], SOURCES, "Source") if "source" in given else None,
            since=_when(given.get("since"), "since", end=False),
            until=_when(given.get("until"), "until", end=True),
            sort=_choice(given.get("sort", ""), ("", *SORTS), "Sort"),
            page=_whole(given.get("page", 1), "Page", MAX_PAGE),
            per_page=_whole(given.get("per_page", 20), "per_page", MAX_PER_PAGE),
        )
        request.terms  # noqa: B018 (refuses a query of too many parts now, not at the first search)
        low, high = request.min_confidence, request.max_confidence
        if low is not None and high is not None and low > high:
            raise InvalidInputError(f"min_confidence ({low:g}) is above max_confidence ({high:g}); swap them.")
        if request.since and request.until and request.since > request.until:
            raise InvalidInputError("since is after until; give the earlier date first.")
        if request.status == "unlabelled" and (request.label is not None or request.labelled_by):
            raise InvalidInputError("Unlabelled texts have no label or annotator; drop that filter or the status.")
        return request


def _choice(value: object, allowed: tuple[str, ...], what: str) -> str:
    name = parse_name(value, what).strip().lower()
    if name not in allowed:
        shown = ", ".join(a for a in allowed if a)
        raise InvalidInputError(f"{what} must be one of {shown}; got {str(value)[:40]!r}.")
    return name


def _label(label_set: LabelSet, value: object, what: str) -> int | None:
    if value is None:
        return None
    try:
        return label_set.index(value)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{what}: {exc}") from None


def _confidence(value: object, what: str, no_filter: float) -> float | None:
    """The bound, or None when there is none (a bound of 0 from below or 1 from above lets every text pass)."""
    if value is None:
        return None
    try:
        number = float(value) if isinstance(value, int | float | str) and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not 0.0 <= number <= 1.0:
        raise InvalidInputError(f"{what} must be a number from 0 to 1; got {str(value)[:40]!r}.")
    return None if number == no_filter else number


def _whole(value: object, what: str, most: int) -> int:
    try:
        number = int(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not 1 <= number <= most:
        raise InvalidInputError(f"{what} must be a whole number from 1 to {most:,}; got {str(value)[:40]!r}.")
    return number


def _when(value: object, what: str, *, end: bool) -> datetime | None:
    """A date (``2026-12-01``: its start, or its end for ``until``) or an ISO time; UTC when no zone is given."""
    if value is None:
        return None
    if isinstance(value, datetime):
        found = value
    else:
        text = parse_text(value, what).strip()
        try:
            if "T" in text or " " in text:
                found = datetime.fromisoformat(text)
            else:
                found = datetime.combine(date.fromisoformat(text), time.max if end else time.min)
        except ValueError:
            raise InvalidInputError(
                f"{what} must be a date (2026-12-01) or an ISO time (2026-12-01T09:30); got {text[:40]!r}."
            ) from None
    return found if found.tzinfo else found.replace(tzinfo=UTC)
