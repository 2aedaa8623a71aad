"""Wagtail admin pages for the matrix: CSV imports with a line-numbered report, and the export."""
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from academy.models import Team
from academy.roles import user_is_admin, user_is_lead
from academy.selectors import staff_visible_to, team_descendant_ids, teams_led_by
from skills.imports import (
    LEVEL_COLUMNS, TAXONOMY_COLUMNS, TAXONOMY_EXTRA, ImportFileError, matrix_export, skill_levels_import,
    taxonomy_import,
)

MAX_UPLOAD = 10 * 1024 * 1024


class ImportForm(forms.Form):
    KIND_CHOICES = [("levels", gettext_lazy("Niveaux (employee_id,skill_code,level,valid_until,source,note)")),
                    ("taxonomy", gettext_lazy("Référentiel (domaines et compétences)"))]
    kind = forms.ChoiceField(label=gettext_lazy("Type de fichier"), choices=KIND_CHOICES)
    file = forms.FileField(label=gettext_lazy("Fichier CSV (UTF-8, séparateur , ou ;)"))
    partial = forms.BooleanField(label=gettext_lazy("Importer les lignes valides même si d'autres sont en erreur"),
                                 required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("Fichier trop volumineux (10 Mo au plus)."))
        return upload


class ExportForm(forms.Form):
    team = forms.ModelChoiceField(label=gettext_lazy("Équipe"), queryset=Team.objects.none(), required=False,
                                  empty_label=gettext_lazy("Toutes les personnes visibles"))
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=[("xlsx", "XLSX"), ("csv", "CSV")])

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


def transfer(request):
    """Import (admins) and export (admins and leads) of the matrix."""
    if not (user_is_admin(request.user) or user_is_lead(request.user)):
        raise PermissionDenied
    can_import = user_is_admin(request.user)
    teams = teams_led_by(request.user)
    import_form = ImportForm(prefix="import")
    export_form = ExportForm(prefix="export", teams=teams)
    report = None
    status = 200
    if request.method == "POST" and "import-kind" in request.POST:
        if not can_import:
            raise PermissionDenied
        import_form = ImportForm(request.POST, request.FILES, prefix="import")
        if import_form.is_valid():
            importer = skill_levels_import if import_form.cleaned_data["kind"] == "levels" else taxonomy_import
            upload = import_form.cleaned_data["file"]
            try:
                report = importer(data=upload.read(), partial=import_form.cleaned_data["partial"],
                                  actor=request.user, source_name=upload.name)
            except ImportFileError as exc:
                import_form.add_error("file", str(exc))
                status = 400
            else:
                status = 200 if report.ok or report.written else 400
        else:
            status = 400
    elif request.method == "POST":
        export_form = ExportForm(request.POST, prefix="export", teams=teams)
        if export_form.is_valid():
            staff = staff_visible_to(request.user).filter(active=True)
            team = export_form.cleaned_data["team"]
            if team is not None:
                staff = staff.filter(team_id__in=team_descendant_ids([team.id]))
            fmt = export_form.cleaned_data["format"]
            content = matrix_export(staff_qs=staff, fmt=fmt, actor=request.user,
                                    scope=team.name if team else "all")
            response = HttpResponse(content, content_type="text/csv; charset=utf-8" if fmt == "csv" else
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            response["Content-Disposition"] = f'attachment; filename="matrice-{timezone.localdate()}.{fmt}"'
            return response
        status = 400
    return render(request, "skills/admin/transfer.html", {
        "import_form": import_form, "export_form": export_form, "report": report, "can_import": can_import,
        "level_columns": ",".join(LEVEL_COLUMNS), "taxonomy_columns": ",".join(TAXONOMY_COLUMNS),
        "taxonomy_extra": ", ".join(TAXONOMY_EXTRA),
        "page_title": _("Import et export de la matrice"), "header_title": _("Import et export de la matrice"),
        "header_icon": "table",
    }, status=status)
