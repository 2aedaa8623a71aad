"""The Académie as its users live it, in a real browser (Debian's Chromium driven by Playwright)
against the seeded demo: a technician earns a certification, a lead assigns a path, a dispatcher
finds who is qualified, an editor publishes a course; then axe-core on the main pages.

Screenshots of each key page go to var/screenshots/ (ACADEMIE_SCREENSHOTS overrides it).
The tests of this module run in file order and share the session's demo site: journey (a) is the
one that makes `technicien` certified; (c) and the accessibility checks make sure of it through
the services when (a) was not run."""
import datetime
import io

import pytest

from tests.proof import journey_data
from tests.proof.browser import axe_violations, describe, login, requires_chromium, screenshot

pytestmark = [pytest.mark.browser, requires_chromium]


@pytest.fixture(autouse=True)
def _scale():
    """Replaces the suite's autouse `_scale` (which opens a per-test transaction): the browser
    tests use the session's seeded site, whose scale `seed_demo` created."""


def _technicien_certified() -> str:
    """Make sure `technicien` holds the journey certification, through the same services the
    pages call (start an attempt, answer, submit: passing awards it). Returns the award's code."""
    from academy.models import Staff
    from assessments import grading, services
    from assessments.models import AttemptQuestion, Award, Exam

    staff = Staff.objects.get(user__username="technicien")
    award = Award.objects.filter(staff=staff, certification__code=journey_data.CERTIFICATION_CODE,
                                 revoked_at=None).first()
    if award is None:
        exam = Exam.objects.get(slug=journey_data.EXAM_SLUG)
        attempt = services.attempt_start(exam=exam, staff=staff)
        responses = {}
        for row in AttemptQuestion.objects.filter(attempt=attempt):
            view = grading.public_view(row.spec)
            key = next(o["key"] for o in view["options"] if o["text"] == journey_data.RIGHT_ANSWER)
            responses[row.question_id] = {"choice": key}
        services.attempt_answers_save(attempt=attempt, responses=responses)
        attempt, _ = services.attempt_submit(attempt=attempt)
        assert attempt.passed
        award = Award.objects.filter(staff=staff, certification__code=journey_data.CERTIFICATION_CODE).first()
        if award is None:
            from assessments.models import Certification

            award = services.award_create(
                certification=Certification.objects.get(code=journey_data.CERTIFICATION_CODE), staff=staff)
    return award.code


def _skill_row(page, skill_code: str):
    return page.locator("table.skills-table tbody tr").filter(has=page.locator("th", has_text=skill_code))


# a) ------------------------------------------------------------------------------------------

def test_a_technicien_earns_a_certification_and_sees_her_new_level(page, demo_site, dbaccess):
    data = demo_site.data
    login(page, "technicien")
    screenshot(page, "a-01-accueil")

    page.goto("/mes-competences/")
    row = _skill_row(page, data["skill_code"])
    before = int(row.locator("td").first.inner_text().strip() or 0) if row.count() else 0
    assert before < journey_data.CERT_LEVEL

    page.goto("/formations/")
    screenshot(page, "a-02-catalogue")
    page.get_by_role("link", name=journey_data.COURSE_TITLE).first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == journey_data.COURSE_TITLE
    screenshot(page, "a-03-formation")

    page.get_by_role("button", name="S'inscrire à la formation").click()
    page.wait_for_load_state()
    for title in journey_data.LESSON_TITLES:
        assert page.get_by_role("heading", level=1).inner_text() == title, page.url
        screenshot(page, f"a-04-lecon-{journey_data.LESSON_TITLES.index(title) + 1}")
        page.get_by_role("button", name="J'ai terminé cette leçon").click()
        page.wait_for_load_state()
    # Both lessons done: the course page says only the final exam remains.
    assert "il reste l'évaluation finale" in page.inner_text("main")

    page.goto("/mes-formations/")
    assert journey_data.COURSE_TITLE in page.inner_text("main")
    screenshot(page, "a-05-mes-formations")

    # /mes-formations/ sends her to the final exam, not back to the lessons she has read.
    page.get_by_role("link", name="Passer l'évaluation finale « Examen : imprimantes réseau »").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/examens/{data['exam_slug']}/"), page.url
    screenshot(page, "a-06-examen")
    page.get_by_role("button", name="Commencer l'examen").click()
    page.wait_for_load_state()
    page.get_by_label(journey_data.RIGHT_ANSWER).check()
    screenshot(page, "a-07-tentative")
    page.get_by_role("button", name="Terminer et rendre").click()
    page.wait_for_load_state()
    # Handing in is confirmed on a page of its own, which counts the questions left unanswered.
    assert "Vous avez répondu à toutes les questions." in page.inner_text("main")
    page.get_by_role("button", name="Rendre définitivement").click()
    page.wait_for_load_state()
    assert "/resultat/" in page.url
    assert "100 %" in page.inner_text("main")
    screenshot(page, "a-08-resultat")

    page.goto("/certificats/")
    claim = page.get_by_role("button", name="Obtenir la certification")
    if claim.count():  # awarded on the spot when the exam was the last requirement; else claimed here
        claim.first.click()
        page.wait_for_load_state()
    award = page.locator("li.award-valid").filter(has_text=data["certification_name"])
    assert award.count() == 1, page.inner_text("main")
    screenshot(page, "a-09-certifications")

    pdf_link = award.get_by_role("link", name="Certificat (PDF, français)")
    with page.expect_download() as download_info:
        # Headless Chromium has no PDF viewer: following the link downloads the file.
        pdf_link.click(modifiers=["Alt"])
    pdf_path = download_info.value.path()
    content = open(pdf_path, "rb").read()
    assert content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Thomas" in text and "Lefèvre" in text
    assert data["certification_name"] in text
    (screenshot(page, "a-10-certificat-telecharge").parent / "a-10-certificat.pdf").write_bytes(content)

    page.goto("/mes-competences/")
    row = _skill_row(page, data["skill_code"])
    assert row.count() == 1
    assert row.locator("td").first.inner_text().strip() == str(journey_data.CERT_LEVEL)
    row.locator("summary").first.click()
    assert "Certification" in row.inner_text()
    # Every label of the overview chart is drawn inside the chart, none cut off at its left edge.
    labels = page.evaluate("""() => [...document.querySelectorAll('.skills-chart .chart-label')]
        .map(t => ({text: t.textContent, x: t.getBBox().x}))""")
    assert labels and all(label["x"] >= 0 for label in labels), [l for l in labels if l["x"] < 0]
    screenshot(page, "a-11-mes-competences")
    assert not page.js_errors


# b) ------------------------------------------------------------------------------------------

def test_b_chef_assigns_a_path_to_her_team_and_watches_it_progress(page, demo_site, dbaccess):
    """The lead's pages of courses.paths: build a path from the journey course, assign it to the
    team "Support N1 Paris" with a due date, then see progress and the heatmap move once a member
    completes it."""
    from django.template.defaultfilters import date as date_filter
    from django.utils import translation

    from academy.models import Staff
    from courses import services as course_services
    from courses.models import CoursePage, LessonPage

    data = demo_site.data
    member = Staff.objects.filter(team__name="Support N1 Paris", active=True, tier="N1").exclude(
        user__username__in=["chef", "technicien"]).order_by("employee_id").first()

    login(page, "chef")
    page.goto(f"/equipe/collaborateur/{member.employee_id}/")
    member_before = _skill_row(page, data["skill_code"]).inner_text() if _skill_row(page, data["skill_code"]).count() else ""
    page.goto("/equipe/")
    heatmap_before = page.locator("table.heatmap").inner_text()
    screenshot(page, "b-01-equipe")

    page.goto("/equipe/parcours/")
    screenshot(page, "b-02-parcours")
    page.get_by_role("link", name="Créer un parcours").first.click()
    page.locator("#id_name").fill("Parcours impression réseau")
    page.locator("#id_description").fill("Pour que le N1 débloque les files d'impression sans escalade.")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()
    # Only the field the step's type needs is shown.
    page.locator("select[name=kind]").select_option("exam")
    assert page.locator("select[name=exam]").is_visible() and not page.locator("select[name=course]").is_visible()
    page.locator("select[name=kind]").select_option("course")
    assert page.locator("select[name=course]").is_visible() and not page.locator("select[name=exam]").is_visible()
    assert not page.locator("select[name=certification]").is_visible()
    page.locator("select[name=course]").select_option(label=journey_data.COURSE_TITLE)
    page.get_by_role("button", name="Ajouter", exact=True).click()
    page.wait_for_load_state()
    assert journey_data.COURSE_TITLE in page.inner_text("main")
    screenshot(page, "b-03-parcours-construit")

    # The assignment form shows the fields of the chosen target and due-date mode only.
    assert page.locator("select[name=staff]").is_visible() and not page.locator("select[name=team]").is_visible()
    page.locator("input[name=target][value=team]").check()
    assert page.locator("select[name=team]").is_visible() and not page.locator("select[name=staff]").is_visible()
    assert not page.locator("select[name=profile]").is_visible()
    assert page.locator("input[name=due_days]").is_visible() and not page.locator("input[name=due_on]").is_visible()
    page.locator("select[name=team]").select_option(label="Support N1 Paris")
    page.locator("input[name=due_mode][value=absolute]").check()
    assert page.locator("input[name=due_on]").is_visible() and not page.locator("input[name=due_days]").is_visible()
    due = datetime.date.today() + datetime.timedelta(days=21)
    page.locator("input[name=due_on]").fill(due.isoformat())
    page.get_by_role("button", name="Assigner", exact=True).click()
    page.wait_for_load_state()
    screenshot(page, "b-04-affecte")
    with translation.override("fr"):
        due_text = date_filter(due, "DATE_FORMAT")  # the site's one date style
    assigned = page.locator("section[aria-labelledby=assigned-title] tbody tr").filter(has_text=member.display_name)
    assert assigned.count() == 1, page.inner_text("main")
    assert due_text in assigned.inner_text()
    assert "0/1" in assigned.inner_text()

    # The member completes the course (lessons, then its final exam) through the services.
    course = CoursePage.objects.get(pk=data["course_id"])
    for lesson in LessonPage.objects.descendant_of(course).live():
        course_services.lesson_complete(staff=member, lesson=lesson)
    _pass_exam(member)
    page.reload()
    assigned = page.locator("section[aria-labelledby=assigned-title] tbody tr").filter(has_text=member.display_name)
    assert "1/1" in assigned.inner_text(), assigned.inner_text()
    screenshot(page, "b-05-progression")

    page.goto(f"/equipe/collaborateur/{member.employee_id}/")
    assert _skill_row(page, data["skill_code"]).inner_text() != member_before
    page.goto("/equipe/")
    assert page.locator("table.heatmap").inner_text() != heatmap_before
    screenshot(page, "b-06-heatmap")


def _pass_exam(staff):
    from assessments import grading, services
    from assessments.models import AttemptQuestion, Exam

    exam = Exam.objects.get(slug=journey_data.EXAM_SLUG)
    attempt = services.attempt_start(exam=exam, staff=staff)
    responses = {}
    for row in AttemptQuestion.objects.filter(attempt=attempt):
        view = grading.public_view(row.spec)
        responses[row.question_id] = {
            "choice": next(o["key"] for o in view["options"] if o["text"] == journey_data.RIGHT_ANSWER)}
    services.attempt_answers_save(attempt=attempt, responses=responses)
    services.attempt_submit(attempt=attempt)


# c) ------------------------------------------------------------------------------------------

def test_c_dispatch_finds_technicien_first_with_her_certification_as_the_reason(page, demo_site, dbaccess):
    data = demo_site.data
    _technicien_certified()
    login(page, "dispatch")
    page.goto("/qui-est-qualifie/")
    screenshot(page, "c-01-qui-est-qualifie")
    page.locator("input[name=category]").fill(data["category"])
    page.get_by_role("button", name="Chercher").click()
    page.wait_for_load_state()
    first = page.locator("table.rb-candidates tbody tr").first
    assert "Thomas Lefèvre" in first.locator("th").inner_text()
    assert data["technicien_employee_id"] in first.locator("th").inner_text()
    assert first.locator("td").first.inner_text().strip() == "1"
    reasons = first.locator("ul.rb-reasons").inner_text()
    assert data["skill_name"] in reasons  # reasons name the skill, not its code
    assert f"niveau {journey_data.CERT_LEVEL}" in reasons
    assert "certification" in reasons.lower()
    screenshot(page, "c-02-technicien-premiere")


# d) ------------------------------------------------------------------------------------------

def _wagtail_title(page, title: str) -> None:
    """Type the page's title and leave the field, as an editor does, then wait for the slug Wagtail
    derives from it in the browser: its sync runs on the field's keyup/change/blur, debounced by
    100 ms, so a Publish clicked within those 100 ms (a human never is that quick, a robot is)
    sends an empty slug and Wagtail refuses the page ("Champ requis.")."""
    field = page.locator("#id_title")
    field.fill(title)
    field.press("Tab")
    page.wait_for_function("document.getElementById('id_slug').value !== ''")


def _wagtail_publish(page, title: str) -> None:
    """Wagtail's footer: "Publier" sits in the actions menu next to "Enregistrer le brouillon".
    Waits for the page Wagtail answers with, and checks it says the page was published (else the
    form's errors are the failure's message)."""
    publish = page.locator("button[name='action-publish']").first
    if not publish.is_visible():
        toggles = page.locator(".w-dropdown__toggle")
        for i in range(toggles.count() - 1, -1, -1):
            if toggles.nth(i).is_visible():
                toggles.nth(i).click()
                if publish.is_visible():
                    break
    with page.expect_navigation():
        publish.click()
    messages = page.locator(".messages").inner_text() if page.locator(".messages").count() else ""
    errors = [e.strip() for e in page.locator(".error-message").all_inner_texts() if e.strip()]
    assert title in messages and "publiée" in messages, f"{page.url}: {messages!r} {errors}"


def _wagtail_choose(page, field_id: str, text: str) -> None:
    """Pick `text` in a Wagtail chooser (a modal listing the snippets), as an editor does."""
    page.locator(f"#{field_id}-chooser [data-chooser-action-choose]").first.click()
    page.locator(".modal-dialog a", has_text=text).first.click()
    page.wait_for_function(f"document.getElementById('{field_id}').value !== ''")


def test_d_editeur_builds_a_course_with_two_lessons_in_wagtail_and_publishes_it(page, demo_site, dbaccess):
    from courses.models import CatalogueIndexPage, CoursePage, LessonPage
    from skills.models import Domain

    title = "Téléphonie Teams : premiers diagnostics"
    catalogue = CatalogueIndexPage.objects.first()
    domain = Domain.objects.order_by("code").filter(code="TEL").first() or Domain.objects.order_by("code").first()

    login(page, "editeur")
    page.goto("/admin/")
    screenshot(page, "d-01-admin")
    page.goto(f"/admin/pages/add/courses/coursepage/{catalogue.pk}/")
    _wagtail_title(page, title)
    _wagtail_choose(page, "id_domain", domain.name_fr)
    page.locator("#id_summary").fill("Appels qui ne sonnent pas, qualité dégradée : les premiers gestes.")
    screenshot(page, "d-02-nouvelle-formation")
    _wagtail_publish(page, title)
    course = CoursePage.objects.get(title=title)
    assert course.live, page.inner_text("body")[:500]

    for n, lesson_title in enumerate(["Vérifier la licence Teams Phone", "Lire un journal d'appel"], start=1):
        page.goto(f"/admin/pages/add/courses/lessonpage/{course.pk}/")
        _wagtail_title(page, lesson_title)
        screenshot(page, f"d-03-lecon-{n}")
        _wagtail_publish(page, lesson_title)

    lessons = LessonPage.objects.child_of(course)
    assert [lesson.title for lesson in lessons] == ["Vérifier la licence Teams Phone", "Lire un journal d'appel"]
    assert all(lesson.live for lesson in lessons)
    screenshot(page, "d-04-arborescence")

    # A learner finds it in the catalogue with its two lessons.
    page.context.clear_cookies()
    login(page, "technicien")
    page.goto("/formations/")
    page.get_by_role("link", name=title).first.click()
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "Vérifier la licence Teams Phone" in main and "Lire un journal d'appel" in main
    screenshot(page, "d-05-formation-publiee")


# Accessibility ---------------------------------------------------------------------------------

def _pages(data: dict, award_code: str, first_lesson_url: str) -> list[tuple[str, str | None, str]]:
    """(name, who, url) of the main pages: who is the demo account that opens it (None: anonymous)."""
    return [
        ("connexion", None, "/accounts/login/"),
        ("accueil", "technicien", "/"),
        ("catalogue", "technicien", "/formations/"),
        ("formation", "technicien", data["course_url"]),
        ("lecon", "technicien", first_lesson_url),
        ("mes-formations", "technicien", "/mes-formations/"),
        ("mes-competences", "technicien", "/mes-competences/"),
        ("equipe", "chef", "/equipe/"),
        ("qui-est-qualifie", "dispatch", f"/qui-est-qualifie/?category={data['category']}"),
        ("examen", "technicien", f"/examens/{data['exam_slug']}/"),
        ("base-de-connaissances", "technicien", "/connaissances/"),
        ("recherche-procedures", "technicien", "/connaissances/recherche/?q=compte"),
        ("verification-certificat", None, f"/certificats/verifier/{award_code}/"),
    ]


def test_the_main_pages_have_no_serious_or_critical_accessibility_violation(page, demo_site, dbaccess):
    from courses.models import CoursePage, LessonPage

    award_code = _technicien_certified()
    course = CoursePage.objects.get(pk=demo_site.data["course_id"])
    first_lesson = LessonPage.objects.child_of(course).live().first()
    report = {}
    signed_in = None
    for name, who, url in _pages(demo_site.data, award_code, first_lesson.url):
        if who != signed_in:
            page.context.clear_cookies()
            if who:
                login(page, who)
            signed_in = who
        response = page.goto(url)
        assert response.status == 200, f"{name}: {url} answered {response.status}"
        screenshot(page, f"axe-{name}")
        found = axe_violations(page)
        if found:
            report[f"{name} ({url}, {who or 'anonyme'})"] = found
    assert not report, "serious or critical axe-core violations:\n" + "\n".join(
        f"{where}:\n{describe(found)}" for where, found in report.items())
