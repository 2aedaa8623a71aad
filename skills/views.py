"""Pages of the skills matrix. Thin: permissions, forms, then a selector or a service.

Who sees what: staff see only themselves, leads the people of the teams they lead (sub-teams
included), admins everyone (academy.selectors). Another person's page is a 404, a team page for
someone who leads no team a 403."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from academy.formats import last_valid_day
from academy.roles import user_is_lead
from academy.selectors import staff_for_user, staff_visible_to, teams_led_by, user_leads_staff
from skills import selectors
from skills.charts import skill_bars
from skills.forms import CoverageFilterForm, DecisionForm, EvidenceForm, MatrixFilterForm, RevokeForm, SelfAssessmentForm
from skills.imports import matrix_export
from skills.models import Evidence, SelfAssessment, SelfAssessmentStatus
from skills.services import (
    evidence_revoke_audited, manager_evidence_record, self_assessment_accept, self_assessment_reject,
    self_assessment_submit,
)

HEATMAP_PAGE_SIZE = 50

# Sections other apps add to /equipe/: each a template name rendered with the page's context
# plus the dict returned by its `context(request, staff_list)` callable. Register with
# `team_section_register(template, context_callable)` from an app's ready().
_team_sections: list[tuple[str, object]] = []


def team_section_register(template: str, context=None) -> None:
    if template not in [t for t, _c in _team_sections]:
        _team_sections.append((template, context))


def _require_lead(user) -> None:
    if not user_is_lead(user):
        raise PermissionDenied(_("Cette page est réservée aux responsables d'équipe."))


def _profile_context(staff) -> dict:
    profile = selectors.role_profile_for(staff)
    cells = selectors.skill_cells(staff=staff)  # read once for the rows, the gaps and the deadlines
    groups = selectors.staff_skill_rows(staff=staff, profile=profile, cells=cells)
    rows = [row for group in groups for row in group["rows"] if row.level or row.declared or row.required]
    gaps = selectors.gaps_for_staff(staff=staff, profile=profile, cells=cells)
    skills = {row.skill.pk: row.skill for group in groups for row in group["rows"]}
    return {
        "subject": staff,
        "groups": groups,
        "chart": skill_bars(rows),
        "role_profile": profile,
        "gaps": [g for g in gaps if not g.met],
        "requirements_count": len(gaps),
        "expiring": selectors.expiring_for_staff(staff=staff, cells=cells, skills=skills),
        "labels": selectors.scale_labels(),
        "now": timezone.now(),
    }


@login_required
def my_skills(request):
    """/mes-competences/: my levels by domain, declared versus validated, until when, the evidence
    behind each, my gaps against my role profile, and a chart."""
    staff = staff_for_user(request.user)
    if staff is None:
        return render(request, "skills/my_skills.html", {"subject": None})
    context = _profile_context(staff)
    context["is_self"] = True
    return render(request, "skills/my_skills.html", context)


@login_required
def self_assess(request):
    """Declare a level; it shows as "declared" and waits for the lead's validation."""
    staff = staff_for_user(request.user)
    if staff is None or not staff.active:
        raise PermissionDenied(_("Aucun dossier collaborateur actif n'est associé à votre compte."))
    initial = {"skill": request.GET.get("skill")} if request.GET.get("skill") else None
    form = SelfAssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            self_assessment_submit(staff=staff, skill=form.cleaned_data["skill"], level=form.cleaned_data["level"],
                                   comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Auto-évaluation envoyée : votre responsable va la valider."))
            return redirect("skills:my_skills")
    return render(request, "skills/self_assess.html", {"form": form})


@login_required
def staff_detail(request, employee_id: str):
    """A person's skills for their lead (404 when the person is not visible to the user)."""
    staff = get_object_or_404(staff_visible_to(request.user).select_related("user", "team"),
                              employee_id=employee_id)
    if staff.user_id == request.user.id:
        return redirect("skills:my_skills")
    context = _profile_context(staff)
    context["can_record"] = user_leads_staff(request.user, staff) and staff.active
    context["evidence_form"] = EvidenceForm()
    context["revoke_form"] = RevokeForm()
    return render(request, "skills/staff_detail.html", context)


def _led_staff_or_404(request, employee_id: str):
    staff = get_object_or_404(staff_visible_to(request.user).select_related("user"), employee_id=employee_id)
    if not user_leads_staff(request.user, staff):
        raise PermissionDenied(_("Seul un responsable de cette personne peut enregistrer ou révoquer ses niveaux."))
    return staff


@login_required
@require_POST
def staff_record_evidence(request, employee_id: str):
    staff = _led_staff_or_404(request, employee_id)
    form = EvidenceForm(request.POST)
    if form.is_valid():
        try:
            manager_evidence_record(staff=staff, skill=form.cleaned_data["skill"], level=form.cleaned_data["level"],
                                    by=request.user, valid_until=form.cleaned_data["valid_until"],
                                    note=form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Niveau enregistré."))
            return redirect("skills:staff_detail", employee_id=staff.employee_id)
    context = _profile_context(staff)
    context.update({"can_record": True, "evidence_form": form, "revoke_form": RevokeForm()})
    return render(request, "skills/staff_detail.html", context, status=400)


@login_required
@require_POST
def staff_revoke_evidence(request, employee_id: str, evidence_id: int):
    staff = _led_staff_or_404(request, employee_id)
    evidence = get_object_or_404(Evidence, pk=evidence_id, staff=staff)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez le motif de la révocation."))
    else:
        evidence_revoke_audited(evidence=evidence, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Preuve révoquée."))
    return redirect("skills:staff_detail", employee_id=staff.employee_id)


def _filtered_staff(request, form_class=MatrixFilterForm):
    teams = teams_led_by(request.user)
    form = form_class(request.GET or None, teams=teams)
    filters = form.cleaned_data if form.is_valid() else {}
    staff = selectors.staff_for_matrix(user=request.user, team=filters.get("team"))
    if filters.get("tier"):
        staff = staff.filter(tier=filters["tier"])
    return form, filters, staff


def _heatmap_present(matrix) -> None:
    """Give each heatmap cell its CSS classes and tooltip, so the template stays a plain loop
    (3,000 cells for 50 people × 60 skills)."""
    required, declared, until = _("requis"), _("déclaré"), _("jusqu’au")
    for row in matrix.rows:
        for cell in row["cells"]:
            parts = [f"{cell['skill'].code} : {cell['level']}"]
            if cell["required"]:
                parts.append(f"{required} {cell['required']}")
            if cell["declared"] > cell["level"]:
                parts.append(f"{declared} {cell['declared']}")
            if cell["valid_until"]:
                parts.append(f"{until} {date_format(last_valid_day(cell['valid_until']), 'DATE_FORMAT')}")
            cell["title"] = " / ".join(parts)
            cell["css"] = f"hm level-{cell['level']}" + (" gap" if cell["gap"] else "")


@login_required
def team(request):
    """/equipe/: the heatmap of the people the user leads, 50 per page, gaps marked."""
    _require_lead(request.user)
    form, filters, staff = _filtered_staff(request)
    page = Paginator(staff, HEATMAP_PAGE_SIZE).get_page(request.GET.get("page"))
    staff_list = list(page.object_list)
    matrix = selectors.heatmap(staff_list=staff_list, domain=filters.get("domain"))
    _heatmap_present(matrix)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form, "page": page, "matrix": matrix, "querystring": query.urlencode(),
        "labels": selectors.scale_labels(),
        "pending_count": selectors.validation_queue_for(request.user).count(),
        "gap_summary": selectors.heatmap_gap_summary(matrix)[:10],
    }
    sections = []
    for template, extra in _team_sections:
        section_context = extra(request, staff_list) if callable(extra) else {}
        sections.append({"template": template, "context": section_context})
    context["team_sections"] = sections
    return render(request, "skills/team.html", context)


@login_required
def coverage(request):
    """/equipe/couverture/: per skill and tier, who is qualified now and in 30/60/90 days."""
    _require_lead(request.user)
    form, filters, staff = _filtered_staff(request, CoverageFilterForm)
    rows = selectors.coverage(staff_list=list(staff), domain=filters.get("domain"),
                              min_level=filters.get("min_level"))
    return render(request, "skills/coverage.html", {
        "form": form, "rows": rows, "horizons": selectors.COVERAGE_HORIZONS, "tiers": ["N1", "N2", "N3"],
        "flagged": sum(1 for r in rows if r["flag"]),
    })


@login_required
def validation_queue(request):
    """/equipe/validations/: pending self-assessments of the people the user leads."""
    _require_lead(request.user)
    page = Paginator(selectors.validation_queue_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "skills/validation_queue.html", {"page": page, "form": DecisionForm()})


@login_required
@require_POST
def validation_decide(request, assessment_id: int):
    _require_lead(request.user)
    assessment = get_object_or_404(SelfAssessment.objects.select_related("staff__user", "skill"), pk=assessment_id)
    if not user_leads_staff(request.user, assessment.staff):
        raise Http404
    if assessment.status != SelfAssessmentStatus.PENDING:
        messages.warning(request, _("Cette auto-évaluation a déjà été traitée."))
        return redirect("skills:validation_queue")
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "accept":
                self_assessment_accept(assessment=assessment, by=request.user, level=data.get("level"),
                                       valid_until=data.get("valid_until"), comment=data.get("comment", ""))
                messages.success(request, _("Niveau validé pour %(who)s.") % {"who": assessment.staff.display_name})
            else:
                self_assessment_reject(assessment=assessment, by=request.user, comment=data["comment"])
                messages.success(request, _("Auto-évaluation refusée ; %(who)s est prévenu(e).") % {
                    "who": assessment.staff.display_name})
            return redirect("skills:validation_queue")
        except ValidationError as exc:
            form.add_error(None, exc)
    page = Paginator(selectors.validation_queue_for(request.user), 25).get_page(1)
    return render(request, "skills/validation_queue.html",
                  {"page": page, "form": DecisionForm(), "failed": assessment, "failed_form": form}, status=400)


@login_required
def team_export(request):
    """Download the matrix of the people the user leads (CSV, the import format; or XLSX)."""
    _require_lead(request.user)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        return HttpResponse(_("Format inconnu : choisissez csv ou xlsx."), status=400, content_type="text/plain")
    _form, filters, staff = _filtered_staff(request)
    content = matrix_export(staff_qs=staff, fmt=fmt, actor=request.user, scope=request.GET.urlencode())
    stamp = timezone.localdate().isoformat()
    content_type = ("text/csv; charset=utf-8" if fmt == "csv"
                    else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="matrice-{stamp}.{fmt}"'
    return response

