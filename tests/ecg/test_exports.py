"""ECGs in the exports, through the kind's export spec: a CSV file and an ODM log form."""

import csv
import io
import zipfile

import pytest

from exports import services
from exports.models import ExportStatus
from tests.ecg.factories import record_ecg, with_qt


@pytest.fixture
def exported(settings, tmp_path, subject, coordinator_a, data_manager):
    settings.VAR_DIR = tmp_path
    record = record_ecg(subject, coordinator_a, values=with_qt(485))

    def export(fmt):
        run = services.export_request(by=data_manager, format=fmt, channel="command")
        run = services.export_run(run_id=run.pk)
        assert run.status == ExportStatus.DONE, run.error
        with services.export_open(run) as handle:
            return run, handle.read()

    return record, export


def test_the_csv_export_has_the_ecgs_and_their_dictionary(exported):
    record, export = exported
    run, content = export("csv")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("ecgs.csv").decode())))
        dictionary = list(csv.DictReader(io.StringIO(archive.read("data_dictionary.csv").decode())))
    [row] = rows
    assert (row["visit"], row["time_point"], row["qt_ms_1"]) == ("C1D8", "visit", "485")
    assert (row["qtcf_ms"], row["qtc_grade"]) == ("485.0", "2")
    assert run.row_counts["ecgs"] == 1
    interpretation = next(
        r for r in dictionary if r["dataset"] == "ecgs" and r["column"] == "interpretation"
    )
    assert "abnormal_cs = Abnormal, clinically significant" in interpretation["codes"]


def test_the_odm_export_carries_the_ecg_as_a_log_form(exported):
    record, export = exported
    _run, content = export("odm")
    text = content.decode()
    assert 'FormOID="F.EG"' in text
    assert 'ItemOID="IT.EG.QTCF_MS" Value="485"' in text
    assert 'ItemOID="IT.EG.QTC_GRADE" Value="2"' in text
