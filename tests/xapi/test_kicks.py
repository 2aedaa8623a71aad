"""The after-commit kick that queues forwarding: one per transaction however many statements it
stored, and never a failed page when the broker is down (the progress is saved; the periodic
task catches up)."""
import logging
import time

import pytest
from django.conf import settings
from django.db import transaction
from wagtail.models import Locale, Page

from learning_records.learning_events import Activity, learning_event_record
from learning_records.models import LrsEndpoint, Statement
from learning_records.tasks import xapi_forward_task
from courses import services as course_services
from courses.models import LessonProgress
from courses.selectors import course_lessons
from tests.broker import broker_down
from tests.courses.factories import course_create, lesson_create


@pytest.fixture
def queued(monkeypatch):
    """What reaches the broker (it leaves the machine): the kwargs of each forwarding task."""
    calls = []
    monkeypatch.setattr(xapi_forward_task, "delay", lambda **kwargs: calls.append(kwargs))
    return calls


def _wagtail_root():
    """After an earlier transactional test's flush, the rows Wagtail's migrations made are gone."""
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root"))


@pytest.mark.django_db(transaction=True)
def test_a_learner_opening_a_lesson_while_the_broker_is_down_gets_the_page_and_the_record_is_kept(
        client, learner, monkeypatch, caplog):
    LrsEndpoint.objects.create(name="LRS analytique", url="http://127.0.0.1:9/xAPI")
    _wagtail_root()
    course = course_create(title="Diagnostiquer une GPO")
    lesson_create(parent=course, title="Comprendre le traitement des GPO")
    lesson = course_lessons(course=course)[0]
    course_services.enrolment_create(staff=learner, course=course)
    client.force_login(learner.user)

    with broker_down(monkeypatch), caplog.at_level(logging.WARNING, logger="academy.tasks"):
        started = time.monotonic()
        response = client.get(lesson.url)
        took = time.monotonic() - started

    assert response.status_code == 200
    assert "Comprendre le traitement des GPO" in response.content.decode()
    assert LessonProgress.objects.filter(staff=learner, lesson=lesson).exists()
    assert Statement.objects.filter(verb="http://adlnet.gov/expapi/verbs/experienced").count() == 1
    assert "could not queue xapi.forward" in caplog.text and "periodic task will catch up" in caplog.text
    assert took < 10


def test_one_transaction_storing_many_statements_queues_one_forwarding_task(
        learner, queued, django_capture_on_commit_callbacks):
    LrsEndpoint.objects.create(name="LRS analytique", url="http://127.0.0.1:9/xAPI")

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            for index in range(300):
                learning_event_record(staff=learner, verb="experienced",
                                      activity=Activity("lesson", str(index), {"fr": f"Leçon {index}"}))

    assert Statement.objects.count() == 300
    assert queued == [{}]


def test_each_transaction_gets_its_own_kick(learner, queued, django_capture_on_commit_callbacks):
    LrsEndpoint.objects.create(name="LRS analytique", url="http://127.0.0.1:9/xAPI")

    for index in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            learning_event_record(staff=learner, verb="experienced",
                                  activity=Activity("lesson", str(index), {"fr": f"Leçon {index}"}))

    assert queued == [{}, {}, {}]


def test_no_kick_without_an_lrs(learner, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        learning_event_record(staff=learner, verb="experienced", activity=Activity("lesson", "1", {"fr": "Leçon"}))

    assert queued == []
