from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from adverse_events.ctcae import CtcaeImportError, import_terms, read_workbook
from adverse_events.models import CtcaeTerm

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
                )
            except CtcaeImportError as exc:
                form.add_error("spreadsheet", f"Nothing was imported. {exc}")
                messages.error(request, f"Nothing was imported from {spreadsheet.name}.")
            else:
                messages.success(request, f"CTCAE v5.0 from {spreadsheet.name}: {counts}.")
                return redirect(reverse("admin:adverse_events_ctcaeterm_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Upload CTCAE spreadsheet",
            "form": form,
        }
        return TemplateResponse(request, "admin/adverse_events/ctcaeterm/upload.html", context)
