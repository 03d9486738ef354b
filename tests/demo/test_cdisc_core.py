"""CDISC CORE on the SDTM export of the demo trial, as a reviewer would first look at it: an
interim export of a trial in progress (a subject enrolled and not dosed yet, open queries,
screen failures). Runs where CORE is set up, as tests/exports/test_cdisc_core.py."""

import pytest

from exports import services
from exports.models import ExportStatus
from tests.exports.test_cdisc_core import CORE_ROOT, cdisc_core, needs_core


@needs_core
@pytest.mark.django_db
def test_core_finds_no_issue_in_the_demo_trial_s_sdtm_export(demo_output, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    run = services.export_to_path(by=None, format="sdtm", output=tmp_path / "sdtm.zip")
    assert run.status == ExportStatus.DONE, run.error
    datasets = cdisc_core.extract_xpt(tmp_path / "sdtm.zip", tmp_path / "xpt")
    expected = {"dm", "ae", "ex", "lb", "vs", "eg", "be", "mh", "cm", "tu"}
    assert {f"{domain}.xpt" for domain in expected} <= set(datasets)

    report = cdisc_core.run_core(CORE_ROOT, tmp_path / "xpt", "3-4", tmp_path)
    result = cdisc_core.summary(report, "3-4")

    assert result["rules"].get("SUCCESS", 0) > 150
    assert result["issues"] == [], cdisc_core.describe(result)
    assert result["missing_trial_design"] == [], cdisc_core.describe(result)
