"""Who may export, which subjects an export contains, and which runs a user may see.

Site scoping goes through trial.access like every other read: the sites an export may cover
are `sites_for(user, Capability.EXPORT)`, and a run is downloadable only by someone who could have
produced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from exports.models import ExportRun
from trial.access import can, sites_for
from trial.capabilities import Capability
from trial.models import Site, Subject, User


def may_export(user: User) -> bool:
    return can(user, Capability.EXPORT)


def exportable_sites(user: User | None) -> QuerySet[Site]:
    """Sites a user may export; None is an operator at the command line (every site)."""
    if user is None:
        return Site.objects.all()
    return sites_for(user, Capability.EXPORT)


@dataclass(frozen=True)
class ExportScope:
    """What an export contains: subjects of these sites, statuses and registration dates.

    The date range applies to the date a subject was registered for screening; for the audit
    trail it applies to the time of each change instead.
    """

    site_codes: tuple[str, ...]
    statuses: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def as_filters(self) -> dict:
        return {
            "sites": list(self.site_codes),
            "statuses": list(self.statuses),
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }

    @classmethod
    def from_filters(cls, filters: dict) -> ExportScope:
        def day(value):
            return date.fromisoformat(value) if value else None

        return cls(
            site_codes=tuple(filters.get("sites") or ()),
            statuses=tuple(filters.get("statuses") or ()),
            date_from=day(filters.get("date_from")),
            date_to=day(filters.get("date_to")),
        )

    def describe(self) -> str:
        parts = [f"sites {', '.join(self.site_codes) or 'none'}"]
        if self.statuses:
            parts.append(f"statuses {', '.join(self.statuses)}")
        if self.date_from or self.date_to:
            parts.append(f"dates {self.date_from or '…'} to {self.date_to or '…'}")
        return "; ".join(parts)


def subjects_in(scope: ExportScope, *, dates: bool = True, voided: bool = False):
    """The subjects an export covers. Voided subjects (entered in error) are left out of the
    clinical data, but not out of the audit trail (`voided=True`)."""
    subjects = Subject.objects.filter(site__code__in=scope.site_codes)
    if not voided:
        subjects = subjects.filter(voided_at__isnull=True)
    if scope.statuses:
        subjects = subjects.filter(status__in=scope.statuses)
    if dates and scope.date_from:
        subjects = subjects.filter(created_at__date__gte=scope.date_from)
    if dates and scope.date_to:
        subjects = subjects.filter(created_at__date__lte=scope.date_to)
    return subjects


def runs_for(user: User) -> QuerySet[ExportRun]:
    """Runs a user may list: administrators see every run, data managers their own."""
    if not may_export(user):
        return ExportRun.objects.none()
    runs = ExportRun.objects.select_related("requested_by")
    if can(user, Capability.READ_ALL_EXPORTS):
        return runs
    return runs.filter(requested_by=user)


def get_run_for_user(user: User, pk) -> ExportRun:
    """A run the user may see and download, else 404 (ids are not confirmed).

    Besides being the requester (or an administrator), the user must still hold an export
    role at every site the file covers: losing a site's role closes its old files too.
    """
    try:
        run = runs_for(user).get(pk=pk)
    except (ExportRun.DoesNotExist, ValueError):
        raise Http404("No such export") from None
    allowed = set(exportable_sites(user).values_list("code", flat=True))
    if not set(run.site_codes) <= allowed:
        raise Http404("No such export")
    return run
