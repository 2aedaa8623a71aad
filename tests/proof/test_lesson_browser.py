"""A lesson's command snippet in the browser: the copy button puts exactly the command on the
clipboard and says so (the button is hidden without JavaScript; the code stays selectable)."""
import pytest

from tests.proof.browser import login, requires_chromium, screenshot

pytestmark = [pytest.mark.browser, requires_chromium]


@pytest.fixture(autouse=True)
def _scale():
    """The browser tests use the session's seeded site (see test_journeys)."""


def _lesson_with_a_command():
    """A live demo lesson with a command snippet, `technicien` enrolled in its course."""
    from academy.models import Staff
    from courses.models import LessonPage
    from courses.services import enrolment_create

    staff = Staff.objects.get(user__username="technicien")
    for lesson in LessonPage.objects.live().order_by("path"):
        snippets = [block.value for block in lesson.body if block.block_type == "code"]
        if snippets:
            course = lesson.get_parent().specific
            while not hasattr(course, "prerequisites") and course.depth > 2:
                course = course.get_parent().specific
            enrolment_create(staff=staff, course=course)
            return lesson.url, snippets[0]["code"]
    pytest.fail("the demo has no lesson with a command snippet")


def test_the_copy_button_puts_the_command_on_the_clipboard(page, demo_site, dbaccess):
    url, command = _lesson_with_a_command()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, "technicien")
    page.goto(url)
    # The snippet as rendered (other snippets, e.g. inside a procedure, may come before it).
    index = page.evaluate("(command) => [...document.querySelectorAll('.block-code pre code')]"
                          ".findIndex((code) => code.textContent === command)", command)
    assert index >= 0, "the command is not shown as written"
    snippet = page.locator(".block-code").nth(index)
    button = snippet.locator("[data-copy]")
    assert button.is_visible()
    button.click()
    status = snippet.locator(".copy-status")
    status.wait_for(state="visible")
    assert status.inner_text() == "Copié"
    assert page.evaluate("navigator.clipboard.readText()") == command
    screenshot(page, "lesson-copy-button")
    assert page.js_errors == []
