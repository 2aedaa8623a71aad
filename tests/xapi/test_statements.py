"""Every learning event becomes a valid xAPI 1.0.3 statement (validated here again with Ralph's
models, independently of the service), stored append-only and queued for forwarding."""
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

from learning_records.models import StatementSequence
from learning_records import services
from learning_records.learning_events import ACTIVITY_KINDS, VERBS, Activity, Result, learning_event_record
from learning_records.models import AppendOnlyError, Statement
from learning_records.profile import ACTIVITY_TYPE_IRIS, VERB_IRIS

SITE = "http://testserver"

COURSE = Activity("course", "12", {"fr": "Active Directory : les bases", "en": "Active Directory basics"},
                  {"fr": "Comptes, groupes, GPO"})
LESSON = Activity("lesson", "34", {"fr": "Les GPO"})
DOMAIN = Activity("domain", "AD", {"fr": "Active Directory"})
EXAM = Activity("assessment", "7", {"fr": "Examen AD niveau 2"})
QUESTION = Activity("question", "7-3", {"fr": "Quelle commande force la mise à jour des GPO ?"}, extra={
    "interactionType": "choice",
    "correctResponsesPattern": ["gpupdate"],
    "choices": [{"id": "gpupdate", "description": {"fr": "gpupdate /force"}},
                {"id": "gpresult", "description": {"fr": "gpresult /r"}}],
})
CERTIFICATION = Activity("certification", "AD-N2", {"fr": "Certification Active Directory N2"},
                         extra={"certificate_number": "CERT-2026-0042"})

# Each project event as courses and assessments record it.
EVENTS = [
    ("launched", COURSE, None, None),
    ("experienced", LESSON, COURSE, Result(duration=timedelta(minutes=12, seconds=30))),
    ("completed", LESSON, COURSE, Result(duration=timedelta(hours=1))),
    ("completed", COURSE, None, None),
    ("answered", QUESTION, EXAM, Result(response="gpupdate", success=True, score_raw=1, score_min=0, score_max=1)),
    ("passed", EXAM, COURSE, Result(score_raw=17, score_min=0, score_max=20, duration=timedelta(minutes=25))),
    ("failed", EXAM, COURSE, Result(score_raw=8, score_min=0, score_max=20)),
    ("earned", CERTIFICATION, EXAM, None),
]


def _record(staff, verb, activity, parent=None, result=None, **kwargs):
    return learning_event_record(staff=staff, verb=verb, activity=activity, registration=kwargs.pop(
        "registration", uuid.UUID("5c1e7d0a-3f7e-4c38-9b7b-2f3c1b2a9e10")), parent=parent, grouping=(DOMAIN,),
        result=result, **kwargs)


@pytest.mark.parametrize("verb,activity,parent,result", EVENTS, ids=[f"{e[0]}-{e[1].kind}" for e in EVENTS])
def test_each_learning_event_is_stored_as_a_valid_statement(learner, verb, activity, parent, result):
    stored = _record(learner, verb, activity, parent, result)

    data = Statement.objects.get(pk=stored.pk).data
    BaseXapiStatement.model_validate(data)  # Ralph accepts it
    assert data["id"] == str(stored.pk)
    assert data["version"] == "1.0.3"
    assert data["actor"] == {"objectType": "Agent", "account": {"homePage": SITE, "name": "E10001"}}
    assert data["verb"]["id"] == VERB_IRIS[verb]
    assert data["object"]["id"] == f"{SITE}/xapi/activities/{activity.kind}/{activity.key}"
    assert data["object"]["definition"]["type"] == ACTIVITY_TYPE_IRIS[activity.kind]
    assert data["context"]["platform"] == "Académie"
    assert data["context"]["language"] == "fr"
    assert data["context"]["registration"] == "5c1e7d0a-3f7e-4c38-9b7b-2f3c1b2a9e10"
    grouping = data["context"]["contextActivities"]["grouping"]
    assert grouping[0]["id"] == f"{SITE}/xapi/activities/domain/AD"
    if parent:
        assert data["context"]["contextActivities"]["parent"][0]["id"] == \
            f"{SITE}/xapi/activities/{parent.kind}/{parent.key}"


def test_every_verb_and_every_activity_kind_has_a_profile_entry_and_validates(learner):
    for verb in VERBS:
        for kind in ACTIVITY_KINDS:
            stored = _record(learner, verb, Activity(kind, "k1", {"fr": "Quelque chose", "en": "Something"}))
            BaseXapiStatement.model_validate(stored.data)
            assert stored.data["object"]["definition"]["type"].startswith(("http://", "https://"))
    assert Statement.objects.count() == len(VERBS) * len(ACTIVITY_KINDS)


def test_a_passed_exam_carries_its_score_success_completion_and_iso_duration(learner):
    stored = _record(learner, "passed", EXAM, COURSE,
                     Result(score_raw=17, score_min=0, score_max=20, duration=timedelta(minutes=25, seconds=4.5)))

    assert stored.data["result"] == {
        "score": {"raw": 17, "min": 0, "max": 20, "scaled": 0.85},
        "success": True, "completion": True, "duration": "PT25M4.5S",
    }


def test_a_failed_exam_is_not_a_success_and_a_completion_is_complete(learner):
    failed = _record(learner, "failed", EXAM, result=Result(score_raw=8, score_min=0, score_max=20))
    completed = _record(learner, "completed", COURSE)

    assert failed.data["result"]["success"] is False
    assert failed.data["result"]["score"]["scaled"] == 0.4
    assert completed.data["result"] == {"completion": True}


def test_a_result_contradicting_its_verb_is_refused_and_nothing_is_stored(learner):
    with pytest.raises(ValueError, match="success"):
        _record(learner, "passed", EXAM, result=Result(success=False))
    assert not Statement.objects.exists()


def test_a_question_keeps_its_interaction_definition_and_the_response(learner):
    stored = _record(learner, "answered", QUESTION, EXAM, Result(response="gpupdate", success=True))

    definition = stored.data["object"]["definition"]
    assert definition["interactionType"] == "choice"
    assert definition["correctResponsesPattern"] == ["gpupdate"]
    assert [choice["id"] for choice in definition["choices"]] == ["gpupdate", "gpresult"]
    assert stored.data["result"]["response"] == "gpupdate"


def test_extra_fields_become_extensions_namespaced_under_the_site(learner):
    stored = _record(learner, "earned", CERTIFICATION)

    assert stored.data["object"]["definition"]["extensions"] == {
        f"{SITE}/xapi/extensions/certificate_number": "CERT-2026-0042"}


def test_the_statement_keeps_the_event_timestamp_and_the_language(learner):
    at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    stored = _record(learner, "launched", COURSE, timestamp=at, language="en")

    assert stored.data["timestamp"] == "2026-11-02T09:30:00+00:00"
    assert stored.timestamp == at
    assert stored.data["context"]["language"] == "en"


def test_an_invalid_statement_is_logged_and_raises_and_is_never_stored(learner, caplog):
    # An out-of-range scaled score cannot be expressed in xAPI: a bug in the caller.
    with pytest.raises(services.StatementInvalid):
        _record(learner, "passed", EXAM, result=Result(score_scaled=1.5))
    assert "invalid xAPI statement" in caplog.text
    assert not Statement.objects.exists()


def test_an_unknown_verb_or_kind_is_refused(learner):
    with pytest.raises(ValueError, match="verb"):
        _record(learner, "liked", COURSE)
    with pytest.raises(ValueError, match="kind"):
        _record(learner, "launched", Activity("video", "1", {"fr": "Vidéo"}))


def test_the_store_is_append_only(learner):
    stored = _record(learner, "launched", COURSE)

    stored.verb = "http://adlnet.gov/expapi/verbs/voided"
    with pytest.raises(AppendOnlyError):
        stored.save()
    with pytest.raises(AppendOnlyError):
        stored.delete()
    assert Statement.objects.get(pk=stored.pk).verb == VERB_IRIS["launched"]


def test_statements_get_positions_in_recording_order(learner, lead):
    first = _record(learner, "launched", COURSE)
    second = _record(lead, "launched", COURSE)

    assert second.position == first.position + 1
    assert StatementSequence.objects.get(name="xapi.statement").value == second.position
    assert first.actor_name == "E10001" and first.staff == learner
    assert first.registration == uuid.UUID("5c1e7d0a-3f7e-4c38-9b7b-2f3c1b2a9e10")


def test_forwarding_is_queued_only_after_the_commit(learner, settings, django_capture_on_commit_callbacks,
                                                     monkeypatch):
    settings.ACADEMIE_LRS_URL = "http://127.0.0.1:9/xAPI"
    queued = []
    monkeypatch.setattr("learning_records.tasks.xapi_forward_task.delay", lambda **kw: queued.append(kw))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _record(learner, "launched", COURSE)
    assert queued == []
    for callback in callbacks:
        callback()
    assert queued == [{}]


def test_iso8601_durations():
    assert services.iso8601_duration(timedelta(0)) == "PT0S"
    assert services.iso8601_duration(timedelta(hours=1, minutes=2, seconds=3)) == "PT1H2M3S"
    assert services.iso8601_duration(timedelta(days=2, hours=1)) == "P2DT1H"
    assert services.iso8601_duration(timedelta(seconds=0.25)) == "PT0.25S"
    with pytest.raises(ValueError):
        services.iso8601_duration(timedelta(seconds=-1))

