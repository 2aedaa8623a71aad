"""Writes for assessments: attempts (start, answer, submit, grading), certification awards,
renewals, revocations and expiry reminders.

Every service takes an optional `now` so that time rules can be tested with a controlled clock;
errors are `django.core.exceptions.ValidationError` with a `code` that views turn into a 4xx:
`closed`, `deadline`, `not_in_attempt`, `invalid`, `max_attempts`, `cooldown`, `not_eligible`.
"""
import logging
import random
from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from academy.services import audit_log, event_publish, notification_send
from learning_records.learning_events import Activity, Result, learning_event_record
from assessments import grading
from assessments.models import (
    Attempt, AttemptQuestion, AttemptStatus, Award, AwardReminder, Certification, Exam,
    ExamQuestion, Question, RequirementPath, SelectionMode,
)
from assessments.selectors import certification_state, exam_start_state
from courses.services import enrolment_completion_check
from skills.models import Evidence
from skills.services import evidence_record, evidence_revoke

logger = logging.getLogger(__name__)

# xAPI interaction types of our question types.
XAPI_INTERACTIONS = {"single": "choice", "multiple": "choice", "true_false": "true-false", "numeric": "numeric",
                     "short_text": "fill-in", "ordering": "sequencing", "matching": "matching"}

# Reminder steps, in days before expiry (0: on expiry).
REMINDER_STEPS = (90, 60, 30, 7, 0)


# -- attempts -------------------------------------------------------------------------------


def _exam_activity(exam: Exam) -> Activity:
    return Activity(kind="assessment", key=str(exam.pk), name={"fr": exam.title},
                    description={"fr": exam.description} if exam.description else {})


def exam_questions_draw(*, exam: Exam, rng: random.Random) -> list[Question]:
    """The questions of a new attempt: the fixed list, or `count` questions drawn from each pool
    (active questions of the pool's skill and difficulty, never the same question twice).
    Raises ValidationError when a pool has too few questions or the exam has none."""
    if exam.selection == SelectionMode.FIXED:
        questions = [eq.question for eq in ExamQuestion.objects.filter(exam=exam).select_related("question")
                     .order_by("sort_order", "id") if eq.question.active]
    else:
        questions, taken = [], set()
        for pool in exam.pools.all().order_by("sort_order", "id"):
            qs = Question.objects.filter(active=True).exclude(pk__in=taken)
            if pool.skill_id:
                qs = qs.filter(skills=pool.skill_id)
            if pool.difficulty:
                qs = qs.filter(difficulty=pool.difficulty)
            candidates = sorted(set(qs.values_list("pk", flat=True)))
            if len(candidates) < pool.count:
                raise ValidationError(
                    _("La réserve « %(pool)s » ne contient pas assez de questions (disponibles : %(n)s, "
                      "demandées : %(count)s).") % {
                        "pool": pool.skill.code if pool.skill_id else _("toutes compétences"),
                        "n": len(candidates), "count": pool.count},
                    code="invalid")
            chosen = rng.sample(candidates, pool.count)
            taken.update(chosen)
            by_pk = Question.objects.in_bulk(chosen)
            questions.extend(by_pk[pk] for pk in chosen)
    if not questions:
        raise ValidationError(_("Cet examen ne contient aucune question."), code="invalid")
    return questions


def attempt_start(*, exam: Exam, staff, now: datetime | None = None) -> Attempt:
    """Start an attempt, or return the open one (reloading resumes). Questions and choices are
    drawn and shuffled now and stored with the attempt. Raises ValidationError (code `closed`,
    `max_attempts`, `cooldown` or `invalid`) when a new attempt may not start."""
    now = now or timezone.now()
    with transaction.atomic():
        # Serialise starts for one person: lock their staff row.
        type(staff).objects.select_for_update().filter(pk=staff.pk).exists()
        state = exam_start_state(exam=exam, staff=staff, now=now)
        if state.open_attempt is not None:
            if state.open_attempt.deadline and now >= state.open_attempt.deadline:
                attempt_submit(attempt=state.open_attempt, now=now, auto=True)
                state = exam_start_state(exam=exam, staff=staff, now=now)
            else:
                return state.open_attempt
        if not state.can_start:
            code = "closed"
            if state.attempts_left == 0:
                code = "max_attempts"
            elif state.next_start_at:
                code = "cooldown"
            raise ValidationError(state.reason, code=code)
        rng = random.SystemRandom()
        questions = exam_questions_draw(exam=exam, rng=rng)
        if exam.shuffle_questions:
            rng.shuffle(questions)
        attempt = Attempt.objects.create(
            exam=exam, staff=staff, number=state.attempts_used + 1, status=AttemptStatus.OPEN, started_at=now,
            deadline=now + timedelta(minutes=exam.time_limit_minutes) if exam.time_limit_minutes else None,
            pass_mark=exam.pass_mark,
        )
        AttemptQuestion.objects.bulk_create([
            AttemptQuestion(attempt=attempt, question=q, position=i,
                            spec=grading.spec_from_question(q, rng=rng, shuffle_choices=exam.shuffle_choices))
            for i, q in enumerate(questions, start=1)
        ])
        learning_event_record(staff=staff, verb="launched", activity=_exam_activity(exam),
                              registration=attempt.registration, timestamp=now)
    return attempt


def _lock_open_attempt(attempt: Attempt, now: datetime) -> Attempt:
    """Lock the attempt row; raise `closed` when it is graded and `deadline` when time is up."""
    locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if locked.status != AttemptStatus.OPEN:
        raise ValidationError(_("Cette tentative est déjà rendue."), code="closed")
    if locked.deadline and now >= locked.deadline:
        raise ValidationError(_("Le temps est écoulé : cette réponse n'a pas été enregistrée."), code="deadline")
    return locked


def attempt_answers_save(*, attempt: Attempt, responses: dict, now: datetime | None = None) -> list[AttemptQuestion]:
    """Save several answers at once (keys: question ids, values: raw responses, None to clear).
    All or nothing: an unknown question or a malformed response raises ValidationError (code
    `not_in_attempt` or `invalid`, with the question id in `params`) and nothing is saved."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_open_attempt(attempt, now)
        rows = {aq.question_id: aq for aq in AttemptQuestion.objects.filter(attempt_id=attempt.pk)}
        cleaned = {}
        for question_id, raw in responses.items():
            try:
                qid = int(question_id)
            except (TypeError, ValueError):
                qid = None
            if qid not in rows:
                raise ValidationError(_("La question %(q)s ne fait pas partie de cette tentative.") % {
                    "q": question_id}, code="not_in_attempt", params={"question": question_id})
            try:
                cleaned[qid] = grading.response_clean(rows[qid].spec, raw)
            except grading.ResponseError as exc:
                raise ValidationError(_("Réponse invalide à la question %(q)s : %(why)s") % {
                    "q": rows[qid].position, "why": exc}, code="invalid", params={"question": qid}) from None
        changed = []
        for qid, response in cleaned.items():
            row = rows[qid]
            if row.response != response:
                row.response = response
                row.answered_at = now if response is not None else None
                changed.append(row)
        AttemptQuestion.objects.bulk_update(changed, ["response", "answered_at"])
    return changed


def attempt_answer(*, attempt: Attempt, question_id, response, now: datetime | None = None) -> AttemptQuestion | None:
    """Save one answer (the autosave endpoint). See `attempt_answers_save` for the errors."""
    attempt_answers_save(attempt=attempt, responses={question_id: response}, now=now)
    return AttemptQuestion.objects.filter(attempt_id=attempt.pk, question_id=question_id).first()


def _q2(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def attempt_submit(*, attempt: Attempt, now: datetime | None = None, auto: bool = False) -> tuple[Attempt, bool]:
    """Submit and grade an attempt once. Returns (attempt, graded_now): a second submission (two
    tabs, a double click, the expiry task racing the learner) finds the attempt already claimed
    and returns it with graded_now False. The claim is a conditional UPDATE, so on PostgreSQL
    concurrent submissions wait for the first and then see it done.

    When time is up, the attempt is dated at its deadline and only the answers saved before it
    count. On a pass: the exam's levels are recorded as `exam` evidence, the course completion
    is checked, and certifications that this exam completes are awarded."""
    now = now or timezone.now()
    with transaction.atomic():
        submitted_at = now
        if attempt.deadline and now > attempt.deadline:
            submitted_at, auto = attempt.deadline, True
        claimed = Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.OPEN).update(
            status=AttemptStatus.GRADED, submitted_at=submitted_at, auto_submitted=auto)
        attempt = Attempt.objects.select_related("exam", "staff", "staff__user").get(pk=attempt.pk)
        if not claimed:
            return attempt, False
        _attempt_grade(attempt)
        if attempt.passed:
            _exam_passed(attempt=attempt, now=now)
    return attempt, True


def _attempt_grade(attempt: Attempt) -> None:
    exam = attempt.exam
    rows = list(AttemptQuestion.objects.filter(attempt=attempt).order_by("position"))  # grading reads the snapshot
    total = max_total = 0.0
    per_skill: dict[str, list[float]] = {}
    for row in rows:
        late = row.answered_at is not None and attempt.deadline is not None and row.answered_at > attempt.deadline
        response = None if late else row.response
        row.credit = grading.grade(row.spec, response)
        row.score = row.credit * row.spec["points"]
        total += row.score
        max_total += row.spec["points"]
        for code in row.spec.get("skills", []):
            acc = per_skill.setdefault(code, [0.0, 0.0])
            acc[0] += row.score
            acc[1] += row.spec["points"]
        learning_event_record(
            staff=attempt.staff, verb="answered", registration=attempt.registration, timestamp=attempt.submitted_at,
            activity=Activity(kind="question", key=str(row.question_id), name={"fr": row.spec["text"][:200]},
                              extra={"interactionType": XAPI_INTERACTIONS.get(row.spec["type"], "other")}),
            parent=_exam_activity(exam),
            result=Result(score_raw=row.score, score_min=0, score_max=row.spec["points"],
                          score_scaled=row.credit, success=row.credit == 1.0,
                          response=grading.response_text(row.spec, response, localize=False)[:500]),
        )
    AttemptQuestion.objects.bulk_update(rows, ["credit", "score"])
    attempt.score = _q2(total)
    attempt.max_score = _q2(max_total)
    attempt.percent = _q2(total * 100 / max_total) if max_total else Decimal("0")
    attempt.passed = attempt.percent >= attempt.pass_mark
    attempt.skill_scores = {
        code: {"score": round(s, 3), "max": round(m, 3), "percent": round(s * 100 / m, 2) if m else 0.0}
        for code, (s, m) in sorted(per_skill.items())
    }
    attempt.save(update_fields=["score", "max_score", "percent", "passed", "skill_scores"])
    learning_event_record(
        staff=attempt.staff, verb="passed" if attempt.passed else "failed", activity=_exam_activity(exam),
        registration=attempt.registration, timestamp=attempt.submitted_at,
        result=Result(score_raw=float(attempt.score), score_min=0, score_max=float(attempt.max_score),
                      score_scaled=float(attempt.percent) / 100, success=attempt.passed, completion=True,
                      duration=attempt.submitted_at - attempt.started_at),
    )


def _exam_passed(*, attempt: Attempt, now: datetime) -> None:
    exam, staff = attempt.exam, attempt.staff
    valid_until = None
    if exam.evidence_validity_months:
        valid_until = now + relativedelta(months=exam.evidence_validity_months)
    for grant in exam.grants.select_related("skill"):
        if not grant.skill.active:
            continue
        evidence_record(staff=staff, skill=grant.skill, level=grant.level, source="exam", observed_at=now,
                        valid_until=valid_until, reference_type="assessments.attempt",
                        reference_id=str(attempt.pk), reason=f"exam:{exam.slug}")
    if exam.course_id:
        enrolment_completion_check(staff=staff, course=exam.course.specific)
    for certification in Certification.objects.filter(active=True, exam_requirements__exam=exam).distinct():
        state = certification_state(certification=certification, staff=staff, now=now)
        if state.eligible:
            try:
                with transaction.atomic():  # a savepoint: the grade stands even if this is refused
                    award_create(certification=certification, staff=staff, now=now)
            except ValidationError as exc:
                logger.info("certification %s not awarded to %s: %s", certification.code, staff.employee_id, exc)


def attempts_close_expired(*, now: datetime | None = None) -> int:
    """Submit every open attempt whose deadline has passed (the periodic task). Returns how many
    this call graded."""
    now = now or timezone.now()
    count = 0
    for attempt in Attempt.objects.filter(status=AttemptStatus.OPEN, deadline__lte=now).only("pk", "deadline"):
        try:
            _attempt, graded = attempt_submit(attempt=attempt, now=now, auto=True)
        except Exception:  # one bad attempt must not stop the sweep
            logger.exception("could not close attempt %s", attempt.pk)
            continue
        count += graded
    return count


# -- certifications -------------------------------------------------------------------------


def local_midnight(day) -> datetime:
    """The first instant of `day` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def award_period(*, certification: Certification, now: datetime, previous: Award | None) -> tuple:
    """(valid_from, expires_on, valid_until) of a new award. A first award (or one after the
    previous has ended) runs `validity_months` from today; a renewal inside the window extends
    from the previous expiry date. Months follow the calendar (31 January + 1 month = 28 or 29
    February); the award holds until the start of `expires_on`."""
    months = relativedelta(months=certification.validity_months)
    if previous is not None:
        expires_on = previous.expires_on + months
        return previous.valid_until, expires_on, local_midnight(expires_on)
    expires_on = timezone.localdate(now) + months
    return now, expires_on, local_midnight(expires_on)


def _utc_iso(value: datetime) -> str:
    return value.astimezone(dt_timezone.utc).isoformat()


def award_event_data(award: Award) -> dict:
    return {
        "employee_id": award.staff.employee_id,
        "certification": award.certification.code,
        "domain": award.certification.domain.code,
        "valid_from": _utc_iso(award.valid_from),
        "valid_until": _utc_iso(award.valid_until),
        "award_id": award.pk,
    }


def award_create(*, certification: Certification, staff, by=None, now: datetime | None = None,
                 waive_requirements: bool = False) -> Award:
    """Award `certification` to `staff` when they meet the requirements of the path open now
    (initial, or renewal inside the window). Records `certification` evidence for each level the
    certification grants, valid until expiry; publishes `certification.awarded`; tells the holder.
    Raises ValidationError (code `not_eligible`) listing what is missing.

    `waive_requirements` records a certification obtained before the Académie existed (an
    import by an administrator, audited as such); the period rules still apply."""
    now = now or timezone.now()
    with transaction.atomic():
        type(staff).objects.select_for_update().filter(pk=staff.pk).exists()
        if not staff.active:
            raise ValidationError(_("Cette personne est inactive."), code="not_eligible")
        state = certification_state(certification=certification, staff=staff, now=now)
        if state.path is None:
            if state.renewal is not None:
                message = _("La recertification est déjà obtenue.")
            elif state.window_opens_at:
                message = _("La recertification ouvre le %(day)s.") % {
                    "day": date_format(timezone.localtime(state.window_opens_at), "DATE_FORMAT")}
            else:
                message = _("Cette certification est fermée.")
            raise ValidationError(message, code="not_eligible")
        missing = [check.label for check in state.checks if not check.met]
        if missing and not waive_requirements:
            raise ValidationError(_("Exigences non remplies : %(list)s") % {"list": " ; ".join(missing)},
                                  code="not_eligible")
        previous = state.current if state.path == RequirementPath.RENEWAL else None
        valid_from, expires_on, valid_until = award_period(certification=certification, now=now, previous=previous)
        award = Award.objects.create(
            certification=certification, staff=staff, awarded_at=now, valid_from=valid_from,
            valid_until=valid_until, expires_on=expires_on, renewal_of=previous,
            awarded_by=by if getattr(by, "pk", None) else None,
        )
        for grant in certification.grants.select_related("skill"):
            if grant.skill.active:
                evidence_record(staff=staff, skill=grant.skill, level=grant.level, source="certification",
                                recorded_by=by, observed_at=now, valid_until=valid_until,
                                reference_type="assessments.award", reference_id=str(award.pk),
                                reason=f"certification:{certification.code}")
        learning_event_record(
            staff=staff, verb="earned", timestamp=now,
            activity=Activity(kind="certification", key=certification.code,
                              name={"fr": certification.name_fr, **({"en": certification.name_en}
                                                                    if certification.name_en else {})}),
        )
        event_publish(type="certification.awarded", data=award_event_data(award), occurred_at=now)
        audit_log(actor=by, action="certification.renew" if previous else "certification.award", target=award,
                  data={"certification": certification.code, "employee_id": staff.employee_id,
                        "expires_on": expires_on.isoformat(), "requirements_waived": bool(missing)})
        notification_send(
            recipient=staff.user, kind="certification.awarded",
            title=_("Certification obtenue : %(name)s") % {"name": certification.name_fr},
            body=_("Valable jusqu'au %(day)s inclus.") % {"day": date_format(award.last_valid_day, "DATE_FORMAT")},
            url=reverse("assessments:my_certifications"), dedupe_key=f"assessments:award:{award.pk}:awarded",
        )
    return award


def award_revoke(*, award: Award, by, reason: str, now: datetime | None = None) -> Award:
    """Revoke an award with a reason: the verification page then says revoked, and the levels it
    granted are revoked in the ledger. Revoking twice changes nothing."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Un motif est obligatoire pour révoquer une certification.")})
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Award.objects.filter(pk=award.pk, revoked_at=None).update(
            revoked_at=now, revoked_by=by if getattr(by, "pk", None) else None, revoke_reason=reason.strip())
        award = Award.objects.select_related("staff", "certification").get(pk=award.pk)
        if not claimed:
            return award
        for evidence in Evidence.objects.filter(reference_type="assessments.award", reference_id=str(award.pk),
                                                revoked_at=None):
            evidence_revoke(evidence=evidence, revoked_by=by, reason=reason.strip())
        audit_log(actor=by, action="certification.revoke", target=award, reason=reason.strip(),
                  data={"certification": award.certification.code, "employee_id": award.staff.employee_id})
        notification_send(
            recipient=award.staff.user, kind="certification.revoked",
            title=_("Certification révoquée : %(name)s") % {"name": award.certification.name_fr},
            body=reason.strip(), url=reverse("assessments:my_certifications"),
            dedupe_key=f"assessments:award:{award.pk}:revoked",
        )
    return award


def _award_recipients(award: Award) -> list:
    staff = award.staff
    users = [staff.user]
    if staff.team_id:
        users += [u for u in staff.team.leads.filter(is_active=True) if u.pk != staff.user_id]
    return users


def awards_remind(*, now: datetime | None = None) -> int:
    """Send expiry reminders (90, 60, 30 and 7 days before, and on expiry) to the holder and the
    leads of their team, in-app and by e-mail, and publish `certification.expiring` /
    `certification.expired`. Each step is claimed by inserting an AwardReminder row, so a step is
    never sent twice; when the task was down, only the latest step due is sent. Awards already
    renewed, revoked or held by inactive staff get none. Returns the number of steps sent."""
    now = now or timezone.now()
    horizon = now + timedelta(days=max(REMINDER_STEPS))
    due = (Award.objects.filter(revoked_at=None, staff__active=True, valid_until__lte=horizon,
                                valid_until__gt=now - timedelta(days=30))
           .select_related("staff", "staff__user", "staff__team", "certification", "certification__domain"))
    sent = 0
    for award in due:
        renewed = Award.objects.filter(
            Q(renewal_of=award) | Q(valid_from__gte=award.valid_until), certification=award.certification_id,
            staff=award.staff_id, revoked_at=None).exists()
        if renewed:
            continue
        # Calendar days in local time: "7 days before" starts at local midnight, DST or not.
        expiry = timezone.localtime(award.valid_until)
        steps = [d for d in REMINDER_STEPS if now >= expiry - timedelta(days=d)
                 and award.awarded_at < expiry - timedelta(days=d)]
        if not steps and now >= award.valid_until:
            steps = [0]
        if not steps:
            continue
        step = min(steps)
        try:
            with transaction.atomic():
                AwardReminder.objects.create(award=award, days_before=step, sent_at=now)
                # Earlier steps that were missed are closed too, never sent late.
                for skipped in steps:
                    if skipped != step:
                        AwardReminder.objects.get_or_create(award=award, days_before=skipped,
                                                            defaults={"sent_at": now})
                _award_remind_step(award=award, step=step, now=now)
        except IntegrityError:
            continue
        sent += 1
    return sent


def _award_remind_step(*, award: Award, step: int, now: datetime) -> None:
    name = award.certification.name_fr
    holder = award.staff.display_name
    last_day = date_format(award.last_valid_day, "DATE_FORMAT")
    url = reverse("assessments:my_certifications")
    for user in _award_recipients(award):
        own = user.pk == award.staff.user_id
        if step:
            title = (_("Votre certification « %(name)s » expire dans %(days)s jours") if own else
                     _("La certification « %(name)s » de %(who)s expire dans %(days)s jours")) % {
                "name": name, "days": step, "who": holder}
            body = _("Valable jusqu'au %(day)s inclus. La recertification est ouverte %(window)s jours avant l'expiration.") % {
                "day": last_day, "window": award.certification.renewal_window_days}
        else:
            title = (_("Votre certification « %(name)s » a expiré") if own else
                     _("La certification « %(name)s » de %(who)s a expiré")) % {"name": name, "who": holder}
            body = _("Elle était valable jusqu'au %(day)s inclus.") % {"day": last_day}
        notification_send(recipient=user, kind="certification.expiring" if step else "certification.expired",
                          title=title, body=body, url=url if own else "",
                          dedupe_key=f"assessments:award:{award.pk}:expiry:{step}")
    data = award_event_data(award)
    if step:
        data["days_left"] = step
        event_publish(type="certification.expiring", data=data, occurred_at=now)
    else:
        Award.objects.filter(pk=award.pk, expired_at=None).update(expired_at=now)
        event_publish(type="certification.expired", data=data, occurred_at=now)
