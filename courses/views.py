"""Thin views for the learner's actions: enrol, leave, resume, mark a lesson done, and
/mes-formations/. Each turns a request into one service or selector call."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from academy.selectors import staff_for_user
from courses import selectors, services
from courses.models import CoursePage, LessonPage


def _staff_or_403(request):
    staff = staff_for_user(request.user)
    if staff is None:
        raise PermissionDenied(_("Votre compte n'est pas rattaché à un collaborateur : "
                                 "le suivi des formations est réservé au personnel."))
    return staff


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
@require_POST
def course_enrol(request, course_id: int):
    """Enrol the signed-in person in a published course, then take them to its first lesson."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    staff = _staff_or_403(request)
    try:
        enrolment = services.enrolment_create(staff=staff, course=course, source="self")
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(course.url)
    messages.success(request, _("Vous êtes inscrit à « %(title)s ».") % {"title": course.title})
    progress = selectors.course_progress(staff=staff, course=course, enrolment=enrolment)
    target = progress.resume_lesson
    return redirect(target.url if target else course.url)


@login_required
@require_POST
def course_leave(request, course_id: int):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    staff = _staff_or_403(request)
    try:
        services.enrolment_leave(staff=staff, course=course, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(course.url)
    messages.success(request, _("Vous avez quitté « %(title)s ». Votre progression est conservée si vous "
                                "revenez.") % {"title": course.title})
    return redirect("courses:my_learning")


@login_required
@require_GET
def course_resume(request, course_id: int):
    """Open the lesson where the person left off (or the course page when not enrolled)."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    staff = staff_for_user(request.user)
    progress = selectors.course_progress(staff=staff, course=course)
    if progress.enrolled and progress.resume_lesson is not None:
        return redirect(progress.resume_lesson.url)
    return redirect(course.url)


@login_required
@require_POST
def lesson_complete(request, lesson_id: int):
    """Mark a lesson done; continue with the next lesson, or back to the course when finished."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    staff = _staff_or_403(request)
    try:
        services.lesson_complete(staff=staff, lesson=lesson)
    except PermissionDenied as denied:
        return HttpResponseForbidden(str(denied) or _("Accès refusé."))
    course = selectors.course_for_lesson(lesson=lesson).specific
    progress = selectors.course_progress(staff=staff, course=course)
    if progress.completed:
        messages.success(request, _("Bravo, vous avez terminé « %(title)s » !") % {"title": course.title})
        return redirect(course.url)
    messages.success(request, _("Leçon terminée."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    if progress.next_lesson is not None:
        return redirect(progress.next_lesson.url)
    return redirect(course.url)


@login_required
def my_learning(request):
    """/mes-formations/: in progress, assigned (with due dates), completed, certificates, next step."""
    staff = staff_for_user(request.user)
    context = {"staff": staff, "today": timezone.localdate()}
    if staff is not None:
        context.update(selectors.my_learning(staff=staff))
        context["certificates"] = selectors.certificates_for(staff=staff)
    return render(request, "courses/my_learning.html", context)
