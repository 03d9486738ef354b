"""Reading the CRFs for SDTM: what each domain's reader (review.sdtm.SdtmDomain.records)
shares. One streamed query per domain, rows sorted by USUBJID in byte order ("C"
collation), so that readers of several streams can merge them in Python.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Collate, TruncDate
from django.utils import timezone

from review import sdtm
from trial.models import Subject, Visit, VisitKind


def subjid(prefix: str = "subject__"):
    """SUBJID: the subject number, the screening number before enrollment (byte order)."""
    return Collate(Coalesce(f"{prefix}subject_number", f"{prefix}screening_number"), "C")


def first_dose_on(outer: str = "subject"):
    """The first dose's date: Subject.first_dose_on (kept by dosing.services), from `outer`.
    What a baseline (last before exposure) or a prior medication is measured against."""
    return F("first_dose_on" if outer == "pk" else f"{outer}__first_dose_on")


def reference_start(outer: str = "subject"):
    """RFSTDTC's date, from which study days (--DY) count: the first dose; for a subject
    assigned a dose level and not (yet) treated, the day of its enrolment (SDTMIG 3.4 DM:
    required for every assigned subject); none for a screen failure or one not assigned."""
    prefix = "" if outer == "pk" else f"{outer}__"
    return Coalesce(
        F(f"{prefix}first_dose_on"),
        TruncDate(f"{prefix}enrolled_at", tzinfo=timezone.get_current_timezone()),
    )


def in_scope(model_qs: QuerySet, subjects: QuerySet[Subject], path: str = "subject") -> QuerySet:
    """The rows of the export's subjects."""
    return model_qs.filter(**{f"{path}__in": subjects.values("pk")})


def local(moment: datetime | None) -> datetime | None:
    """A stored (aware) time as the site's wall-clock time, as SDTM writes it."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def combine(day, at):
    return datetime.combine(day, at) if day and at else day


class Keys:
    """SubjectKey per row: USUBJID from the row's `subjid`, RFSTDTC from its `rfst`
    (`reference_start`) and RFXSTDTC from its `rfx` (`first_dose_on`) where it has one."""

    def __init__(self, studyid: str):
        self.studyid = studyid

    def __call__(self, row: dict) -> sdtm.SubjectKey:
        return sdtm.subject_key(self.studyid, row["subjid"], row.get("rfst"), row.get("rfx"))


def visit_annotations(subject: str, on: str) -> dict:
    """VISITNUM and VISIT of an assessment dated `on`: the screening visit for a baseline,
    else the subject's latest visit done on or before the date (`visit_of`)."""
    done = Visit.objects.filter(
        subject=OuterRef(subject), completed_on__isnull=False, completed_on__lte=OuterRef(on)
    ).order_by("-completed_on", "-order")
    screening = Visit.objects.filter(subject=OuterRef(subject), kind=VisitKind.SCREENING)
    return {
        "visit_num": Subquery(done.values("order")[:1]),
        "visit_name": Subquery(done.values("name")[:1]),
        "screening_num": Subquery(screening.values("order")[:1]),
        "screening_name": Subquery(screening.values("name")[:1]),
    }


def visit_of(row: dict, baseline: bool) -> tuple[int | None, str]:
    if baseline and row["screening_num"] is not None:
        return row["screening_num"], row["screening_name"]
    return row["visit_num"], row["visit_name"] or ""


def grouped(rows: Iterator[dict]) -> Callable[[str], list[dict]]:
    """Rows sorted by subjid, handed out per subject to a reader walking the subjects in the
    same order (both streams stay server-side cursors)."""
    pending = itertools.groupby(rows, key=lambda r: r["subjid"])
    current: list = [None, []]

    def rows_of(subjid: str) -> list[dict]:
        while current[0] is None or current[0] < subjid:
            try:
                key, group = next(pending)
            except StopIteration:
                return []
            current[:] = [key, list(group)]
        return current[1] if current[0] == subjid else []

    return rows_of
