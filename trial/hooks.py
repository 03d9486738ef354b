"""Calls up the floors: a lower app announces what an app above it must act on.

The apps stand on floors that import only downward (`.importlinter`; `trial` at the bottom,
then review, the CRF apps, followup, exports, dashboards and the demo). Where a write on a
lower floor must cause work owned by a floor above — a step of a query's thread notifies the
people who must act (followup), a new SAE alerts safety at once (followup), a list page's
download is recorded as an export run (exports) — the lower floor calls the event by its name
here and the app above provides the one handler from its AppConfig.ready(). A CRF app reads
what a sibling app on its floor holds (which it may not import either) the same way. Calling
an event no app provides raises, so a missing wiring fails loudly rather than losing the
effect.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

# Every event: what it means, who calls it, who provides it.
EVENTS = {
    "query_event": "A step of a query's thread was written (review.services); notify who must "
    "act (followup.services.query_event_notify). Call inside the transaction.",
    "sae_alert": "An AE became serious (adverse_events.services); alert safety after commit "
    "without waiting for the scan (followup.tasks.enqueue_sae_alert).",
    "baselines_of_term": "The AE form compares an AE's grade with the subject's conditions of "
    "its CTCAE term ongoing at first dose (history.selectors.baselines_of_term).",
    "prior_therapy_of": "The eligibility CRF shows, beside its answers of inclusions 2, 5 and 6, "
    "what the subject's prior cancer therapy records give, and queries a disagreement "
    "(history.selectors.prior_therapy_summary, a screening.prior_therapy.PriorTherapySummary).",
    "eligibility_cross_checked": "The eligibility CRF was saved (screening.services): the "
    "records whose edit checks read its answers, to re-check "
    "(history.selectors.checked_against_eligibility).",
    "screening_labs_of": "The eligibility CRF shows, beside its inclusion 7 answers, the "
    "subject's screening-visit lab results and queries an answer they contradict: the latest live "
    "result of each test in its standard unit with the site's ULN "
    "(labs.selectors.screening_panel; screening.lab_panel).",
    "checked_against_screening_labs": "A lab result at a screening visit was saved "
    "(labs.services): the records whose edit checks read it, to re-check "
    "(screening.selectors.checked_against_screening_labs).",
    "download_record": "A page served a bulk download; record who, what, filters and rows "
    "(exports.services.download_record).",
    "target_lesions_of": "SDTM EX (dosing.sdtm) links an injection site to the target lesion "
    "it names: the export's subjects' live target lesions, by subject "
    "(tumours.sdtm.target_lesions_of).",
    "exposure_times": "SDTM DM (screening.sdtm_dm) reads the time of each subject's first and "
    "last dose: annotations first_time and last_time over the export's subjects "
    "(dosing.sdtm.exposure_times).",
    "participation_end": "SDTM DM (screening.sdtm_dm) reads each subject's death and end of "
    "participation: annotations death_on and ended_on over the export's subjects "
    "(dispositions.sdtm.participation_end).",
    "first_dose_moved": "The subject's first dose date changed (dosing.services, inside the "
    "dose's write): regrade what reads it, each lab result's baseline "
    "(labs.services.regrade_after_first_dose).",
    "subject_page": "A form of a subject-page section was refused (dispositions.views): render "
    "the subject page again, status 400, that section showing the bound form "
    "(subjects.views.subject_page_refused).",
    "ae_medications": "The AE page lists, under its treatment given, the medications recorded "
    "for that AE that the user may read (medications.selectors.ae_medications).",
    "schedulable_forms": "The study loader checks the schedule of assessments against the CRF "
    "kinds that can be scheduled: {kind label: its panels} (review.records.schedulable_forms).",
}

_handlers: dict[str, Callable] = {}


def provide(event: str, handler: Callable) -> None:
    if event not in EVENTS:
        raise ImproperlyConfigured(f"Unknown event {event!r}: declare it in trial.hooks.EVENTS.")
    if _handlers.get(event, handler) is not handler:
        raise ImproperlyConfigured(f"Event {event!r} already has a handler.")
    _handlers[event] = handler


def call(event: str, **kwargs):
    handler = _handlers.get(event)
    if handler is None:
        raise ImproperlyConfigured(f"No installed app provides the event {event!r}.")
    return handler(**kwargs)
