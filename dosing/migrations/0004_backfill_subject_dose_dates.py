from django.db import migrations
from django.db.models import Max, Min


def backfill_dose_dates(apps, schema_editor):
    """Subject.first_dose_on / last_dose_on from the doses already recorded.

    The same definition as dosing.services.keep_dose_dates: the earliest and latest
    administration date of the subject's doses given and not voided (no dose is voided yet:
    the column is new). The update is audited (subject events, reason below).
    """
    import pghistory

    DosingRecord = apps.get_model("dosing", "DosingRecord")
    Subject = apps.get_model("trial", "Subject")
    dates = (
        DosingRecord.objects.filter(administered_on__isnull=False, voided_at__isnull=True)
        .values("subject_id")
        .annotate(first=Min("administered_on"), last=Max("administered_on"))
        .order_by("subject_id")
    )
    with pghistory.context(reason="Data migration: first and last dose dates from the doses"):
        for row in dates.iterator():
            Subject.objects.filter(pk=row["subject_id"]).update(
                first_dose_on=row["first"], last_dose_on=row["last"]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("dosing", "0003_dosingrecord_void"),
        ("trial", "0009_subject_first_last_dose"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [migrations.RunPython(backfill_dose_dates, migrations.RunPython.noop)]
