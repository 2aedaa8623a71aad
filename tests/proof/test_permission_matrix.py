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


def _kb_path(page) -> str:
    """A knowledge page's path below the knowledge base's index (knowledge:serve's argument)."""
    from knowledge.models import KnowledgeIndexPage

    return page.url_path[len(KnowledgeIndexPage.objects.get().url_path):]


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
    "assessments:attempt_submit": ("get", lambda w: {"pk": w.open_attempt.pk},
                                   _who(staff=403, editor=403) | {"learner": 200}, None),
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
    # GET and PUT availability: one URL under two names; a GET answers both (the PUT's scope is
    # checked in tests/routing_bridge/test_availability.py).
    "routing_bridge:bridge_api:availability_get": ("get", None, _who(dispatcher_token=200, **API), None),
    "routing_bridge:bridge_api:availability_put": ("get", None, _who(dispatcher_token=200, **API), None),
    "routing_bridge:bridge_api:clients": ("get", None, _who(dispatcher_token=200, **API), None),
    "routing_bridge:bridge_api:procedures": ("get", None, _who(dispatcher_token=200, **API), None),
    "routing_bridge:qualified": ("get", None, _lead_only(), None),
    # The client pages: dispatchers, leads and admins (and the client's referent and backups).
    "routing_bridge:client_list": ("get", None, _lead_only(), None),
    "routing_bridge:client_detail": ("get", lambda w: {"code": w.admin_objects["academy.client"].code},
                                     _lead_only(), None),
    "routing_bridge:shift_left": ("get", None, _lead_only(), None),
    # The ticketing connectors' state: dispatchers, leads and admins.
    "routing_bridge:connector_list": ("get", None, _lead_only(), None),
    "routing_bridge:connector_detail": ("get", lambda w: {"pk": w.admin_objects["routing_bridge.connector"].pk},
                                        _lead_only(), None),
    # The knowledge base: every signed-in member of staff reads it, client-restricted documents
    # included (docs/knowledge.md: restricted documents are listed only for their client's tickets).
    "knowledge:index": ("get", None, _who(signed_in=200), None),
    "knowledge:search": ("get", None, _who(signed_in=200), None),
    "knowledge:serve": ("get", lambda w: {"path": _kb_path(w.admin_objects["knowledge.procedure"])},
                        _who(signed_in=200), None),
    "xapi:statements": ("get", None, _who(signed_in=200, dispatcher_token=401, anonymous=401), None),
    # the Wagtail site (the catalogue under /formations/)
    "wagtail_serve": ("get", None, _who(signed_in=200), None),
    "wagtailcore_login": ("get", None, _who(everyone=200), None),  # the login form of private pages
    "wagtailcore_authenticate_with_password": ("post", lambda w: {"page_view_restriction_id": 999999,
                                                                   "page_id": w.course.pk}, _who(everyone=404), {}),
}

# Third-party URL groups, checked through one representative URL each.
THIRD_PARTY = {
    # Leads use the admin for their staff, the taxonomy and the matrix export; learners are sent to
    # its login. Every view of the project's models there is checked by ADMIN_MODELS below.
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
            "other_lead": world.other_lead.user, "editor": world.editor, "admin": world.admin}.get(persona)
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


# --- the Wagtail admin ---------------------------------------------------------------------------
#
# Every model registered in the admin (a snippet viewset) has a line in ADMIN_MODELS saying what
# each persona may do with it there, and every other admin URL of the project a line in
# ADMIN_PAGES; `test_every_admin_view_of_the_project_is_classified` fails for one that has none.
# Each model line is checked on one row of the world (`World.admin_objects`): listing, search
# results, add, inspect, edit and delete (GET, and POST for those who may not), history and usage
# (Wagtail shows them to those who may change), copy and the chooser (which Wagtail opens to anyone
# let into the admin unless told otherwise). A row one may not open is refused or not found.
#
# Access: a string of the actions allowed — v(iew), a(dd), c(hange), d(elete); "" none of them;
# HIDDEN: sees the listing but not this row (another team's); NO_ADMIN: sent to the login page.

HIDDEN, NO_ADMIN, DENIED = "h", "-", "denied"
ADMIN_PERSONAS = ["learner", "other_learner", "lead", "other_lead", "editor", "admin", "anonymous"]


def _admin(*, lead="", other_lead=None, editor="", admin="vacd"):
    return {"learner": NO_ADMIN, "other_learner": NO_ADMIN, "anonymous": NO_ADMIN, "lead": lead,
            "other_lead": lead if other_lead is None else other_lead, "editor": editor, "admin": admin}


ADMIN_MODELS = {
    # Staff are deactivated, never deleted; a lead browses the people of the teams they lead.
    "academy.staff": _admin(lead="v", other_lead=HIDDEN, admin="vac"),
    "academy.team": _admin(lead="v", other_lead=HIDDEN),
    # Client companies are deactivated, never deleted (ticket feedback names them); leads read them.
    "academy.client": _admin(lead="v", admin="vac"),
    "skills.skill": _admin(lead="v", editor="v"),
    "skills.domain": _admin(lead="v", editor="v"),
    "skills.roleprofile": _admin(),
    "skills.proficiencylevel": _admin(),
    "assessments.question": _admin(editor="vacd"),
    "assessments.exam": _admin(editor="vacd"),
    "assessments.certification": _admin(editor="vacd"),
    # Written through services only: admins read them here and change them on /equipe/parcours/.
    "paths.trainingpath": _admin(admin="v"),
    "paths.pathrule": _admin(admin="v"),
    "paths.pathassignment": _admin(admin="v"),
    "xapi.lrsendpoint": _admin(),
    "xapi.apiclient": _admin(),
    "routing_bridge.routerclient": _admin(),
    "routing_bridge.categoryrule": _admin(),
    # Logs written by the bridge.
    "routing_bridge.webhookdelivery": _admin(admin="v"),
    "routing_bridge.ticketfeedback": _admin(admin="v"),
    # Reports written by the routers: a lead reads those of the teams they lead.
    "routing_bridge.availability": _admin(lead="v", other_lead=HIDDEN, admin="v"),
    # Ticketing connectors (their secrets): admins only; what they routed, read-only.
    "routing_bridge.connector": _admin(),
    "routing_bridge.routedticket": _admin(admin="v"),
}


def _page(*, lead=DENIED, other_lead=None, editor=DENIED, admin=200):
    return {"learner": LOGIN, "other_learner": LOGIN, "anonymous": LOGIN, "lead": lead,
            "other_lead": lead if other_lead is None else other_lead, "editor": editor, "admin": admin}


def _snippet(label: str, view: str) -> str:
    app, model = label.split(".")
    return f"wagtailsnippets_{app}_{model}:{view}"


# The project's other admin URLs: name: (method, kwargs(world) or None, expectations).
ADMIN_PAGES = {
    "academy_staff_import": ("get", None, _page()),
    "academy_staff_deactivate": ("get", lambda w: {"pk": w.learner.pk}, _page()),
    "academy_staff_reactivate": ("get", lambda w: {"pk": w.learner.pk}, _page()),
    "academy_login_locks": ("get", None, _page()),
    "academy_clients_import": ("get", None, _page()),
    "academy_clients_export": ("get", None, _page(lead=200)),
    "assessments_item_analysis": ("get", None, _page(editor=200)),
    "assessments_questions_import": ("get", None, _page(editor=200)),
    "assessments_questions_export": ("get", None, _page(editor=200)),
    "skills-transfer:index": ("get", None, _page(lead=200)),
    _snippet("xapi.lrsendpoint", "status"): ("get", lambda w: {"pk": w.admin_objects["xapi.lrsendpoint"].pk}, _page()),
    _snippet("xapi.lrsendpoint", "forward"): ("get", lambda w: {"pk": w.admin_objects["xapi.lrsendpoint"].pk},
                                              _page(admin=405)),
    _snippet("xapi.lrsendpoint", "retry_all"): ("get", lambda w: {"pk": w.admin_objects["xapi.lrsendpoint"].pk},
                                                _page(admin=405)),
    _snippet("xapi.lrsendpoint", "retry"): ("get", lambda w: {"pk": 999999}, _page(admin=405)),
    _snippet("routing_bridge.routerclient", "revoke"): (
        "get", lambda w: {"pk": w.admin_objects["routing_bridge.routerclient"].pk}, _page()),
    _snippet("routing_bridge.routerclient", "replay"): (
        "get", lambda w: {"pk": w.admin_objects["routing_bridge.routerclient"].pk}, _page()),
    _snippet("routing_bridge.webhookdelivery", "replay"): (
        "get", lambda w: {"pk": w.admin_objects["routing_bridge.webhookdelivery"].pk}, _page()),
    _snippet("routing_bridge.categoryrule", "import"): ("get", None, _page()),
    _snippet("routing_bridge.categoryrule", "export"): ("get", None, _page()),
}

# The views every snippet viewset has, checked per model by `test_each_admin_model_...`.
SNIPPET_VIEWS = {"list", "list_results", "add", "edit", "delete", "usage", "history", "history_results", "copy",
                 "inspect"}
CHOOSER_VIEWS = {"choose", "choose_results", "chosen", "chosen_multiple", "create"}
PROJECT_APPS = ("academy", "skills", "assessments", "courses", "knowledge", "routing_bridge")


def _project_admin_urls() -> set[str]:
    """Names of the admin URLs the project adds (its snippets, their choosers, its own views)."""
    from wagtail.snippets.models import get_snippet_models

    ours = {m._meta.label_lower for m in get_snippet_models() if m.__module__.startswith(PROJECT_APPS)}
    prefixes = tuple(f"wagtailsnippet{kind}_{label.replace('.', '_')}:" for label in ours
                     for kind in ("s", "choosers"))
    names = set()
    for route, name in _named_urls():
        if not route.startswith("admin/") or name is None:
            continue
        if name.startswith(prefixes) or not name.startswith(("wagtail", "django")):
            names.add(name)
    return names


def test_every_admin_view_of_the_project_is_classified():
    from wagtail.snippets.models import get_snippet_models

    registered = {m._meta.label_lower for m in get_snippet_models()}
    assert registered == set(ADMIN_MODELS), (
        f"models in the admin with no line in ADMIN_MODELS: {sorted(registered - set(ADMIN_MODELS))}; "
        f"lines for models no longer there: {sorted(set(ADMIN_MODELS) - registered)}")
    unclassified = []
    for name in _project_admin_urls():
        namespace, _, view = name.rpartition(":")
        model_view = namespace.startswith("wagtailsnippets_") and view in SNIPPET_VIEWS
        chooser_view = namespace.startswith("wagtailsnippetchoosers_") and view in CHOOSER_VIEWS
        if not (model_view or chooser_view or name in ADMIN_PAGES):
            unclassified.append(name)
    assert not unclassified, "admin URLs with no line in ADMIN_PAGES: " + ", ".join(sorted(unclassified))
    stale = sorted(set(ADMIN_PAGES) - {name for _, name in _named_urls()})
    assert not stale, f"ADMIN_PAGES lines for URLs that no longer exist: {stale}"


def _refused(response) -> bool:
    """Wagtail refuses with a 403, or a redirect to the admin's home page with a message."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


def _admin_matches(expected, response) -> bool:
    if expected == DENIED:
        return _refused(response)
    return _matches(expected, response)


def _snapshot(obj) -> dict | None:
    from django.forms.models import model_to_dict

    fresh = type(obj)._default_manager.filter(pk=obj.pk).first()
    return None if fresh is None else {k: str(v) for k, v in model_to_dict(fresh).items()}


@pytest.mark.parametrize("label", sorted(ADMIN_MODELS))
def test_each_admin_model_answers_each_persona_as_the_matrix_says(label, world):
    from django.apps import apps
    from django.utils.html import escape

    model = apps.get_model(label)
    viewset = model.snippet_viewset
    obj = world.admin_objects[label]
    shown = escape(str(obj))
    access = ADMIN_MODELS[label]
    names = {name.rpartition(":")[2] for name in _project_admin_urls()
             if name.startswith((viewset.get_admin_url_namespace() + ":",
                                 viewset.get_chooser_admin_url_namespace() + ":"))}
    wrong = []

    def check(persona, method, view, expected, *, chooser=False, body=None, query="", absent=False):
        namespace = viewset.get_chooser_admin_url_namespace() if chooser else viewset.get_admin_url_namespace()
        if view not in names:
            return None
        kwargs = {"pk": obj.pk} if view in ("edit", "delete", "usage", "history", "history_results", "copy",
                                              "inspect", "chosen") else {}
        url = reverse(f"{namespace}:{view}", kwargs=kwargs) + query
        client = _client(world, persona)
        response = client.post(url, body or {}) if method == "post" else client.get(url)
        ok = _admin_matches(expected, response) if not isinstance(expected, tuple) else any(
            _admin_matches(e, response) for e in expected)
        if ok and absent and shown in response.content.decode():
            ok, expected = False, f"{expected} without {shown}"
        if not ok:
            wrong.append(f"{persona}: {method.upper()} {url} expected {expected}, got {_outcome(response)} "
                         f"({response.get('Location', '')})")
        return response

    # Those allowed to change things go last, so that a refused request meets the row intact.
    for persona in sorted(ADMIN_PERSONAS, key=lambda p: p == "admin"):
        rights = access[persona]
        if rights == NO_ADMIN:
            for view in ("list", "add", "edit", "delete", "history", "inspect"):
                check(persona, "get", view, LOGIN)
            check(persona, "get", "choose", LOGIN, chooser=True)
            continue
        hidden = rights == HIDDEN
        sees = hidden or "v" in rights
        # listing, and the search results it loads
        for view in ("list", "list_results"):
            response = check(persona, "get", view, 200 if sees else DENIED, absent=hidden)
            if response is not None and "v" in rights and HIDDEN in access.values():
                if shown not in response.content.decode():  # the hidden check above means something
                    wrong.append(f"{persona}: {view} does not list {shown}")
        check(persona, "get", "add", 200 if "a" in rights else DENIED)
        refused = (404, DENIED)  # a row one may not open: not found, or refused

        def one(action):
            return 200 if action in rights else refused

        check(persona, "get", "inspect", one("v"), absent=hidden)
        for view in ("history", "history_results", "usage"):
            check(persona, "get", view, one("c"), absent=hidden)
        check(persona, "get", "copy", 200 if "a" in rights and "v" in rights else refused, absent=hidden)
        # chooser: the modal and its results (without the hidden row), the row chosen (JSON)
        for view in ("choose", "choose_results"):
            check(persona, "get", view, 200 if sees else DENIED, chooser=True, absent=hidden)
        check(persona, "get", "chosen", one("v"), chooser=True, absent=hidden)
        check(persona, "get", "chosen_multiple", one("v"), chooser=True, query=f"?id={obj.pk}", absent=hidden)
        if "a" not in rights:
            check(persona, "post", "create", DENIED, chooser=True)
        # change and delete: allowed ones open the form; the others change nothing
        if "c" in rights:
            check(persona, "get", "edit", 200)
        else:
            before = _snapshot(obj)
            check(persona, "get", "edit", refused, absent=hidden)
            check(persona, "post", "edit", refused)
            if _snapshot(obj) != before:
                wrong.append(f"{persona}: POST edit changed {label} {obj.pk}")
        if "d" in rights:
            check(persona, "get", "delete", 200)
        else:
            check(persona, "get", "delete", refused, absent=hidden)
            check(persona, "post", "delete", refused)
            if _snapshot(obj) is None:
                wrong.append(f"{persona}: POST delete deleted {label} {obj.pk}")
                break
    assert not wrong, f"{label}\n  " + "\n  ".join(wrong)


@pytest.mark.parametrize("name", sorted(ADMIN_PAGES))
def test_each_admin_page_answers_each_persona_as_the_matrix_says(name, world):
    method, kwargs_of, expected = ADMIN_PAGES[name]
    url = reverse(name, kwargs=kwargs_of(world) if kwargs_of else None)
    wrong = []
    for persona in ADMIN_PERSONAS:
        response = _request(_client(world, persona), method, url, None)
        if not _admin_matches(expected[persona], response):
            wrong.append(f"{persona}: expected {expected[persona]}, got {_outcome(response)} "
                         f"({response.get('Location', '')})")
    assert not wrong, f"{method.upper()} {url}\n  " + "\n  ".join(wrong)
