"""What counts as the same statement when an LRS already holds an id (xAPI 1.0.3 statement
comparison): what an LRS adds or rewrites is no difference; any change of content is."""
import copy

from learning_records.comparison import statement_differences

SENT = {
    "id": "34eb1dd1-c870-4e6e-9acd-81483a93632c",
    "actor": {"objectType": "Agent", "account": {"homePage": "http://testserver", "name": "E10001"}},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"fr-FR": "a réussi", "en": "passed"}},
    "object": {"objectType": "Activity", "id": "http://testserver/x/1",
               "definition": {"type": "http://adlnet.gov/expapi/activities/assessment", "name": {"fr": "Examen"}}},
    "timestamp": "2026-12-01T10:00:00.123456+00:00",
    "result": {"score": {"raw": 16, "min": 0, "max": 20, "scaled": 0.8}, "duration": "PT1M2.345S",
               "success": True},
    "context": {"registration": "59b8e75a-cf0e-4479-8b13-379db03c64ef", "platform": "Académie",
                "contextActivities": {"parent": [{"objectType": "Activity", "id": "http://testserver/c/1"}]}},
}


def test_what_an_lrs_adds_or_rewrites_is_no_difference():
    held = copy.deepcopy(SENT)
    held.update(stored="2026-12-06T02:01:39.043247+00:00", version="1.0.3",
                authority={"objectType": "Agent", "account": {"homePage": "http://lrs", "name": "academie"}})
    held["id"] = SENT["id"].upper()
    held["timestamp"] = "2026-12-01T10:00:00.123Z"  # Z, and milliseconds only
    held["result"]["duration"] = "PT1M2.34S"
    held["result"]["score"]["raw"] = 16.0
    held["verb"]["display"] = {"FR-fr": "a réussi", "en": "passed"}
    held["context"]["registration"] = SENT["context"]["registration"].upper()
    held["context"]["contextActivities"]["parent"] = {"id": "http://testserver/c/1"}  # one object, no type
    del held["actor"]["objectType"], held["object"]["objectType"]
    held = dict(reversed(list(held.items())))

    assert statement_differences(SENT, held) == []


def test_a_change_of_content_is_a_difference_named_by_its_property():
    held = copy.deepcopy(SENT)
    held["result"]["score"]["raw"] = 15
    held["timestamp"] = "2026-12-01T10:00:01.123456+00:00"

    assert statement_differences(SENT, held) == ["result", "timestamp"]


def test_a_property_only_one_side_has_is_a_difference():
    held = copy.deepcopy(SENT)
    del held["context"]

    assert statement_differences(SENT, held) == ["context"]
