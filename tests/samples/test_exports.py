"""Samples in the exports, through the kind's export spec: a CSV file and an ODM log form."""

import csv
import io
import zipfile

from exports import services
from exports.models import ExportStatus
from tests.samples.factories import record_sample


def test_the_csv_and_odm_exports_carry_the_samples(
    settings, tmp_path, subject, coordinator_a, data_manager
):
    settings.VAR_DIR = tmp_path
    record_sample(subject, coordinator_a)
    contents = {}
    for fmt in ("csv", "odm"):
        run = services.export_request(by=data_manager, format=fmt, channel="command")
        run = services.export_run(run_id=run.pk)
        assert run.status == ExportStatus.DONE, run.error
        with services.export_open(run) as handle:
            contents[fmt] = handle.read()
    with zipfile.ZipFile(io.BytesIO(contents["csv"])) as archive:
        [row] = csv.DictReader(io.StringIO(archive.read("samples.csv").decode()))
    assert (row["visit"], row["sample_type"], row["nominal_time"], row["sample_id"]) == (
        "C1D1",
        "PK",
        "H1",
        "PK-0001",
    )
    assert (row["deviation_minutes"], row["beyond_tolerance"]) == ("0", "N")
    odm = contents["odm"].decode()
    assert 'FormOID="F.BS"' in odm and 'ItemOID="IT.BS.SAMPLE_ID" Value="PK-0001"' in odm
