from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    name = "subjects"

    def ready(self):
        from subjects.views import subject_page_refused
        from trial import hooks

        hooks.provide("subject_page", subject_page_refused)
