"""CDISC CORE (the open conformance rules engine) on the SDTM export of a seeded trial.

Runs only where CORE is set up (CDISC_CORE_ROOT, see docs/exports.md "CDISC CORE"; .ci/run
sets it on the development machine); skipped with the reason otherwise. One run of the
SDTMIG 3.4 rules on a small seed_large trial: about a minute on two cores.
"""

import importlib.util
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from exports import services
from exports.models import ExportStatus
from tests.exports.test_xport import read_xpt

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("cdisc_core", ROOT / "bench" / "cdisc_core.py")
cdisc_core = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cdisc_core)

CORE_ROOT = Path(os.environ["CDISC_CORE_ROOT"]) if os.environ.get("CDISC_CORE_ROOT") else None
NOT_READY = cdisc_core.core_ready(CORE_ROOT)

needs_core = pytest.mark.skipif(NOT_READY is not None, reason=f"CDISC CORE: {NOT_READY}")


def _issue(values: dict, core_id: str = "CORE-000192", dataset: str = "dm.xpt") -> dict:
    """A CORE issue of the report, with the variables and values it names."""
    return {
        "core_id": core_id,
        "dataset": dataset,
        "variables": list(values),
        "values": list(values.values()),
    }


@pytest.mark.parametrize(
    ("version", "issue", "known"),
    [
        # The two rules that contradict each other: ignored only on an assigned, untreated row.
        ("3-4", _issue({"ARMNRS": "ASSIGNED, NOT TREATED", "RFENDTC": "2026-11-28"}), True),
        ("3-4", _issue({"ARMNRS": "SCREEN FAILURE", "RFENDTC": "2026-11-28"}), False),
        ("3-2", _issue({"ARMNRS": "ASSIGNED, NOT TREATED", "RFENDTC": "2026-11-28"}), False),
        ("3-4", _issue({"ARM": "DL1", "RFENDTC": "null"}, "CORE-000191"), False),
        # A false positive of a whole dataset.
        ("3-4", _issue({}, "CORE-000594"), True),
    ],
)
def test_only_documented_false_positives_and_conflicts_are_set_aside(version, issue, known):
    assert cdisc_core.summary({"Rules_Report": [], "Issue_Details": [issue]}, version)[
        "known_false_positives"
    ] == ([issue] if known else [])


@needs_core
def test_core_finds_no_issue_in_the_sdtm_export_of_a_seeded_trial(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_large", "--subjects", "12", "--sites", "2", "--aes-per-subject", "3")
    run = services.export_to_path(by=None, format="sdtm", output=tmp_path / "sdtm.zip")
    assert run.status == ExportStatus.DONE, run.error
    datasets = cdisc_core.extract_xpt(tmp_path / "sdtm.zip", tmp_path / "xpt")
    assert {"dm.xpt", "ae.xpt", "ts.xpt", "ta.xpt", "te.xpt", "tv.xpt", "ti.xpt"} <= set(datasets)
    # The background CRFs have rows for CORE to check (seed_large's history, prior cancer
    # therapy and medications), not only empty datasets.
    for name in ("mh.xpt", "cm.xpt", "pr.xpt"):
        *_, rows = read_xpt((tmp_path / "xpt" / name).read_bytes())
        assert rows, f"{name} has no rows"

    report = cdisc_core.run_core(CORE_ROOT, tmp_path / "xpt", "3-4", tmp_path)
    result = cdisc_core.summary(report, "3-4")

    assert result["rules"].get("SUCCESS", 0) > 150
    assert result["issues"] == [], cdisc_core.describe(result)
    assert result["missing_trial_design"] == [], cdisc_core.describe(result)
