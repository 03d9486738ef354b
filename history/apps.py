from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "history"
    verbose_name = "Medical history"

    def ready(self):
        from history import crf, selectors
        from review.records import register
        from trial import hooks

        register(*crf.KINDS)
        hooks.provide("baselines_of_term", selectors.baselines_of_term)
        hooks.provide("prior_therapy_of", selectors.prior_therapy_summary)
        hooks.provide("eligibility_cross_checked", selectors.checked_against_eligibility)
