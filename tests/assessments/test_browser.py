"""The exam page with JavaScript, in Debian's Chromium: answers autosave without submitting the
form, the countdown shows the server's time left, and the form is submitted when it reaches 0."""
import os
from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import Attempt, AttemptQuestion
from assessments.services import attempt_start
from tests.assessments.factories import exam_create, question_create
from tests.proof.browser import CHROMIUM, CHROMIUM_ARGS, chromium_missing_reason

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(chromium_missing_reason() is not None, reason=chromium_missing_reason() or "")]


@pytest.fixture
def tab(live_server, learner):
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    learner.user.set_password("academie")
    learner.user.save()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url, locale="fr-FR")
        context.set_default_timeout(15_000)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto("/accounts/login/")
        page.fill("input[name=username]", "lea")
        page.fill("input[name=password]", "academie")
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        page.js_errors = errors
        yield page
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def test_answers_autosave_and_time_up_submits_the_form(tab, learner):
    tf = question_create("true_false")
    single = question_create("single")
    exam = exam_create(questions=[tf, single], time_limit_minutes=10, slug="js")
    attempt = attempt_start(exam=exam, staff=learner)
    tab.goto(f"/examens/tentatives/{attempt.pk}/")
    assert tab.locator("#timer").count() == 1, (tab.url, tab.inner_text("body")[:500])
    assert "min" in tab.inner_text("#timer .countdown")
    from tests.proof.browser import axe_violations, describe

    violations = axe_violations(tab)
    assert not violations, describe(violations)
    tab.check(f"#question-{tf.pk} input[value=true]")
    tab.wait_for_selector(f"[data-status-for='{tf.pk}']:has-text('Réponse enregistrée')")
    assert AttemptQuestion.objects.get(attempt=attempt, question=tf).response == {"value": True}
    assert Attempt.objects.get(pk=attempt.pk).status == "open"  # saved without submitting

    # Two seconds left: the page submits itself when the countdown reaches zero.
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=3))
    tab.goto(f"/examens/tentatives/{attempt.pk}/")
    tab.wait_for_url("**/resultat/", timeout=15_000)
    graded = Attempt.objects.get(pk=attempt.pk)
    assert graded.status == "graded" and graded.score == 1
    assert not tab.js_errors


def test_result_certification_and_verification_pages_have_no_serious_accessibility_issue(tab, learner):
    from assessments.services import attempt_submit, award_create
    from tests.assessments.factories import certification_create
    from tests.factories import DomainFactory
    from tests.proof.browser import axe_violations, describe

    exam = exam_create(questions=[question_create("matching"), question_create("ordering")], slug="a11y")
    attempt, _graded = attempt_submit(attempt=attempt_start(exam=exam, staff=learner))
    award = award_create(certification=certification_create(domain=DomainFactory(code="PDT")), staff=learner)
    certification_create(domain=DomainFactory(code="AD"), exams=[exam])
    for url in (f"/examens/tentatives/{attempt.pk}/resultat/", "/certificats/", "/examens/", "/examens/a11y/",
                f"/certificats/verifier/{award.code}/"):
        tab.goto(url)
        violations = axe_violations(tab)
        assert not violations, f"{url}\n{describe(violations)}"
    assert not tab.js_errors
