"""Writes about enrolments and progress, with their rules: prerequisites, access, completion, and
the learning events and skill evidence they produce. Every learning event goes through one call
site per event kind (the `_event_*` helpers) into learning_records.learning_events."""
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.models import Staff
from academy.services import audit_log
from learning_records.learning_events import Activity, Result, learning_event_record
from courses.extensions import extensions
from courses.models import (
    CoursePage, Enrolment, EnrolmentSource, EnrolmentStatus, LessonPage, LessonProgress,
)
from courses.selectors import (
    course_for_lesson, course_lessons, prerequisites_missing, required_lessons,
)
from skills.services import evidence_record

EVIDENCE_REFERENCE_TYPE = "courses.coursepage"


# --- learning events: one call site per event kind ----------------------------------------------


def _activity(page, kind: str) -> Activity:
    return Activity(kind=kind, key=str(page.pk), name={"fr": page.title})


def _event_course_launched(*, enrolment: Enrolment) -> None:
    learning_event_record(staff=enrolment.staff, verb="launched", activity=_activity(enrolment.course, "course"),
                          registration=enrolment.registration)


def _event_lesson_experienced(*, enrolment: Enrolment, lesson: LessonPage) -> None:
    learning_event_record(staff=enrolment.staff, verb="experienced", activity=_activity(lesson, "lesson"),
                          registration=enrolment.registration, parent=_activity(enrolment.course, "course"))


def _event_lesson_completed(*, enrolment: Enrolment, lesson: LessonPage) -> None:
    learning_event_record(staff=enrolment.staff, verb="completed", activity=_activity(lesson, "lesson"),
                          registration=enrolment.registration, parent=_activity(enrolment.course, "course"),
                          result=Result(completion=True))


def _event_course_completed(*, enrolment: Enrolment) -> None:
    duration = None
    if enrolment.started_at and enrolment.completed_at:
        duration = enrolment.completed_at - enrolment.started_at
    learning_event_record(staff=enrolment.staff, verb="completed", activity=_activity(enrolment.course, "course"),
                          registration=enrolment.registration,
                          result=Result(completion=True, success=True, duration=duration))


# --- enrolment ----------------------------------------------------------------------------------


def enrolment_create(*, staff: Staff, course: CoursePage, source: str = EnrolmentSource.SELF, assigned_by=None,
                     due_on: date | None = None) -> Enrolment:
    """Enrol `staff` in `course` and return the enrolment. Idempotent: one enrolment per (staff,
    course); enrolling again returns the existing one (an assignment through a path adds its due
    date and assigner to it), and someone who left is enrolled again with their progress kept.

    Prerequisites apply to self-enrolment; a training path (source "path") is the lead's decision
    and orders its courses itself. Raises ValidationError for an unpublished course, an inactive
    person, an unknown source, or missing prerequisites (naming them)."""
    if source not in EnrolmentSource.values:
        raise ValidationError({"source": _("Origine d'inscription inconnue : %(source)s") % {"source": source}})
    if not isinstance(course, CoursePage):
        course = getattr(course, "specific", course)
        if not isinstance(course, CoursePage):
            raise ValidationError(_("Cette page n'est pas une formation."))
    if not course.live:
        raise ValidationError(_("Cette formation n'est pas publiée."))
    if not staff.active:
        raise ValidationError(_("%(who)s est inactif : inscription impossible.") % {"who": staff.employee_id})
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().filter(staff=staff, course=course).first()
        if enrolment is not None and enrolment.status != EnrolmentStatus.LEFT:
            if source == EnrolmentSource.PATH and enrolment.status == EnrolmentStatus.ACTIVE:
                changed = []
                if due_on and enrolment.due_on != due_on:
                    enrolment.due_on, changed = due_on, changed + ["due_on"]
                if assigned_by is not None and enrolment.assigned_by_id is None:
                    enrolment.assigned_by, changed = assigned_by, changed + ["assigned_by"]
                if enrolment.source != source:
                    enrolment.source, changed = source, changed + ["source"]
                if changed:
                    enrolment.save(update_fields=changed)
            return enrolment
        if source == EnrolmentSource.SELF:
            missing = prerequisites_missing(staff=staff, course=course)
            if missing:
                raise ValidationError(
                    _("Terminez d'abord : %(courses)s.") % {"courses": ", ".join(c.title for c in missing)},
                    code="prerequisites",
                )
        now = timezone.now()
        if enrolment is None:
            try:
                with transaction.atomic():
                    enrolment = Enrolment.objects.create(
                        staff=staff, course=course, source=source, assigned_by=assigned_by, due_on=due_on,
                        enrolled_at=now,
                    )
            except IntegrityError:  # enrolled concurrently by another request: same result
                return Enrolment.objects.get(staff=staff, course=course)
        else:
            enrolment.status = EnrolmentStatus.ACTIVE
            enrolment.source = source
            enrolment.left_at = None
            enrolment.enrolled_at = now
            enrolment.assigned_by = assigned_by
            enrolment.due_on = due_on
            enrolment.save()
        if assigned_by is not None:
            audit_log(actor=assigned_by, action="course.assign", target=enrolment,
                      data={"employee_id": staff.employee_id, "course": course.pk,
                            "due_on": due_on.isoformat() if due_on else None})
    # Someone who left and came back may already have done every lesson.
    enrolment_completion_check(staff=staff, course=course)
    enrolment.refresh_from_db()
    return enrolment


def enrolment_leave(*, staff: Staff, course: CoursePage, by=None, reason: str = "") -> Enrolment:
    """Leave a course in progress. Progress is kept for a later return. Raises ValidationError
    when the person is not enrolled or has already completed the course."""
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().filter(staff=staff, course_id=course.pk).first()
        if enrolment is None or enrolment.status == EnrolmentStatus.LEFT:
            raise ValidationError(_("Vous n'êtes pas inscrit à cette formation."))
        if enrolment.status == EnrolmentStatus.COMPLETED:
            raise ValidationError(_("Cette formation est terminée : elle reste dans votre historique."))
        enrolment.status = EnrolmentStatus.LEFT
        enrolment.left_at = timezone.now()
        enrolment.save(update_fields=["status", "left_at"])
        audit_log(actor=by or staff.user, action="course.leave", target=enrolment, reason=reason,
                  data={"employee_id": staff.employee_id, "course": course.pk})
    return enrolment


def _active_enrolment(*, staff: Staff, lesson: LessonPage) -> Enrolment:
    """The enrolment that gives `staff` access to `lesson`, locked; PermissionDenied otherwise."""
    course = course_for_lesson(lesson=lesson)
    if course is None or not course.live or not lesson.live:
        raise PermissionDenied(_("Cette leçon n'est pas disponible."))
    enrolment = (Enrolment.objects.select_for_update().select_related("course", "staff")
                 .filter(staff=staff, course_id=course.pk,
                         status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED]).first())
    if enrolment is None:
        raise PermissionDenied(_("Inscrivez-vous à la formation pour suivre cette leçon."))
    return enrolment


def _enrolment_start(enrolment: Enrolment, now) -> None:
    """The first time the learner opens the course's content: the course is launched."""
    if Enrolment.objects.filter(pk=enrolment.pk, started_at__isnull=True).update(started_at=now):
        enrolment.started_at = now
        _event_course_launched(enrolment=enrolment)


def enrolment_open(*, staff: Staff, course: CoursePage) -> Enrolment | None:
    """Record that an enrolled person opened the course (launched, once). None if not enrolled."""
    with transaction.atomic():
        enrolment = (Enrolment.objects.select_related("course", "staff")
                     .filter(staff=staff, course_id=course.pk, status=EnrolmentStatus.ACTIVE).first())
        if enrolment is not None and enrolment.started_at is None:
            _enrolment_start(enrolment, timezone.now())
    return enrolment


def lesson_visit_record(*, staff: Staff, lesson: LessonPage, enrolment: Enrolment | None = None) -> LessonProgress:
    """Record that `staff` opened `lesson`: it becomes the place to resume; the course is launched
    on the first visit and the lesson is `experienced` the first time it is opened. Opening the
    same lesson again writes nothing. `enrolment` is the one the caller has just checked (the
    lesson page passes it to save a lookup). Raises PermissionDenied when not enrolled."""
    usable = (enrolment is not None and enrolment.staff_id == staff.pk
              and enrolment.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)
              and lesson.path.startswith(enrolment.course.path))
    if not usable:
        with transaction.atomic():
            enrolment = _active_enrolment(staff=staff, lesson=lesson)
    progress = LessonProgress.objects.filter(staff=staff, lesson=lesson).first()
    if progress is not None and enrolment.started_at is not None and enrolment.last_lesson_id == lesson.pk:
        return progress
    now = timezone.now()
    with transaction.atomic():
        if enrolment.started_at is None:
            _enrolment_start(enrolment, now)
        if progress is None:
            progress, created = LessonProgress.objects.get_or_create(
                staff=staff, lesson=lesson, defaults={"course_id": enrolment.course_id, "first_viewed_at": now},
            )
            if created:
                _event_lesson_experienced(enrolment=enrolment, lesson=lesson)
        if enrolment.last_lesson_id != lesson.pk:
            Enrolment.objects.filter(pk=enrolment.pk).update(last_lesson=lesson, last_visited_at=now)
            enrolment.last_lesson_id = lesson.pk
    return progress


def lesson_complete(*, staff: Staff, lesson: LessonPage) -> LessonProgress:
    """Mark a lesson done for `staff` (idempotent) and complete the course when this was the last
    required step. Raises PermissionDenied when the person is not enrolled in the lesson's course."""
    now = timezone.now()
    with transaction.atomic():
        enrolment = _active_enrolment(staff=staff, lesson=lesson)
        if enrolment.started_at is None:
            _enrolment_start(enrolment, now)
        progress, _created = LessonProgress.objects.get_or_create(
            staff=staff, lesson=lesson, defaults={"course_id": enrolment.course_id, "first_viewed_at": now},
        )
        if LessonProgress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(completed_at=now):
            progress.completed_at = now
            _event_lesson_completed(enrolment=enrolment, lesson=lesson)
        Enrolment.objects.filter(pk=enrolment.pk).update(last_lesson=lesson, last_visited_at=now)
        enrolment_completion_check(staff=staff, course=enrolment.course)
    return progress


def enrolment_completion_check(*, staff: Staff, course: CoursePage) -> Enrolment | None:
    """Complete the enrolment of `staff` in `course` when every required live lesson is done and
    the course's required final exams are passed; then record a `course` evidence for each skill
    the course teaches, at the level it attests. Does it once: a completed enrolment is returned
    as is. Returns the enrolment, or None when the person is not enrolled. Called after each
    lesson completion and by assessments when an exam is passed."""
    course = getattr(course, "specific", course)
    with transaction.atomic():
        enrolment = (Enrolment.objects.select_for_update().select_related("course", "staff", "staff__user")
                     .filter(staff=staff, course_id=course.pk).first())
        if enrolment is None or enrolment.status == EnrolmentStatus.LEFT:
            return None
        if enrolment.status == EnrolmentStatus.COMPLETED:
            return enrolment
        lessons = course_lessons(course=course)
        required = required_lessons(lessons)
        if not required:
            return enrolment  # an empty course cannot be completed by reading it
        done = set(LessonProgress.objects.filter(staff=staff, course_id=course.pk, completed_at__isnull=False)
                   .values_list("lesson_id", flat=True))
        if any(lesson.pk not in done for lesson in required):
            return enrolment
        if not extensions.final_exams_passed(staff=staff, course=course):
            return enrolment
        now = timezone.now()
        if not Enrolment.objects.filter(pk=enrolment.pk, status=EnrolmentStatus.ACTIVE).update(
            status=EnrolmentStatus.COMPLETED, completed_at=now,
        ):
            return enrolment
        enrolment.status = EnrolmentStatus.COMPLETED
        enrolment.completed_at = now
        for taught in course.skills_taught.select_related("skill").order_by("sort_order"):
            if not taught.skill.active:
                continue
            evidence_record(
                staff=staff, skill=taught.skill, level=taught.level, source="course", observed_at=now,
                reference_type=EVIDENCE_REFERENCE_TYPE, reference_id=str(course.pk),
                note=course.title, reason=f"course:{course.pk}",
            )
        _event_course_completed(enrolment=enrolment)
    return enrolment
