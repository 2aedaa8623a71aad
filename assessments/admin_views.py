"""Wagtail admin views for editors: item analysis, question import (the import kit's preview then
confirm, with an item-numbered error report; nothing is written when the file has an error) and
export."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from academy.import_views import ImportView, Outcome
from academy.roles import user_is_editor
from assessments.exchange import ImportReport
from assessments.exchange import questions_export as export_json
from assessments.exchange import questions_import as import_json
from assessments.forms import QuestionImportForm
from assessments.models import Exam
from assessments.selectors import MIN_RESPONSES, item_analysis as item_analysis_rows


def _require_editor(request):
    if not user_is_editor(request.user):
        raise PermissionDenied(_("Réservé aux éditeurs de contenu."))


def item_analysis(request):
    _require_editor(request)
    exams = Exam.objects.order_by("title")
    exam = None
    exam_id = request.GET.get("exam")
    if exam_id:
        exam = exams.filter(pk=exam_id).first() if exam_id.isdigit() else None
        if exam is None:
            messages.error(request, _("Examen inconnu."))
    rows = item_analysis_rows(exam=exam)
    return render(request, "assessments/admin/item_analysis.html", {
        "rows": rows, "exams": exams, "exam": exam, "min_responses": MIN_RESPONSES,
    })


class QuestionsImportView(ImportView):
    """The question bank import (JSON, docs/assessments.md) on the import kit's upload → preview →
    confirm page: all or nothing, questions found again by their code."""

    template_name = "assessments/admin/questions_import.html"
    title = gettext_lazy("Import/export de questions")
    header_icon = "download"
    help_text = gettext_lazy("Format JSON décrit dans docs/assessments.md. Les questions sont reconnues par leur "
                             "code : une question existante est mise à jour. Si une seule erreur est trouvée, rien "
                             "n'est enregistré.")
    form_class = QuestionImportForm
    max_bytes = QuestionImportForm.MAX_BYTES

    def allowed(self, user) -> bool:
        return user_is_editor(user)

    def upload_form(self, *args):
        return self.form_class(*args, prefix=self.prefix)

    def run(self, content: bytes, *, partial: bool, actor, filename: str, **options):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            report = ImportReport()
            report.errors.append(_("Le fichier doit être encodé en UTF-8."))
            return report
        return import_json(text=text, actor=actor)

    def describe(self, report) -> Outcome:
        if not report.ok:
            summary = ngettext("%(n)s erreur : rien n'a été enregistré.", "%(n)s erreurs : rien n'a été enregistré.",
                               len(report.errors)) % {"n": len(report.errors)}
        else:
            summary = report.summary
        return Outcome(summary=summary, errors=list(report.errors), ok=report.ok,
                       written=report.ok and bool(report.created or report.updated))


questions_import = QuestionsImportView.as_view()


def questions_export(request):
    _require_editor(request)
    response = HttpResponse(export_json(), content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="questions-{stamp}.json"'
    return response
