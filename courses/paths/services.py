"""Writes about training paths, with their rules: building a path, assigning it (to one person,
a team or a rule), keeping rules in sync with the organisation, and reminders.

Permissions are checked here, not only in views: a lead may assign only people of the teams they
lead (PermissionDenied otherwise), edit only the paths they created (admins: everything).

Rule sync: `assignment_rules_sync()` reconciles every active rule with the organisation. It runs
every 10 minutes (tasks.PERIODIC_TASKS) as a full reconciliation, and within a minute of any
`staff.updated` / `staff.deactivated` event of the academy outbox (imports, deactivations,
reactivations publish them) through `staff_events_follow()`, which reads the outbox after its
cursor. No hook in academy is needed, and changes made without an event are caught at the next
full run."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from academy.models import Event, Profile, Staff, Team, Tier
from academy.roles import user_is_admin, user_is_lead
from academy.selectors import team_descendant_ids, teams_led_by, user_leads_staff
from academy.services import audit_log, notification_send
from courses.paths import selectors
from courses.paths.models import (
    MAX_DUE_DAYS, AssignmentOrigin, DueMode, PathAssignment, PathRule, PathStep, StaffEventCursor, StepKind,
    TrainingPath,
)
from courses.services import enrolment_create

STAFF_EVENTS = ("staff.updated", "staff.deactivated")


# --- building paths -----------------------------------------------------------------------------


def _require_lead(user) -> None:
    if not user_is_lead(user):
        raise PermissionDenied(_("Seuls les responsables d'équipe et les administrateurs gèrent les parcours."))


def _require_editor(user, path: TrainingPath) -> None:
    if not selectors.user_can_edit_path(user, path):
        raise PermissionDenied(_("Seul l'auteur du parcours ou un administrateur peut le modifier."))


@transaction.atomic
def path_create(*, name: str, by, description: str = "", role_profile=None, active: bool = True) -> TrainingPath:
    """Create an (empty) path; steps are added next. Raises ValidationError for a name already
    used, PermissionDenied for someone who is not a lead."""
    _require_lead(by)
    path = TrainingPath(name=(name or "").strip(), description=description or "", role_profile=role_profile,
                        created_by=by if getattr(by, "pk", None) else None, active=active)
    path.full_clean()
    path.save()
    audit_log(actor=by, action="path.create", target=path, data={"name": path.name})
    return path


@transaction.atomic
def path_update(*, path: TrainingPath, by, name: str, description: str = "", role_profile=None,
                active: bool = True) -> TrainingPath:
    _require_editor(by, path)
    path.name, path.description, path.role_profile, path.active = (name or "").strip(), description or "", \
        role_profile, active
    path.full_clean()
    path.save()
    audit_log(actor=by, action="path.update", target=path, data={"name": path.name, "active": active})
    return path


@transaction.atomic
def path_step_add(*, path: TrainingPath, by, kind: str, course=None, exam=None, certification=None,
                  required: bool = True) -> PathStep:
    """Append a step. Refuses a target that is closed (unpublished course, closed exam or
    certification), already a step of the path, or a course whose prerequisite is not reachable
    (see `selectors.path_problems`). People already on the path are enrolled in a new course."""
    _require_editor(by, path)
    if kind not in StepKind.values:
        raise ValidationError({"kind": _("Type d'étape inconnu.")})
    step = PathStep(path=path, kind=kind, required=required,
                    course=course if kind == StepKind.COURSE else None,
                    exam=exam if kind == StepKind.EXAM else None,
                    certification=certification if kind == StepKind.CERTIFICATION else None)
    step.clean()
    if not selectors.step_target_available(step):
        raise ValidationError(_("« %(target)s » n'est pas ouverte : publiez la formation ou ouvrez "
                                "l'examen/la certification avant de l'ajouter.") % {"target": step.target_label})
    existing = selectors.path_steps(path)
    if any(s.kind == kind and s.target_id == step.target_id for s in existing):
        raise ValidationError(_("« %(target)s » est déjà une étape de ce parcours.") % {"target": step.target_label})
    step.sort_order = (max((s.sort_order or 0 for s in existing), default=-1)) + 1
    step.save()
    problems = [p for p in selectors.path_problems(path=path) if p not in selectors.path_problems(
        path=path, steps=existing)] if existing else []
    if problems:
        raise ValidationError(problems)  # rolls the step back
    audit_log(actor=by, action="path.step.add", target=path,
              data={"kind": kind, "target": step.target_id, "required": required})
    if kind == StepKind.COURSE:
        for assignment in PathAssignment.objects.filter(path=path, withdrawn_at__isnull=True,
                                                        staff__active=True).select_related("staff"):
            _enrol(assignment=assignment, courses=[step.course], by=by)
    return step


@transaction.atomic
def path_step_remove(*, step: PathStep, by) -> None:
    path = step.path
    _require_editor(by, path)
    audit_log(actor=by, action="path.step.remove", target=path, data={"kind": step.kind, "target": step.target_id})
    step.delete()
    _renumber(path)


@transaction.atomic
def path_step_move(*, step: PathStep, by, offset: int) -> None:
    """Move a step up (-1) or down (+1). Refused when the new order puts a course before one of
    its prerequisites."""
    path = step.path
    _require_editor(by, path)
    steps = selectors.path_steps(path)
    ids = [s.pk for s in steps]
    index = ids.index(step.pk)
    target = index + offset
    if not 0 <= target < len(ids):
        return
    ids[index], ids[target] = ids[target], ids[index]
    path_steps_reorder(path=path, by=by, order=ids)


@transaction.atomic
def path_steps_reorder(*, path: TrainingPath, by, order: list[int]) -> None:
    """Put the steps in the given order (a list of every step id). Raises ValidationError for a
    list that is not exactly the path's steps, or an order that breaks a prerequisite."""
    _require_editor(by, path)
    steps = {s.pk: s for s in selectors.path_steps(path)}
    if sorted(order) != sorted(steps):
        raise ValidationError(_("L'ordre envoyé ne correspond pas aux étapes du parcours ; rechargez la page."))
    before = [s for s in selectors.path_steps(path)]
    for position, pk in enumerate(order):
        PathStep.objects.filter(pk=pk).update(sort_order=position)
    new_problems = [p for p in selectors.path_problems(path=path) if p not in selectors.path_problems(
        path=path, steps=before)]
    if new_problems:
        raise ValidationError(new_problems)  # rolls the new order back
    audit_log(actor=by, action="path.steps.reorder", target=path, data={"order": order})


def _renumber(path: TrainingPath) -> None:
    for position, step in enumerate(selectors.path_steps(path)):
        if step.sort_order != position:
            PathStep.objects.filter(pk=step.pk).update(sort_order=position)


# --- due dates ----------------------------------------------------------------------------------


def due_date_resolve(*, mode: str, due_on: date | None, due_days: int | None, start: date,
                     today: date) -> date | None:
    """The due date of an assignment made on `start`: none, the given date, or `due_days` after
    `start`. Raises ValidationError for a missing value, a date already past, or a delay out of
    1..MAX_DUE_DAYS."""
    if mode == DueMode.NONE:
        return None
    if mode == DueMode.ABSOLUTE:
        if due_on is None:
            raise ValidationError({"due_on": _("Indiquez la date d'échéance.")})
        if due_on < today:
            raise ValidationError({"due_on": _("L'échéance du %(date)s est déjà passée : choisissez une date à "
                                               "venir.") % {"date": date_format(due_on, "DATE_FORMAT")}})
        return due_on
    if mode == DueMode.RELATIVE:
        if due_days is None or not 1 <= due_days <= MAX_DUE_DAYS:
            raise ValidationError({"due_days": _("Indiquez un délai de 1 à %(max)d jours.") % {"max": MAX_DUE_DAYS}})
        return start + timedelta(days=due_days)
    raise ValidationError({"due_mode": _("Type d'échéance inconnu.")})


# --- assigning ----------------------------------------------------------------------------------


def _assignable_or_error(path: TrainingPath) -> list[PathStep]:
    if not path.active:
        raise ValidationError(_("Le parcours « %(name)s » est inactif : réactivez-le pour l'assigner.")
                              % {"name": path.name})
    steps = selectors.path_steps(path)
    problems = selectors.path_problems(path=path, steps=steps)
    if problems:
        raise ValidationError(problems)
    return steps


def _enrol(*, assignment: PathAssignment, courses, by) -> None:
    for course in courses:
        if course is None or not course.live:
            continue
        enrolment_create(staff=assignment.staff, course=course, source="path", assigned_by=by,
                         due_on=assignment.due_on)


def _assign_one(*, path: TrainingPath, staff: Staff, steps: list[PathStep], by, due_on: date | None,
                rule: PathRule | None, now: datetime) -> tuple[PathAssignment, bool]:
    """Create (or bring back) the assignment of `path` to `staff`; enrol them in its courses.
    Returns (assignment, changed). An active assignment is left as it is (one per person and
    path), except that a personal assignment takes over a rule's (and its due date)."""
    assignment = PathAssignment.objects.select_for_update().filter(path=path, staff=staff).first()
    origin = AssignmentOrigin.RULE if rule is not None else AssignmentOrigin.PERSON
    if assignment is not None and assignment.withdrawn_at is None:
        if rule is None and assignment.origin == AssignmentOrigin.RULE:
            assignment.origin, assignment.rule, assignment.assigned_by = origin, None, by
            assignment.due_on = due_on
            assignment.save(update_fields=["origin", "rule", "assigned_by", "due_on"])
            audit_log(actor=by, action="path.assign", target=assignment,
                      data={"employee_id": staff.employee_id, "path": path.pk, "takeover": True})
            return assignment, True
        return assignment, False
    if assignment is None:
        try:
            with transaction.atomic():
                assignment = PathAssignment.objects.create(
                    path=path, staff=staff, origin=origin, rule=rule, assigned_by=by, assigned_at=now, due_on=due_on)
        except IntegrityError:  # assigned concurrently: one assignment per person and path
            return PathAssignment.objects.get(path=path, staff=staff), False
    else:
        assignment.origin, assignment.rule, assignment.assigned_by = origin, rule, by
        assignment.assigned_at, assignment.due_on = now, due_on
        assignment.withdrawn_at, assignment.withdrawn_reason = None, ""
        assignment.save()
    _enrol(assignment=assignment, courses=[s.course for s in steps if s.kind == StepKind.COURSE], by=by)
    audit_log(actor=by, action="path.assign", target=assignment,
              data={"employee_id": staff.employee_id, "path": path.pk, "rule": rule.pk if rule else None,
                    "due_on": due_on.isoformat() if due_on else None})
    notification_send(
        recipient=staff.user, kind="path.assigned",
        title=_("Nouveau parcours : %(name)s") % {"name": path.name},
        body=(_("À terminer avant le %(date)s.") % {"date": date_format(due_on, "DATE_FORMAT")}) if due_on else "",
        url=reverse("paths:my_path", args=[assignment.pk]),
        dedupe_key=f"paths:assigned:{assignment.pk}:{now.isoformat()}",
    )
    return assignment, True


@transaction.atomic
def assignment_create(*, path: TrainingPath, staff: Staff, by, due_mode: str = DueMode.NONE,
                      due_on: date | None = None, due_days: int | None = None,
                      now: datetime | None = None) -> PathAssignment:
    """Assign `path` to one person and enrol them in its courses (source "path"). One assignment
    per person and path: assigning again returns the current one (a withdrawn one comes back).

    Raises PermissionDenied when `by` does not lead the person; ValidationError for an inactive
    person, an inactive or empty path, a due date already past, or a step the person cannot
    reach because of a prerequisite."""
    now = now or timezone.now()
    if not user_leads_staff(by, staff):
        raise PermissionDenied(_("%(who)s n'est pas dans une équipe que vous dirigez : vous ne pouvez pas lui "
                                 "assigner de parcours.") % {"who": staff.display_name})
    if not staff.active:
        raise ValidationError(_("%(who)s est inactif : affectation impossible.") % {"who": staff.display_name})
    steps = _assignable_or_error(path)
    today = selectors.local_today(now)
    due = due_date_resolve(mode=due_mode, due_on=due_on, due_days=due_days, start=today, today=today)
    unreachable = selectors.steps_unreachable_for(path=path, staff=staff, steps=steps)
    if unreachable:
        raise ValidationError(unreachable)
    assignment, _changed = _assign_one(path=path, staff=staff, steps=steps, by=by, due_on=due, rule=None, now=now)
    return assignment


@transaction.atomic
def assignment_withdraw(*, assignment: PathAssignment, by, reason: str = "", now: datetime | None = None) -> PathAssignment:
    """A lead takes a path back from someone (enrolments stay: the person keeps their courses).
    A rule-based assignment comes back at the next sync while the rule matches: deactivate the
    rule, or narrow it, to take it back for good."""
    if not user_leads_staff(by, assignment.staff):
        raise PermissionDenied(_("Cette personne n'est pas dans une équipe que vous dirigez."))
    if assignment.origin == AssignmentOrigin.RULE and assignment.rule_id and assignment.rule.active:
        raise ValidationError(_("Cette affectation vient de la règle « %(rule)s » : désactivez la règle pour la "
                                "retirer.") % {"rule": assignment.rule.scope_label})
    _withdraw(assignment, reason=reason or _("retiré par un responsable"), now=now or timezone.now())
    audit_log(actor=by, action="path.withdraw", target=assignment, reason=reason,
              data={"employee_id": assignment.staff.employee_id, "path": assignment.path_id})
    return assignment


def _withdraw(assignment: PathAssignment, *, reason: str, now: datetime) -> bool:
    return bool(PathAssignment.objects.filter(pk=assignment.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_reason=reason[:200]))


# --- rules --------------------------------------------------------------------------------------


def rule_matching_staff(rule: PathRule):
    """Active staff the rule covers now: members of its team and sub-teams (not the leads of the
    rule's team itself), with its profile and tier when set."""
    qs = Staff.objects.filter(active=True).select_related("user", "team")
    if rule.team_id:
        qs = qs.filter(team_id__in=team_descendant_ids([rule.team_id]))
        qs = qs.exclude(user_id__in=rule.team.leads.values("id"))
    if rule.profile:
        qs = qs.filter(profile=rule.profile)
    if rule.tier:
        qs = qs.filter(tier=rule.tier)
    return qs


@transaction.atomic
def assignment_rule_create(*, path: TrainingPath, by, team: Team | None = None, profile: str = "", tier: str = "",
                           due_mode: str = DueMode.NONE, due_on: date | None = None, due_days: int | None = None,
                           now: datetime | None = None) -> tuple[PathRule, "SyncReport"]:
    """Assign `path` to everyone matching (a whole team: only `team`; a rule: a profile and/or a
    tier, optionally within a team) and keep it so as people join, move or leave. A lead must
    choose one of their teams; only admins make organisation-wide rules. Returns the rule and
    what the first sync did. Raises like `assignment_create`; people who cannot reach a step
    are listed in the report's `blocked`, not assigned."""
    now = now or timezone.now()
    _require_lead(by)
    if team is None and not user_is_admin(by):
        raise PermissionDenied(_("Choisissez une de vos équipes : seuls les administrateurs créent des règles pour "
                                 "tout le personnel."))
    if team is not None and not teams_led_by(by).filter(pk=team.pk).exists():
        raise PermissionDenied(_("Vous ne dirigez pas l'équipe « %(team)s ».") % {"team": team.name})
    if profile and profile not in Profile.values:
        raise ValidationError({"profile": _("Profil inconnu.")})
    if tier and tier not in Tier.values:
        raise ValidationError({"tier": _("Niveau de support inconnu.")})
    _assignable_or_error(path)
    today = selectors.local_today(now)
    due_date_resolve(mode=due_mode, due_on=due_on, due_days=due_days, start=today, today=today)
    rule = PathRule(path=path, team=team, profile=profile or "", tier=tier or "", due_mode=due_mode,
                    due_on=due_on if due_mode == DueMode.ABSOLUTE else None,
                    due_days=due_days if due_mode == DueMode.RELATIVE else None,
                    created_by=by if getattr(by, "pk", None) else None, created_at=now)
    rule.full_clean()
    if not rule_matching_staff(rule).exists():
        raise ValidationError(_("Personne ne correspond à cette règle aujourd'hui (%(scope)s). Vérifiez l'équipe, "
                                "le profil et le niveau.") % {"scope": rule.scope_label})
    rule.save()
    audit_log(actor=by, action="path.rule.create", target=rule,
              data={"path": path.pk, "team": team.pk if team else None, "profile": profile, "tier": tier,
                    "due_mode": due_mode})
    report = SyncReport()
    _rule_sync(rule, report=report, now=now)
    return rule, report


@transaction.atomic
def assignment_rule_deactivate(*, rule: PathRule, by, now: datetime | None = None) -> int:
    """Stop a rule: its assignments not finished yet are withdrawn (finished ones stay as
    history). Returns how many were withdrawn."""
    now = now or timezone.now()
    if not (user_is_admin(by) or (rule.team_id and teams_led_by(by).filter(pk=rule.team_id).exists())):
        raise PermissionDenied(_("Cette règle ne porte pas sur une équipe que vous dirigez."))
    if not rule.active:
        return 0
    rule.active = False
    rule.save(update_fields=["active"])
    withdrawn = 0
    current = selectors.assignments_with_relations(PathAssignment.objects.filter(rule=rule, withdrawn_at__isnull=True))
    for progress in selectors.progress_for(current, now=now):
        if progress.status != selectors.Status.DONE:
            withdrawn += _withdraw(progress.assignment, reason=_("règle désactivée"), now=now)
    audit_log(actor=by, action="path.rule.deactivate", target=rule, data={"withdrawn": withdrawn})
    return withdrawn


@dataclass
class SyncReport:
    assigned: list = field(default_factory=list)  # [(rule id, employee id)]
    withdrawn: list = field(default_factory=list)
    blocked: list = field(default_factory=list)  # [(rule id, employee id, reason)]

    def __str__(self):
        assigned, withdrawn, blocked = len(self.assigned), len(self.withdrawn), len(self.blocked)
        return ", ".join([
            ngettext("%(n)d affectation", "%(n)d affectations", assigned) % {"n": assigned},
            ngettext("%(n)d retrait", "%(n)d retraits", withdrawn) % {"n": withdrawn},
            ngettext("%(n)d bloquée", "%(n)d bloquées", blocked) % {"n": blocked},
        ])


def _rule_due(rule: PathRule, today: date) -> date | None:
    if rule.due_mode == DueMode.ABSOLUTE:
        return rule.due_on
    if rule.due_mode == DueMode.RELATIVE and rule.due_days:
        return today + timedelta(days=rule.due_days)
    return None


def _rule_sync(rule: PathRule, *, report: SyncReport, now: datetime) -> None:
    """Assign the rule's path to everyone it matches and who has no active assignment of it."""
    path = rule.path
    if not path.active:
        return
    steps = selectors.path_steps(path)
    if selectors.path_problems(path=path, steps=steps):
        return
    today = selectors.local_today(now)
    current = set(PathAssignment.objects.filter(path=path, withdrawn_at__isnull=True).values_list("staff_id", flat=True))
    for staff in rule_matching_staff(rule).exclude(pk__in=current):
        unreachable = selectors.steps_unreachable_for(path=path, staff=staff, steps=steps)
        if unreachable:
            report.blocked.append((rule.pk, staff.employee_id, unreachable[0]))
            if rule.created_by is not None:
                notification_send(
                    recipient=rule.created_by, kind="path.rule.blocked",
                    title=_("Parcours « %(name)s » non assigné à %(who)s") % {"name": path.name,
                                                                              "who": staff.display_name},
                    body=unreachable[0], url=reverse("paths:path_detail", args=[path.pk]),
                    dedupe_key=f"paths:blocked:{rule.pk}:{staff.pk}", email=False,
                )
            continue
        _assignment, changed = _assign_one(path=path, staff=staff, steps=steps, by=rule.created_by,
                                           due_on=_rule_due(rule, today), rule=rule, now=now)
        if changed:
            report.assigned.append((rule.pk, staff.employee_id))


def assignment_rules_sync(*, now: datetime | None = None) -> SyncReport:
    """Reconcile every active rule with the organisation (idempotent; safe to run often):
    - people who match a rule and have no active assignment of its path are assigned (joins,
      moves in, returns; relative due dates count from this day);
    - rule-based assignments of people who no longer match their rule are moved to another
      active rule of the same path that still matches them, else withdrawn (moves out);
    - every active assignment of an inactive person is withdrawn (departures).
    Finished assignments are never withdrawn because of a move. Each rule runs in its own
    transaction, so one broken rule does not stop the others."""
    now = now or timezone.now()
    report = SyncReport()
    with transaction.atomic():
        for assignment in PathAssignment.objects.filter(withdrawn_at__isnull=True, staff__active=False):
            if _withdraw(assignment, reason=_("départ (collaborateur désactivé)"), now=now):
                report.withdrawn.append((assignment.rule_id, assignment.staff.employee_id))
    rules = list(PathRule.objects.filter(active=True).select_related("path", "team", "created_by"))
    matching = {rule.pk: set(rule_matching_staff(rule).values_list("pk", flat=True)) for rule in rules}
    with transaction.atomic():
        stale = selectors.assignments_with_relations(PathAssignment.objects.filter(
            withdrawn_at__isnull=True, origin=AssignmentOrigin.RULE))
        candidates = [a for a in stale if a.staff_id not in matching.get(a.rule_id, set())]
        for progress in selectors.progress_for(candidates, now=now):
            assignment = progress.assignment
            other = next((r for r in rules if r.path_id == assignment.path_id and assignment.staff_id in matching[r.pk]),
                         None)
            if other is not None:
                PathAssignment.objects.filter(pk=assignment.pk).update(rule=other)
                continue
            if progress.status == selectors.Status.DONE:
                continue
            if _withdraw(assignment, reason=_("ne correspond plus à la règle (changement d'équipe, de profil "
                                              "ou de niveau)"), now=now):
                report.withdrawn.append((assignment.rule_id, assignment.staff.employee_id))
    for rule in rules:
        with transaction.atomic():
            _rule_sync(rule, report=report, now=now)
    return report


def staff_events_follow(*, now: datetime | None = None) -> SyncReport | None:
    """Run `assignment_rules_sync` when the academy outbox holds staff events (staff.updated,
    staff.deactivated) not seen yet; None when there were none. The cursor advances only after
    a successful sync, and is claimed with a conditional update so two workers never both run."""
    StaffEventCursor.objects.get_or_create(pk=1)
    cursor = StaffEventCursor.objects.get(pk=1)
    latest = Event.objects.filter(type__in=STAFF_EVENTS, position__gt=cursor.position).aggregate(
        last=Max("position"))["last"]
    if latest is None:
        return None
    claimed = StaffEventCursor.objects.filter(pk=1, position=cursor.position).update(position=latest)
    if not claimed:
        return None
    try:
        report = assignment_rules_sync(now=now)
    except Exception:
        StaffEventCursor.objects.filter(pk=1, position=latest).update(position=cursor.position)
        raise
    StaffEventCursor.objects.filter(pk=1).update(synced_at=now or timezone.now())
    return report


# --- gaps ---------------------------------------------------------------------------------------


@transaction.atomic
def gap_close_assign(*, path: TrainingPath, by, people: list[Staff], due_days: int | None = 30,
                     now: datetime | None = None) -> list[PathAssignment]:
    """The one-click "assign the path that closes this gap": assign `path` to each person (due
    `due_days` after today, none when None). All or nothing: raises PermissionDenied when one
    is not led by `by`, ValidationError listing everyone who cannot take the path."""
    now = now or timezone.now()
    if not people:
        raise ValidationError(_("Personne à qui assigner ce parcours."))
    outside = [s.display_name for s in people if not user_leads_staff(by, s)]
    if outside:
        raise PermissionDenied(_("Hors de vos équipes : %(names)s.") % {"names": ", ".join(outside)})
    steps = _assignable_or_error(path)
    errors = [p for staff in people for p in selectors.steps_unreachable_for(path=path, staff=staff, steps=steps)]
    if errors:
        raise ValidationError(errors)
    mode = DueMode.RELATIVE if due_days else DueMode.NONE
    return [assignment_create(path=path, staff=staff, by=by, due_mode=mode, due_days=due_days, now=now)
            for staff in people]


# --- reminders ----------------------------------------------------------------------------------


@dataclass
class ReminderReport:
    sent: int = 0
    kinds: dict = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.sent += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1


def _reminder_texts(kind: str, progress, *, for_lead: bool) -> tuple[str, str]:
    path, staff, due = progress.path.name, progress.staff.display_name, progress.assignment.due_on
    when = date_format(due, "DATE_FORMAT")
    step = progress.next_step.step.target_label if progress.next_step else ""
    if kind == "due7":
        title = (_("%(who)s : parcours « %(path)s » à terminer avant le %(date)s") if for_lead
                 else _("Parcours « %(path)s » à terminer avant le %(date)s"))
    elif kind == "due1" and progress.days_left == 0:
        title = (_("%(who)s : parcours « %(path)s » à terminer aujourd'hui (%(date)s)") if for_lead
                 else _("Parcours « %(path)s » à terminer aujourd'hui (%(date)s)"))
    elif kind == "due1":
        title = (_("%(who)s : parcours « %(path)s » à terminer demain (%(date)s)") if for_lead
                 else _("Parcours « %(path)s » à terminer demain (%(date)s)"))
    else:
        title = (_("%(who)s : parcours « %(path)s » en retard (échéance du %(date)s)") if for_lead
                 else _("Parcours « %(path)s » en retard (échéance du %(date)s)"))
    body = ngettext("%(done)d étape obligatoire sur %(total)d terminée.",
                    "%(done)d étapes obligatoires sur %(total)d terminées.", progress.required_done) % {
        "done": progress.required_done, "total": progress.required_total}
    if step:
        body += " " + _("Prochaine étape : %(step)s.") % {"step": step}
    return title % {"who": staff, "path": path, "date": when}, body


def reminder_kind(progress, *, today: date) -> tuple[str, str] | None:
    """Which reminder an assignment is due at `today`, and its dedupe suffix: "due7" (due within
    2 to 7 days; once per due date), "due1" (due tomorrow or today; once per due date),
    "overdue" (once per ISO week). None for done, withdrawn or undated ones."""
    due = progress.assignment.due_on
    if due is None or progress.status in (selectors.Status.DONE, selectors.Status.WITHDRAWN):
        return None
    days = (due - today).days
    if days < 0:
        year, week, _day = today.isocalendar()
        return "overdue", f"{year}-W{week:02d}"
    if days <= 1:
        return "due1", due.isoformat()
    if days <= 7:
        return "due7", due.isoformat()
    return None


def reminders_send(*, now: datetime | None = None) -> ReminderReport:
    """Send the reminders due at `now`: to the learner and to their lead(s). Never twice for the
    same assignment, kind and due date (or week, for overdue ones): `notification_send` dedupes
    on the key. Never for inactive people, withdrawn or finished assignments."""
    now = now or timezone.now()
    today = selectors.local_today(now)
    report = ReminderReport()
    horizon = today + timedelta(days=7)
    qs = selectors.assignments_with_relations(PathAssignment.objects.filter(
        withdrawn_at__isnull=True, staff__active=True, staff__user__is_active=True,
        due_on__isnull=False, due_on__lte=horizon))
    for progress in selectors.progress_for(qs, now=now):
        found = reminder_kind(progress, today=today)
        if found is None:
            continue
        kind, suffix = found
        assignment = progress.assignment
        key = f"paths:{kind}:{assignment.pk}:{suffix}"
        title, body = _reminder_texts(kind, progress, for_lead=False)
        if notification_send(recipient=progress.staff.user, kind=f"path.{kind}", title=title, body=body,
                             url=reverse("paths:my_path", args=[assignment.pk]), dedupe_key=key):
            report.count(kind)
        title, body = _reminder_texts(kind, progress, for_lead=True)
        for lead in selectors.lead_users_for(progress.staff):
            if notification_send(recipient=lead, kind=f"path.{kind}.lead", title=title, body=body,
                                 url=reverse("paths:assignment_detail", args=[assignment.pk]), dedupe_key=key):
                report.count(f"{kind}.lead")
    return report


def weekly_digests_send(*, now: datetime | None = None) -> int:
    """One digest per lead per ISO week: for the active people they lead who have a current path,
    how many are overdue, due within 7 days, in progress, done. Leads with nobody on a path get
    nothing. Returns how many digests were sent."""
    now = now or timezone.now()
    today = selectors.local_today(now)
    year, week, _day = today.isocalendar()
    leads = get_user_model().objects.filter(is_active=True, led_teams__isnull=False).distinct()
    sent = 0
    for lead in leads:
        progress = selectors.team_progress(user=lead, now=now)
        if not progress:
            continue
        counts = {status: 0 for status in selectors.STATUS_ORDER}
        soon = 0
        for row in progress:
            counts[row.status] = counts.get(row.status, 0) + 1
            if row.status != selectors.Status.DONE and row.days_left is not None and 0 <= row.days_left <= 7:
                soon += 1
        overdue_names = ", ".join(f"{p.staff.display_name} ({p.path.name})" for p in selectors.overdue(progress)[:10])
        body = _("En retard : %(overdue)d · échéance sous 7 jours : %(soon)d · en cours : %(progress)d · "
                 "pas commencés : %(new)d · terminés : %(done)d.") % {
            "overdue": counts[selectors.Status.OVERDUE], "soon": soon,
            "progress": counts[selectors.Status.IN_PROGRESS], "new": counts[selectors.Status.NOT_STARTED],
            "done": counts[selectors.Status.DONE]}
        if overdue_names:
            body += "\n" + _("En retard : %(names)s") % {"names": overdue_names}
        if notification_send(recipient=lead, kind="path.digest",
                             title=_("Parcours de votre équipe — semaine %(week)d") % {"week": week},
                             body=body, url=reverse("paths:team_paths"),
                             dedupe_key=f"paths:digest:{year}-W{week:02d}"):
            sent += 1
    return sent

