from datetime import timedelta

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from trial.access import can, sites_for, subjects_for
from trial.audit import history_for, history_scope, readable_entries
from trial.capabilities import Capability
from trial.models import Heartbeat, SubjectStatus
from trial.paging import page_of
from trial.study import current_study, current_study_or_none

HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


@login_required
def home(request):
    subjects = subjects_for(request.user).active()
    counts = {
        status.label: subjects.filter(status=status).count()
        for status in (SubjectStatus.SCREENING, SubjectStatus.ENROLLED, SubjectStatus.ON_TREATMENT)
    }
    heartbeats = []
    if can(request.user, Capability.ADMINISTER):
        now = timezone.now()
        heartbeats = [
            {
                "process": hb.process,
                "last_seen": hb.last_seen,
                "stale": now - hb.last_seen > HEARTBEAT_STALE_AFTER,
            }
            for hb in Heartbeat.objects.order_by("process")
        ]
    return render(
        request,
        "trial/home.html",
        {
            "sites": sites_for(request.user),
            "counts": counts,
            "heartbeats": heartbeats,
            "study": current_study_or_none(),
        },
    )


@login_required
def subject_list(request):
    subjects = (
        subjects_for(request.user)
        .active()
        .select_related("site")
        .order_by("site__code", "screening_number", "pk")
    )
    return render(request, "trial/subject_list.html", {"subjects": page_of(request, subjects)})


@login_required
def record_history(request, model_label, pk):
    """The audit trail of one record the user may see (who, when, field, old -> new, why)."""
    scope = history_scope(model_label)
    if scope is None:
        raise Http404("No history for this kind of record")
    try:
        record = scope(request.user).get(pk=pk)
    except (apps.get_model(model_label).DoesNotExist, ValueError):
        raise Http404("No such record") from None
    return render(
        request,
        "trial/record_history.html",
        {
            "record": record,
            "kind": record._meta.verbose_name,
            "entries": readable_entries(history_for(record)),
            "time_zone": timezone.get_current_timezone_name(),
        },
    )


@login_required
def study_overview(request):
    study = current_study()
    prefetch_related_objects(
        [study],
        "dose_levels",
        "thresholds",
        "lab_limits",
        "vital_sign_limits",
        "visit_definitions",
        "sites",
    )
    return render(request, "trial/study_overview.html", {"study": study})


def healthz(request):
    """Liveness for load balancers and the load benchmark's bare-view ceiling: no database,
    no session, no template."""
    return HttpResponse("ok", content_type="text/plain")
