"""ECG reads scoped by site (trial.access): like the other visit CRFs, every role of a site
reads its subjects' ECGs."""

from django.db.models import QuerySet

from ecg.models import Electrocardiogram
from trial.access import scope_to_sites
from trial.models import User


def ecgs_for(user: User) -> QuerySet[Electrocardiogram]:
    return scope_to_sites(
        Electrocardiogram.objects.all(), user, site_field="subject__site"
    ).select_related("subject", "subject__site", "visit")
