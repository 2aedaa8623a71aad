"""Wagtail admin views for editors: item analysis, question import (with an item-numbered error
report; nothing is written when the file has an error) and export."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.roles import user_is_editor
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


def questions_import(request):
    _require_editor(request)
    report = None
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            report = import_json(text=form.cleaned_data["file"], actor=request.user,
                                 dry_run=form.cleaned_data["dry_run"])
            if report.ok and not form.cleaned_data["dry_run"]:
                messages.success(request, report.summary)
            elif not report.ok:
                status = 400
        else:
            status = 400
    return render(request, "assessments/admin/questions_import.html",
                  {"form": form, "report": report, "dry_run": request.POST.get("dry_run")}, status=status)


def questions_export(request):
    _require_editor(request)
    response = HttpResponse(export_json(), content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="questions-{stamp}.json"'
    return response
