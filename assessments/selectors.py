"""Reads for assessments: what someone may start, where a certification stands, item analysis."""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from academy.selectors import staff_visible_to, user_leads_staff
from assessments.grading import response_text
from assessments.models import (
    Attempt, AttemptQuestion, AttemptStatus, Award, Certification, CertificationCourseRequirement,
    CertificationExamRequirement, CertificationLevelRequirement, Exam, RequirementPath,
)
from courses.models import CoursePage
from courses.selectors import course_completed, courses_completed
from skills.models import Evidence
from skills.policy import evaluate


def _final_exams() -> QuerySet[Exam]:
    """The open exams that are the required final assessment of a course."""
    return Exam.objects.filter(course__isnull=False, active=True)


def course_final_exams(*, course_ids) -> dict[int, list[Exam]]:
    """The open exams that are the required final assessment of each course, by course id, by
    title. One query (none for no course)."""
    exams: dict[int, list[Exam]] = {}
    if not course_ids:
        return exams
    for exam in _final_exams().filter(course_id__in=list(course_ids)).order_by("title").only(
            "id", "title", "slug", "course_id"):
        exams.setdefault(exam.course_id, []).append(exam)
    return exams


def courses_without_final_exam() -> QuerySet[CoursePage]:
    """Live courses that no open exam is the final assessment of (their learners finish without
    being assessed), by title."""
    return CoursePage.objects.live().exclude(pk__in=_final_exams().values("course_id")).order_by("title")


def course_final_exams_passed(*, staff, course) -> bool:
    """Has `staff` passed every open exam that is a required final assessment of `course`?
    True when the course has none."""
    exam_ids = {exam.pk for exam in course_final_exams(course_ids=[course.pk]).get(course.pk, [])}
    if not exam_ids:
        return True
    passed = set(
        Attempt.objects.filter(staff=staff, exam_id__in=exam_ids, passed=True).values_list("exam_id", flat=True)
    )
    return exam_ids <= passed


def exam_passed(*, staff, exam, since: datetime | None = None) -> bool:
    qs = Attempt.objects.filter(staff=staff, exam=exam, passed=True)
    if since is not None:
        qs = qs.filter(submitted_at__gte=since)
    return qs.exists()


@dataclass
class StartState:
    """Whether `staff` may start `exam` now, and why not."""

    can_start: bool
    reason: str = ""
    open_attempt: Attempt | None = None
    attempts_used: int = 0
    attempts_left: int | None = None
    next_start_at: datetime | None = None
    passed: bool = False
    attempts: list[Attempt] = field(default_factory=list, repr=False)  # all of them, latest first


def exam_start_state(*, exam: Exam, staff, now: datetime | None = None) -> StartState:
    """May `staff` start (or resume) an attempt at `exam` at `now`? An open attempt can always
    be resumed; otherwise the exam must be open, the person active, attempts left and the
    cooldown since the last attempt over."""
    now = now or timezone.now()
    attempts = list(Attempt.objects.filter(exam=exam, staff=staff).order_by("-number"))
    graded = [a for a in attempts if a.status == AttemptStatus.GRADED]
    open_attempt = next((a for a in attempts if a.status == AttemptStatus.OPEN), None)
    used = len(attempts)
    left = None if exam.max_attempts is None else max(0, exam.max_attempts - used)
    state = StartState(can_start=True, open_attempt=open_attempt, attempts_used=used, attempts_left=left,
                       passed=any(a.passed for a in graded), attempts=attempts)
    if open_attempt is not None:
        return state
    if not exam.active:
        state.can_start, state.reason = False, _("Cet examen est fermé.")
    elif not staff.active:
        state.can_start, state.reason = False, _("Votre compte est inactif.")
    elif left == 0:
        state.can_start, state.reason = False, _("Vous avez utilisé toutes vos tentatives (%(n)s).") % {
            "n": exam.max_attempts}
    elif graded and exam.cooldown_minutes:
        last = max(a.submitted_at for a in graded if a.submitted_at)
        next_at = last + timedelta(minutes=exam.cooldown_minutes)
        if now < next_at:
            state.can_start = False
            state.next_start_at = next_at
            state.reason = _("Prochaine tentative possible le %(when)s.") % {
                "when": date_format(timezone.localtime(next_at), "DATETIME_FORMAT")}
    return state


def exams_for(*, staff) -> list[dict]:
    """Open exams with where `staff` stands on each (best score, passed, open attempt)."""
    exams = list(Exam.objects.filter(active=True).order_by("title"))
    attempts = Attempt.objects.filter(staff=staff, exam__in=exams)
    by_exam: dict[int, list[Attempt]] = {}
    for attempt in attempts:
        by_exam.setdefault(attempt.exam_id, []).append(attempt)
    rows = []
    for exam in exams:
        mine = by_exam.get(exam.pk, [])
        graded = [a for a in mine if a.percent is not None]
        rows.append({
            "exam": exam,
            "attempts": len(mine),
            "passed": any(a.passed for a in mine),
            "best": max((a.percent for a in graded), default=None),
            "open": any(a.status == AttemptStatus.OPEN for a in mine),
        })
    return rows


def attempts_visible_to(user) -> QuerySet[Attempt]:
    """Attempts of the staff `user` may see (themselves, their teams, everyone for an admin)."""
    return Attempt.objects.filter(staff__in=staff_visible_to(user))


# -- certifications -------------------------------------------------------------------------


@dataclass
class RequirementCheck:
    kind: str  # "exam", "course" or "level"
    label: str
    met: bool
    url: str = ""


@dataclass
class CertificationState:
    certification: Certification
    current: Award | None = None  # the award valid now (or the latest valid one)
    renewal: Award | None = None  # a renewal already obtained, starting when `current` ends
    path: str | None = None  # "initial", "renewal", or None when nothing can be done now
    window_opens_at: datetime | None = None
    checks: list[RequirementCheck] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return self.path is not None and all(check.met for check in self.checks)


def _course_completed(*, staff, course) -> bool:
    return bool(course_completed(staff=staff, course=course.specific))


def _level_without(*, staff, skill, certification, at) -> int:
    """The effective level, not counting what awards of `certification` itself granted (a
    certification cannot be its own prerequisite at renewal)."""
    own = [str(pk) for pk in Award.objects.filter(certification=certification).values_list("pk", flat=True)]
    evidences = Evidence.objects.filter(staff=staff, skill=skill).exclude(
        reference_type="assessments.award", reference_id__in=own)
    return evaluate(evidences, at).level


class _QueriedFacts:
    """What requirement checks ask about one person, one query per question (one certification)."""

    def __init__(self, staff):
        self.staff = staff

    def exam_passed(self, exam, since) -> bool:
        return exam_passed(staff=self.staff, exam=exam, since=since)

    def course_completed(self, course) -> bool:
        return _course_completed(staff=self.staff, course=course)


class _PrefetchedFacts:
    """The same answers as `_QueriedFacts`, read beforehand for every exam and course named by
    the requirements of several certifications (`requirement_rows`: their rows by kind): two
    queries whatever their number."""

    def __init__(self, staff, requirement_rows):
        exam_ids = {r.exam_id for rows in requirement_rows for r in rows["exam"]}
        course_ids = {r.course_id for rows in requirement_rows for r in rows["course"]}
        self.passed_at: dict[int, list] = {}
        if exam_ids:
            for exam_id, submitted_at in Attempt.objects.filter(
                    staff=staff, exam_id__in=exam_ids, passed=True).values_list("exam_id", "submitted_at"):
                self.passed_at.setdefault(exam_id, []).append(submitted_at)
        self.completed: set[int] = set()
        if course_ids:
            self.completed = courses_completed(staff=staff, course_ids=course_ids)

    def exam_passed(self, exam, since) -> bool:
        dates = self.passed_at.get(exam.pk, [])
        if since is None:
            return bool(dates)
        return any(day is not None and day >= since for day in dates)

    def course_completed(self, course) -> bool:
        return course.pk in self.completed


def _requirement_rows(certification: Certification) -> dict[str, list]:
    """The certification's requirements by kind, each with what its label needs (three queries)."""
    return {
        "exam": list(certification.exam_requirements.select_related("exam")),
        "course": list(certification.course_requirements.select_related("course")),
        "level": list(certification.level_requirements.select_related("skill")),
    }


def requirement_checks(*, certification: Certification, staff, path: str, since: datetime | None = None,
                       now: datetime | None = None) -> list[RequirementCheck]:
    """Each requirement of `path` and whether `staff` meets it. The renewal path uses the renewal
    requirements when the certification has some, the initial ones otherwise; for a renewal,
    exams must have been passed since the window opened (`since`)."""
    return _requirement_checks(certification=certification, rows=_requirement_rows(certification), staff=staff,
                               path=path, since=since, now=now, facts=_QueriedFacts(staff))


def _requirement_checks(*, certification, rows, staff, path, since, now, facts) -> list[RequirementCheck]:
    now = now or timezone.now()
    if path == RequirementPath.RENEWAL:
        has_renewal = any(r.path == RequirementPath.RENEWAL for rs in rows.values() for r in rs)
        wanted = RequirementPath.RENEWAL if has_renewal else RequirementPath.INITIAL
    else:
        wanted, since = RequirementPath.INITIAL, None
    checks = []
    for req in rows["exam"]:
        if req.path == wanted:
            checks.append(RequirementCheck(
                "exam", _("Réussir l'examen « %(title)s »") % {"title": req.exam.title},
                facts.exam_passed(req.exam, since), req.exam.get_absolute_url()))
    for req in rows["course"]:
        if req.path == wanted:
            checks.append(RequirementCheck(
                "course", _("Terminer la formation « %(title)s »") % {"title": req.course.title},
                facts.course_completed(req.course), req.course.url or ""))
    for req in rows["level"]:
        if req.path == wanted:
            level = _level_without(staff=staff, skill=req.skill, certification=certification, at=now)
            checks.append(RequirementCheck(
                "level", _("Niveau %(min)s au moins en %(skill)s (actuel : %(level)s)") % {
                    "min": req.min_level, "skill": req.skill.name, "level": level},
                level >= req.min_level))
    return checks


def _state_from_awards(certification: Certification, awards: list[Award], now: datetime) -> CertificationState:
    """The state without its checks, from the person's awards of the certification that are not
    revoked and end after `now`, by start."""
    state = CertificationState(certification=certification)
    current = next((a for a in awards if a.valid_from <= now), None)
    later = [a for a in awards if a.valid_from > now]
    state.current = current
    state.renewal = later[-1] if later else None
    if not certification.active:
        return state
    if current is None:
        state.path = RequirementPath.INITIAL
    elif state.renewal is None:
        state.window_opens_at = timezone.localtime(current.valid_until) - timedelta(days=certification.renewal_window_days)
        if now >= state.window_opens_at:
            state.path = RequirementPath.RENEWAL
    return state


def certification_state(*, certification: Certification, staff, now: datetime | None = None) -> CertificationState:
    """Where `staff` stands with `certification` at `now`: the award in force, a renewal already
    obtained, and which path (initial, renewal) is open with its requirement checks. Inside the
    recertification window (`renewal_window_days` before expiry) the renewal path is open; before
    it, nothing can be done; after expiry, the initial path applies again."""
    now = now or timezone.now()
    awards = list(Award.objects.filter(certification=certification, staff=staff, revoked_at=None,
                                       valid_until__gt=now).order_by("valid_from"))
    state = _state_from_awards(certification, awards, now)
    if state.path:
        state.checks = requirement_checks(certification=certification, staff=staff, path=state.path,
                                          since=state.window_opens_at, now=now)
    return state


def certification_states(*, certifications, staff, now: datetime | None = None) -> dict[int, CertificationState]:
    """{certification.pk: certification_state(...)} for several certifications, in a fixed number
    of queries (plus two per minimum-level requirement to check): the awards, the three kinds of
    requirements, the exams passed and the courses completed."""
    now = now or timezone.now()
    certifications = list(certifications)
    if not certifications:
        return {}
    awards: dict[int, list[Award]] = {c.pk: [] for c in certifications}
    for award in Award.objects.filter(certification__in=certifications, staff=staff, revoked_at=None,
                                      valid_until__gt=now).order_by("valid_from"):
        awards[award.certification_id].append(award)
    states = {c.pk: _state_from_awards(c, awards[c.pk], now) for c in certifications}
    open_ones = [c for c in certifications if states[c.pk].path]
    if open_ones:
        # Read by certification id and grouped here rather than with prefetch_related: modelcluster's
        # manager would cache the prefetched rows unfiltered, so that a later
        # `certification.exam_requirements.select_related(...)` on these instances would return
        # the requirements of every certification prefetched together.
        rows = {c.pk: {"exam": [], "course": [], "level": []} for c in open_ones}
        for kind, model, related in (("exam", CertificationExamRequirement, "exam"),
                                     ("course", CertificationCourseRequirement, "course"),
                                     ("level", CertificationLevelRequirement, "skill")):
            for requirement in (model.objects.filter(certification_id__in=rows).select_related(related)
                                .order_by("sort_order", "pk")):
                rows[requirement.certification_id][kind].append(requirement)
        facts = _PrefetchedFacts(staff, rows.values())
        for certification in open_ones:
            state = states[certification.pk]
            state.checks = _requirement_checks(certification=certification, rows=rows[certification.pk], staff=staff,
                                               path=state.path, since=state.window_opens_at, now=now, facts=facts)
    return states


def _recent_awards(*, staff, now: datetime) -> list[Award]:
    """The awards "Mes certifications" lists: valid, pending, ended less than a year ago, or
    revoked; newest first."""
    return list(Award.objects.filter(staff=staff)
                .filter(Q(valid_until__gt=now - timedelta(days=365)) | Q(revoked_at__isnull=False))
                .select_related("certification", "certification__domain").order_by("-valid_until"))


def certifications_for(*, staff, now: datetime | None = None,
                       states: dict[int, CertificationState] | None = None) -> list[dict]:
    """The "Mes certifications" section: every award of `staff` that is valid, pending (a renewal
    not started yet), or ended less than a year ago, newest first, with its status, days left and
    whether it can be renewed now. `states`: certification states at the same `now` that the
    caller has already read (`certification_states`); the others are read here."""
    now = now or timezone.now()
    awards = _recent_awards(staff=staff, now=now)
    states = dict(states or {})
    missing = {award.certification_id: award.certification for award in awards
               if award.certification_id not in states}
    states.update(certification_states(certifications=missing.values(), staff=staff, now=now))
    rows = []
    for award in awards:
        cert = award.certification
        state = states[cert.pk]
        status = award.status_at(now)
        rows.append({
            "award": award,
            "certification": cert,
            "status": status,
            "days_left": (award.valid_until - now).days if status in ("valid", "pending") else None,
            "renewal_open": status == "valid" and state.current == award and state.path == RequirementPath.RENEWAL,
            "renewed": status == "valid" and state.renewal is not None,
        })
    return rows


@dataclass(frozen=True)
class CertificateLink:
    label: str
    url: str

    def __str__(self):
        return self.label

    def get_absolute_url(self):
        return self.url


def award_for_badge(*, code: str) -> Award | None:
    """The award with this verification code, with what its badge shows (holder, certification,
    domain), or None. For the badge views and `manage.py badge_verify`."""
    return (Award.objects.select_related("staff", "staff__user", "certification", "certification__domain")
            .filter(code=code).first())


def certifications_held_count(*, staff, now: datetime | None = None) -> int:
    """How many certifications `staff` holds at `now` (an award in force; a renewal lined up for
    the same certification does not count twice). One query."""
    now = now or timezone.now()
    awards = Award.objects.filter(staff=staff, valid_until__gt=now).only(
        "certification_id", "valid_from", "valid_until", "revoked_at")
    return len({award.certification_id for award in awards if award.status_at(now) == "valid"})


def certificates_for_staff(*, staff, now: datetime | None = None) -> list[CertificateLink]:
    """The certificates in force (or renewed) of `staff`, as links for /mes-formations/."""
    now = now or timezone.now()
    links = []
    # The awards alone: whether each can be renewed (the certification states) is not shown here.
    for award in _recent_awards(staff=staff, now=now):
        if award.status_at(now) in ("valid", "pending"):
            label = _("%(name)s — valable jusqu'au %(day)s") % {
                "name": award.certification.name, "day": date_format(award.last_valid_day, "DATE_FORMAT")}
            links.append(CertificateLink(label, f"{reverse('assessments:my_certifications')}#award-{award.code}"))
    return links


def certifications_available(*, staff, now: datetime | None = None) -> list[CertificationState]:
    """Open certifications and where `staff` stands on each."""
    states = certification_states(certifications=Certification.objects.filter(active=True).select_related("domain"),
                                  staff=staff, now=now)
    return list(states.values())


def award_viewable_by(*, user, award: Award) -> bool:
    """May `user` download this award's certificate? Its holder, their leads, admins."""
    if not user.is_authenticated:
        return False
    return award.staff.user_id == user.id or user_leads_staff(user, award.staff)


def awards_visible_to(user) -> QuerySet[Award]:
    return Award.objects.filter(staff__in=staff_visible_to(user))


# -- item analysis --------------------------------------------------------------------------

# Share of attempts in the upper and lower groups of the discrimination index (Kelley's 27 %).
GROUP_SHARE = 0.27
MIN_RESPONSES = 5


@dataclass
class ItemStats:
    question_id: int
    code: str
    text: str
    type: str
    responses: int
    share_correct: float | None  # share of attempts with full credit
    mean_credit: float | None
    discrimination: float | None  # upper 27 % minus lower 27 % mean credit; None below MIN_RESPONSES
    top_wrong: str = ""  # the most chosen wrong answer
    top_wrong_count: int = 0

    @property
    def flagged(self) -> bool:
        """A question that does not separate strong from weak candidates (or inverts them)."""
        return self.discrimination is not None and self.discrimination < 0.2


def item_analysis(*, exam: Exam | None = None, limit_attempts: int = 5000) -> list[ItemStats]:
    """Per question, over graded attempts (of `exam`, or all): share of full-credit answers,
    discrimination index (mean credit of the best 27 % of attempts minus that of the weakest
    27 %, ranked by the attempt's percentage) and the most frequent wrong answer. Questions with
    fewer than MIN_RESPONSES answers get no discrimination index."""
    attempts = Attempt.objects.filter(status=AttemptStatus.GRADED)
    if exam is not None:
        attempts = attempts.filter(exam=exam)
    attempt_ids = list(attempts.order_by("-submitted_at").values_list("id", flat=True)[:limit_attempts])
    rows = AttemptQuestion.objects.filter(attempt_id__in=attempt_ids).select_related("question", "attempt")
    by_question: dict[int, list] = defaultdict(list)
    meta: dict[int, tuple] = {}
    for row in rows:
        by_question[row.question_id].append((float(row.attempt.percent or 0), row.credit or 0.0, row))
        meta[row.question_id] = (row.question.code, row.question.text, row.question.type)
    result = []
    for qid, entries in by_question.items():
        n = len(entries)
        credits = [c for _p, c, _r in entries]
        stats = ItemStats(question_id=qid, code=meta[qid][0], text=meta[qid][1], type=meta[qid][2], responses=n,
                          share_correct=sum(1 for c in credits if c >= 1.0) / n, mean_credit=sum(credits) / n,
                          discrimination=None)
        if n >= MIN_RESPONSES:
            ranked = sorted(entries, key=lambda e: e[0])
            k = max(1, round(n * GROUP_SHARE))
            lower = [c for _p, c, _r in ranked[:k]]
            upper = [c for _p, c, _r in ranked[-k:]]
            stats.discrimination = round(sum(upper) / k - sum(lower) / k, 3)
        wrong = Counter(response_text(r.spec, r.response) for _p, c, r in entries
                        if c < 1.0 and r.response is not None)
        if wrong:
            stats.top_wrong, stats.top_wrong_count = wrong.most_common(1)[0]
        result.append(stats)
    result.sort(key=lambda s: (s.discrimination if s.discrimination is not None else 9, s.code))
    return result
