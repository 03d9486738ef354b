"""The marker of a database holding the demo data set: while it exists, every page says so."""

from django.db import models


class DemoDataset(models.Model):
    """One row when `manage.py seed_demo` has built the demo trial (see demo/seed.py).

    The demo's history is dated relative to `as_of`, the day it was seeded: its SAE clocks,
    DLT windows and overdue visits read as described on that day and age from then on.
    """

    study = models.OneToOneField("trial.Study", on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField(help_text="The day the demo history is dated from")
    seeded_at = models.DateTimeField()
    seconds = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = "demo data set"

    def __str__(self):
        return f"Demo data set of {self.as_of}"
