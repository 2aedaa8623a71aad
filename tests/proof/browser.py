"""Browser infrastructure for the journeys and the accessibility checks: Debian's Chromium driven
by Playwright, one seeded demo site per test session, screenshots and axe-core.

Why one site per session rather than pytest-django's per-test `live_server` + `transactional_db`:
the demo seed (`seed_demo --staff 30`) takes about 25 s, and a transactional test empties the
database after each test. The site is therefore seeded once, outside any test transaction, served
by pytest-django's own `LiveServer` helper, and the database is flushed when the session ends (the
browser tests run last: pytest-django orders database-less tests after the others). Tests that
read or write the database from the test itself use the `dbaccess` fixture.
"""
from __future__ import annotations

import io
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("ACADEMIE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("ACADEMIE_SCREENSHOTS", str(settings.BASE_DIR / "var" / "screenshots")))
DEMO_PASSWORD = "academie"
DEMO_STAFF = int(os.environ.get("ACADEMIE_PROOF_STAFF", "30"))


def chromium_missing_reason() -> str | None:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; CI does it)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    return None


requires_chromium = pytest.mark.skipif(chromium_missing_reason() is not None,
                                       reason=chromium_missing_reason() or "")


@dataclass
class Site:
    url: str
    data: dict = field(default_factory=dict)  # what the session setup created: pages, exams, certifications


@pytest.fixture(scope="session")
def _async_unsafe_allowed():
    """Playwright's sync API runs an event loop in the test thread; Django then refuses ORM calls
    from it (SynchronousOnlyOperation) although they are plain synchronous calls here."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def demo_site(django_db_setup, django_db_blocker, _async_unsafe_allowed):
    """The demo, seeded once (`seed_demo --staff 30` plus the journeys' course, exam and
    certification, created through the apps' services), served on a free port."""
    from django.core.management import call_command
    from pytest_django.live_server_helper import LiveServer

    from tests.proof import journey_data

    with django_db_blocker.unblock():
        created = _test_database_ensure()
        call_command("seed_demo", staff=DEMO_STAFF, stdout=io.StringIO())
        data = journey_data.build()
        server = LiveServer("localhost:0")
        try:
            yield Site(url=server.url, data=data)
        finally:
            server.stop()
            if created is not None:
                from django.test.utils import teardown_databases

                teardown_databases(created, verbosity=0)
            else:
                # Leave the test database as empty as the rest of the session expects it.
                call_command("flush", interactive=False, verbosity=0)
                # Playwright's sync API runs an event loop in this thread, so the flush may have
                # run on a connection of another context than the one pytest-django closes before
                # dropping the test database ("being accessed by other users"): close it here.
                from django.db import connections

                connections.close_all()


def _test_database_ensure():
    """pytest-django creates the test database only when a collected test asks for `db`; a run of
    the browser tests alone asks for none. Create it then (never touch a non-test database).
    Returns the configuration to tear down, or None when pytest-django already made it."""
    from django.db import connection
    from django.test.utils import setup_databases

    name = str(connection.settings_dict["NAME"])
    if name.startswith("test_") or "memorydb" in name:
        return None
    return setup_databases(verbosity=0, interactive=False, aliases={"default"})


@pytest.fixture
def dbaccess(django_db_blocker):
    """Database access from the test thread, outside any transaction (the server thread must see
    what the test writes)."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="session")
def browser(_async_unsafe_allowed):
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, demo_site):
    """A fresh browser context (no cookies) per test, French first, downloads accepted."""
    context = browser.new_context(base_url=demo_site.url, locale="fr-FR", accept_downloads=True,
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.js_errors = errors
    yield tab
    context.close()


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{username} could not sign in: {page.inner_text('main')[:300]}"


def screenshot(page, name: str) -> Path:
    """Write a full-page PNG to var/screenshots/<name>.png (the README names the folder)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


SERIOUS = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """Run axe-core (the copy shipped in the axe-playwright-python wheel: no network) on the
    current page; return the serious and critical violations as {id, impact, help, targets}."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response.get("violations", []):
        if violation.get("impact") in SERIOUS:
            found.append({
                "id": violation["id"], "impact": violation["impact"], "help": violation["help"],
                "targets": [", ".join(map(str, node.get("target", []))) for node in violation.get("nodes", [])][:5],
            })
    return found


def describe(violations: list[dict]) -> str:
    return "\n".join(f"  {v['impact']}: {v['id']} — {v['help']} — {v['targets']}" for v in violations)
