"""Wagtail admin pages for the matrix: CSV imports with a line-numbered report, and the export."""
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from academy.import_views import ImportView, Outcome, UploadForm
from academy.models import Team
from academy.roles import user_is_admin, user_is_lead
from academy.selectors import staff_visible_to, team_descendant_ids, teams_led_by
from skills.imports import (
    LEVEL_COLUMNS, TAXONOMY_COLUMNS, TAXONOMY_EXTRA, ImportFileError, ImportReport, matrix_export,
    skill_levels_import,
    taxonomy_import,
)

MAX_UPLOAD = 10 * 1024 * 1024


class ImportForm(UploadForm):
    KIND_CHOICES = [("levels", gettext_lazy("Niveaux (employee_id,skill_code,level,valid_until,source,note)")),
                    ("taxonomy", gettext_lazy("Référentiel (domaines et compétences)"))]
    kind = forms.ChoiceField(label=gettext_lazy("Type de fichier"), choices=KIND_CHOICES)
    field_order = ["kind", "file", "partial"]


class ExportForm(forms.Form):
    team = forms.ModelChoiceField(label=gettext_lazy("Équipe"), queryset=Team.objects.none(), required=False,
                                  empty_label=gettext_lazy("Toutes les personnes visibles"))
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=[("xlsx", "XLSX"), ("csv", "CSV")])

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class TransferView(ImportView):
    """Import (admins, on the import kit's upload → preview → confirm) and export (admins and
    leads) of the matrix."""

    template_name = "skills/admin/transfer.html"
    title = gettext_lazy("Import et export de la matrice")
    header_icon = "table"
    form_class = ImportForm
    prefix = "import"
    max_bytes = MAX_UPLOAD

    def allowed(self, user) -> bool:
        return user_is_admin(user) or user_is_lead(user)

    def run(self, content: bytes, *, partial: bool, actor, filename: str, kind: str = "levels", **options):
        importer = skill_levels_import if kind == "levels" else taxonomy_import
        try:
            return importer(data=content, partial=partial, actor=actor, source_name=filename)
        except ImportFileError as exc:
            return ImportReport(errors=[(exc.line or 1, exc.message)])

    def describe(self, report) -> Outcome:
        summary = _("%(r)s lignes lues : %(c)s créées, %(u)s mises à jour, %(s)s inchangées.") % {
            "r": report.rows, "c": report.created, "u": report.updated, "s": report.unchanged}
        if report.errors and not report.written:
            summary = ngettext("%(n)s erreur : rien n’a été importé.", "%(n)s erreurs : rien n’a été importé.",
                               len(report.errors)) % {"n": len(report.errors)} + " " + summary
        return Outcome(summary=summary, errors=report.error_lines(), ok=report.ok, written=report.written)

    def extra_context(self, request) -> dict:
        return {"can_import": user_is_admin(request.user),
                "export_form": getattr(request, "_export_form", None) or ExportForm(
                    prefix="export", teams=teams_led_by(request.user)),
                "level_columns": ",".join(LEVEL_COLUMNS), "taxonomy_columns": ",".join(TAXONOMY_COLUMNS),
                "taxonomy_extra": ", ".join(TAXONOMY_EXTRA), "header_title": self.title}

    def post(self, request):
        if "token" in request.POST or "import-kind" in request.POST:
            if not user_is_admin(request.user):
                raise PermissionDenied
            return super().post(request)
        export_form = ExportForm(request.POST, prefix="export", teams=teams_led_by(request.user))
        if not export_form.is_valid():
            request._export_form = export_form
            return self.render(request, form=self.upload_form(), status=400)
        staff = staff_visible_to(request.user).filter(active=True)
        team = export_form.cleaned_data["team"]
        if team is not None:
            staff = staff.filter(team_id__in=team_descendant_ids([team.id]))
        fmt = export_form.cleaned_data["format"]
        content = matrix_export(staff_qs=staff, fmt=fmt, actor=request.user, scope=team.name if team else "all")
        response = HttpResponse(content, content_type="text/csv; charset=utf-8" if fmt == "csv" else
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="matrice-{timezone.localdate()}.{fmt}"'
        return response


transfer = TransferView.as_view()
