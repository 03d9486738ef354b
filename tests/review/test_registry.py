"""The registry of CRF kinds (review.records): every model holding a subject's clinical data is
a kind declared by its own app, so review, exports and the API cannot miss it."""

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from pghistory.models import Event

from review.records import KINDS, CrfKind, register
from trial.models import Subject

# Rows about a subject that are not clinical data entered on a CRF: review's own records
# about CRFs, and the reminder scan's work list.
NOT_CRFS = {
    "review.signature": "an e-signature of a CRF",
    "review.query": "a query on a CRF",
    "review.recordlock": "a lock of a CRF or subject",
    "review.sourceverification": "a monitor's verification of a CRF",
    "followup.reminder": "the reminder scan's work list",
}


def _models_about_subjects() -> set[str]:
    labels = {"trial.subject"}
    for model in apps.get_models():
        if issubclass(model, Event):
            continue  # a pghistory event table: the audit of a model, not a model
        if any(f.is_relation and f.related_model is Subject for f in model._meta.concrete_fields):
            labels.add(model._meta.label_lower)
    return labels


def test_every_model_with_a_subjects_clinical_data_is_a_registered_kind():
    children = {child for kind in KINDS.values() for child in kind.children}
    unregistered = _models_about_subjects() - set(KINDS) - children - set(NOT_CRFS)
    assert unregistered == set()


def test_every_child_of_a_kind_is_a_model():
    for kind in KINDS.values():
        for child in kind.children:
            assert apps.get_model(child), (kind.label, child)


def test_each_kind_is_declared_with_a_model_and_its_entered_fields_exist():
    for label, kind in KINDS.items():
        model = kind.model
        names = {f.name for f in model._meta.get_fields()}
        assert set(kind.fields()) <= names, label
        assert set(kind.women_only) <= set(kind.fields()), label


def test_a_kind_registered_twice_with_another_declaration_is_refused():
    existing = KINDS["dosing.dosingrecord"]
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        register(CrfKind(existing.label, "Another dosing"))
    register(existing)  # the same declaration again is harmless
    assert KINDS["dosing.dosingrecord"] is existing


def test_a_kind_label_must_be_lower_case():
    with pytest.raises(ImproperlyConfigured, match="lower case"):
        register(CrfKind("dosing.DosingRecord", "Dosing"))


@pytest.mark.django_db
def test_a_kinds_subject_section_shows_on_the_subject_page_without_naming_it_there(
    client, monkeypatch, study, site_a, coordinator_a, investigator_a
):
    from review import records
    from tests.dosing.factories import dosed_subject

    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    client.force_login(coordinator_a)
    url = f"/subjects/{subject.pk}/"
    assert client.get(url).content.decode().count("Adverse events (") == 1

    seen = []

    def section(subject_, user):
        seen.append((subject_.pk, user.pk))
        return {"events": []}

    monkeypatch.setitem(
        records._REGISTRY,
        "trial.site",
        CrfKind(
            "trial.site",
            "A kind added by a test",
            subject_section=section,
            subject_template="adverse_events/_subject_section.html",
        ),
    )
    page = client.get(url).content.decode()

    assert page.count("Adverse events (") == 2
    assert seen == [(subject.pk, coordinator_a.pk)]


# trial's own records: the subject (registration, voided through trial.services) and its
# visits (rows of the schedule, planned before anything is entered on them).
NOT_CRF_BOOKKEEPING = {"trial.subject", "trial.visit"}
BOOKKEEPING = {"version", "recorded_by", "recorded_at", "voided_at", "void_reason"}


def test_every_crf_carries_the_same_bookkeeping():
    """version, recorded_by / recorded_at, its last-save column, voided_at / void_reason."""
    for label, kind in KINDS.items():
        if label in NOT_CRF_BOOKKEEPING:
            continue
        names = {f.name for f in kind.model._meta.concrete_fields}
        assert BOOKKEEPING | {kind.saved_at} <= names, (label, BOOKKEEPING - names)
