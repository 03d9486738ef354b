"""The exported datasets come from the registry of CRF kinds (review.records.export_specs):
each app declares its own, exports loop over them."""

import zipfile

import pytest
from django.core.exceptions import ImproperlyConfigured

from exports.crfs import crf_specs
from review import records
from review.export_spec import ExportSpec
from tests.exports.test_formats import csv_rows, export

# The datasets in export order (files, sheets, data dictionary): the order before the
# registry, kept by each kind's position.
DATASETS = [
    "subjects",
    "consent",
    "eligibility",
    "eligibility_findings",
    "visits",
    "dosing",
    "target_lesions",
    "non_target_lesions",
    "tumour_assessments",
    "lesion_measurements",
    "non_target_observations",
    "new_lesions",
    "vital_signs",
    "ecgs",
    "samples",
    "adverse_events",
    "medical_history",
    "medications",
    "lab_results",
    "prior_systemic_therapy",
    "prior_radiotherapy",
    "prior_surgery",
    "dispositions",
    "signatures",
    "queries",
    "query_messages",
]


def test_datasets_keep_their_order_and_lead_with_their_keys():
    specs = crf_specs([("anc", "ANC")])
    assert [crf.name for crf in specs] == DATASETS
    subject_keys = ["site", "screening_number", "subject_number"]
    for crf in specs:
        names = [c.name for c in crf.columns]
        assert subject_keys == names[1:4], crf.name
        assert all(c.key for c in crf.columns[:4]), crf.name
    eligibility = next(c for c in specs if c.name == "eligibility")
    assert [c.name for c in eligibility.columns][-2:] == ["lab_anc", "lab_anc_uln"]


def test_a_foreign_key_is_exported_by_the_natural_key_its_app_declares():
    events = next(c for c in crf_specs() if c.name == "adverse_events")
    term = [(c.name, c.path) for c in events.columns if c.path.startswith("term__")]
    assert term == [
        ("term", "term__term"),
        ("term_meddra_code", "term__meddra_code"),
        ("term_soc", "term__soc"),
    ]
    assert ("recorded_by", "recorded_by__username") in [(c.name, c.path) for c in events.columns]


def test_a_kind_registered_in_a_test_is_in_the_csv_export(throwaway_kind, data):
    run, path = export(data, "csv")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        rows = csv_rows(archive.read("reminders.csv").decode())
        dictionary = csv_rows(archive.read("data_dictionary.csv").decode())
    # Position 95: after the dispositions (90), before the signatures (100).
    assert names.index("dispositions.csv") < names.index("reminders.csv")
    assert names.index("reminders.csv") < names.index("signatures.csv")
    assert [(r["screening_number"], r["title"], r["recipient"]) for r in rows] == [
        (data.dosed.screening_number, "A test-only record", "coord_a")
    ]
    assert run.row_counts["reminders"] == 1
    assert {"reminders"} == {
        r["dataset"] for r in dictionary if r["source"].startswith("followup.")
    }


def test_the_export_of_a_kind_cannot_be_declared_twice():
    kind = records.KINDS["dosing.dosingrecord"]
    with pytest.raises(ImproperlyConfigured, match="is a CRF kind"):
        records.register_export(kind.label, kind.export)
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        records.register_export("review.query", ExportSpec(1, lambda context: ()))


# Kinds not exported yet: each must leave this set when its kind declares its export.
NOT_YET_EXPORTED: set[str] = set()


def test_every_kind_is_exported():
    """A CRF kind without an export specification would be missing from every export."""
    missing = {label for label, kind in records.KINDS.items() if kind.export is None}
    assert missing - NOT_YET_EXPORTED == set()
    assert missing >= NOT_YET_EXPORTED  # the set only shrinks
