import pytest

from tests.courses.factories import catalogue_create, course_create, lesson_create
from tests.factories import DomainFactory, SkillFactory


@pytest.fixture
def recorded_events(monkeypatch):
    """Learning events sent to the learning-records service, as (verb, kind, key) tuples."""
    events = []

    def record(**kwargs):
        events.append((kwargs["verb"], kwargs["activity"].kind, kwargs["activity"].key))

    monkeypatch.setattr("courses.services.learning_event_record", record)
    return events


@pytest.fixture
def lea(client, learner):
    """The test client, signed in as the learner."""
    client.force_login(learner.user)
    return client


@pytest.fixture
def catalogue(db):
    return catalogue_create()


@pytest.fixture
def gpo_skill(db):
    domain = DomainFactory(code="AD", name_fr="Active Directory")
    return SkillFactory(code="AD.GPO", name_fr="Stratégies de groupe", domain=domain)


@pytest.fixture
def course(catalogue, gpo_skill):
    """A published course teaching AD.GPO at level 2, with two required lessons and an optional one."""
    course = course_create(title="Diagnostiquer une GPO qui ne s'applique pas", catalogue=catalogue,
                           domain=gpo_skill.domain, skills=[(gpo_skill, 2)])
    lesson_create(parent=course, title="Comprendre le traitement des GPO")
    lesson_create(parent=course, title="gpresult et gpupdate")
    lesson_create(parent=course, title="Pour aller plus loin", required=False)
    return course


@pytest.fixture
def lessons(course):
    from courses.selectors import course_lessons

    return course_lessons(course=course)
