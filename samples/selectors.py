"""Sample reads scoped by site (trial.access): like the other visit CRFs, every role of a
site reads its subjects' samples."""

from django.db.models import QuerySet

from samples.models import Sample
from trial.access import scope_to_sites
from trial.models import User


def samples_for(user: User) -> QuerySet[Sample]:
    return scope_to_sites(Sample.objects.all(), user, site_field="subject__site").select_related(
        "subject", "subject__site", "visit"
    )
