"""The knowledge base's journey in the browser (issue #18): the editor writes a procedure in Wagtail
and submits it, the expert approves it (it is published), the dispatcher routes a ticket of its
category on /qui-est-qualifie/ and sees it beside the candidates, a technician opens it."""
import pytest

from tests.proof.browser import login, requires_chromium, screenshot

pytestmark = [pytest.mark.browser, requires_chromium]

CATEGORY = "Active Directory > Compte verrouillé"
TITLE = "Réactiver un compte désactivé par erreur"


@pytest.fixture(autouse=True)
def _scale():
    """The browser tests use the session's seeded site (see test_journeys)."""


def _open_actions_and_click(page, selector: str) -> None:
    """Wagtail's footer keeps most actions in a dropdown next to the main one: open it if needed."""
    button = page.locator(selector).first
    if not button.is_visible():
        toggles = page.locator(".w-dropdown__toggle")
        for i in range(toggles.count() - 1, -1, -1):
            if toggles.nth(i).is_visible():
                toggles.nth(i).click()
                if button.is_visible():
                    break
    with page.expect_navigation():
        button.click()


def test_a_procedure_goes_from_the_editor_to_the_technician(page, demo_site, dbaccess):
    from knowledge.models import ProcedurePage, SolutionPage

    solution = SolutionPage.objects.live().filter(domain__code="AD").first() or SolutionPage.objects.live().first()

    # The editor writes the procedure and submits it to the experts.
    login(page, "editeur")
    page.goto(f"/admin/pages/add/knowledge/procedurepage/{solution.pk}/")
    field = page.locator("#id_title")
    field.fill(TITLE)
    field.press("Tab")
    page.wait_for_function("document.getElementById('id_slug').value !== ''")
    page.locator("#id_purpose").fill("Réactiver le compte d'un utilisateur désactivé par erreur, sans en créer un autre.")
    if not page.locator("input[name='steps-0-value-title']").count():
        page.locator("#steps-root button.c-sf-add-button").first.click()  # one block type: added at once
    page.locator("input[name='steps-0-value-title']").fill("Réactiver le compte")
    page.locator("textarea[name='steps-0-value-command']").fill("Enable-ADAccount -Identity j.dupont")
    page.locator("#id_categories-ADD").click()
    page.locator("#id_categories-0-category").fill(CATEGORY)
    screenshot(page, "kb-01-editeur-redige")
    _open_actions_and_click(page, "button[name='action-submit']")
    procedure = ProcedurePage.objects.get(title=TITLE)
    assert not procedure.live and procedure.current_workflow_state is not None, page.inner_text("body")[:500]

    # The expert approves it: it is published.
    page.context.clear_cookies()
    login(page, "expert")
    page.goto(f"/admin/pages/{procedure.pk}/edit/")
    screenshot(page, "kb-02-expert-valide")
    _open_actions_and_click(page, "button[data-workflow-action-name='approve']:not([data-launch-modal])")
    procedure.refresh_from_db()
    assert procedure.live, page.inner_text("body")[:500]

    # The dispatcher routes a ticket of its category and sees it beside the candidates.
    page.context.clear_cookies()
    login(page, "dispatch")
    page.goto("/qui-est-qualifie/")
    page.locator("#id_category").fill(CATEGORY)
    with page.expect_navigation():
        page.get_by_role("button", name="Chercher", exact=True).click()
    documents = page.locator(".rb-procedures")
    assert TITLE in documents.inner_text()
    screenshot(page, "kb-03-dispatcher-voit-la-procedure")

    # A technician opens it from the link the router hands over.
    url = procedure.url
    page.context.clear_cookies()
    login(page, "technicien")
    page.goto(url)
    main = page.inner_text("main")
    assert TITLE in main and "Enable-ADAccount -Identity j.dupont" in main
    screenshot(page, "kb-04-technicien-lit")
    assert page.js_errors == []
    from learning_records.models import Statement

    assert Statement.objects.filter(staff__user__username="technicien", verb__endswith="/experienced",
                                    activity_id__endswith=f"/procedure/{procedure.pk}").count() == 1
