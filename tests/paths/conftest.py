"""Fixtures of the training paths suite: a small catalogue (two courses, the second requiring the
first), an exam and a certification granting levels, and a path built by Marc, Léa's lead.

Time is controlled by passing `now=` to services and selectors (they all take it); completion
facts (an exam passed, a certification held) are rows with explicit instants."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from courses.paths import services
from tests.courses.factories import catalogue_create, course_create, lesson_create
from tests.factories import DomainFactory, SkillFactory

PARIS = ZoneInfo("Europe/Paris")


def at(day: str, hour: int = 10) -> datetime:
    """An aware instant in Paris: at("2026-12-01") is 1 December 2026, 10:00."""
    year, month, date_ = (int(x) for x in day.split("-"))
    return datetime(year, month, date_, hour, tzinfo=PARIS)


@pytest.fixture
def no_learning_records(monkeypatch):
    monkeypatch.setattr("courses.services.learning_event_record", lambda **kwargs: None)


@pytest.fixture
def ad_domain(db):
    return DomainFactory(code="AD", name_fr="Active Directory")


@pytest.fixture
def gpo_skill(ad_domain):
    return SkillFactory(code="AD.GPO", name_fr="Stratégies de groupe", domain=ad_domain)


@pytest.fixture
def accounts_skill(ad_domain):
    return SkillFactory(code="AD.ACCOUNTS", name_fr="Comptes et groupes", domain=ad_domain)


@pytest.fixture
def catalogue(db):
    return catalogue_create()


@pytest.fixture
def basics(catalogue, ad_domain, accounts_skill, no_learning_records):
    course = course_create(title="Les bases d'Active Directory", catalogue=catalogue, domain=ad_domain,
                           skills=[(accounts_skill, 2)])
    lesson_create(parent=course, title="Comptes")
    return course


@pytest.fixture
def gpo_course(catalogue, ad_domain, gpo_skill, basics):
    """Requires `basics`."""
    course = course_create(title="Diagnostiquer une GPO", catalogue=catalogue, domain=ad_domain,
                           skills=[(gpo_skill, 2)], prerequisites=[basics])
    lesson_create(parent=course, title="gpresult")
    return course


@pytest.fixture
def gpo_exam(gpo_skill):
    from tests.assessments.factories import exam_create

    return exam_create(title="Examen GPO", grants=[(gpo_skill, 3)])


@pytest.fixture
def ad_certification(ad_domain, gpo_skill):
    from tests.assessments.factories import certification_create

    return certification_create(domain=ad_domain, code="AD-PRO", name_fr="Spécialiste AD", grants=[(gpo_skill, 4)])


@pytest.fixture
def path(lead, basics, gpo_course, gpo_exam):
    """"Parcours GPO" by Marc: basics → GPO course → GPO exam (all required)."""
    path = services.path_create(name="Parcours GPO", by=lead.user)
    services.path_step_add(path=path, by=lead.user, kind="course", course=basics)
    services.path_step_add(path=path, by=lead.user, kind="course", course=gpo_course)
    services.path_step_add(path=path, by=lead.user, kind="exam", exam=gpo_exam)
    return path


def course_complete(staff, course):
    """Do every lesson of `course` as `staff` (through the courses services)."""
    from courses.selectors import course_lessons
    from courses.services import enrolment_create, lesson_complete

    enrolment_create(staff=staff, course=course, source="self")
    for lesson in course_lessons(course=course):
        lesson_complete(staff=staff, lesson=lesson)


def exam_pass(staff, exam, when: datetime):
    from assessments.models import Attempt

    return Attempt.objects.create(exam=exam, staff=staff, number=Attempt.objects.filter(exam=exam, staff=staff).count() + 1,
                                  status="graded", started_at=when - timedelta(minutes=20), submitted_at=when,
                                  passed=True, percent=90, score=9, max_score=10)


def award_give(staff, certification, when: datetime, months: int = 24):
    from assessments.models import Award

    until = when + timedelta(days=30 * months)
    return Award.objects.create(certification=certification, staff=staff, awarded_at=when, valid_from=when,
                                valid_until=until, expires_on=until.date())
