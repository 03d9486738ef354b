from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"

    def ready(self):
        from screening.models import Consent, EligibilityAssessment
        from trial.access import scope_to_sites
        from trial.audit import register_history

        register_history(
            EligibilityAssessment,
            lambda user: scope_to_sites(
                EligibilityAssessment.objects.all(), user, site_field="subject__site"
            ),
        )
        register_history(
            Consent,
            lambda user: scope_to_sites(Consent.objects.all(), user, site_field="subject__site"),
        )
