"""The pool is scored in id ranges: every pool id falls in exactly one range, and no range holds more rows than
a chunk, whether the ranges come from a list of ids or from the smallest and largest id alone."""

from hypothesis import given
from hypothesis import strategies as st

from hloop.services.scoring import spans_between, spans_of


def _covered(ids, spans):
    return [[i for i in ids if first <= i <= last] for first, last in spans]


@given(st.sets(st.integers(1, 500), max_size=80), st.integers(1, 30))
def test_every_id_is_in_exactly_one_range_of_at_most_a_chunk(id_set, chunk):
    ids = sorted(id_set)
    for spans in (spans_of(ids, chunk), spans_between(ids[0], ids[-1], chunk) if ids else []):
        parts = _covered(ids, spans)
        assert [i for part in parts for i in part] == ids
        assert all(len(part) <= chunk for part in parts)
        assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False)), "ascending, not overlapping"
