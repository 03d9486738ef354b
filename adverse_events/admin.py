from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse

from adverse_events.ctcae import (
    CHANGE_KINDS,
    CtcaeImportError,
    describe_change,
    import_terms,
    read_workbook,
)
from adverse_events.models import CtcaeDictionaryVersion, CtcaeTerm

UPLOAD_PERMISSION = "adverse_events.add_ctcaeterm"


class CtcaeUploadForm(forms.Form):
    spreadsheet = forms.FileField(
        label="CTCAE v5.0 spreadsheet",
        help_text="NCI's CTCAE_v5.0.xlsx; its “CTCAE v5.0 Clean Copy” sheet is read.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_spreadsheet(self):
        spreadsheet = self.cleaned_data["spreadsheet"]
        if not spreadsheet.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("Upload the .xlsx workbook (not .xls or .csv).")
        return spreadsheet


@admin.register(CtcaeTerm)
class CtcaeTermAdmin(admin.ModelAdmin):
    """The dictionary is read-only here: it changes only by importing NCI's file."""

    list_display = ("term", "meddra_code", "soc", "grades", "is_other_specify", "version")
    list_filter = ("soc", "is_other_specify")
    search_fields = ("term", "meddra_code", "soc")
    readonly_fields = (
        "meddra_code",
        "soc",
        "term",
        "grade_1",
        "grade_2",
        "grade_3",
        "grade_4",
        "grade_5",
        "definition",
        "navigational_note",
        "is_other_specify",
        "version",
    )

    @admin.display(description="Grades")
    def grades(self, obj):
        return ", ".join(str(g) for g in obj.available_grades)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Recorded AEs point at their term; a term is never removed.
        return False

    def get_urls(self):
        upload = path(
            "upload/",
            self.admin_site.admin_view(self.upload_view),
            name="adverse_events_ctcaeterm_upload",
        )
        return [upload, *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        # "Add CTCAE term" in the admin leads to the import: terms are not typed in by hand.
        return redirect("admin:adverse_events_ctcaeterm_upload")

    def upload_view(self, request):
        if not request.user.has_perm(UPLOAD_PERMISSION):
            raise PermissionDenied
        form = CtcaeUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            spreadsheet = form.cleaned_data["spreadsheet"]
            try:
                counts = import_terms(
                    read_workbook(spreadsheet),
                    by=request.user,
                    reason=f"CTCAE v5.0 spreadsheet uploaded: {spreadsheet.name}",
                    source=spreadsheet.name,
                )
            except CtcaeImportError as exc:
                form.add_error("spreadsheet", f"Nothing was imported. {exc}")
                messages.error(request, f"Nothing was imported from {spreadsheet.name}.")
            else:
                messages.success(request, f"CTCAE v5.0 from {spreadsheet.name}: {counts}.")
                if counts.version is not None:
                    # The report of what changed, kept with the new version.
                    version = CtcaeDictionaryVersion.objects.get(number=counts.version)
                    return redirect(
                        reverse(
                            "admin:adverse_events_ctcaedictionaryversion_change",
                            args=[version.pk],
                        )
                    )
                missing = len(counts.changes.get("not_in_file", []))
                if missing:
                    messages.warning(
                        request,
                        f"No term changed; {missing} stored term(s) are not in the file "
                        "(kept, as recorded AEs may use them).",
                    )
                return redirect(reverse("admin:adverse_events_ctcaeterm_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Upload CTCAE spreadsheet",
            "form": form,
        }
        return TemplateResponse(request, "admin/adverse_events/ctcaeterm/upload.html", context)


def changes_report(changes: dict) -> str:
    """The report of a dictionary version as HTML (escaped by the template)."""
    sections = [
        (CHANGE_KINDS[kind], [describe_change(kind, e) for e in changes[kind]])
        for kind in CHANGE_KINDS
        if kind in changes
    ]
    return render_to_string("admin/adverse_events/_dictionary_changes.html", {"sections": sections})


@admin.register(CtcaeDictionaryVersion)
class CtcaeDictionaryVersionAdmin(admin.ModelAdmin):
    """Each import that changed the dictionary and its report; read-only, never deleted."""

    list_display = ("number", "imported_at", "imported_by", "source", "term_count", "summary")
    fields = ("number", "imported_at", "imported_by", "source", "reason", "term_count", "report")
    readonly_fields = fields

    @admin.display(description="Changes")
    def summary(self, obj):
        return ", ".join(f"{len(v)} {k.replace('_', ' ')}" for k, v in obj.changes.items())

    @admin.display(description="What changed")
    def report(self, obj):
        return changes_report(obj.changes)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
