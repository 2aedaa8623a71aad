"""The site's layout in a real browser (Debian's Chromium driven by Playwright) on the seeded demo:
no page scrolls sideways on a laptop (1,366 px) or a phone (390 px), wide tables scroll inside
their own container; the error pages are French and in the site's layout.

Screenshots go to var/screenshots/layout-<width>-<page>.png (ACADEMIE_SCREENSHOTS overrides it)."""
import pytest

from tests.proof import journey_data
from tests.proof.browser import login, requires_chromium, screenshot

pytestmark = [pytest.mark.browser, requires_chromium]

WIDTHS = {"laptop": (1366, 768), "phone": (390, 844)}

# What sticks out past the viewport, outside any scrolling container: named on failure.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 0.5 && !clipped(el)) {
      const cls = typeof el.className === 'string' && el.className.trim()
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      culprits.push(`${el.tagName.toLowerCase()}${cls} (right edge ${Math.round(box.right)} px)`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, culprits: culprits.slice(0, 6)};
}"""


@pytest.fixture(autouse=True)
def _scale():
    """The browser tests use the session's seeded site (see test_journeys)."""


def _pages(data: dict) -> list[tuple[str, str | None, str]]:
    """(name, who, url) of the main pages of every role; who is the demo account (None: anonymous).
    Makes sure what the pages need exists: `technicien` enrolled in the journey course, a path of
    `chef`'s team."""
    from academy.models import Staff
    from courses.models import CoursePage, LessonPage
    from courses.paths.models import TrainingPath
    from courses.services import enrolment_create

    technicien = Staff.objects.get(user__username="technicien")
    course = CoursePage.objects.get(pk=data["course_id"])
    enrolment_create(staff=technicien, course=course)
    lesson = LessonPage.objects.child_of(course).live().first()
    member = Staff.objects.filter(team__name="Support N1 Paris", active=True).exclude(
        user__username="chef").order_by("employee_id").first()
    pages = [
        ("connexion", None, "/accounts/login/"),
        ("verifier", None, "/certificats/verifier/"),
        ("accueil", "technicien", "/"),
        ("catalogue", "technicien", "/formations/"),
        ("formation", "technicien", data["course_url"]),
        ("lecon", "technicien", lesson.url),
        ("mes-formations", "technicien", "/mes-formations/"),
        ("mes-parcours", "technicien", "/mes-formations/parcours/"),
        ("mes-competences", "technicien", "/mes-competences/"),
        ("auto-evaluation", "technicien", "/mes-competences/auto-evaluation/"),
        ("examens", "technicien", "/examens/"),
        ("examen", "technicien", f"/examens/{data['exam_slug']}/"),
        ("certificats", "technicien", "/certificats/"),
        ("notifications", "technicien", "/notifications/"),
        ("accueil-chef", "chef", "/"),
        ("equipe", "chef", "/equipe/"),
        ("equipe-couverture", "chef", "/equipe/couverture/"),
        ("equipe-validations", "chef", "/equipe/validations/"),
        ("equipe-collaborateur", "chef", f"/equipe/collaborateur/{member.employee_id}/"),
        ("equipe-parcours", "chef", "/equipe/parcours/"),
        ("equipe-parcours-nouveau", "chef", "/equipe/parcours/nouveau/"),
        ("equipe-certificats", "chef", "/certificats/equipe/"),
        ("qui-est-qualifie-chef", "chef", "/qui-est-qualifie/"),
        ("qui-est-qualifie-rapport", "chef", "/qui-est-qualifie/report/"),
        ("notifications-chef", "chef", "/notifications/"),
        ("accueil-dispatch", "dispatch", "/"),
        ("qui-est-qualifie", "dispatch", "/qui-est-qualifie/"),
        ("qui-est-qualifie-resultat", "dispatch", f"/qui-est-qualifie/?category={journey_data.CATEGORY}"),
        ("accueil-editeur", "editeur", "/"),
        ("accueil-admin", "admin", "/"),
    ]
    path = TrainingPath.objects.filter(created_by__username="chef").order_by("pk").first()
    if path is not None:
        pages.append(("equipe-parcours-detail", "chef", f"/equipe/parcours/{path.pk}/"))
    return pages


def test_no_page_scrolls_sideways_on_a_laptop_or_a_phone(page, demo_site, dbaccess):
    report = []
    signed_in = "?"
    for name, who, url in _pages(demo_site.data):
        if who != signed_in:
            page.context.clear_cookies()
            if who:
                login(page, who)
            signed_in = who
        for label, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            response = page.goto(url)
            assert response.status == 200, f"{name}: {url} answered {response.status}"
            found = page.evaluate(OVERFLOW)
            screenshot(page, f"layout-{width}-{name}")
            if found["scrollWidth"] > found["innerWidth"]:
                report.append(f"{name} ({url}, {who or 'anonyme'}) at {width} px: the page is "
                              f"{found['scrollWidth']} px wide; sticking out: {found['culprits']}")
    assert not report, "pages that scroll sideways:\n" + "\n".join(report)


def test_the_error_pages_are_french_and_in_the_sites_layout(page, demo_site):
    login(page, "technicien")
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})

        response = page.goto("/equipe/")
        assert response.status == 403
        assert page.get_by_role("heading", level=1).inner_text() == "Accès refusé"
        assert "Cette page est réservée aux responsables d'équipe." in page.inner_text("main")
        assert page.get_by_role("navigation", name="Navigation principale").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, f"layout-{width}-erreur-403")

        response = page.goto("/nulle-part/")
        assert response.status == 404
        assert page.get_by_role("heading", level=1).inner_text() == "Page introuvable"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, f"layout-{width}-erreur-404")

    page.get_by_role("link", name="Retour à l'accueil").click()
    page.wait_for_load_state()
    assert page.url == f"{demo_site.url}/"
    assert page.js_errors == []
