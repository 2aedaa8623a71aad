"""GET /xapi/statements: the xAPI Statements resource semantics and who sees what (Léa sees her
own, Marc his team, Sophie and Olivier nothing of Léa's, admins and API clients everything)."""
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from ralph.models.xapi.base.statements import BaseXapiStatement

from learning_records.learning_events import Activity, Result, learning_event_record
from learning_records.models import Statement
from learning_records.services import api_client_create

URL = "/xapi/statements"
COURSE = Activity("course", "ad-101", {"fr": "Active Directory", "en": "Active Directory (EN)"})
LESSON = Activity("lesson", "gpo", {"fr": "Les GPO", "en": "GPOs"})
REGISTRATION = uuid.UUID("0b7c3c55-6a0e-4f77-9d1a-5a1b1d2c3e4f")


def _record(staff, verb="experienced", activity=LESSON, **kwargs):
    kwargs.setdefault("parent", COURSE if activity is not COURSE else None)
    return learning_event_record(staff=staff, verb=verb, activity=activity, **kwargs)


@pytest.fixture
def history(learner, lead, outsider):
    """Léa launched and followed a course, Marc (her lead, same team) passed an exam, Olivier
    (another team) completed a course."""
    return {
        "lea_launch": _record(learner, "launched", COURSE, registration=REGISTRATION),
        "lea_lesson": _record(learner, "experienced", LESSON, registration=REGISTRATION),
        "marc_passed": _record(lead, "passed", Activity("assessment", "x1", {"fr": "Examen"}),
                               result=Result(score_raw=9, score_min=0, score_max=10)),
        "olivier_done": _record(outsider, "completed", COURSE),
    }


def _get(client, params=None, **extra):
    return client.get(URL + ("?" + urlencode(params) if params else ""), **extra)


def _ids(response):
    assert response.status_code == 200, response.content
    return [statement["id"] for statement in response.json()["statements"]]


def _basic(username, password):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def test_the_url_is_named():
    assert reverse("xapi:statements") == URL


def test_lea_sees_only_her_own_statements_newest_first(client, learner, history):
    client.force_login(learner.user)

    response = _get(client)

    assert _ids(response) == [str(history["lea_lesson"].pk), str(history["lea_launch"].pk)]
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert response["X-Experience-API-Consistent-Through"]
    assert response.json()["more"] == ""
    for statement in response.json()["statements"]:
        BaseXapiStatement.model_validate(statement)
        assert statement["stored"] and statement["authority"]["account"]["name"] == "academie"


def test_marc_sees_his_team_but_not_the_other_team(client, lead, history):
    client.force_login(lead.user)

    assert set(_ids(_get(client))) == {str(history[k].pk) for k in ("lea_launch", "lea_lesson", "marc_passed")}


def test_sophie_and_olivier_see_nothing_of_lea(client, other_lead, outsider, learner, history):
    lea = json.dumps({"account": {"homePage": "http://testserver", "name": learner.employee_id}})
    for person in (other_lead, outsider):
        client.force_login(person.user)
        assert _ids(_get(client, {"agent": lea})) == []
        assert _get(client, {"statementId": str(history["lea_launch"].pk)}).status_code == 404
    client.force_login(other_lead.user)
    assert _ids(_get(client)) == [str(history["olivier_done"].pk)]


def test_an_admin_sees_everything(client, admin_user, history):
    client.force_login(admin_user)
    assert len(_ids(_get(client))) == 4


def test_a_basic_auth_api_client_sees_everything_and_a_wrong_secret_is_refused(client, history):
    api_client, secret = api_client_create(name="Entrepôt de données", username="dwh")

    assert len(_ids(_get(client, **_basic("dwh", secret)))) == 4
    response = _get(client, **_basic("dwh", "wrong"))
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")
    api_client.refresh_from_db()
    assert api_client.last_used_at is not None
    assert secret not in api_client.secret_hash


def test_a_user_account_over_basic_auth_sees_what_the_user_sees(client, learner, history):
    assert len(_ids(_get(client, **_basic("lea", "academie")))) == 2
    assert _get(client, **_basic("lea", "nope")).status_code == 401


def test_without_credentials_it_answers_401_with_the_xapi_header(client, history):
    response = _get(client)
    assert response.status_code == 401
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert "Authentification requise" in response.json()["detail"]


def test_only_get_is_supported(client, admin_user):
    client.force_login(admin_user)
    response = client.post(URL, data="[]", content_type="application/json")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"


def test_statement_id_returns_the_statement_itself(client, admin_user, history):
    client.force_login(admin_user)
    target = history["marc_passed"]

    response = _get(client, {"statementId": str(target.pk)})

    assert response.status_code == 200
    assert response.json()["id"] == str(target.pk)
    assert response.json()["result"]["score"]["scaled"] == 0.9


def test_filters_agent_verb_activity_registration(client, admin_user, learner, history):
    client.force_login(admin_user)
    lea = {"account": {"homePage": "http://testserver", "name": learner.employee_id}}

    assert len(_ids(_get(client, {"agent": json.dumps(lea)}))) == 2
    assert _ids(_get(client, {"agent": json.dumps({"mbox": "mailto:lea@example.test"})})) == \
        _ids(_get(client, {"agent": json.dumps(lea)}))
    assert _ids(_get(client, {"agent": json.dumps({"account": {"homePage": "https://elsewhere.example",
                                                              "name": learner.employee_id}})})) == []
    assert _ids(_get(client, {"verb": "http://adlnet.gov/expapi/verbs/launched"})) == [str(history["lea_launch"].pk)]
    course = "http://testserver/xapi/activities/course/ad-101"
    assert set(_ids(_get(client, {"activity": course}))) == {str(history["lea_launch"].pk),
                                                            str(history["olivier_done"].pk)}
    # related_activities also matches the lesson and the exam, whose context names the course as parent.
    assert len(_ids(_get(client, {"activity": course, "related_activities": "true"}))) == 4
    assert set(_ids(_get(client, {"registration": str(REGISTRATION)}))) == {
        str(history["lea_launch"].pk), str(history["lea_lesson"].pk)}


def test_since_and_until_select_by_stored_time(client, admin_user, history):
    client.force_login(admin_user)
    base = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    for offset, key in enumerate(("lea_launch", "lea_lesson", "marc_passed", "olivier_done")):
        Statement.objects.filter(pk=history[key].pk).update(stored=base + timedelta(hours=offset))

    since = _ids(_get(client, {"since": "2026-11-02T09:00:00Z"}))  # exclusive
    until = _ids(_get(client, {"until": "2026-11-02T09:00:00+00:00"}))  # inclusive
    window = _ids(_get(client, {"since": "2026-11-02T08:30:00Z", "until": "2026-11-02T10:00:00Z"}))

    assert since == [str(history["olivier_done"].pk), str(history["marc_passed"].pk)]
    assert until == [str(history["lea_lesson"].pk), str(history["lea_launch"].pk)]
    assert window == [str(history["marc_passed"].pk), str(history["lea_lesson"].pk)]


def test_limit_ascending_and_the_more_link_walk_through_everything_once(client, admin_user, learner, history):
    client.force_login(admin_user)
    for index in range(7):
        _record(learner, activity=Activity("lesson", f"extra{index}", {"fr": "Leçon"}))
    expected = [str(pk) for pk in Statement.objects.order_by("position").values_list("pk", flat=True)]

    seen, url, pages = [], URL + "?limit=3&ascending=true", 0
    while url:
        response = client.get(url)
        body = response.json()
        seen += [statement["id"] for statement in body["statements"]]
        url, pages = body["more"], pages + 1
        assert len(body["statements"]) <= 3

    assert seen == expected and pages == 4
    # A statement recorded while paging newest-first does not shift the pages.
    first = client.get(URL + "?limit=5").json()
    late = _record(learner, activity=Activity("lesson", "late", {"fr": "Arrivée tardive"}))
    rest, url = [], first["more"]
    while url:
        body = client.get(url).json()
        rest += [statement["id"] for statement in body["statements"]]
        url = body["more"]
    newest_first = [s["id"] for s in first["statements"]] + rest
    assert newest_first == list(reversed(expected))
    assert str(late.pk) not in newest_first


def test_formats_ids_and_canonical(client, admin_user, history):
    client.force_login(admin_user)
    pk = str(history["lea_launch"].pk)

    ids = _get(client, {"statementId": pk, "format": "ids"}).json()
    canonical = _get(client, {"statementId": pk, "format": "canonical"}, HTTP_ACCEPT_LANGUAGE="en").json()

    assert ids["object"] == {"objectType": "Activity", "id": "http://testserver/xapi/activities/course/ad-101"}
    assert ids["verb"] == {"id": "http://adlnet.gov/expapi/verbs/launched"}
    assert canonical["object"]["definition"]["name"] == {"en": "Active Directory (EN)"}
    assert canonical["verb"]["display"] == {"en": "launched"}


@pytest.mark.parametrize("params,parameter,message", [
    ({"limit": "-1"}, "limit", "entier"),
    ({"limit": "beaucoup"}, "limit", "entier"),
    ({"since": "hier"}, "since", "ISO 8601"),
    ({"until": "2026-13-45"}, "until", "ISO 8601"),
    ({"since": "2026-11-03T00:00:00Z", "until": "2026-11-02T00:00:00Z"}, "since", "précéder"),
    ({"agent": "lea"}, "agent", "JSON"),
    ({"agent": "[1]"}, "agent", "JSON"),
    ({"agent": '{"name": "Léa"}'}, "agent", "identifiant"),
    ({"verb": "completed"}, "verb", "IRI"),
    ({"activity": "not an iri"}, "activity", "IRI"),
    ({"registration": "123"}, "registration", "UUID"),
    ({"statementId": "nope"}, "statementId", "UUID"),
    ({"statementId": str(uuid.uuid4()), "verb": "http://adlnet.gov/expapi/verbs/launched"}, "statementId",
     "ne se combine"),
    ({"ascending": "yes"}, "ascending", "true ou false"),
    ({"format": "xml"}, "format", "ids, exact ou canonical"),
    ({"cursor": "abc"}, "cursor", "more"),
    ({"colour": "blue"}, "colour", "inconnu"),
])
def test_malformed_parameters_get_a_400_naming_them(client, admin_user, params, parameter, message):
    client.force_login(admin_user)

    response = _get(client, params)

    assert response.status_code == 400
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert response.json()["parameter"] == parameter
    assert message in response.json()["detail"]


def test_an_unknown_statement_id_is_404(client, admin_user, history):
    client.force_login(admin_user)
    assert _get(client, {"statementId": str(uuid.uuid4())}).status_code == 404
    assert _get(client, {"voidedStatementId": str(history["lea_launch"].pk)}).status_code == 404


def test_xapi_client_create_prints_the_secret_once_and_refuses_a_taken_username(client, history, capsys):
    from django.core.management import CommandError, call_command

    call_command("xapi_client_create", "auditeurs", "--name", "Cabinet d'audit")
    secret = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]

    assert len(_ids(_get(client, **_basic("auditeurs", secret)))) == 4
    with pytest.raises(CommandError, match="déjà pris"):
        call_command("xapi_client_create", "auditeurs")
