"""Certifications: requirements, awards recording evidence valid until expiry, calendar
arithmetic (month ends, leap years), renewal inside the window from the previous expiry,
revocation with a reason, events."""
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from academy.models import Event
from assessments.models import Award
from assessments.selectors import certification_state, certifications_for, course_final_exams_passed
from assessments.services import (
    attempt_answer, attempt_start, attempt_submit, award_create, award_period, award_revoke, local_midnight,
)
from skills.models import Evidence
from skills.services import evidence_record
from tests.assessments.factories import certification_create, exam_create, question_create
from tests.factories import DomainFactory, SkillFactory

pytestmark = pytest.mark.django_db


def at(y, m, d, hh=10):
    return timezone.make_aware(datetime(y, m, d, hh, 0))


def pass_exam(exam, staff):
    attempt = attempt_start(exam=exam, staff=staff)
    for row in attempt.questions.all():
        attempt_answer(attempt=attempt, question_id=row.question_id, response={"value": row.spec["answer"]})
    attempt, _ = attempt_submit(attempt=attempt)
    assert attempt.passed
    return attempt


@pytest.fixture
def domain():
    return DomainFactory(code="AD", name_fr="Active Directory")


@pytest.fixture
def gpo(domain):
    return SkillFactory(code="AD.GPO", domain=domain)


@pytest.fixture
def exam(gpo):
    return exam_create(questions=[question_create("true_false", skills=[gpo])], slug="ad-exam")


@pytest.fixture
def cert(domain, exam, gpo):
    return certification_create(domain=domain, exams=[exam], grants=[(gpo, 3)], code="AD-N2", validity_months=24)


class TestPeriod:
    """Pure date arithmetic of `award_period`."""

    def period(self, months, now=None, previous=None):
        from assessments.models import Certification

        return award_period(certification=Certification(validity_months=months), now=now, previous=previous)

    def test_a_first_award_runs_the_validity_in_calendar_months_from_today(self):
        _start, expires_on, valid_until = self.period(24, now=at(2026, 11, 28))
        assert expires_on == date(2028, 11, 28)
        assert valid_until == local_midnight(date(2028, 11, 28))

    def test_month_ends_clamp_to_the_shorter_month(self):
        assert self.period(1, now=at(2026, 1, 31))[1] == date(2026, 2, 28)
        assert self.period(1, now=at(2028, 1, 31))[1] == date(2028, 2, 29)  # leap year
        assert self.period(3, now=at(2026, 11, 30))[1] == date(2027, 2, 28)

    def test_a_leap_day_award_expires_on_the_28th_of_february(self):
        assert self.period(12, now=at(2028, 2, 29))[1] == date(2029, 2, 28)
        assert self.period(48, now=at(2028, 2, 29))[1] == date(2032, 2, 29)

    def test_a_renewal_extends_from_the_previous_expiry_date_not_from_today(self):
        previous = Award(expires_on=date(2027, 3, 31), valid_until=local_midnight(date(2027, 3, 31)))
        start, expires_on, _until = self.period(12, now=at(2027, 1, 15), previous=previous)
        assert start == previous.valid_until
        assert expires_on == date(2028, 3, 31)

    def test_the_award_holds_until_the_start_of_its_expiry_day_in_local_time(self):
        previous = Award(valid_from=at(2026, 1, 1), expires_on=date(2026, 3, 29),
                         valid_until=local_midnight(date(2026, 3, 29)))  # a DST change day in Paris
        assert previous.status_at(local_midnight(date(2026, 3, 29)) - timedelta(seconds=1)) == "valid"
        assert previous.status_at(local_midnight(date(2026, 3, 29))) == "expired"
        assert previous.last_valid_day == date(2026, 3, 28)


def test_it_awards_when_the_exam_is_passed_and_records_certification_evidence(cert, exam, learner, gpo, clock):
    pass_exam(exam, learner)  # passing the last required exam awards the certification
    award = Award.objects.get(staff=learner, certification=cert)
    today = timezone.localdate()
    assert award.expires_on == today.replace(year=today.year + 2)  # 24 months (today is not 29 February)
    assert award.valid_until == local_midnight(award.expires_on)
    evidence = Evidence.objects.get(staff=learner, skill=gpo, source="certification")
    assert evidence.level == 3 and evidence.valid_until == award.valid_until
    assert (evidence.reference_type, evidence.reference_id) == ("assessments.award", str(award.pk))
    assert learner.skill_levels.get(skill=gpo).level == 3
    event = Event.objects.get(type="certification.awarded")
    assert event.data == {"employee_id": "E10001", "certification": "AD-N2", "domain": "AD",
                          "valid_from": award.valid_from.astimezone(dt_timezone.utc).isoformat(),
                          "valid_until": award.valid_until.astimezone(dt_timezone.utc).isoformat(),
                          "award_id": award.pk}
    assert learner.user.notifications.filter(kind="certification.awarded").exists()


def test_the_level_drops_by_itself_when_the_award_expires(cert, exam, learner, gpo, clock):
    from skills.selectors import effective_level

    pass_exam(exam, learner)
    award = Award.objects.get()
    assert effective_level(staff=learner, skill=gpo, at=award.valid_until - timedelta(seconds=1)).level == 3
    assert effective_level(staff=learner, skill=gpo, at=award.valid_until).level == 0


def test_it_refuses_an_award_when_requirements_are_missing(cert, learner):
    with pytest.raises(ValidationError) as exc:
        award_create(certification=cert, staff=learner)
    assert exc.value.code == "not_eligible" and "Réussir l'examen" in exc.value.messages[0]
    assert not Award.objects.exists() and not Evidence.objects.exists()


def test_minimum_levels_are_requirements(domain, learner, lead):
    dns = SkillFactory(code="AD.DNS", domain=domain)
    cert = certification_create(domain=domain, levels=[(dns, 2)])
    state = certification_state(certification=cert, staff=learner)
    assert not state.eligible and "actuel : 0" in state.checks[0].label
    evidence_record(staff=learner, skill=dns, level=2, source="manager", recorded_by=lead.user)
    assert certification_state(certification=cert, staff=learner).eligible
    award_create(certification=cert, staff=learner)


def test_a_certification_cannot_be_its_own_prerequisite_at_renewal(domain, learner, lead, clock):
    dns = SkillFactory(code="AD.DNS", domain=domain)
    cert = certification_create(domain=domain, levels=[(dns, 2)], grants=[(dns, 3)], validity_months=12)
    evidence_record(staff=learner, skill=dns, level=2, source="manager", recorded_by=lead.user,
                    valid_until=clock.now + timedelta(days=100))
    award = award_create(certification=cert, staff=learner)
    clock.set(award.valid_until - timedelta(days=30))  # inside the window; the manager evidence has expired
    state = certification_state(certification=cert, staff=learner)
    assert state.path == "renewal" and not state.eligible  # the award's own level 3 does not count


class TestRenewal:
    @pytest.fixture
    def renewal_exam(self, gpo):
        return exam_create(questions=[question_create("true_false", skills=[gpo])], slug="ad-renewal")

    @pytest.fixture
    def cert(self, domain, exam, renewal_exam, gpo):
        return certification_create(domain=domain, exams=[exam], renewal_exams=[renewal_exam], grants=[(gpo, 3)],
                                    validity_months=12, renewal_window_days=90)

    def test_before_the_window_nothing_can_be_renewed(self, cert, exam, renewal_exam, learner, clock):
        pass_exam(exam, learner)
        award = Award.objects.get()
        clock.set(award.valid_until - timedelta(days=91))
        pass_exam(renewal_exam, learner)
        state = certification_state(certification=cert, staff=learner)
        assert state.path is None
        with pytest.raises(ValidationError, match="La recertification ouvre le"):
            award_create(certification=cert, staff=learner)

    def test_inside_the_window_the_shorter_path_renews_from_the_previous_expiry(
            self, cert, exam, renewal_exam, learner, gpo, clock):
        pass_exam(exam, learner)
        first = Award.objects.get()
        clock.set(first.valid_until - timedelta(days=60))
        state = certification_state(certification=cert, staff=learner)
        assert state.path == "renewal" and [c.kind for c in state.checks] == ["exam"]
        assert "ad-renewal" in state.checks[0].url
        pass_exam(renewal_exam, learner)  # awards the renewal automatically
        renewal = Award.objects.exclude(pk=first.pk).get()
        assert renewal.renewal_of == first
        assert renewal.valid_from == first.valid_until
        from dateutil.relativedelta import relativedelta

        assert renewal.expires_on == first.expires_on + relativedelta(months=12)
        assert renewal.status_at(clock.now) == "pending"
        # The level holds without a gap across the first expiry.
        from skills.selectors import effective_level

        assert effective_level(staff=learner, skill=gpo, at=first.valid_until + timedelta(days=1)).level == 3
        rows = certifications_for(staff=learner)
        assert [r["status"] for r in rows] == ["pending", "valid"]

    def test_an_exam_passed_before_the_window_does_not_count_for_renewal(
            self, cert, exam, renewal_exam, learner, clock):
        pass_exam(exam, learner)
        first = Award.objects.get()
        clock.set(first.valid_until - timedelta(days=120))
        pass_exam(renewal_exam, learner)
        clock.set(first.valid_until - timedelta(days=80))
        state = certification_state(certification=cert, staff=learner)
        assert state.path == "renewal" and not state.eligible

    def test_after_expiry_the_initial_path_applies_from_today(self, cert, exam, learner, clock):
        pass_exam(exam, learner)
        first = Award.objects.get()
        clock.set(first.valid_until + timedelta(days=10))
        state = certification_state(certification=cert, staff=learner)
        assert state.path == "initial" and state.eligible  # the initial exam was passed once
        second = award_create(certification=cert, staff=learner)
        assert second.renewal_of is None and second.valid_from == clock.now


class TestRevocation:
    def test_revoking_needs_a_reason_then_revokes_the_evidence(self, cert, exam, learner, gpo, admin_user):
        pass_exam(exam, learner)
        award = Award.objects.get()
        with pytest.raises(ValidationError):
            award_revoke(award=award, by=admin_user, reason="  ")
        award_revoke(award=award, by=admin_user, reason="Fraude à l'examen")
        award.refresh_from_db()
        assert award.status == "revoked" and award.revoke_reason == "Fraude à l'examen"
        evidence = Evidence.objects.get(source="certification")
        assert evidence.revoked_at is not None and evidence.revoke_reason == "Fraude à l'examen"
        assert learner.skill_levels.get(skill=gpo).level == 0
        from academy.models import AuditEntry

        assert AuditEntry.objects.filter(action="certification.revoke", reason="Fraude à l'examen").exists()

    def test_revoking_twice_changes_nothing(self, cert, exam, learner, admin_user):
        pass_exam(exam, learner)
        award = Award.objects.get()
        award_revoke(award=award, by=admin_user, reason="Erreur")
        first = Award.objects.get().revoked_at
        award_revoke(award=award, by=admin_user, reason="Encore")
        assert Award.objects.get().revoked_at == first and Award.objects.get().revoke_reason == "Erreur"

    def test_a_revoked_award_can_be_earned_again(self, cert, exam, learner, admin_user):
        pass_exam(exam, learner)
        award_revoke(award=Award.objects.get(), by=admin_user, reason="Erreur de saisie")
        assert certification_state(certification=cert, staff=learner).path == "initial"
        award_create(certification=cert, staff=learner)
        assert Award.objects.filter(revoked_at=None).count() == 1


def test_course_final_exams_passed_follows_the_exams_of_the_course(learner, exam):
    from tests.courses.factories import course_create

    course = course_create(title="Cours AD")
    assert course_final_exams_passed(staff=learner, course=course) is True  # no final exam
    exam.course = course
    exam.full_clean()
    exam.save()
    assert course_final_exams_passed(staff=learner, course=course) is False
    pass_exam(exam, learner)
    assert course_final_exams_passed(staff=learner, course=course) is True


def test_passing_the_final_exam_completes_a_course_whose_lessons_are_done(learner, gpo):
    from courses.models import EnrolmentStatus
    from courses.services import enrolment_create, lesson_complete
    from tests.courses.factories import course_create, lesson_create, module_create

    course = course_create(title="GPO", skills=[(gpo, 1)])
    lesson = lesson_create(parent=module_create(course=course))
    exam = exam_create(questions=[question_create("true_false")], course=course)
    enrolment = enrolment_create(staff=learner, course=course)
    lesson_complete(staff=learner, lesson=lesson)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE  # waiting for the final exam
    pass_exam(exam, learner)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_an_exam_can_only_be_linked_to_a_course_page(exam):
    from tests.courses.factories import catalogue_create

    exam.course = catalogue_create()
    with pytest.raises(ValidationError) as exc:
        exam.full_clean()
    assert "course" in exc.value.message_dict


class TestSeveralCertificationsAtOnce:
    """`certification_states` (the certifications page) says exactly what `certification_state`
    says for each one, and the page costs the same queries for two certifications as for six."""

    @pytest.fixture
    def mixed(self, domain, exam, gpo, learner, lead, clock):
        from assessments.models import CertificationCourseRequirement
        from courses.models import Enrolment, EnrolmentStatus
        from tests.courses.factories import course_create

        dns = SkillFactory(code="AD.DNS", domain=domain)
        renewal_exam = exam_create(questions=[question_create("true_false", skills=[gpo])], slug="ad-renew")
        done_course = course_create(title="Terminée", domain=domain)
        other_course = course_create(title="Pas commencée", catalogue=done_course.get_parent().specific,
                                     domain=domain)
        Enrolment.objects.create(staff=learner, course=done_course, status=EnrolmentStatus.COMPLETED,
                                 completed_at=clock.now)
        passed = certification_create(domain=domain, exams=[exam], grants=[(gpo, 3)], validity_months=12)
        renewing = certification_create(domain=domain, exams=[exam], renewal_exams=[renewal_exam],
                                        validity_months=12, renewal_window_days=400)
        with_courses = certification_create(domain=domain, levels=[(dns, 2)])
        for course in (done_course, other_course):
            CertificationCourseRequirement.objects.create(certification=with_courses, course=course)
        evidence_record(staff=learner, skill=dns, level=2, source="manager", recorded_by=lead.user)
        closed = certification_create(domain=domain, exams=[exam], active=False)
        untouched = certification_create(domain=domain, exams=[renewal_exam])
        pass_exam(exam, learner)  # awards `passed` and `renewing` (initial path), not the others
        return [passed, renewing, with_courses, closed, untouched]

    @staticmethod
    def _as_tuple(state):
        return (state.certification.pk, state.current, state.renewal, state.path, state.window_opens_at,
                [(c.kind, c.label, c.met, c.url) for c in state.checks], state.eligible)

    def test_the_states_read_together_are_those_read_one_by_one(self, mixed, learner, clock):
        from assessments.selectors import certification_states

        together = certification_states(certifications=mixed, staff=learner, now=clock.now)
        assert list(together) == [c.pk for c in mixed]
        one_by_one = [certification_state(certification=c, staff=learner, now=clock.now) for c in mixed]
        assert [self._as_tuple(s) for s in together.values()] == [self._as_tuple(s) for s in one_by_one]
        # The fixture covers the cases: renewal open, requirements met and unmet, a closed certification.
        assert {s.path for s in one_by_one} == {"renewal", "initial", None}
        assert {c.met for s in one_by_one for c in s.checks} == {True, False}

    def test_the_certifications_page_costs_the_same_queries_whatever_their_number(self, mixed, learner, domain):
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        client = Client()
        client.force_login(learner.user)
        url = "/certificats/"
        client.get(url)  # the first request also fills per-process caches
        with CaptureQueriesContext(connection) as before:
            cards_before = client.get(url).content.decode().count('id="renouveler-')
        exam = exam_create(questions=[question_create("true_false")], slug="encore")
        for _ in range(4):
            certification_create(domain=domain, exams=[exam])
        with CaptureQueriesContext(connection) as after:
            response = client.get(url)
        assert response.content.decode().count('id="renouveler-') == cards_before + 4
        assert len(after) == len(before)
