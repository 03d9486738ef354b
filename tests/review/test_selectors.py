"""The investigator's queue read a page at a time (review.selectors.ReviewQueue): each source
gives only its first keys up to the page's end, and the pages are the slices of the whole
queue, in its order."""

import pytest

from review.selectors import review_queue_of

pytestmark = pytest.mark.django_db


def keys(items):
    return [(item.task, item.record._meta.label, item.record.pk) for item in items]


def test_every_slice_of_the_queue_is_that_slice_of_the_whole_queue(investigator_a, seed_subjects):
    seed_subjects(12, aes_per_subject=3)
    queue = review_queue_of(investigator_a)
    whole = queue[:]
    assert len(queue) == len(whole) > 20
    assert len({item.task for item in whole}) >= 3  # several kinds and tasks interleaved
    assert [item.since for item in whole] == sorted(item.since for item in whole)
    whole = keys(whole)
    for size in (1, 4, 25):
        for start in range(0, len(whole), size):
            assert keys(queue[start : start + size]) == whole[start : start + size]
    assert keys([queue[3], queue[-1]]) == [whole[3], whole[-1]]
    assert keys(queue[len(whole) - 2 :]) == whole[-2:]
    assert keys(queue[len(whole) :]) == []
