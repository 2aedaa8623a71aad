"""Fixtures of the proof suite: the browser ones live in tests/proof/browser.py."""
from tests.proof.browser import _async_unsafe_allowed, browser, dbaccess, demo_site, page  # noqa: F401
