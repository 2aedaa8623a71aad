"""Every URL of the site against every kind of visitor: Léa (learner), Olivier (another learner),
Marc (her lead), Sophie (a lead of another team), a router's token (the bridge API), Émilie (a
content editor) and an anonymous visitor.

The matrix is complete by construction: every named URL the resolver knows is either in MATRIX
(the project's own) or under a third-party prefix in THIRD_PARTY; a new named URL that is in
neither fails `test_every_named_url_is_classified`, so whoever adds a page also says who may open
it.

Outcomes: 200; LOGIN (302 to the login page); 403; 404; 401 (API and xAPI without credentials);
OK (allowed past the permission checks: any 2xx/3xx that is not the login page, or a 400/409 of
the form or the service for a deliberately empty POST); REDIRECT (302 elsewhere than the login)."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.proof.world import World, build

LOGIN, OK, REDIRECT = "login", "ok", "redirect"
PERSONAS = ["learner", "other_learner", "lead", "other_lead", "dispatcher_token", "editor", "anonymous"]


def _who(*, learner=None, other_learner=None, lead=None, other_lead=None, dispatcher_token=None, editor=None,
         anonymous=None, staff=None, signed_in=None, everyone=None):
    """Build an expectation row: `staff` sets the four staff personas, `signed_in` those and the
    editor, `everyone` all seven; explicit personas override."""
    row = {p: everyone for p in PERSONAS}
    if signed_in is not None:
        row.update({p: signed_in for p in ("learner", "other_learner", "lead", "other_lead", "editor")})
    if staff is not None:
        row.update({p: staff for p in ("learner", "other_learner", "lead", "other_lead")})
    for name, value in dict(learner=learner, other_learner=other_learner, lead=lead, other_lead=other_lead,
                            dispatcher_token=dispatcher_token, editor=editor, anonymous=anonymous).items():
        if value is not None:
            row[name] = value
    if everyone is None:
        row["dispatcher_token"] = row["dispatcher_token"] or LOGIN
        row["anonymous"] = row["anonymous"] or LOGIN
    missing = [p for p, v in row.items() if v is None]
    assert not missing, missing
    return row


def _lead_only(*, lead=200, other_lead=None):
    return _who(learner=403, other_learner=403, lead=lead, other_lead=other_lead or lead, editor=403)


API = dict(learner=401, other_learner=401, lead=401, other_lead=401, editor=401, anonymous=401)

# name: (method, kwargs(world) or None, expectations, body for POST or None)
MATRIX = {
    "home": ("get", None, _who(signed_in=200), None),
    "login": ("get", None, _who(everyone=200), None),
    "favicon": ("get", None, _who(everyone=REDIRECT), None),
    "logout": ("post", None, _who(everyone=LOGIN), None),
    "password_change": ("get", None, _who(signed_in=200), None),
    "password_change_done": ("get", None, _who(signed_in=200), None),
    "password_reset": ("get", None, _who(everyone=200), None),
    "password_reset_done": ("get", None, _who(everyone=200), None),
    "password_reset_confirm": ("get", lambda w: {"uidb64": "MQ", "token": "bad-token"}, _who(everyone=200), None),
    "password_reset_complete": ("get", None, _who(everyone=200), None),
    "set_language": ("post", None, _who(everyone=REDIRECT), {"language": "en", "next": "/"}),
    "notifications": ("get", None, _who(signed_in=200), None),
    "wagtaildocs_serve": ("get", lambda w: None, _who(everyone=404), None),
    "wagtaildocs_authenticate_with_password": ("post", lambda w: {"restriction_id": 999999}, _who(everyone=404), {}),
    # skills
    "skills:my_skills": ("get", None, _who(signed_in=200), None),
    "skills:self_assess": ("get", None, _who(staff=200, editor=403), None),
    "skills:team": ("get", None, _lead_only(), None),
    "skills:team_export": ("get", None, _lead_only(), None),
    "skills:coverage": ("get", None, _lead_only(), None),
    "skills:validation_queue": ("get", None, _lead_only(), None),
    "skills:validation_decide": ("post", lambda w: {"assessment_id": w.self_assessment.pk},
                                 _lead_only(lead=OK, other_lead=404), {}),
    "skills:staff_detail": ("get", lambda w: {"employee_id": w.learner.employee_id},
                            _who(learner=REDIRECT, other_learner=404, lead=200, other_lead=404, editor=404), None),
    "skills:record_evidence": ("post", lambda w: {"employee_id": w.learner.employee_id},
                               _who(learner=403, other_learner=404, lead=OK, other_lead=404, editor=404), {}),
    "skills:revoke_evidence": ("post", lambda w: {"employee_id": w.learner.employee_id, "evidence_id": w.evidence.pk},
                               _who(learner=403, other_learner=404, lead=OK, other_lead=404, editor=404), {}),
    # courses
    "courses:my_learning": ("get", None, _who(signed_in=200), None),
    "courses:enrol": ("post", lambda w: {"course_id": w.course.pk}, _who(staff=OK, editor=403), {}),
    "courses:leave": ("post", lambda w: {"course_id": w.course.pk}, _who(staff=OK, editor=403), {}),
    "courses:resume": ("get", lambda w: {"course_id": w.course.pk}, _who(signed_in=REDIRECT), None),
    "courses:lesson_complete": ("post", lambda w: {"lesson_id": w.lesson.pk},
                                _who(learner=OK, other_learner=403, lead=403, other_lead=403, editor=403), {}),
    # paths (lead pages on Marc's path: Sophie leads another team)
    "paths:team_paths": ("get", None, _lead_only(), None),
    "paths:path_create": ("get", None, _lead_only(), None),
    "paths:team_export": ("get", None, _lead_only(), None),
    "paths:gap_close": ("post", None, _lead_only(lead=OK), {}),
    "paths:path_detail": ("get", lambda w: {"path_id": w.path.pk}, _lead_only(lead=200, other_lead=200), None),
    "paths:path_edit": ("get", lambda w: {"path_id": w.path.pk}, _lead_only(lead=200, other_lead=403), None),
    # Paths are shared among leads (any lead may read and assign one); only the author edits it.
    "paths:step_add": ("post", lambda w: {"path_id": w.path.pk}, _lead_only(lead=OK, other_lead=403),
                       lambda w: {"kind": "exam", "exam": w.exam.pk, "required": "on"}),
    "paths:step_remove": ("post", lambda w: {"path_id": w.path.pk, "step_id": w.step.pk},
                          _lead_only(lead=OK, other_lead=403), {}),
    "paths:step_move": ("post", lambda w: {"path_id": w.path.pk, "step_id": w.step.pk},
                        _lead_only(lead=OK, other_lead=403), {"offset": "1"}),
    "paths:path_assign": ("post", lambda w: {"path_id": w.path.pk}, _lead_only(lead=OK, other_lead=OK), {}),
    "paths:rule_deactivate": ("post", lambda w: {"rule_id": w.rule.pk}, _lead_only(lead=OK, other_lead=403), {}),
    "paths:assignment_detail": ("get", lambda w: {"assignment_id": w.assignment.pk},
                                _lead_only(lead=200, other_lead=404), None),
    "paths:assignment_withdraw": ("post", lambda w: {"assignment_id": w.assignment.pk},
                                  _lead_only(lead=OK, other_lead=404), {}),
    "paths:my_paths": ("get", None, _who(signed_in=200), None),
    "paths:my_path": ("get", lambda w: {"assignment_id": w.assignment.pk},
                      _who(learner=200, other_learner=404, lead=404, other_lead=404, editor=403), None),
    # assessments
    "assessments:exam_list": ("get", None, _who(staff=200, editor=403), None),
    "assessments:exam_detail": ("get", lambda w: {"slug": w.exam.slug}, _who(staff=200, editor=403), None),
    "assessments:attempt_start": ("post", lambda w: {"slug": w.exam.slug}, _who(staff=OK, editor=403), {}),
    "assessments:attempt_take": ("get", lambda w: {"pk": w.open_attempt.pk}, _who(learner=200, staff=403, editor=403)
                                 | {"learner": 200}, None),
    "assessments:attempt_answer": ("post", lambda w: {"pk": w.open_attempt.pk},
                                   _who(staff=403, editor=403) | {"learner": OK}, {}),
    "assessments:attempt_state": ("get", lambda w: {"pk": w.open_attempt.pk},
                                  _who(staff=403, editor=403) | {"learner": 200}, None),
    "assessments:attempt_result": ("get", lambda w: {"pk": w.done_attempt.pk},
                                   _who(learner=200, other_learner=403, lead=200, other_lead=403, editor=403), None),
    "assessments:my_certifications": ("get", None, _who(staff=200, editor=403), None),
    # Open to everyone signed in, listing only the people they may see (a learner: herself).
    "assessments:team_certifications": ("get", None, _who(signed_in=200), None),
    "assessments:verify_form": ("get", None, _who(everyone=200), None),
    "assessments:verify": ("get", lambda w: {"code": w.award.code}, _who(everyone=200), None),
    "assessments:certification_claim": ("post", lambda w: {"code": "GPO-CERT"}, _who(staff=OK, editor=403), {}),
    "assessments:award_pdf": ("get", lambda w: {"code": w.award.code},
                              _who(learner=200, other_learner=403, lead=200, other_lead=403, editor=403), None),
    # An Open Badge is a public credential, verifiable by anyone like the verification page.
    "assessments:badge": ("get", lambda w: {"code": w.award.code}, _who(everyone=200), None),
    # The same credential signed (VC-JWT), and the public keys that verify it: public too.
    "assessments:badge_jwt": ("get", lambda w: {"code": w.award.code}, _who(everyone=200), None),
    "assessments:badge_keys": ("get", None, _who(everyone=200), None),
    "assessments:award_revoke": ("get", lambda w: {"code": w.award.code}, _who(signed_in=403), None),
    # routing bridge: the API answers the token only; the pages are for dispatchers and leads
    "routing_bridge:bridge_api:openapi-json": ("get", None, _who(everyone=200), None),
    "routing_bridge:bridge_api:openapi-view": ("get", None, _who(everyone=200), None),
    "routing_bridge:bridge_api:api-root": ("get", None, _who(everyone=404), None),
    "routing_bridge:bridge_api:taxonomy": ("get", None, _who(dispatcher_token=200, **API), None),
    "routing_bridge:bridge_api:staff_list": ("get", None, _who(dispatcher_token=200, **API), None),
    "routing_bridge:bridge_api:staff_detail": ("get", lambda w: {"employee_id": w.learner.employee_id},
                                               _who(dispatcher_token=200, **API), None),
    "routing_bridge:bridge_api:changes": ("get", None, _who(dispatcher_token=200, **API), None),
    "routing_bridge:bridge_api:qualified": ("json", None, _who(dispatcher_token=200, **API),
                                            {"required": [{"skill": "AD.GPO", "min_level": 1}]}),
    "routing_bridge:bridge_api:route": ("json", None, _who(dispatcher_token=404, **API),
                                        {"ticket": {"id": "T-1", "category": "Catégorie inconnue"}}),
    "routing_bridge:bridge_api:feedback": ("json", None, _who(dispatcher_token=422, **API), {}),
    "routing_bridge:qualified": ("get", None, _lead_only(), None),
    "routing_bridge:shift_left": ("get", None, _lead_only(), None),
    "xapi:statements": ("get", None, _who(signed_in=200, dispatcher_token=401, anonymous=401), None),
    # the Wagtail site (the catalogue under /formations/)
    "wagtail_serve": ("get", None, _who(signed_in=200), None),
    "wagtailcore_login": ("get", None, _who(everyone=200), None),  # the login form of private pages
    "wagtailcore_authenticate_with_password": ("post", lambda w: {"page_view_restriction_id": 999999,
                                                                   "page_id": w.course.pk}, _who(everyone=404), {}),
}

# Third-party URL groups, checked through one representative URL each.
THIRD_PARTY = {
    # Leads use the admin for their paths and taxonomy screens; learners are sent to its login.
    "admin/": ("wagtailadmin_home", _who(learner=LOGIN, other_learner=LOGIN, lead=200, other_lead=200,
                                          editor=200, dispatcher_token=LOGIN, anonymous=LOGIN)),
    "django-admin/": ("admin:index", _who(learner=LOGIN, other_learner=LOGIN, lead=LOGIN, other_lead=LOGIN,
                                          editor=200, dispatcher_token=LOGIN, anonymous=LOGIN)),
}
UNNAMED_ALLOWED = {"^api/bridge/v1/(?P<rest>.*)$"}  # the JSON 404 of the API


def _named_urls():
    """(route, name) of every URL pattern, walking includes."""
    def walk(patterns, prefix="", ns=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns + (f"{p.namespace}:" if p.namespace else ""))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), (ns + p.name) if p.name else None
    return list(walk(get_resolver().url_patterns))


def test_every_named_url_is_classified():
    unclassified, unnamed = [], []
    for route, name in _named_urls():
        if any(route.startswith(prefix) for prefix in THIRD_PARTY):
            continue
        if name is None:
            if route not in UNNAMED_ALLOWED:
                unnamed.append(route)
            continue
        if name not in MATRIX:
            unclassified.append(f"{name} ({route})")
    assert not unclassified, "URLs with no line in the permission matrix: " + ", ".join(unclassified)
    assert not unnamed, "unnamed URLs (name them and classify them): " + ", ".join(unnamed)
    known = {name for _, name in _named_urls()}
    stale = sorted(set(MATRIX) - known)
    assert not stale, f"matrix lines for URLs that no longer exist: {stale}"


@pytest.fixture
def world(learner, outsider, lead, other_lead) -> World:
    return build(learner=learner, outsider=outsider, lead=lead, other_lead=other_lead)


def _client(world: World, persona: str) -> Client:
    user = {"learner": world.learner.user, "other_learner": world.outsider.user, "lead": world.lead.user,
            "other_lead": world.other_lead.user, "editor": world.editor}.get(persona)
    if persona == "dispatcher_token":
        return Client(HTTP_AUTHORIZATION=f"Bearer {world.token}")
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _outcome(response) -> str | int:
    location = response.get("Location", "")
    if response.status_code in (301, 302, 303):
        if "/login/" in location or "/accounts/login" in location:
            return LOGIN
        return REDIRECT
    return response.status_code


def _matches(expected, response) -> bool:
    got = _outcome(response)
    if expected == OK:
        return got not in (LOGIN, 401, 403, 404, 405) and response.status_code < 500
    return got == expected


def _request(client: Client, method: str, url: str, body):
    if method == "get":
        return client.get(url)
    if method == "json":
        return client.post(url, body, content_type="application/json")
    return client.post(url, body or {})


def _url(name: str, kwargs_of, world: World) -> str:
    if name == "wagtaildocs_serve":
        return "/documents/999999/absent.pdf"
    if name == "wagtail_serve":
        return "/formations/"
    kwargs = kwargs_of(world) if kwargs_of else None
    return reverse(name, kwargs=kwargs) if kwargs else reverse(name)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_url_answers_each_persona_as_the_matrix_says(name, world):
    method, kwargs_of, expected, body = MATRIX[name]
    if name.startswith("paths:") and world.path is None:
        pytest.fail("courses.paths services are missing")
    url = _url(name, kwargs_of, world)
    body = body(world) if callable(body) else body
    wrong = []
    # Those allowed to change things go last, so that a refused request meets the object intact.
    for persona in sorted(PERSONAS, key=lambda p: p in ("lead", "learner")):
        response = _request(_client(world, persona), method, url, body)
        if not _matches(expected[persona], response):
            wrong.append(f"{persona}: expected {expected[persona]}, got {_outcome(response)} "
                         f"({response.get('Location', '')})")
    assert not wrong, f"{method.upper()} {url}\n  " + "\n  ".join(wrong)


@pytest.mark.parametrize("prefix", sorted(THIRD_PARTY))
def test_third_party_areas_are_closed_to_who_has_no_business_there(prefix, world):
    name, expected = THIRD_PARTY[prefix]
    url = reverse(name)
    wrong = []
    for persona in PERSONAS:
        response = _client(world, persona).get(url)
        if not _matches(expected[persona], response):
            wrong.append(f"{persona}: expected {expected[persona]}, got {_outcome(response)}")
    assert not wrong, f"GET {url}\n  " + "\n  ".join(wrong)


def test_the_team_certifications_page_shows_no_one_outside_the_viewers_teams(world):
    olivier = _client(world, "other_learner").get(reverse("assessments:team_certifications")).content.decode()
    marc = _client(world, "lead").get(reverse("assessments:team_certifications")).content.decode()
    sophie = _client(world, "other_lead").get(reverse("assessments:team_certifications")).content.decode()
    assert "Léa" in marc
    assert "Léa" not in olivier and "Léa" not in sophie


def test_another_lead_reads_a_shared_path_but_sees_none_of_the_other_team(world):
    page = _client(world, "other_lead").get(reverse("paths:path_detail", args=[world.path.pk])).content.decode()
    assert "Parcours GPO" in page
    assert "Léa" not in page
