"""Reads about training paths: progress of assignments and steps (with an injectable `now`),
what a lead sees of their teams, what a learner sees of their paths, and which paths close a gap.

Progress is computed, never stored: a step is done when its course is completed, its exam passed
or its certification held at `now`, so the status of an assignment at any instant has one answer.
Every function here runs a fixed number of queries whatever the number of assignments it reads."""
from collections import defaultdict
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from academy.models import Staff, Team
from academy.roles import user_is_admin
from academy.selectors import staff_visible_to, team_descendant_ids, teams_led_by
from assessments.models import Attempt, Award, CertificationGrant, ExamGrant
from courses.models import CourseSkill, Enrolment, EnrolmentStatus, LessonProgress
from courses.paths.models import PathAssignment, PathRule, PathStep, StepKind, TrainingPath
from skills.selectors import gaps_for_team


class Status:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    OVERDUE = "overdue"
    WITHDRAWN = "withdrawn"


STATUS_LABELS = {
    Status.NOT_STARTED: _("Pas commencé"),
    Status.IN_PROGRESS: _("En cours"),
    Status.DONE: _("Terminé"),
    Status.OVERDUE: _("En retard"),
    Status.WITHDRAWN: _("Retiré"),
}
STATUS_ORDER = [Status.OVERDUE, Status.IN_PROGRESS, Status.NOT_STARTED, Status.DONE]
EXPIRING_DAYS = 90


def local_today(now: datetime | None = None) -> date:
    return timezone.localdate(now or timezone.now())


# --- paths --------------------------------------------------------------------------------------


def path_steps(path: TrainingPath) -> list[PathStep]:
    """The steps of a path in order, with their targets."""
    return list(path.steps.select_related("course", "exam", "certification").order_by("sort_order", "id"))


def paths_with_steps(qs: QuerySet[TrainingPath] | None = None) -> QuerySet[TrainingPath]:
    qs = TrainingPath.objects.all() if qs is None else qs
    return qs.select_related("role_profile", "created_by").prefetch_related(
        Prefetch("steps", queryset=PathStep.objects.select_related("course", "exam", "certification")
                 .order_by("sort_order", "id")))


def paths_assignable() -> QuerySet[TrainingPath]:
    """Active paths, by name: what a lead may assign."""
    return paths_with_steps(TrainingPath.objects.filter(active=True)).order_by("name")


def user_can_edit_path(user, path: TrainingPath) -> bool:
    """Its author and admins edit a path; other leads use it as it is."""
    return user.is_authenticated and (user_is_admin(user) or (path.created_by_id == user.id))


def step_url(step: PathStep) -> str:
    """Where the learner goes for a step: resume the course, the exam page, their certifications."""
    if step.kind == StepKind.COURSE and step.course_id:
        return reverse("courses:resume", args=[step.course_id])
    if step.kind == StepKind.EXAM and step.exam_id:
        return reverse("assessments:exam_detail", args=[step.exam.slug])
    if step.kind == StepKind.CERTIFICATION and step.certification_id:
        return reverse("assessments:my_certifications")
    return ""


def step_target_available(step: PathStep) -> bool:
    """Can anyone work on this step now: the course is published, the exam and the certification
    open? A deleted target is never available."""
    target = step.target
    if target is None:
        return False
    if step.kind == StepKind.COURSE:
        return bool(target.live)
    return bool(target.active)


def path_problems(*, path: TrainingPath, steps: list[PathStep] | None = None) -> list[str]:
    """What makes a path impossible to assign or to finish, for everyone, as sentences: no
    step, no required step, steps whose target is gone or closed, a course whose prerequisite
    comes later in the path. Empty when the path is fine."""
    steps = path_steps(path) if steps is None else steps
    problems = []
    if not steps:
        return [str(_("Le parcours n'a aucune étape : ajoutez au moins une formation, un examen ou une "
                      "certification."))]
    if not any(step.required for step in steps):
        problems.append(str(_("Aucune étape n'est obligatoire : le parcours ne pourrait jamais être terminé.")))
    position = {step.course_id: index for index, step in enumerate(steps)
                if step.kind == StepKind.COURSE and step.course_id}
    for index, step in enumerate(steps, start=1):
        if step.target is None:
            problems.append(str(_("Étape %(n)d : sa cible a été supprimée.")) % {"n": index})
        elif not step_target_available(step):
            problems.append(str(_("Étape %(n)d : « %(target)s » n'est pas ouverte (formation non publiée ou "
                                  "examen/certification fermé).")) % {"n": index, "target": step.target_label})
        if step.kind == StepKind.COURSE and step.course_id and step.course is not None:
            for prerequisite in step.course.prerequisites.live():
                later = position.get(prerequisite.pk)
                if later is not None and later >= index:
                    problems.append(str(_(
                        "Étape %(n)d : « %(course)s » demande « %(prerequisite)s », placée après elle "
                        "(étape %(m)d) : déplacez-la avant.")) % {
                            "n": index, "course": step.target_label, "prerequisite": prerequisite.title,
                            "m": later + 1})
    return problems


def steps_unreachable_for(*, path: TrainingPath, staff: Staff, steps: list[PathStep] | None = None) -> list[str]:
    """Course steps `staff` could not start because of a prerequisite that is neither completed
    by them nor an earlier step of the path, as sentences (empty when every step is reachable)."""
    steps = path_steps(path) if steps is None else steps
    course_steps = [s for s in steps if s.kind == StepKind.COURSE and s.course is not None]
    if not course_steps:
        return []
    prerequisites = {s.course_id: list(s.course.prerequisites.live()) for s in course_steps}
    needed = {p.pk for ps in prerequisites.values() for p in ps}
    done = set(Enrolment.objects.filter(staff=staff, course_id__in=needed, status=EnrolmentStatus.COMPLETED)
               .values_list("course_id", flat=True)) if needed else set()
    earlier: set[int] = set()
    problems = []
    for step in steps:
        if step.kind == StepKind.COURSE and step.course is not None:
            missing = [p.title for p in prerequisites[step.course_id] if p.pk not in done and p.pk not in earlier]
            if missing:
                problems.append(ngettext(
                    "%(who)s ne peut pas suivre « %(course)s » : prérequis non terminé et absent du "
                    "parcours avant cette étape : %(missing)s.",
                    "%(who)s ne peut pas suivre « %(course)s » : prérequis non terminés et absents du "
                    "parcours avant cette étape : %(missing)s.", len(missing)) % {
                        "who": staff.display_name, "course": step.target_label, "missing": ", ".join(missing)})
            earlier.add(step.course_id)
    return problems


# --- progress -----------------------------------------------------------------------------------


@dataclass
class StepProgress:
    step: PathStep
    done: bool = False
    done_at: datetime | None = None
    started: bool = False
    available: bool = True

    @property
    def url(self) -> str:
        return step_url(self.step)


@dataclass
class AssignmentProgress:
    assignment: PathAssignment
    steps: list[StepProgress]
    status: str
    completed_at: datetime | None
    required_total: int
    required_done: int
    today: date
    next_step: StepProgress | None = None

    @property
    def percent(self) -> int:
        if not self.required_total:
            return 0
        return int(100 * self.required_done / self.required_total)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def days_left(self) -> int | None:
        due = self.assignment.due_on
        return (due - self.today).days if due else None

    @property
    def days_late(self) -> int:
        days = self.days_left
        return -days if days is not None and days < 0 else 0

    @property
    def path(self) -> TrainingPath:
        return self.assignment.path

    @property
    def staff(self) -> Staff:
        return self.assignment.staff


@dataclass
class _Facts:
    """What the people of a set of assignments have done, keyed by (staff_id, target_id)."""

    course_done: dict = field(default_factory=dict)
    course_started: set = field(default_factory=set)
    exam_done: dict = field(default_factory=dict)
    exam_started: set = field(default_factory=set)
    cert_held: dict = field(default_factory=dict)


def _facts(*, staff_ids: set[int], steps: list[PathStep], now: datetime) -> _Facts:
    facts = _Facts()
    course_ids = {s.course_id for s in steps if s.kind == StepKind.COURSE and s.course_id}
    exam_ids = {s.exam_id for s in steps if s.kind == StepKind.EXAM and s.exam_id}
    cert_ids = {s.certification_id for s in steps if s.kind == StepKind.CERTIFICATION and s.certification_id}
    if not staff_ids:
        return facts
    if course_ids:
        for staff_id, course_id, status, started_at, completed_at in Enrolment.objects.filter(
                staff_id__in=staff_ids, course_id__in=course_ids).values_list(
                "staff_id", "course_id", "status", "started_at", "completed_at"):
            key = (staff_id, course_id)
            if status == EnrolmentStatus.COMPLETED and completed_at and completed_at <= now:
                facts.course_done[key] = completed_at
            if started_at and started_at <= now:
                facts.course_started.add(key)
        for key in LessonProgress.objects.filter(staff_id__in=staff_ids, course_id__in=course_ids,
                                                 first_viewed_at__lte=now).values_list("staff_id", "course_id"):
            facts.course_started.add(key)
    if exam_ids:
        for staff_id, exam_id, passed, submitted_at, started_at in Attempt.objects.filter(
                staff_id__in=staff_ids, exam_id__in=exam_ids, started_at__lte=now).values_list(
                "staff_id", "exam_id", "passed", "submitted_at", "started_at"):
            key = (staff_id, exam_id)
            facts.exam_started.add(key)
            if passed and submitted_at and submitted_at <= now:
                if key not in facts.exam_done or submitted_at < facts.exam_done[key]:
                    facts.exam_done[key] = submitted_at
    if cert_ids:
        awards = Award.objects.filter(staff_id__in=staff_ids, certification_id__in=cert_ids,
                                      valid_from__lte=now, valid_until__gt=now,
                                      awarded_at__lte=now).filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=now))
        for staff_id, cert_id, awarded_at in awards.values_list("staff_id", "certification_id", "awarded_at"):
            key = (staff_id, cert_id)
            if key not in facts.cert_held or awarded_at < facts.cert_held[key]:
                facts.cert_held[key] = awarded_at
    return facts


def _step_progress(step: PathStep, staff_id: int, facts: _Facts) -> StepProgress:
    key = (staff_id, step.target_id)
    progress = StepProgress(step=step, available=step.target is not None and step_target_available(step))
    if step.target_id is None:
        return progress
    if step.kind == StepKind.COURSE:
        progress.done_at = facts.course_done.get(key)
        progress.started = key in facts.course_started
    elif step.kind == StepKind.EXAM:
        progress.done_at = facts.exam_done.get(key)
        progress.started = key in facts.exam_started
    else:
        progress.done_at = facts.cert_held.get(key)
    progress.done = progress.done_at is not None
    progress.started = progress.started or progress.done
    return progress


def _counted(step: PathStep) -> bool:
    """Steps that count towards completing the path: required ones whose target still exists."""
    return step.required and step.target_id is not None


def progress_for(assignments, *, now: datetime | None = None) -> list[AssignmentProgress]:
    """Progress of each assignment at `now` (default: now), in the given order. The assignments'
    paths should come with their steps prefetched (`assignments_with_relations`)."""
    now = now or timezone.now()
    today = local_today(now)
    assignments = list(assignments)
    steps_by_path = {}
    for assignment in assignments:
        if assignment.path_id not in steps_by_path:
            steps_by_path[assignment.path_id] = sorted(assignment.path.steps.all(), key=lambda s: (s.sort_order or 0, s.id))
    all_steps = [s for steps in steps_by_path.values() for s in steps]
    facts = _facts(staff_ids={a.staff_id for a in assignments}, steps=all_steps, now=now)
    result = []
    for assignment in assignments:
        steps = [_step_progress(step, assignment.staff_id, facts) for step in steps_by_path[assignment.path_id]]
        counted = [s for s in steps if _counted(s.step)]
        done = [s for s in counted if s.done]
        complete = bool(counted) and len(done) == len(counted)
        completed_at = max(s.done_at for s in done) if complete else None
        if assignment.withdrawn_at is not None and assignment.withdrawn_at <= now:
            status = Status.WITHDRAWN
        elif complete:
            status = Status.DONE
        elif assignment.due_on and assignment.due_on < today:
            status = Status.OVERDUE
        elif any(s.started for s in steps):
            status = Status.IN_PROGRESS
        else:
            status = Status.NOT_STARTED
        next_step = next((s for s in steps if not s.done and s.step.required and s.step.target_id), None)
        if next_step is None:
            next_step = next((s for s in steps if not s.done and s.step.target_id), None)
        result.append(AssignmentProgress(
            assignment=assignment, steps=steps, status=status, completed_at=completed_at,
            required_total=len(counted), required_done=len(done), today=today,
            next_step=None if status == Status.DONE else next_step,
        ))
    return result


def assignment_progress(*, assignment: PathAssignment, now: datetime | None = None) -> AssignmentProgress:
    """Progress of one assignment at `now`: each step, the status, the completion date."""
    assignment = assignments_with_relations(PathAssignment.objects.filter(pk=assignment.pk)).get()
    return progress_for([assignment], now=now)[0]


def assignments_with_relations(qs: QuerySet[PathAssignment]) -> QuerySet[PathAssignment]:
    return qs.select_related("path", "staff", "staff__user", "staff__team", "rule", "assigned_by").prefetch_related(
        Prefetch("path__steps", queryset=PathStep.objects.select_related("course", "exam", "certification")
                 .order_by("sort_order", "id")))


# --- the learner --------------------------------------------------------------------------------


def paths_for_learner(*, staff: Staff | None, now: datetime | None = None) -> list[AssignmentProgress]:
    """The person's current path assignments with their progress: overdue first, then by due
    date; finished ones last. [] for someone without a staff record."""
    if staff is None:
        return []
    qs = assignments_with_relations(PathAssignment.objects.filter(staff=staff, withdrawn_at__isnull=True))
    rows = progress_for(qs, now=now)
    far = date.max
    return sorted(rows, key=lambda p: (p.status == Status.DONE, p.status != Status.OVERDUE,
                                       p.assignment.due_on or far, p.path.name))


# --- what a lead sees ---------------------------------------------------------------------------


def staff_led_by(user, *, team: Team | None = None) -> QuerySet[Staff]:
    """Active staff `user` may assign to: the members of the teams they lead (sub-teams
    included), not themselves (unless admin); everyone active for an admin. Optionally one team."""
    qs = staff_visible_to(user).filter(active=True)
    if not user_is_admin(user):
        qs = qs.exclude(user_id=user.id)
    if team is not None:
        qs = qs.filter(team_id__in=team_descendant_ids([team.id]))
    return qs.select_related("user", "team").order_by("team__name", "user__last_name", "user__first_name",
                                                       "employee_id")


def team_assignments(*, user, team: Team | None = None, path: TrainingPath | None = None) -> QuerySet[PathAssignment]:
    """Current assignments of the active people `user` leads (optionally one team, one path)."""
    qs = PathAssignment.objects.filter(withdrawn_at__isnull=True, staff__in=staff_led_by(user, team=team))
    if path is not None:
        qs = qs.filter(path=path)
    return assignments_with_relations(qs).order_by("path__name", "staff__team__name", "staff__user__last_name",
                                                   "staff__employee_id")


def team_progress(*, user, team: Team | None = None, now: datetime | None = None) -> list[AssignmentProgress]:
    return progress_for(team_assignments(user=user, team=team), now=now)


@dataclass
class PathSummary:
    path: TrainingPath
    counts: dict
    total: int

    @property
    def done_percent(self) -> int:
        return int(100 * self.counts.get(Status.DONE, 0) / self.total) if self.total else 0

    @property
    def rows(self) -> list[tuple[str, str, int]]:
        return [(status, str(STATUS_LABELS[status]), self.counts.get(status, 0)) for status in STATUS_ORDER]


def progress_by_path(progress: list[AssignmentProgress]) -> list[PathSummary]:
    """Per path: how many assignments are overdue, in progress, not started, done."""
    by_path: dict[int, PathSummary] = {}
    for row in progress:
        summary = by_path.setdefault(row.path.pk, PathSummary(path=row.path, counts=defaultdict(int), total=0))
        summary.counts[row.status] += 1
        summary.total += 1
    return sorted(by_path.values(), key=lambda s: s.path.name)


def overdue(progress: list[AssignmentProgress]) -> list[AssignmentProgress]:
    return sorted((p for p in progress if p.status == Status.OVERDUE),
                  key=lambda p: (p.assignment.due_on, p.staff.employee_id))


def certifications_expiring(*, user, days: int = EXPIRING_DAYS, now: datetime | None = None, team: Team | None = None):
    """Certifications held by the active people `user` leads that end within `days` and have no
    renewal lined up, soonest first."""
    now = now or timezone.now()
    people = staff_led_by(user, team=team)
    awards = (Award.objects.filter(staff__in=people, revoked_at__isnull=True, valid_from__lte=now,
                                   valid_until__gt=now, valid_until__lte=now + timedelta(days=days))
              .select_related("staff", "staff__user", "staff__team", "certification").order_by("valid_until", "id"))
    awards = list(awards)
    renewed = set(Award.objects.filter(
        revoked_at__isnull=True, staff_id__in={a.staff_id for a in awards},
        certification_id__in={a.certification_id for a in awards}, valid_from__gt=now,
    ).values_list("staff_id", "certification_id"))
    rows = []
    for award in awards:
        if (award.staff_id, award.certification_id) in renewed:
            continue
        award.days_left = (award.valid_until - now).days
        rows.append(award)
    return rows


# --- gaps and the paths that close them --------------------------------------------------------


def path_grants(paths=None) -> dict[int, dict[str, int]]:
    """{path_id: {skill_code: highest level its steps grant}}: through the courses' taught
    levels, the exams' granted levels and the certifications' granted levels (any step, required
    or not). Four queries."""
    steps = PathStep.objects.all() if paths is None else PathStep.objects.filter(path__in=paths)
    steps = list(steps.values_list("path_id", "kind", "course_id", "exam_id", "certification_id"))
    course_ids = {c for _p, k, c, _e, _c in steps if k == StepKind.COURSE and c}
    exam_ids = {e for _p, k, _c, e, _x in steps if k == StepKind.EXAM and e}
    cert_ids = {x for _p, k, _c, _e, x in steps if k == StepKind.CERTIFICATION and x}
    by_course, by_exam, by_cert = defaultdict(dict), defaultdict(dict), defaultdict(dict)
    for target, code, level in CourseSkill.objects.filter(page_id__in=course_ids, page__live=True).values_list(
            "page_id", "skill__code", "level"):
        by_course[target][code] = max(level, by_course[target].get(code, 0))
    for target, code, level in ExamGrant.objects.filter(exam_id__in=exam_ids, exam__active=True).values_list(
            "exam_id", "skill__code", "level"):
        by_exam[target][code] = max(level, by_exam[target].get(code, 0))
    for target, code, level in CertificationGrant.objects.filter(
            certification_id__in=cert_ids, certification__active=True).values_list(
            "certification_id", "skill__code", "level"):
        by_cert[target][code] = max(level, by_cert[target].get(code, 0))
    grants: dict[int, dict[str, int]] = defaultdict(dict)
    for path_id, kind, course_id, exam_id, cert_id in steps:
        source = {StepKind.COURSE: by_course.get(course_id), StepKind.EXAM: by_exam.get(exam_id),
                  StepKind.CERTIFICATION: by_cert.get(cert_id)}.get(kind) or {}
        for code, level in source.items():
            grants[path_id][code] = max(level, grants[path_id].get(code, 0))
    return dict(grants)


def paths_closing(*, requirements: dict[str, int], grants: dict[int, dict[str, int]] | None = None,
                  candidates: dict[int, TrainingPath] | None = None) -> list[TrainingPath]:
    """Active paths whose steps grant at least the required level of every skill in
    `requirements` ({skill_code: min_level}), shortest first (fewest steps, then name). Empty
    requirements give no path. To answer many questions at a fixed cost, pass `grants` (from
    `path_grants`) and `candidates` ({id: path} of active paths with their steps prefetched)."""
    if not requirements:
        return []
    grants = path_grants(TrainingPath.objects.filter(active=True)) if grants is None else grants
    ids = [path_id for path_id, granted in grants.items()
           if all(granted.get(code, 0) >= level for code, level in requirements.items())]
    if candidates is None:
        paths = list(paths_with_steps(TrainingPath.objects.filter(active=True, pk__in=ids)))
    else:
        paths = [candidates[pk] for pk in ids if pk in candidates]
    return sorted(paths, key=lambda p: (len(p.steps.all()), p.name))


@dataclass
class GapGroup:
    """One unmet requirement shared by several people, and the paths that close it."""

    skill: object
    required: int
    people: list = field(default_factory=list)
    paths: list = field(default_factory=list)

    @property
    def requirements(self) -> dict[str, int]:
        return {self.skill.code: self.required}


def team_gaps(*, user, team: Team | None = None, limit: int = 10) -> list[GapGroup]:
    """The requirements of role profiles that the people `user` leads fall short of, grouped by
    (skill, required level), most people first, each with the active paths that close it and the
    people it would be assigned to (those not already on one of these paths)."""
    people = list(staff_led_by(user, team=team))
    gaps = gaps_for_team(staff_list=people)
    by_id = {s.pk: s for s in people}
    groups: dict[tuple[int, int], GapGroup] = {}
    for staff_id, rows in gaps.items():
        for gap in rows:
            if gap.met:
                continue
            group = groups.setdefault((gap.skill.pk, gap.required), GapGroup(skill=gap.skill, required=gap.required))
            group.people.append(by_id[staff_id])
    ordered = sorted(groups.values(), key=lambda g: (-len(g.people), g.skill.code, g.required))[:limit]
    if not ordered:
        return []
    grants = path_grants(TrainingPath.objects.filter(active=True))
    candidates = {p.pk: p for p in paths_with_steps(TrainingPath.objects.filter(active=True, pk__in=list(grants)))}
    assigned = set(PathAssignment.objects.filter(withdrawn_at__isnull=True, staff_id__in=by_id)
                   .values_list("staff_id", "path_id"))
    for group in ordered:
        group.paths = []
        for path in paths_closing(requirements=group.requirements, grants=grants, candidates=candidates)[:3]:
            # The same path object may close several gaps: annotate a copy per group.
            path = copy(path)
            path.pending_people = [s for s in group.people if (s.pk, path.pk) not in assigned]
            group.paths.append(path)
    return ordered


def rules_for_path(*, path: TrainingPath, user) -> list[PathRule]:
    """Active rules of a path that `user` sees: all for an admin, those on teams they lead."""
    qs = PathRule.objects.filter(path=path, active=True).select_related("team", "created_by")
    if not user_is_admin(user):
        qs = qs.filter(team__in=teams_led_by(user))
    return list(qs)


def lead_users_for(staff: Staff) -> list:
    """Who gets a learner's reminders as their lead: the leads of the person's team, or of the
    closest parent team that has leads. Active users only; never the person themselves."""
    team = staff.team
    seen = set()
    while team is not None and team.pk not in seen:
        seen.add(team.pk)
        leads = [u for u in team.leads.all() if u.is_active and u.pk != staff.user_id]
        if leads:
            return leads
        team = team.parent
    return []
