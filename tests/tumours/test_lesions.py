"""Non-target and new lesions recorded one by one (issue 19): the baseline lists the
non-target lesions, each follow-up gives each one's state and every new lesion (equivocal or
not); the non-target response and new-lesion finding the overall response takes come from
them (tumours.recist), are audited, hashed with the assessment, and exported to SDTM TU/TR."""

import csv
import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from lxml import etree

from exports import services
from review.signing import record_hash
from tests.dosing.factories import dosed_subject
from tests.exports.test_seed_large import ODM_XSD
from tests.screening.factories import PLANNED_C1D1, at
from trial.models import Subject
from tumours.models import (
    NewLesion,
    NonTargetLesionDefinition,
    NonTargetObservation,
    TumourAssessment,
)
from tumours.sdtm import read_rs, read_tr, read_tu
from tumours.services import (
    baseline_record,
    follow_up_record,
    tumour_assessment_correct,
    tumour_assessment_void,
)

pytestmark = pytest.mark.django_db

BASELINE_ON = PLANNED_C1D1 - timedelta(days=3)
WEEK_6 = PLANNED_C1D1 + timedelta(days=42)
WEEK_12 = PLANNED_C1D1 + timedelta(days=84)
TODAY = WEEK_12
NOW = at(PLANNED_C1D1, 17)
REASON = "Re-read on the source images"


@pytest.fixture
def dosed(study, site_a, coordinator_a, investigator_a):
    return dosed_subject(study, site_a, coordinator_a, investigator_a)


@pytest.fixture
def baseline(dosed, coordinator_a):
    return baseline_record(
        subject=dosed,
        by=coordinator_a,
        assessment_date=BASELINE_ON,
        lesions=[{"lesion_id": "T1", "organ": "Liver", "is_lymph_node": False, "diameter_mm": 40}],
        non_target_lesions=[
            {"organ": "Lung", "location": "right upper lobe"},
            {"organ": "Lymph node", "location": "left axilla", "is_lymph_node": True},
        ],
        today=TODAY,
        now=NOW,
    )


def follow_up(subject, by, on=WEEK_6, t1="40", states=None, new_lesions=False, rows=()):
    return follow_up_record(
        subject=subject,
        by=by,
        assessment_date=on,
        diameters={"T1": Decimal(t1)},
        non_target_states=states or {"NT1": "present", "NT2": "present"},
        new_lesions=new_lesions,
        new_lesion_rows=list(rows),
        today=TODAY,
        now=NOW,
    )


def test_baseline_numbers_the_non_target_lesions_and_records_them_present(baseline, dosed):
    lesions = list(NonTargetLesionDefinition.objects.filter(subject=dosed))
    assert [(n.lesion_id, n.organ, n.location, n.is_lymph_node) for n in lesions] == [
        ("NT1", "Lung", "right upper lobe", False),
        ("NT2", "Lymph node", "left axilla", True),
    ]
    assert set(baseline.non_target_observations.values_list("state", flat=True)) == {"present"}
    assert baseline.non_target == "non_cr_non_pd"


def test_baseline_without_non_target_lesions_has_none(dosed, coordinator_a):
    row = baseline_record(
        subject=dosed,
        by=coordinator_a,
        assessment_date=BASELINE_ON,
        lesions=[{"lesion_id": "T1", "organ": "Liver", "is_lymph_node": False, "diameter_mm": 40}],
        today=TODAY,
        now=NOW,
    )
    assert row.non_target == "not_present"
    assert not NonTargetLesionDefinition.objects.filter(subject=dosed).exists()


def test_baseline_listing_non_target_lesions_refuses_a_summary_saying_none(dosed, coordinator_a):
    with pytest.raises(ValidationError) as refused:
        baseline_record(
            subject=dosed,
            by=coordinator_a,
            assessment_date=BASELINE_ON,
            lesions=[{"lesion_id": "T1", "organ": "Liver", "is_lymph_node": False,
                      "diameter_mm": 40}],
            non_target_lesions=[{"organ": "Lung"}],
            non_target="not_present",
            today=TODAY,
        )  # fmt: skip
    assert "non_target" in refused.value.message_dict
    assert not TumourAssessment.objects.filter(subject=dosed).exists()


@pytest.mark.parametrize(
    ("states", "non_target", "response"),
    [
        ({"NT1": "present", "NT2": "present"}, "non_cr_non_pd", "sd"),
        ({"NT1": "absent", "NT2": "absent"}, "cr", "sd"),
        ({"NT1": "absent", "NT2": "not_evaluated"}, "ne", "sd"),
        ({"NT1": "present", "NT2": "unequivocal_progression"}, "pd", "pd"),
    ],
)
def test_follow_up_derives_the_non_target_response_from_each_lesion(
    baseline, dosed, coordinator_a, states, non_target, response
):
    row = follow_up(dosed, coordinator_a, states=states)
    assert (row.non_target, row.response) == (non_target, response)
    assert {o.lesion.lesion_id: o.state for o in row.non_target_observations.all()} == states
    assert any(r.startswith("non-target lesions: ") and "2" in r for r in row.reasons)


def test_follow_up_refuses_a_non_target_lesion_without_its_state(baseline, dosed, coordinator_a):
    with pytest.raises(ValidationError) as refused:
        follow_up(dosed, coordinator_a, states={"NT1": "present"})
    assert "non_target_NT2" in refused.value.message_dict
    assert not TumourAssessment.objects.filter(subject=dosed, is_baseline=False).exists()


def test_follow_up_refuses_a_state_for_a_lesion_the_baseline_does_not_have(
    baseline, dosed, coordinator_a
):
    with pytest.raises(ValidationError) as refused:
        follow_up(
            dosed, coordinator_a, states={"NT1": "present", "NT2": "present", "NT9": "absent"}
        )
    assert "NT9" in str(refused.value)


def test_unequivocal_new_lesion_is_progression(baseline, dosed, coordinator_a):
    row = follow_up(
        dosed, coordinator_a, new_lesions=True, rows=[{"organ": "Bone", "location": "L3"}]
    )
    assert (row.new_lesions, row.response) == (True, "pd")
    (entry,) = row.new_lesion_entries.all()
    assert (entry.lesion_id, entry.organ, entry.location, entry.equivocal) == (
        "NEW1",
        "Bone",
        "L3",
        False,
    )


def test_equivocal_new_lesion_is_not_progression_until_confirmed_then_dates_from_first_scan(
    baseline, dosed, coordinator_a
):
    first = follow_up(
        dosed, coordinator_a, new_lesions=True, rows=[{"organ": "Bone", "equivocal": True}]
    )
    assert (first.new_lesions, first.response) == (False, "sd")
    assert "new lesions: NEW1 equivocal: not progression unless a later scan confirms it" in (
        first.reasons
    )
    second = follow_up(
        dosed,
        coordinator_a,
        on=WEEK_12,
        new_lesions=True,
        rows=[{"organ": "Bone", "same_as": "NEW1"}],
    )
    first.refresh_from_db()
    # RECIST 1.1, 4.3.2: confirmed, progression is declared at the scan that first showed it.
    assert (second.response, first.response, first.new_lesions) == ("pd", "pd", True)
    assert list(second.new_lesion_entries.values_list("lesion_id", flat=True)) == ["NEW1"]


def test_new_lesion_answers_must_agree_with_the_lesions_listed(baseline, dosed, coordinator_a):
    with pytest.raises(ValidationError) as no_rows:
        follow_up(dosed, coordinator_a, new_lesions=True)
    assert "new_lesions" in no_rows.value.message_dict
    with pytest.raises(ValidationError) as said_no:
        follow_up(dosed, coordinator_a, new_lesions=False, rows=[{"organ": "Bone"}])
    assert "new_lesions" in said_no.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        follow_up(
            dosed, coordinator_a, new_lesions=True, rows=[{"organ": "Bone", "same_as": "NEW4"}]
        )
    assert "new_1_same_as" in unknown.value.message_dict


def test_correcting_a_non_target_state_derives_the_response_again_and_is_audited(
    baseline, dosed, coordinator_a
):
    row = follow_up(dosed, coordinator_a)
    before = record_hash(row)
    corrected = tumour_assessment_correct(
        assessment=row,
        by=coordinator_a,
        expected_version=row.version,
        reason=REASON,
        diameters={},
        non_target_states={"NT2": "unequivocal_progression"},
        new_lesions=False,
        method="CT",
    )
    assert (corrected.non_target, corrected.response) == ("pd", "pd")
    observation = NonTargetObservation.objects.get(assessment=row, lesion__lesion_id="NT2")
    events = list(observation.events.order_by("pgh_id"))
    assert [e.state for e in events] == ["present", "unequivocal_progression"]
    assert events[-1].pgh_context.metadata["reason"] == REASON
    # The lesion states are hashed with the assessment: a signature would no longer match.
    assert record_hash(TumourAssessment.objects.get(pk=row.pk)) != before


def test_correction_makes_a_new_lesion_equivocal_and_the_time_point_is_no_longer_pd(
    baseline, dosed, coordinator_a
):
    row = follow_up(dosed, coordinator_a, new_lesions=True, rows=[{"organ": "Bone"}])
    corrected = tumour_assessment_correct(
        assessment=row,
        by=coordinator_a,
        expected_version=row.version,
        reason=REASON,
        diameters={},
        new_lesions=True,
        new_lesion_equivocal={"NEW1": True},
        method="CT",
    )
    assert (corrected.new_lesions, corrected.response) == (False, "sd")
    with pytest.raises(ValidationError, match="void this time point"):
        tumour_assessment_correct(
            assessment=corrected,
            by=coordinator_a,
            expected_version=corrected.version,
            reason=REASON,
            diameters={},
            new_lesions=False,
            method="CT",
        )


def test_voiding_the_baseline_voids_its_non_target_lesions(baseline, dosed, coordinator_a):
    tumour_assessment_void(assessment=baseline, by=coordinator_a, reason="Wrong subject")
    assert not NonTargetLesionDefinition.objects.filter(subject=dosed, voided_at=None).exists()


def test_sdtm_tu_tr_hold_the_non_target_and_new_lesions(study, baseline, dosed, coordinator_a):
    follow_up(
        dosed,
        coordinator_a,
        states={"NT1": "absent", "NT2": "not_evaluated"},
        new_lesions=True,
        rows=[{"organ": "Liver", "equivocal": True}],
    )
    subjects = Subject.objects.filter(pk=dosed.pk)
    tu = list(read_tu(study, subjects))
    assert [(r["TULNKID"], r["TUSTRESC"]) for r in tu] == [
        ("T1", "TARGET"),
        ("NT1", "NON-TARGET"),
        ("NT2", "NON-TARGET"),
        ("NEW1", "NEW"),
    ]
    assert [r["TUSEQ"] for r in tu] == [1, 2, 3, 4]
    assert tu[2]["TULOC"] == "LYMPH NODE"
    states = [
        (r["TRDTC"], r["TRLNKID"], r["TRSTRESC"], r["TRSTAT"])
        for r in read_tr(study, subjects)
        if r["TRTESTCD"] == "TUMSTATE"
    ]
    assert states == [
        (BASELINE_ON.isoformat(), "NT1", "PRESENT", ""),
        (BASELINE_ON.isoformat(), "NT2", "PRESENT", ""),
        (WEEK_6.isoformat(), "NT1", "ABSENT", ""),
        (WEEK_6.isoformat(), "NT2", "", "NOT DONE"),
        (WEEK_6.isoformat(), "NEW1", "EQUIVOCAL", ""),
    ]
    tr_seq = [r["TRSEQ"] for r in read_tr(study, subjects)]
    assert tr_seq == list(range(1, len(tr_seq) + 1))
    # Every TR lesion is identified in TU, and RS's non-target response has its lesions.
    assert {r["TRLNKID"] for r in read_tr(study, subjects)} - {""} <= {r["TULNKID"] for r in tu}
    nontarget = [r["RSSTRESC"] for r in read_rs(study, subjects) if r["RSTESTCD"] == "NTRGRESP"]
    assert nontarget == ["NE"]


@pytest.fixture
def pages_today(monkeypatch):
    """The RECIST pages' "today": the day of the second follow-up."""
    monkeypatch.setattr("tumours.views._today", lambda: TODAY)


def test_follow_up_page_asks_each_non_target_lesion_and_new_lesions(
    client, pages_today, baseline, dosed, coordinator_a
):
    client.force_login(coordinator_a)
    url = reverse("tumour_follow_up", args=[dosed.pk])
    page = client.get(url).content.decode()
    assert 'name="non_target_NT1"' in page and 'name="non_target_NT2"' in page
    assert 'name="non_target"' not in page
    assert 'name="new_1_organ"' in page and 'name="new_1_equivocal"' in page
    response = client.post(
        url,
        {
            "assessment_date": WEEK_6.isoformat(),
            "method": "CT",
            "diameter_T1": "40",
            "non_target_NT1": "present",
            "non_target_NT2": "absent",
            "new_lesions": "yes",
            "new_1_organ": "Bone",
            "new_1_location": "T10",
        },
    )
    assert response.status_code == 302
    row = TumourAssessment.objects.get(subject=dosed, is_baseline=False)
    assert (row.response, row.non_target) == ("pd", "non_cr_non_pd")
    assert NewLesion.objects.get(assessment=row).location == "T10"


def test_follow_up_page_keeps_the_input_and_names_the_missing_state(
    client, pages_today, baseline, dosed, coordinator_a
):
    client.force_login(coordinator_a)
    response = client.post(
        reverse("tumour_follow_up", args=[dosed.pk]),
        {
            "assessment_date": WEEK_6.isoformat(),
            "method": "CT",
            "diameter_T1": "40",
            "non_target_NT1": "present",
            "new_lesions": "no",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_non_target_NT2"' in page
    assert 'value="40"' in page
    assert not TumourAssessment.objects.filter(subject=dosed, is_baseline=False).exists()


def test_baseline_page_records_the_non_target_lesions(client, pages_today, dosed, coordinator_a):
    client.force_login(coordinator_a)
    response = client.post(
        reverse("tumour_baseline", args=[dosed.pk]),
        {
            "assessment_date": BASELINE_ON.isoformat(),
            "method": "CT",
            "lesion_1_organ": "Liver",
            "lesion_1_diameter": "40",
            "non_target_1_organ": "Bone",
            "non_target_1_location": "left femur",
        },
    )
    assert response.status_code == 302
    (lesion,) = NonTargetLesionDefinition.objects.filter(subject=dosed)
    assert (lesion.lesion_id, lesion.organ, lesion.location) == ("NT1", "Bone", "left femur")


def _export(fmt: str, tmp_path):
    output = tmp_path / f"export.{fmt}"
    run = services.export_to_path(by=None, format=fmt, output=output)
    assert run.status == "done", run.error
    return output


def test_non_target_and_new_lesions_are_in_the_csv_odm_and_api(
    baseline, dosed, coordinator_a, client, settings, tmp_path
):
    """Beyond SDTM (issue 19): the lesions one by one in the CSV zip (and so the XLSX and the
    data dictionary), as repeating groups of the time point's form in ODM, and in the API."""
    settings.VAR_DIR = tmp_path
    row = follow_up(
        dosed,
        coordinator_a,
        states={"NT1": "present", "NT2": "absent"},
        new_lesions=True,
        rows=[{"organ": "Bone", "location": "L3", "equivocal": True}],
    )
    with zipfile.ZipFile(_export("csv", tmp_path)) as zipped:

        def rows(name):
            return list(csv.DictReader(io.StringIO(zipped.read(f"{name}.csv").decode())))

        assert [(r["lesion_id"], r["organ"]) for r in rows("non_target_lesions")] == [
            ("NT1", "Lung"),
            ("NT2", "Lymph node"),
        ]
        states = {
            (r["assessment_date"], r["lesion_id"], r["state"])
            for r in rows("non_target_observations")
        }
        assert (WEEK_6.isoformat(), "NT2", "absent") in states
        assert (BASELINE_ON.isoformat(), "NT1", "present") in states
        [new] = rows("new_lesions")
        assert (new["assessment_id"], new["lesion_id"], new["organ"], new["equivocal"]) == (
            str(row.pk),
            "NEW1",
            "Bone",
            "Y",
        )
    odm = etree.parse(str(_export("odm", tmp_path)))
    if ODM_XSD.exists():  # the official schema, beside the repository (../shared/data)
        schema = etree.XMLSchema(etree.parse(str(ODM_XSD)))
        assert schema.validate(odm), schema.error_log
    ns = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
    keys = sorted(
        g.get("ItemGroupRepeatKey")
        for g in odm.iterfind(".//odm:ItemGroupData[@ItemGroupOID='IG.NTO']", ns)
    )
    assert keys == ["NT1", "NT1", "NT2", "NT2"]  # baseline and week 6
    assert [
        g.get("ItemGroupRepeatKey")
        for g in odm.iterfind(".//odm:ItemGroupData[@ItemGroupOID='IG.NEW']", ns)
    ] == ["NEW1"]

    client.force_login(coordinator_a)
    body = client.get(f"/api/tumour-assessments/{row.pk}/").json()
    assert {(n["lesion_id"], n["state"]) for n in body["non_target_lesions"]} == {
        ("NT1", "present"),
        ("NT2", "absent"),
    }
    assert body["new_lesions_seen"] == [
        {"lesion_id": "NEW1", "organ": "Bone", "location": "L3", "equivocal": True}
    ]
