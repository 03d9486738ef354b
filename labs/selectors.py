"""Lab reads scoped by site (trial.access): like the other visit CRFs, every role of a site
reads its subjects' lab results."""

from django.db.models import QuerySet

from labs.models import LabResult
from trial.access import scope_to_sites
from trial.models import User


def lab_results_for(user: User) -> QuerySet[LabResult]:
    return scope_to_sites(LabResult.objects.all(), user, site_field="subject__site").select_related(
        "subject", "subject__site", "visit", "normal_range"
    )
