from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"

    def ready(self):
        from review import trial_kinds
        from review.records import register

        register(*trial_kinds.KINDS)
