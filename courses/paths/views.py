"""Pages of training paths. Thin: permission, form, then one service or selector call.

Leads (and admins) build paths and assign them under /equipe/parcours/; learners follow theirs
under /mes-formations/parcours/. Someone who leads no team gets a 403 on lead pages; another
person's assignment is a 404; assigning someone outside one's teams is a 403 with the reason."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from academy.models import Staff, Team
from academy.roles import user_is_lead
from academy.selectors import staff_for_user, staff_visible_to, teams_led_by
from courses.paths import exports, selectors, services
from courses.paths.forms import AssignForm, GapCloseForm, PathForm, StepForm
from courses.paths.models import PathAssignment, PathRule, PathStep, TrainingPath
from skills.selectors import validation_queue_for

PAGE_SIZE = 50


def _forbidden(request, message: str):
    """The site's 403 page (templates/403.html) with the reason."""
    return render(request, "403.html", {"exception": message}, status=403)


def lead_required(view):
    """Lead pages: 403 with an explanation for someone who leads no team; PermissionDenied
    raised by a service becomes the same page with its message."""
    def wrapper(request, *args, **kwargs):
        if not user_is_lead(request.user):
            return _forbidden(request, _("Cette page est réservée aux responsables d'équipe."))
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as denied:
            return _forbidden(request, str(denied) or _("Accès refusé."))
    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return login_required(wrapper)


def _messages(error: ValidationError) -> list[str]:
    return list(error.messages)


def _team_filter(request) -> Team | None:
    # "team" is the parameter of skills' /equipe/ filters, so the sections follow its team filter.
    value = request.GET.get("equipe") or request.GET.get("team") or ""
    if not value.isdigit():
        return None
    return teams_led_by(request.user).filter(pk=int(value)).first()


# --- lead: overview -----------------------------------------------------------------------------


def team_sections_context(request, staff_list=None) -> dict:
    """What the path sections of /equipe/ show (also the body of /equipe/parcours/): progress by
    path, the overdue list, certifications expiring within 90 days, the validation queue summary,
    and gaps with the paths that close them."""
    team = _team_filter(request)
    now = timezone.now()
    progress = selectors.team_progress(user=request.user, team=team, now=now)
    queue = validation_queue_for(request.user)
    return {
        "path_summaries": selectors.progress_by_path(progress),
        "overdue_rows": selectors.overdue(progress),
        "expiring_awards": selectors.certifications_expiring(user=request.user, team=team, now=now),
        "validation_count": queue.count(),
        "validation_first": list(queue[:5]),
        "gap_groups": selectors.team_gaps(user=request.user, team=team),
        "expiring_days": selectors.EXPIRING_DAYS,
        "selected_team": team,
    }


@lead_required
@require_GET
def team_paths(request):
    """/equipe/parcours/: the paths, then the team sections (also shown on /equipe/)."""
    context = {"section_context": team_sections_context(request)}
    context.update({
        "paths": list(selectors.paths_with_steps(TrainingPath.objects.all()).order_by("-active", "name")),
        "teams": list(teams_led_by(request.user).order_by("name")),
        "standalone": True,
    })
    return render(request, "paths/team_paths.html", context)


# --- lead: building paths -----------------------------------------------------------------------


@lead_required
def path_create(request):
    form = PathForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            path = services.path_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Parcours créé : ajoutez maintenant ses étapes."))
            return redirect("paths:path_detail", path_id=path.pk)
    return render(request, "paths/path_form.html", {"form": form, "path": None},
                  status=400 if request.method == "POST" else 200)


@lead_required
def path_edit(request, path_id: int):
    path = get_object_or_404(TrainingPath, pk=path_id)
    if not selectors.user_can_edit_path(request.user, path):
        return _forbidden(request, _("Seul l'auteur du parcours ou un administrateur peut le modifier."))
    form = PathForm(request.POST or None, instance=path)
    if request.method == "POST" and form.is_valid():
        try:
            services.path_update(path=path, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Parcours enregistré."))
            return redirect("paths:path_detail", path_id=path.pk)
    return render(request, "paths/path_form.html", {"form": form, "path": path},
                  status=400 if request.method == "POST" else 200)


def _detail_context(request, path: TrainingPath, *, step_form=None, assign_form=None) -> dict:
    steps = selectors.path_steps(path)
    people = list(selectors.staff_led_by(request.user))
    teams = list(teams_led_by(request.user).order_by("name"))
    assignments = selectors.team_assignments(user=request.user, path=path)
    page = Paginator(assignments, PAGE_SIZE).get_page(request.GET.get("page"))
    progress = selectors.progress_for(page.object_list)
    return {
        "path": path,
        "steps": steps,
        "problems": selectors.path_problems(path=path, steps=steps),
        "can_edit": selectors.user_can_edit_path(request.user, path),
        "step_form": step_form or StepForm(),
        "assign_form": assign_form or AssignForm(people=people, teams=teams),
        "rules": selectors.rules_for_path(path=path, user=request.user),
        "page": page,
        "progress": progress,
        "today": timezone.localdate(),
    }


@lead_required
def path_detail(request, path_id: int):
    """A path: its steps (editable by its author), who it is assigned to and how far they are,
    and the form to assign it."""
    path = get_object_or_404(TrainingPath, pk=path_id)
    return render(request, "paths/path_detail.html", _detail_context(request, path))


@lead_required
@require_POST
def step_add(request, path_id: int):
    path = get_object_or_404(TrainingPath, pk=path_id)
    form = StepForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.path_step_add(path=path, by=request.user, kind=data["kind"], course=data["course"],
                                   exam=data["exam"], certification=data["certification"], required=data["required"])
        except ValidationError as error:
            for message in _messages(error):
                form.add_error(None, message)
        else:
            messages.success(request, _("Étape ajoutée."))
            return redirect("paths:path_detail", path_id=path.pk)
    return render(request, "paths/path_detail.html", _detail_context(request, path, step_form=form), status=400)


@lead_required
@require_POST
def step_remove(request, path_id: int, step_id: int):
    step = get_object_or_404(PathStep, pk=step_id, path_id=path_id)
    services.path_step_remove(step=step, by=request.user)
    messages.success(request, _("Étape supprimée."))
    return redirect("paths:path_detail", path_id=path_id)


@lead_required
@require_POST
def step_move(request, path_id: int, step_id: int):
    step = get_object_or_404(PathStep, pk=step_id, path_id=path_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    try:
        services.path_step_move(step=step, by=request.user, offset=offset)
    except ValidationError as error:
        messages.error(request, " ".join(_messages(error)))
    return redirect("paths:path_detail", path_id=path_id)


# --- lead: assigning ----------------------------------------------------------------------------


@lead_required
@require_POST
def path_assign(request, path_id: int):
    """Assign to a person (403 when outside the lead's teams), a whole team or a rule."""
    path = get_object_or_404(TrainingPath, pk=path_id)
    people = list(selectors.staff_led_by(request.user))
    teams = list(teams_led_by(request.user).order_by("name"))
    form = AssignForm(request.POST, people=people, teams=teams)
    if form.is_valid():
        data = form.cleaned_data
        due = {"due_mode": data["due_mode"], "due_on": data["due_on"], "due_days": data["due_days"]}
        try:
            if data["target"] == "person":
                staff = Staff.objects.filter(employee_id=data["staff"]).select_related("user", "team").first()
                if staff is None:
                    raise ValidationError(_("Matricule inconnu : %(id)s.") % {"id": data["staff"]})
                services.assignment_create(path=path, staff=staff, by=request.user, **due)
                messages.success(request, _("Parcours assigné à %(who)s.") % {"who": staff.display_name})
            else:
                team = Team.objects.filter(pk=data["team"]).first() if data["team"] else None
                if data["team"] and team is None:
                    raise ValidationError(_("Équipe inconnue."))
                profile, tier = ("", "") if data["target"] == "team" else (data["profile"], data["tier"])
                _rule, report = services.assignment_rule_create(path=path, by=request.user, team=team,
                                                                profile=profile, tier=tier, **due)
                messages.success(request, ngettext(
                    "Règle créée : %(count)d personne assignée. Les arrivées et les départs sont suivis "
                    "automatiquement.",
                    "Règle créée : %(count)d personnes assignées. Les arrivées et les départs sont suivis "
                    "automatiquement.", len(report.assigned)) % {"count": len(report.assigned)})
                for _rule_id, employee_id, reason in report.blocked:
                    messages.warning(request, reason)
        except ValidationError as error:
            for message in _messages(error):
                form.add_error(None, message)
        else:
            return redirect("paths:path_detail", path_id=path.pk)
    return render(request, "paths/path_detail.html", _detail_context(request, path, assign_form=form), status=400)


@lead_required
@require_POST
def rule_deactivate(request, rule_id: int):
    rule = get_object_or_404(PathRule, pk=rule_id)
    count = services.assignment_rule_deactivate(rule=rule, by=request.user)
    messages.success(request, ngettext("Règle désactivée : %(count)d affectation non terminée retirée.",
                                       "Règle désactivée : %(count)d affectations non terminées retirées.", count)
                     % {"count": count})
    return redirect("paths:path_detail", path_id=rule.path_id)


def _visible_assignment(request, assignment_id: int) -> PathAssignment:
    qs = PathAssignment.objects.filter(staff__in=staff_visible_to(request.user))
    return get_object_or_404(qs.select_related("staff", "staff__user", "path", "rule"), pk=assignment_id)


@lead_required
@require_GET
def assignment_detail(request, assignment_id: int):
    """One person's progress on a path, for their lead."""
    assignment = _visible_assignment(request, assignment_id)
    if assignment.staff.user_id == request.user.id:
        return redirect("paths:my_path", assignment_id=assignment.pk)
    progress = selectors.assignment_progress(assignment=assignment)
    return render(request, "paths/assignment_detail.html", {"row": progress, "for_lead": True})


@lead_required
@require_POST
def assignment_withdraw(request, assignment_id: int):
    assignment = _visible_assignment(request, assignment_id)
    try:
        services.assignment_withdraw(assignment=assignment, by=request.user, reason=request.POST.get("reason", "")[:200])
    except ValidationError as error:
        messages.error(request, " ".join(_messages(error)))
    else:
        messages.success(request, _("Parcours retiré à %(who)s.") % {"who": assignment.staff.display_name})
    return redirect("paths:path_detail", path_id=assignment.path_id)


@lead_required
@require_POST
def gap_close(request):
    """The one-click "assign the path that closes this gap" of /equipe/."""
    form = GapCloseForm(request.POST)
    back = request.POST.get("next") or ""
    target = back if back.startswith("/") and not back.startswith("//") else None
    if not form.is_valid():
        messages.error(request, _("Demande incomplète : rechargez la page et réessayez."))
        return redirect(target or "paths:team_paths")
    data = form.cleaned_data
    path = get_object_or_404(TrainingPath, pk=data["path"], active=True)
    people = list(Staff.objects.filter(employee_id__in=data["people"]).select_related("user", "team"))
    if len(people) != len(set(data["people"])):
        messages.error(request, _("Certaines personnes sont inconnues : rechargez la page."))
        return redirect(target or "paths:team_paths")
    if path not in selectors.paths_closing(requirements={data["skill"]: data["level"]}):
        messages.error(request, _("Ce parcours n'atteint pas le niveau demandé."))
        return redirect(target or "paths:team_paths")
    try:
        assignments = services.gap_close_assign(path=path, by=request.user, people=people, due_days=data["due_days"])
    except ValidationError as error:
        for message in _messages(error):
            messages.error(request, message)
    else:
        messages.success(request, ngettext("« %(path)s » assigné à %(count)d personne.",
                                           "« %(path)s » assigné à %(count)d personnes.", len(assignments)) % {
            "path": path.name, "count": len(assignments)})
    return redirect(target or "paths:team_paths")


@lead_required
@require_GET
def team_export(request):
    """/equipe/parcours/export/?format=csv|xlsx[&equipe=<id>]"""
    fmt = request.GET.get("format", "csv")
    if fmt not in exports.FORMATS:
        return HttpResponse(_("Format inconnu : choisissez csv ou xlsx."), status=400,
                            content_type="text/plain; charset=utf-8")
    team = _team_filter(request)
    content = exports.team_progress_export(user=request.user, fmt=fmt, team=team)
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="parcours-{stamp}.{fmt}"'
    return response


# --- learner ------------------------------------------------------------------------------------


@login_required
@require_GET
def my_paths(request):
    """/mes-formations/parcours/: my paths, what comes next, due dates."""
    staff = staff_for_user(request.user)
    return render(request, "paths/my_paths.html", {
        "staff": staff, "path_rows": selectors.paths_for_learner(staff=staff)})


@login_required
@require_GET
def my_path(request, assignment_id: int):
    """One of my paths, step by step (404 for someone else's)."""
    staff = staff_for_user(request.user)
    if staff is None:
        raise PermissionDenied
    assignment = get_object_or_404(PathAssignment, pk=assignment_id, staff=staff)
    progress = selectors.assignment_progress(assignment=assignment)
    return render(request, "paths/assignment_detail.html", {"row": progress, "for_lead": False})

