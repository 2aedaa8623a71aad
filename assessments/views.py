"""Exam, certification and certificate pages. Thin: each view turns a request into a call to a
service or a selector and renders the answer; errors become 4xx with a message."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from academy.json_input import JsonInputError, json_parse
from academy.roles import user_is_admin
from academy.selectors import staff_for_user, user_can_view_staff
from assessments import badge_signing, grading, selectors, services
from assessments.certificates import certificate_pdf, open_badge_credential, open_badge_jwt
from assessments.forms import RevokeForm, responses_from_post
from assessments.models import Attempt, AttemptQuestion, AttemptStatus, Award, Certification, Exam, FeedbackPolicy
from skills.models import Skill

STATUS_OF_CODE = {"not_in_attempt": 400, "invalid": 400, "closed": 409, "deadline": 409, "max_attempts": 409,
                  "cooldown": 409, "not_eligible": 409}


def _error_message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _staff_or_403(request):
    staff = staff_for_user(request.user)
    if staff is None:
        raise PermissionDenied(_("Seuls les collaborateurs passent des examens."))
    return staff


def _own_attempt(request, pk) -> Attempt:
    attempt = get_object_or_404(Attempt.objects.select_related("exam", "staff"), pk=pk)
    if attempt.staff.user_id != request.user.id:
        raise PermissionDenied(_("Cette tentative n'est pas la vôtre."))
    return attempt


def _closed_answer(request, attempt: Attempt, now):
    """The answer to a page of an attempt that can no longer be worked on (handed in: its result;
    past its deadline: handed in now, then its result), or None while it is open."""
    if attempt.status != AttemptStatus.OPEN:
        return redirect("assessments:attempt_result", pk=attempt.pk)
    if attempt.deadline and now >= attempt.deadline:
        return _expired_submit(request, attempt, now)
    return None


def _remaining_seconds(attempt: Attempt, now) -> int | None:
    if attempt.deadline is None:
        return None
    return max(0, int((attempt.deadline - now).total_seconds()))


@login_required
@require_GET
def exam_list(request):
    staff = _staff_or_403(request)
    return render(request, "assessments/exam_list.html", {"rows": selectors.exams_for(staff=staff)})


@login_required
@require_GET
def exam_detail(request, slug):
    exam = get_object_or_404(Exam, slug=slug)
    staff = _staff_or_403(request)
    state = selectors.exam_start_state(exam=exam, staff=staff)
    question_count = (exam.exam_questions.count() if exam.selection == "fixed"
                      else sum(p.count for p in exam.pools.all()))
    return render(request, "assessments/exam_detail.html", {
        "exam": exam, "state": state, "attempts": state.attempts, "question_count": question_count,
    })


@login_required
@require_POST
def attempt_start(request, slug):
    exam = get_object_or_404(Exam, slug=slug)
    staff = _staff_or_403(request)
    try:
        attempt = services.attempt_start(exam=exam, staff=staff)
    except ValidationError as exc:
        messages.error(request, _error_message(exc))
        state = selectors.exam_start_state(exam=exam, staff=staff)
        return render(request, "assessments/exam_detail.html", {
            "exam": exam, "state": state, "attempts": state.attempts, "start_error": _error_message(exc),
        }, status=STATUS_OF_CODE.get(exc.code, 400))
    return redirect("assessments:attempt_take", pk=attempt.pk)


def _field_state(view: dict, value: dict | None) -> dict:
    """Mark what a saved (or re-posted) response selects, for the form's checked/selected state."""
    value = value or {}
    n = len(view.get("items", []))
    ranks = {key: i for i, key in enumerate(value.get("order", []), start=1)}
    for key, rank in (value.get("ranks") or {}).items():  # a draft ordering, saved or as typed
        ranks[key] = int(rank) if str(rank).isdigit() else None
    view["selected"] = set(value.get("choices", [])) | ({value["choice"]} if value.get("choice") else set())
    if "value" in value:
        view["text_value"] = "true" if value["value"] is True else "false" if value["value"] is False else value["value"]
    view["text_value"] = view.get("text_value", value.get("text", ""))
    for item in view.get("items", []):
        item["rank"] = ranks.get(item["key"])
        item["choices"] = range(1, n + 1)
    for item in view.get("left", []):
        item["chosen"] = value.get("pairs", {}).get(item["key"], "")
    return view


def _take_context(attempt: Attempt, rows, values: dict, errors: dict, now) -> dict:
    questions = []
    for row in rows:
        questions.append({
            "id": row.question_id,
            "position": row.position,
            "view": _field_state(grading.public_view(row.spec), values.get(row.question_id)),
            "error": errors.get(row.question_id, ""),
            "answered": values.get(row.question_id) is not None,
        })
    return {
        "attempt": attempt, "exam": attempt.exam, "questions": questions, "errors": errors,
        "remaining_seconds": _remaining_seconds(attempt, now),
        "answer_url": reverse("assessments:attempt_answer", args=[attempt.pk]),
    }


def _expired_submit(request, attempt: Attempt, now):
    """Hand in an attempt whose time is up and send the learner to its result."""
    services.attempt_submit(attempt=attempt, now=now, auto=True)
    messages.warning(request, _("Le temps est écoulé : la tentative a été rendue avec les réponses enregistrées."))
    return redirect("assessments:attempt_result", pk=attempt.pk)


def _submit_errors(rows, responses: dict) -> dict:
    """What stops the answers from being handed in, by question id (see grading.submit_error)."""
    errors = {row.question_id: grading.submit_error(row.spec, responses.get(row.question_id)) for row in rows}
    return {qid: error for qid, error in errors.items() if error}


@login_required
@require_http_methods(["GET", "POST"])
def attempt_take(request, pk):
    """GET: the attempt form, answers saved so far filled in (reloading resumes). POST: save the
    whole form; works without JavaScript. Whatever is valid is saved, drafts included (an
    ordering partly ranked); an invalid answer is shown again as typed, with its error. Then
    button "save" comes back here, "review" (Terminer et rendre) checks that everything can be
    handed in and asks for confirmation (attempt_submit), "submit" (the timer) hands in."""
    attempt = _own_attempt(request, pk)
    now = timezone.now()
    if (closed := _closed_answer(request, attempt, now)) is not None:
        return closed
    rows = list(AttemptQuestion.objects.filter(attempt=attempt).order_by("position"))
    if request.method == "GET":
        values = {row.question_id: row.response for row in rows}
        return render(request, "assessments/attempt_take.html", _take_context(attempt, rows, values, {}, now))
    raw, cleaned, errors = responses_from_post(rows, request.POST)
    values = {**cleaned, **{qid: raw[qid] for qid in errors}}  # never clear what was typed
    try:
        services.attempt_answers_save(attempt=attempt, responses={qid: raw[qid] for qid in cleaned}, now=now)
    except ValidationError as exc:
        if exc.code not in ("deadline", "closed"):
            messages.error(request, _error_message(exc))
            return render(request, "assessments/attempt_take.html",
                          _take_context(attempt, rows, values, {}, now), status=400)
    action = request.POST.get("action")
    if action in ("review", "submit") and not errors:
        errors = _submit_errors(rows, cleaned)
    if (action == "submit" and not errors) or (attempt.deadline and timezone.now() >= attempt.deadline):
        services.attempt_submit(attempt=attempt)
        return redirect("assessments:attempt_result", pk=attempt.pk)
    if errors:
        messages.error(request, _("Certaines réponses sont invalides ou inachevées : corrigez-les. "
                                  "Les autres réponses sont enregistrées."))
        return render(request, "assessments/attempt_take.html", _take_context(attempt, rows, values, errors, now),
                      status=400)
    if action == "review":
        return redirect("assessments:attempt_submit", pk=attempt.pk)
    messages.success(request, _("Réponses enregistrées."))
    return redirect("assessments:attempt_take", pk=attempt.pk)


@login_required
@require_http_methods(["GET", "POST"])
def attempt_submit(request, pk):
    """GET: "hand in now?", with how many questions are left without an answer (a plain page:
    the confirmation works without JavaScript). POST: hand in and show the result."""
    attempt = _own_attempt(request, pk)
    now = timezone.now()
    if (closed := _closed_answer(request, attempt, now)) is not None:
        return closed
    if request.method == "POST":
        services.attempt_submit(attempt=attempt, now=now)
        return redirect("assessments:attempt_result", pk=attempt.pk)
    rows = list(AttemptQuestion.objects.filter(attempt=attempt).order_by("position"))
    unanswered = [row.position for row in rows if row.response is None]
    return render(request, "assessments/attempt_submit.html", {
        "attempt": attempt, "exam": attempt.exam, "total": len(rows), "unanswered": unanswered,
        "incomplete": [row.position for row in rows if grading.submit_error(row.spec, row.response)],
        "remaining_seconds": _remaining_seconds(attempt, now),
    })


def _json_error(message: str, code: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, "code": code, **extra}, status=status)


@login_required
@require_POST
def attempt_answer(request, pk):
    """Autosave one answer: POST JSON {"question": <id>, "response": {...}} (CSRF header
    required). 200 with the save time; 400 for a malformed body, an unknown question or an
    invalid response; 409 when the attempt is closed or time is up (then it is submitted)."""
    attempt = _own_attempt(request, pk)
    try:
        body = json_parse(request.body)
    except JsonInputError as exc:
        return _json_error(_("Corps JSON invalide : %(reason)s") % {"reason": exc.message}, "malformed", 400)
    if not isinstance(body, dict) or "question" not in body or "response" not in body:
        return _json_error(_("« question » et « response » sont obligatoires."), "malformed", 400)
    if not isinstance(body["question"], (int, str)) or isinstance(body["question"], bool):
        return _json_error(_("« question » doit être un identifiant."), "malformed", 400)
    now = timezone.now()
    result_url = reverse("assessments:attempt_result", args=[attempt.pk])
    try:
        row = services.attempt_answer(attempt=attempt, question_id=body["question"], response=body["response"],
                                      now=now)
    except ValidationError as exc:
        if exc.code == "deadline":
            services.attempt_submit(attempt=attempt, now=now, auto=True)
        extra = {"result_url": result_url} if exc.code in ("deadline", "closed") else {}
        return _json_error(_error_message(exc), exc.code or "invalid", STATUS_OF_CODE.get(exc.code, 400), **extra)
    return JsonResponse({
        "saved": True, "question": row.question_id, "answered": row.response is not None,
        "complete": not grading.submit_error(row.spec, row.response),
        "saved_at": now.isoformat(), "remaining_seconds": _remaining_seconds(attempt, now),
    })


@login_required
@require_GET
def attempt_state(request, pk):
    """The open attempt as JSON: questions as the browser may see them (no correct answers),
    the answers saved so far and the time left."""
    attempt = _own_attempt(request, pk)
    now = timezone.now()
    rows = AttemptQuestion.objects.filter(attempt=attempt).order_by("position")
    return JsonResponse({
        "attempt": attempt.pk, "status": attempt.status,
        "remaining_seconds": _remaining_seconds(attempt, now) if attempt.is_open else None,
        "questions": [{"id": r.question_id, "position": r.position, **grading.public_view(r.spec),
                       "response": r.response} for r in rows],
    })


@login_required
@require_GET
def attempt_result(request, pk):
    attempt = get_object_or_404(Attempt.objects.select_related("exam", "staff", "staff__user"), pk=pk)
    own = attempt.staff.user_id == request.user.id
    if not own and not user_can_view_staff(request.user, attempt.staff):
        raise PermissionDenied(_("Vous ne pouvez pas voir cette tentative."))
    if attempt.status == AttemptStatus.OPEN:
        if own:
            return redirect("assessments:attempt_take", pk=attempt.pk)
        raise Http404(_("Tentative en cours."))
    policy = attempt.exam.feedback
    show_corrections = policy == FeedbackPolicy.FULL or (policy == FeedbackPolicy.AFTER_PASS and attempt.passed)
    rows = []
    for row in AttemptQuestion.objects.filter(attempt=attempt).order_by("position"):
        item = {"position": row.position, "text": row.spec["text"], "credit": row.credit, "score": row.score,
                "points": row.spec["points"]}
        if show_corrections:
            item.update({
                "response": grading.response_text(row.spec, row.response),
                "correct": grading.correct_answer_text(row.spec),
                "explanation": row.spec.get("explanation", ""),
            })
        rows.append(item)
    names = dict(Skill.objects.filter(code__in=attempt.skill_scores.keys()).values_list("code", "name_fr"))
    skill_rows = [{"code": code, "name": names.get(code, code), **values}
                  for code, values in attempt.skill_scores.items()]
    state = selectors.exam_start_state(exam=attempt.exam, staff=attempt.staff) if own else None
    return render(request, "assessments/attempt_result.html", {
        "attempt": attempt, "exam": attempt.exam, "rows": rows, "show_corrections": show_corrections,
        "skill_rows": skill_rows, "own": own, "state": state,
    })


# -- certifications -------------------------------------------------------------------------


@login_required
@require_GET
def my_certifications(request):
    staff = _staff_or_403(request)
    now = timezone.now()
    states = selectors.certifications_available(staff=staff, now=now)
    # The awards' certifications are mostly the open ones just read: their states serve twice.
    awards = selectors.certifications_for(staff=staff, now=now, states={s.certification.pk: s for s in states})
    held = {row["certification"].pk for row in awards if row["status"] in ("valid", "pending")}
    available = [s for s in states if s.certification.pk not in held or s.path]
    return render(request, "assessments/my_certifications.html", {"awards": awards, "available": available})


@login_required
@require_POST
def certification_claim(request, code):
    certification = get_object_or_404(Certification, code=code, active=True)
    staff = _staff_or_403(request)
    try:
        award = services.award_create(certification=certification, staff=staff, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_message(exc))
        return redirect("assessments:my_certifications")
    messages.success(request, _("Certification obtenue : %(name)s.") % {"name": certification.name})
    return redirect(f"{reverse('assessments:my_certifications')}#award-{award.code}")


def _award_for(request, code) -> Award:
    award = get_object_or_404(Award.objects.select_related("staff", "staff__user", "certification",
                                                           "certification__domain"), code=code)
    if not selectors.award_viewable_by(user=request.user, award=award):
        raise PermissionDenied(_("Vous ne pouvez pas télécharger ce certificat."))
    return award


@login_required
@require_GET
def award_pdf(request, code):
    award = _award_for(request, code)
    language = request.GET.get("lang") or (request.LANGUAGE_CODE or "fr")[:2]
    if language not in ("fr", "en"):
        return HttpResponse(_("Langue inconnue : fr ou en."), status=400, content_type="text/plain; charset=utf-8")
    if award.revoked_at is not None:
        return HttpResponse(_("Cette certification a été révoquée."), status=410, content_type="text/plain; charset=utf-8")
    response = HttpResponse(certificate_pdf(award=award, language=language), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificat-{award.code}.pdf"'
    return response


def _badge_award(code) -> Award:
    award = selectors.award_for_badge(code=code)
    if award is None:
        raise Http404
    return award


def _badge_revoked() -> JsonResponse:
    return JsonResponse({"error": _("Cette certification a été révoquée."), "code": "revoked"}, status=410)


@require_GET
def award_badge(request, code):
    """The Open Badges 3.0 credential of an award (public, like the verification page)."""
    award = _badge_award(code)
    if award.revoked_at is not None:
        return _badge_revoked()
    response = JsonResponse(open_badge_credential(award=award), json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/ld+json; charset=utf-8"
    return response


@require_GET
def award_badge_jwt(request, code):
    """The same credential signed, as a VC-JWT (public). A revoked award answers as the JSON
    badge does: 410 with a JSON error."""
    award = _badge_award(code)
    if award.revoked_at is not None:
        return _badge_revoked()
    response = HttpResponse(open_badge_jwt(award=award), content_type=badge_signing.MEDIA_TYPE)
    response["Access-Control-Allow-Origin"] = "*"  # public and cookie-free: verifiers may fetch it from a page
    return response


@require_GET
def badge_keys(request):
    """The issuer's public keys as a JWK Set: what verifies the signed badges (public)."""
    response = JsonResponse(badge_signing.published_jwks(), content_type=badge_signing.JWKS_MEDIA_TYPE)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def award_revoke(request, code):
    award = get_object_or_404(Award.objects.select_related("staff", "staff__user", "certification"), code=code)
    if not user_is_admin(request.user):
        raise PermissionDenied(_("Seuls les administrateurs révoquent une certification."))
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.award_revoke(award=award, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Certification révoquée."))
        return redirect("assessments:verify", code=award.code)
    return render(request, "assessments/award_revoke.html", {"award": award, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_GET
def verify(request, code=None):
    """Public: is this certificate valid, expired or revoked? Shows the holder's name and the
    certification, nothing else about the person."""
    code = (code or request.GET.get("code") or "").strip().upper()
    award = None
    if code:
        award = (Award.objects.select_related("certification", "certification__domain", "staff__user")
                 .filter(code=code).first())
    status = award.status_at(timezone.now()) if award else None
    response = render(request, "assessments/verify.html", {
        "code": code, "award": award, "status": status, "can_revoke": user_is_admin(request.user)})
    if code and award is None:
        response.status_code = 404
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_GET
def team_certifications(request):
    """Certifications of the people the user may see (leads: their teams), expiring first."""
    awards = (selectors.awards_visible_to(request.user).filter(revoked_at=None)
              .exclude(staff__user=request.user)
              .select_related("staff", "staff__user", "certification").order_by("valid_until"))
    page = Paginator(awards, 50).get_page(request.GET.get("page"))
    return render(request, "assessments/team_certifications.html", {
        "page": page, "now": timezone.now(), "is_admin": user_is_admin(request.user)})
