"""Importing the CTCAE v5.0 dictionary: NCI's spreadsheet, the starter list, command and admin."""

import dataclasses
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from adverse_events.ctcae import (
    STARTER_CSV,
    CtcaeImportError,
    ImportCounts,
    TermRow,
    dictionary_changes,
    import_terms,
    read_starter_csv,
    read_workbook,
)
from adverse_events.models import CtcaeDictionaryVersion, CtcaeTerm, CtcaeTermEvent

# CI clones the repository beside shared/, as on the development machine.
OFFICIAL_WORKBOOK = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "ctcae" / "CTCAE_v5.0.xlsx"
)

# NCI's header, with its non-breaking spaces after "Grade n".
HEADER = (
    "MedDRA Code",
    "MedDRA SOC",
    "CTCAE Term",
    "Grade 1 \xa0\xa0",
    "Grade 2 \xa0\xa0",
    "Grade 3 \xa0\xa0",
    "Grade 4 \xa0\xa0",
    "Grade 5 \xa0\xa0",
    "Definition",
    "Navigational Note",
    "CTCAE v5.0 Change",
)
BLOOD = "Blood and lymphatic system disorders"
GENERAL = "General disorders and administration site conditions"
ANEMIA = (10002272, BLOOD, "Anemia", "Hb <LLN to 10 g/dL", "Hb <10 to 8 g/dL", "Hb <8 g/dL")
ANEMIA += ("Life-threatening", "Death", "Low haemoglobin.", None, None)
BLOOD_OTHER = (10005329, BLOOD, f"{BLOOD} - Other, specify", "Mild", "Moderate", "Severe")
BLOOD_OTHER += ("Life-threatening", "Death", " -", None, None)
FATIGUE = (10016256, GENERAL, "Fatigue", "Relieved by rest", "Not relieved by rest", "Limits ADL")
FATIGUE += (" -", "\xa0-", "Tiredness.", "See also Malaise", None)
ROWS = (ANEMIA, BLOOD_OTHER, FATIGUE)


def make_workbook(path, rows=ROWS, header=HEADER, sheet="CTCAE v5.0 Clean Copy"):
    """An .xlsx laid out like NCI's, behind a first sheet that is not the dictionary."""
    workbook = openpyxl.Workbook()
    workbook.active.title = "Read me"
    workbook.active.append(["This sheet is not the dictionary", 1])
    sheet = workbook.create_sheet(sheet)
    sheet.append(header)
    for i, row in enumerate(rows):
        if i == 1:
            sheet.append([None, " ", None])  # a blank line in the middle is skipped
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def workbook(tmp_path):
    return make_workbook(tmp_path / "ctcae.xlsx")


@pytest.fixture
def official_workbook():
    if not OFFICIAL_WORKBOOK.exists():
        pytest.skip(f"NCI's spreadsheet is not at {OFFICIAL_WORKBOOK}")
    return OFFICIAL_WORKBOOK


def _import(path, **kwargs):
    return import_terms(read_workbook(path), reason="test import", **kwargs)


# Reading NCI's spreadsheet (no database).


def test_workbook_rows_have_dash_grades_empty_and_other_specify_flagged(workbook):
    anemia, blood_other, fatigue = read_workbook(workbook)
    assert anemia == TermRow(
        10002272,
        BLOOD,
        "Anemia",
        "Hb <LLN to 10 g/dL",
        "Hb <10 to 8 g/dL",
        "Hb <8 g/dL",
        "Life-threatening",
        "Death",
        "Low haemoglobin.",
    )
    assert (fatigue.grade_4, fatigue.grade_5, fatigue.available_grades) == ("", "", [1, 2, 3])
    assert fatigue.navigational_note == "See also Malaise"
    assert blood_other.is_other_specify and not anemia.is_other_specify
    assert blood_other.definition == ""


def test_columns_are_found_by_header_name_not_position(tmp_path):
    order = [2, 0, 7, 3, 1, 6, 4, 5, 9, 8, 10]  # term, code, grade 5, grade 1, SOC, ...
    path = make_workbook(
        tmp_path / "shuffled.xlsx",
        rows=[[row[i] for i in order] for row in ROWS],
        header=[HEADER[i].strip().upper() for i in order],
    )
    assert read_workbook(path) == read_workbook(make_workbook(tmp_path / "plain.xlsx"))


def test_without_a_clean_copy_sheet_the_first_sheet_is_read(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(ANEMIA)
    workbook.save(tmp_path / "one-sheet.xlsx")
    [row] = read_workbook(tmp_path / "one-sheet.xlsx")
    assert row.term == "Anemia"


def test_missing_column_is_named_in_the_error(tmp_path):
    header = [h for h in HEADER if not h.startswith("Grade 3")]
    rows = [row[:5] + row[6:] for row in ROWS]
    path = make_workbook(tmp_path / "no-grade-3.xlsx", rows=rows, header=header)
    with pytest.raises(CtcaeImportError, match="no column 'Grade 3'"):
        read_workbook(path)


def test_duplicate_meddra_code_names_both_rows(tmp_path):
    twin = (ANEMIA[0], GENERAL, "Fever", "Mild", "", "", "", "", "", None, None)
    path = make_workbook(tmp_path / "dup.xlsx", rows=[ANEMIA, FATIGUE, twin])
    # Header is row 1, Anemia row 2, the blank line row 3, Fatigue row 4, the twin row 5.
    with pytest.raises(CtcaeImportError, match="10002272 appears twice: row 2 and row 5"):
        read_workbook(path)


@pytest.mark.parametrize(
    ("code", "message"),
    [("10002272a", "MedDRA code '10002272a' is not a positive"), (None, "MedDRA code is empty")],
)
def test_meddra_code_must_be_an_integer(tmp_path, code, message):
    path = make_workbook(tmp_path / "bad-code.xlsx", rows=[ANEMIA, (code, *FATIGUE[1:])])
    with pytest.raises(CtcaeImportError, match=f"row 4: {message}"):
        read_workbook(path)


def test_term_without_any_grade_is_refused(tmp_path):
    gradeless = (*FATIGUE[:3], "-", " -", "\xa0-", "", None, "Tiredness.", None, None)
    with pytest.raises(CtcaeImportError, match="'Fatigue' has no grade"):
        read_workbook(make_workbook(tmp_path / "gradeless.xlsx", rows=[gradeless]))


def test_a_file_that_is_not_a_workbook_is_refused_clearly(tmp_path):
    path = tmp_path / "ctcae.xlsx"
    path.write_text("MedDRA Code,MedDRA SOC\n")
    with pytest.raises(CtcaeImportError, match="Not a readable .xlsx workbook"):
        read_workbook(path)


# Writing the dictionary.


def test_import_creates_terms_with_their_grades(db, workbook, admin_user):
    counts = import_terms(read_workbook(workbook), by=admin_user, reason="CTCAE loaded")
    assert counts == ImportCounts(created=3, updated=0, unchanged=0)
    anemia = CtcaeTerm.objects.get(meddra_code=10002272)
    assert (anemia.soc, anemia.grade_3, anemia.available_grades) == (
        BLOOD,
        "Hb <8 g/dL",
        [1, 2, 3, 4, 5],
    )
    fatigue = CtcaeTerm.objects.get(term="Fatigue")
    assert (fatigue.grade_4, fatigue.grade_5, fatigue.available_grades) == ("", "", [1, 2, 3])
    assert list(CtcaeTerm.objects.filter(is_other_specify=True).values_list("meddra_code")) == [
        (10005329,)
    ]
    event = CtcaeTermEvent.objects.get(pgh_obj=anemia)
    assert event.pgh_context.metadata["username"] == admin_user.username
    assert event.pgh_context.metadata["reason"] == "CTCAE loaded"


def test_reimport_is_idempotent_and_leaves_no_audit_noise(db, workbook):
    _import(workbook)
    ids = set(CtcaeTerm.objects.values_list("pk", flat=True))
    events = CtcaeTermEvent.objects.count()
    assert _import(workbook) == ImportCounts(created=0, updated=0, unchanged=3)
    assert set(CtcaeTerm.objects.values_list("pk", flat=True)) == ids
    assert CtcaeTermEvent.objects.count() == events == 3


def test_changed_grade_text_is_updated_in_place(db, workbook, tmp_path):
    _import(workbook)
    anemia = CtcaeTerm.objects.get(meddra_code=10002272)
    revised = (*ANEMIA[:5], "Hb <8.0 g/dL; transfusion indicated", *ANEMIA[6:])
    path = make_workbook(tmp_path / "revised.xlsx", rows=[revised, BLOOD_OTHER, FATIGUE])
    assert _import(path) == ImportCounts(created=0, updated=1, unchanged=2)
    anemia.refresh_from_db()
    assert anemia.grade_3 == "Hb <8.0 g/dL; transfusion indicated"
    assert CtcaeTerm.objects.count() == 3
    [update] = CtcaeTermEvent.objects.filter(pgh_label="update")
    assert update.pgh_obj_id == anemia.pk


def test_duplicate_code_imports_nothing(db, tmp_path):
    path = make_workbook(tmp_path / "dup.xlsx", rows=[ANEMIA, FATIGUE, (ANEMIA[0], *FATIGUE[1:])])
    with pytest.raises(CtcaeImportError, match="appears twice"):
        _import(path)
    rows = [TermRow(1, BLOOD, "A", grade_1="x"), TermRow(1, BLOOD, "B", grade_1="y")]
    with pytest.raises(CtcaeImportError, match="MedDRA code 1 appears twice"):
        import_terms(rows, reason="test import")
    assert not CtcaeTerm.objects.exists()


def test_failing_import_rolls_back_the_rows_already_written(db, workbook):
    _import(workbook)
    renamed = TermRow(10005329, BLOOD, f"{BLOOD} - Other, specify", grade_1="Changed")
    # Same SOC and term as the stored Anemia under another code: refused by the database.
    clash = TermRow(99999999, BLOOD, "Anemia", grade_1="x")
    with pytest.raises(CtcaeImportError, match="clash with the stored dictionary"):
        import_terms([renamed, clash], reason="test import")
    assert CtcaeTerm.objects.get(meddra_code=10005329).grade_1 == "Mild"
    assert not CtcaeTerm.objects.filter(meddra_code=99999999).exists()


def test_create_only_leaves_existing_wording_alone(db, workbook):
    _import(workbook)
    rows = [TermRow(10002272, BLOOD, "Anemia", grade_1="Our words"), TermRow(7, BLOOD, "New", "g")]
    counts = import_terms(rows, reason="starter", create_only=True)
    assert counts == ImportCounts(created=1, updated=0, unchanged=1)
    assert CtcaeTerm.objects.get(meddra_code=10002272).grade_1 == "Hb <LLN to 10 g/dL"


# The starter list shipped with the app.

EXPECTED_STARTER_TERMS = {
    "Injection site reaction",
    "Fever",
    "Fatigue",
    "Cytokine release syndrome",
    "Infusion related reaction",
    "Nausea",
    "Vomiting",
    "Diarrhea",
    "Alanine aminotransferase increased",
    "Aspartate aminotransferase increased",
    "Anemia",
    "Lymphocyte count decreased",
    "Neutrophil count decreased",
    "Platelet count decreased",
    "Rash maculo-papular",
    "Pruritus",
    "Headache",
    "Chills",
    "Flu like symptoms",
    "Arthralgia",
    "Myalgia",
    "Hypotension",
    "Anaphylaxis",
    "Allergic reaction",
    "Pain",
    "Tumor pain",
    "Death NOS",
}


def test_starter_list_has_the_expected_terms_and_one_other_specify_per_soc():
    rows = read_starter_csv(STARTER_CSV)
    terms = {row.term for row in rows}
    assert EXPECTED_STARTER_TERMS - terms == set()
    other_specify_socs = [row.soc for row in rows if row.is_other_specify]
    assert sorted(other_specify_socs) == sorted({row.soc for row in rows})


@pytest.mark.parametrize(
    ("term", "grades"),
    [
        ("Death NOS", [5]),
        ("Fever", [1, 2, 3, 4, 5]),
        ("Lymphocyte count decreased", [1, 2, 3, 4]),
        ("Anaphylaxis", [3, 4, 5]),
        ("Fatigue", [1, 2, 3]),
        ("Alanine aminotransferase increased", [1, 2, 3, 4]),
    ],
)
def test_starter_terms_have_only_the_grades_ctcae_defines(term, grades):
    by_term = {row.term: row for row in read_starter_csv(STARTER_CSV)}
    assert by_term[term].available_grades == grades


def test_starter_list_loads(db):
    rows = read_starter_csv(STARTER_CSV)
    assert import_terms(rows, reason="starter") == ImportCounts(len(rows), 0, 0)
    assert CtcaeTerm.objects.get(term="Death NOS").available_grades == [5]


def test_starter_list_agrees_with_nci_on_codes_terms_and_grades(official_workbook):
    official = {row.meddra_code: row for row in read_workbook(official_workbook)}
    for row in read_starter_csv(STARTER_CSV):
        nci = official[row.meddra_code]
        assert (row.soc, row.term, row.available_grades) == (
            nci.soc,
            nci.term,
            nci.available_grades,
        )


def test_csv_missing_column_is_named(tmp_path):
    path = tmp_path / "terms.csv"
    path.write_text("meddra_code,soc,term,grade_1,grade_2,grade_3,grade_4\n1,S,T,a,b,c,d\n")
    with pytest.raises(CtcaeImportError, match="no column 'grade_5'"):
        read_starter_csv(path)


# NCI's own file, when it is beside the repository.


def test_official_workbook_imports_all_837_terms(db, official_workbook):
    rows = read_workbook(official_workbook)
    assert len(rows) == 837
    assert sum(row.is_other_specify for row in rows) == 26
    assert _import(official_workbook) == ImportCounts(created=837, updated=0, unchanged=0)
    assert CtcaeTerm.objects.get(term="Death NOS").available_grades == [5]
    assert CtcaeTerm.objects.get(meddra_code=10016558).term == "Fever"
    assert _import(official_workbook) == ImportCounts(created=0, updated=0, unchanged=837)
    assert CtcaeTermEvent.objects.count() == 837


# Management command.


def test_command_without_path_loads_the_starter_list(db):
    out = StringIO()
    call_command("import_ctcae", stdout=out)
    count = len(read_starter_csv(STARTER_CSV))
    assert CtcaeTerm.objects.count() == count
    assert f"{count} created, 0 updated, 0 unchanged" in out.getvalue()


def test_command_without_path_does_not_overwrite_imported_wording(db, workbook):
    call_command("import_ctcae", str(workbook), stdout=StringIO())
    out = StringIO()
    call_command("import_ctcae", stdout=out)
    assert CtcaeTerm.objects.get(meddra_code=10002272).grade_1 == "Hb <LLN to 10 g/dL"
    # All three terms of the small workbook are in the starter list too.
    created = len(read_starter_csv(STARTER_CSV)) - 3
    assert f"{created} created, 0 updated, 3 unchanged" in out.getvalue()


def test_command_reads_a_workbook_or_a_csv_by_suffix(db, workbook, tmp_path):
    out = StringIO()
    call_command("import_ctcae", str(workbook), stdout=out)
    assert "ctcae.xlsx: 3 created, 0 updated, 0 unchanged" in out.getvalue()
    csv_path = tmp_path / "more.csv"
    csv_path.write_text(STARTER_CSV.read_text(encoding="utf-8"), encoding="utf-8")
    call_command("import_ctcae", str(csv_path), stdout=out)
    # Written from the CSV, Anemia now has the starter's wording.
    assert CtcaeTerm.objects.get(meddra_code=10002272).grade_1.startswith("Haemoglobin")


@pytest.mark.parametrize(
    ("name", "message"), [("ctcae.xls", "expected an .xlsx"), ("absent.xlsx", "not found")]
)
def test_command_refuses_a_wrong_or_missing_file(db, tmp_path, name, message):
    path = tmp_path / name
    if name.endswith(".xls"):
        path.write_bytes(b"old format")
    with pytest.raises(CommandError, match=message):
        call_command("import_ctcae", str(path), stdout=StringIO())
    assert not CtcaeTerm.objects.exists()


# Admin: read-only dictionary, changed only by uploading NCI's spreadsheet.

UPLOAD_URL = "admin:adverse_events_ctcaeterm_upload"


def _upload(client, path, **kwargs):
    with open(path, "rb") as fh:
        return client.post(reverse(UPLOAD_URL), {"spreadsheet": fh}, **kwargs)


def test_admin_upload_imports_and_reports_counts(client, admin_user, workbook):
    client.force_login(admin_user)
    assert client.get(reverse(UPLOAD_URL)).status_code == 200
    response = _upload(client, workbook, follow=True)
    version = CtcaeDictionaryVersion.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "admin:adverse_events_ctcaedictionaryversion_change", args=[version.pk]
    )
    page = response.content.decode()
    assert "ctcae.xlsx: 3 created, 0 updated, 0 unchanged; dictionary version 1" in page
    assert "Terms added (3)" in page and "10002272 Anemia" in page
    assert CtcaeTerm.objects.count() == 3
    event = CtcaeTermEvent.objects.filter(pgh_obj__meddra_code=10002272).get()
    assert event.pgh_context.metadata["username"] == admin_user.username
    assert event.pgh_context.metadata["reason"] == "CTCAE v5.0 spreadsheet uploaded: ctcae.xlsx"
    again = _upload(client, workbook, follow=True)
    assert again.redirect_chain[-1][0] == reverse("admin:adverse_events_ctcaeterm_changelist")
    assert "0 created, 0 updated, 3 unchanged" in again.content.decode()
    assert CtcaeDictionaryVersion.objects.count() == 1


def test_admin_upload_shows_the_error_and_imports_nothing(client, admin_user, tmp_path):
    path = make_workbook(tmp_path / "dup.xlsx", rows=[ANEMIA, FATIGUE, (ANEMIA[0], *FATIGUE[1:])])
    client.force_login(admin_user)
    response = _upload(client, path)
    assert response.status_code == 200
    assert "Nothing was imported" in response.content.decode()
    assert "10002272 appears twice" in response.content.decode()
    assert not CtcaeTerm.objects.exists()


def test_admin_upload_is_refused_to_non_staff(client, make_user, workbook):
    client.force_login(make_user("plain"))
    response = _upload(client, workbook)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not CtcaeTerm.objects.exists()


def test_admin_upload_needs_the_add_permission(client, make_user, workbook):
    client.force_login(make_user("staff", is_staff=True))
    assert _upload(client, workbook).status_code == 403
    assert not CtcaeTerm.objects.exists()


def test_admin_terms_are_searchable_by_code_and_cannot_be_edited(client, admin_user, workbook):
    _import(workbook)
    anemia = CtcaeTerm.objects.get(meddra_code=10002272)
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:adverse_events_ctcaeterm_changelist"), {"q": "10002"})
    assert [t.term for t in changelist.context["cl"].result_list] == ["Anemia"]
    page = client.get(reverse("admin:adverse_events_ctcaeterm_change", args=[anemia.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    delete = client.get(reverse("admin:adverse_events_ctcaeterm_delete", args=[anemia.pk]))
    assert delete.status_code == 403
    add = client.get(reverse("admin:adverse_events_ctcaeterm_add"))
    assert add["Location"] == reverse(UPLOAD_URL)


# Dictionary versions: what changed, and recorded AEs keep their wording.


def _stored(*rows: TermRow) -> dict:
    return {
        r.meddra_code: {
            "term": r.term,
            "soc": r.soc,
            **{f"grade_{g}": getattr(r, f"grade_{g}") for g in range(1, 6)},
            "definition": r.definition,
            "navigational_note": r.navigational_note,
        }
        for r in rows
    }


NAUSEA = TermRow(10028813, "Gastrointestinal disorders", "Nausea", "Loss of appetite", "Oral")
FEVER_ROW = TermRow(10005911, "General disorders", "Fever", "38.0 - 39.0", "39.1 - 40.0")


@pytest.mark.parametrize(
    ("rows", "create_only", "expected"),
    [
        ([NAUSEA, FEVER_ROW], False, {}),
        (
            [dataclasses.replace(NAUSEA, term="Nausea RENAMED BY UPLOAD"), FEVER_ROW],
            False,
            {
                "renamed": [
                    {
                        "meddra_code": 10028813,
                        "term": "Nausea RENAMED BY UPLOAD",
                        "old": "Nausea",
                        "new": "Nausea RENAMED BY UPLOAD",
                    }
                ]
            },
        ),
        (
            [dataclasses.replace(NAUSEA, grade_2="Oral intake decreased"), FEVER_ROW],
            False,
            {"grades_changed": [{"meddra_code": 10028813, "term": "Nausea", "grades": [2]}]},
        ),
        (
            [dataclasses.replace(NAUSEA, soc="Other SOC", definition="New"), FEVER_ROW],
            False,
            {
                "soc_changed": [
                    {
                        "meddra_code": 10028813,
                        "term": "Nausea",
                        "old": "Gastrointestinal disorders",
                        "new": "Other SOC",
                    }
                ],
                "other_changed": [
                    {"meddra_code": 10028813, "term": "Nausea", "fields": ["definition"]}
                ],
            },
        ),
        (
            [NAUSEA, TermRow(10000001, "Investigations", "New term", "Mild")],
            False,
            {
                "added": [{"meddra_code": 10000001, "term": "New term", "soc": "Investigations"}],
                "not_in_file": [
                    {"meddra_code": 10005911, "term": "Fever", "soc": "General disorders"}
                ],
            },
        ),
        # The starter list (create only): stored wording is never compared nor missed.
        ([dataclasses.replace(NAUSEA, term="Other wording")], True, {}),
    ],
    ids=["same", "renamed", "grade-text", "soc-and-definition", "added-and-missing", "starter"],
)
def test_dictionary_changes(rows, create_only, expected):
    assert dictionary_changes(_stored(NAUSEA, FEVER_ROW), rows, create_only=create_only) == (
        expected
    )


@pytest.fixture
def recorded_fevers(db, study, site_a, coordinator_a, investigator_a):
    from tests.adverse_events.factories import load_starter_dictionary, record_ae
    from tests.dosing.factories import dosed_subject

    load_starter_dictionary()
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    return [record_ae(subject, coordinator_a, term="Fever") for _ in range(3)]


def test_renaming_a_term_keeps_the_wording_of_recorded_aes_and_makes_a_version(
    recorded_fevers, admin_user
):
    from adverse_events.models import AdverseEvent, AdverseEventEvent

    events_before = AdverseEventEvent.objects.count()
    rows = [
        dataclasses.replace(r, term="Fever RENAMED BY UPLOAD") if r.term == "Fever" else r
        for r in read_starter_csv()
    ]

    counts = import_terms(rows, by=admin_user, reason="New NCI file", source="new.xlsx")

    assert counts.updated == 1
    version = CtcaeDictionaryVersion.objects.get(number=counts.version)
    assert version.number == 2  # the starter list was version 1
    assert version.source == "new.xlsx" and version.imported_by == admin_user
    assert version.changes["renamed"] == [
        {
            "meddra_code": CtcaeTerm.objects.get(term="Fever RENAMED BY UPLOAD").meddra_code,
            "term": "Fever RENAMED BY UPLOAD",
            "old": "Fever",
            "new": "Fever RENAMED BY UPLOAD",
            "recorded_aes": 3,
        }
    ]
    for ae in AdverseEvent.objects.all():
        assert (ae.display_term, ae.recorded_term) == ("Fever", "Fever")
    assert AdverseEventEvent.objects.count() == events_before  # no AE changed


def test_an_import_that_changes_nothing_makes_no_version(db):
    import_terms(read_starter_csv(), reason="first")
    import_terms(read_starter_csv(), reason="again")
    assert list(CtcaeDictionaryVersion.objects.values_list("number", flat=True)) == [1]


def test_dictionary_versions_cannot_be_changed_or_deleted(db):
    from django.db import DatabaseError, transaction

    import_terms(read_starter_csv(), reason="first")
    version = CtcaeDictionaryVersion.objects.get()
    for attempt in (
        lambda: CtcaeDictionaryVersion.objects.filter(pk=version.pk).update(reason="edited"),
        lambda: CtcaeDictionaryVersion.objects.filter(pk=version.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="Cannot"), transaction.atomic():
            attempt()


# Committed transactions: the dictionary's history is timed by each transaction's NOW().
@pytest.mark.django_db(transaction=True)
def test_the_data_migration_restores_the_wording_an_ae_was_recorded_with(recorded_fevers):
    """AEs recorded before this change, whose term was since renamed in place."""
    import importlib

    from django.apps import apps

    from adverse_events.models import AdverseEvent

    migration = importlib.import_module(
        "adverse_events.migrations.0003_term_as_recorded_and_dictionary_versions"
    )
    fever = CtcaeTerm.objects.get(term="Fever")
    # As the old code did: the term renamed in place, after the AEs were recorded.
    CtcaeTerm.objects.filter(pk=fever.pk).update(term="Fever RENAMED BY UPLOAD")
    AdverseEvent.objects.update(recorded_term="", recorded_soc="", recorded_meddra_code=0)

    migration.fill_term_as_recorded(apps, None)

    assert set(
        AdverseEvent.objects.values_list("recorded_term", "recorded_soc", "recorded_meddra_code")
    ) == {("Fever", fever.soc, fever.meddra_code)}
