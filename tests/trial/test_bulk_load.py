"""Bulk loads end with ANALYZE of what they wrote (trial.bulk_load, issue 22).

ANALYZE sets pg_class.reltuples to the rows it counted (-1 on a table never analysed, a
stale figure after a load): the planner's row estimate, which these tests read.
"""

import pytest
from django.core.management import call_command
from django.db import connection

from adverse_events.models import CtcaeTerm
from trial.bulk_load import analyze, bulk_load, tables_written, write_counts
from trial.models import Site


def reltuples(model) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        return cursor.fetchone()[0]


def test_the_tables_a_block_wrote_are_analysed_and_only_those(study):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE trial_site")
    before = reltuples(Site)
    with bulk_load() as analyzed:
        for n in range(30):
            Site.objects.create(code=f"ZZ{n:02d}", name=f"Bulk {n}", country="FR")
    assert reltuples(Site) == Site.objects.count() == before + 30
    assert "trial_site" in analyzed.tables and analyzed.skipped == []
    assert "adverse_events_ctcaeterm" not in analyzed.tables
    assert str(analyzed).startswith(f"ANALYZE of {len(analyzed.tables)} table(s) written")


def test_nothing_written_nothing_analysed(study):
    with bulk_load() as analyzed:
        Site.objects.count()
    assert analyzed.tables == []


def test_tables_written_are_those_written_since_the_reading(study):
    from django.utils import timezone

    from trial.models import Heartbeat

    before = write_counts()
    assert tables_written(before) == []
    Heartbeat.objects.create(process="bench", last_seen=timezone.now())
    assert tables_written(before) == ["trial_heartbeat"]


def test_analyze_ignores_names_that_are_not_tables_of_the_schema(db):
    assert analyze(["no_such_table", "pg_class"]).tables == []


@pytest.mark.django_db(transaction=True)
def test_import_ctcae_leaves_the_dictionary_analysed(capsys):
    """The real path: the import commits, then ANALYZE runs outside its transaction."""
    call_command("import_ctcae")
    assert reltuples(CtcaeTerm) == CtcaeTerm.objects.count() > 0
    assert "ANALYZE of" in capsys.readouterr().out
