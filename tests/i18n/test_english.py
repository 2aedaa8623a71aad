"""The interface is French by default and fully available in English: the language switch in the
header (POST /i18n/setlang/) or the browser's Accept-Language turns the pages English, and the
English catalogue (locale/en) translates every string and is compiled."""
import gettext as gettext_module
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tests.courses.factories import catalogue_create, course_create
from tests.factories import DomainFactory, SkillFactory

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"


@pytest.fixture
def lea(client, learner):
    client.force_login(learner.user)
    return client


def _switch_to_english(client, next_url="/"):
    response = client.post("/i18n/setlang/", {"language": "en", "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    return response


def _html(response):
    assert response.status_code == 200
    return response.content.decode()


# --- Pages -----------------------------------------------------------------------------------

def test_the_login_page_is_french_by_default_and_offers_english(client):
    html = _html(client.get("/accounts/login/"))
    assert '<html lang="fr">' in html
    assert "Connexion" in html and "Mot de passe oublié ?" in html
    assert 'value="en"' in html and "English" in html
    assert "Sign in" not in html


def test_the_language_switch_turns_the_login_page_english(client):
    _switch_to_english(client, "/accounts/login/")
    html = _html(client.get("/accounts/login/"))
    assert '<html lang="en">' in html
    assert "Sign in" in html and "Username" in html and "Forgot your password?" in html
    assert "Connexion" not in html and "Mot de passe oublié" not in html
    # The switch now offers the way back to French.
    assert 'value="fr"' in html and "Français" in html


def test_switching_back_to_french_restores_the_french_interface(client):
    _switch_to_english(client, "/accounts/login/")
    client.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})
    html = _html(client.get("/accounts/login/"))
    assert "Connexion" in html and "Sign in" not in html


def test_a_browser_asking_for_english_gets_english_pages(client):
    html = _html(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"))
    assert "Sign in" in html and "Connexion" not in html


def test_a_browser_asking_for_an_unsupported_language_gets_french(client):
    html = _html(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9"))
    assert "Connexion" in html


def test_the_home_page_greets_and_navigates_in_french_by_default(lea):
    html = _html(lea.get("/"))
    assert "Bonjour Léa Martin" in html
    assert "Mes compétences" in html and "Mes formations" in html and "Se déconnecter" in html
    assert "My skills" not in html


def test_the_home_page_greets_and_navigates_in_english_after_the_switch(lea):
    _switch_to_english(lea)
    html = _html(lea.get("/"))
    assert "Hello Léa Martin" in html
    assert "My skills" in html and "My courses" in html and "Sign out" in html
    assert "Technician" in html  # Léa's job profile, a model choice label
    assert "Mes compétences" not in html and "Se déconnecter" not in html


def test_a_team_lead_sees_the_lead_menu_in_english(client, lead):
    client.force_login(lead.user)
    _switch_to_english(client)
    html = _html(client.get("/"))
    assert "My team" in html and "Who is qualified?" in html
    assert "Mon équipe" not in html and "Qui est qualifié" not in html


def test_my_skills_is_french_by_default(lea):
    html = _html(lea.get("/mes-competences/"))
    assert "Mes compétences" in html and "Déclarer un niveau" in html
    assert "Declare a level" not in html


def test_my_skills_is_english_after_the_switch(lea):
    _switch_to_english(lea, "/mes-competences/")
    html = _html(lea.get("/mes-competences/"))
    assert "My skills" in html and "Declare a level" in html
    assert "Déclarer un niveau" not in html


@pytest.fixture
def catalogue_with_a_course(db):
    catalogue = catalogue_create()
    domain = DomainFactory(code="AD", name_fr="Active Directory")
    skill = SkillFactory(code="AD.GPO", name_fr="Stratégies de groupe", domain=domain)
    return course_create(title="Diagnostiquer une GPO", catalogue=catalogue, domain=domain, skills=[(skill, 2)])


def test_the_catalogue_is_french_by_default(lea, catalogue_with_a_course):
    html = _html(lea.get("/formations/"))
    assert "Rechercher et filtrer les formations" in html and "1 formation" in html
    assert "Search and filter courses" not in html


def test_the_catalogue_is_english_after_the_switch(lea, catalogue_with_a_course):
    _switch_to_english(lea, "/formations/")
    html = _html(lea.get("/formations/"))
    assert "Search and filter courses" in html and "Difficulty" in html
    assert "1 course" in html  # the plural form for one
    assert "Diagnostiquer une GPO" in html  # editors' content stays as written
    assert "Rechercher et filtrer les formations" not in html


def test_english_plural_forms_are_used(db):
    with translation.override("en"):
        assert translation.ngettext("%(n)s formation", "%(n)s formations", 1) % {"n": 1} == "1 course"
        assert translation.ngettext("%(n)s formation", "%(n)s formations", 3) % {"n": 3} == "3 courses"


def test_messages_built_in_python_are_translated_with_their_placeholders(db):
    with translation.override("en"):
        message = translation.gettext("Vous êtes inscrit à « %(title)s ».") % {"title": "GPO"}
    assert message == 'You are enrolled in "GPO".'


# --- The catalogue file itself ------------------------------------------------------------------

def _unquote(line: str) -> str:
    body = line[line.index('"') + 1:line.rindex('"')]
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(m.group(1), "\\" + m.group(1)),
                  body)


def _po_entries(path: Path) -> list[dict]:
    """A small reader for the .po file (msgctxt, msgid, msgid_plural, msgstr, msgstr[n], flags,
    continuation lines); enough to check the catalogue without a third-party library."""
    entries, entry, field = [], None, None

    def flush():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}, "line": 0}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += _unquote(line)
            else:
                entry[field[0]] += _unquote(line)
        else:
            keyword = line.split(" ", 1)[0]
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if match:
                field = ("msgstr", int(match.group(1)))
                entry["msgstr"][field[1]] = _unquote(line)
            elif keyword == "msgstr":
                field = ("msgstr", 0)
                entry["msgstr"][0] = _unquote(line)
            else:
                field = (keyword, None)
                entry[keyword] = _unquote(line)
                entry.setdefault("line", 0)
    flush()
    return entries


@pytest.fixture(scope="module")
def po_entries():
    entries = _po_entries(PO_FILE)
    assert entries and entries[0]["msgid"] == "", "the .po file must start with its header"
    return entries[1:]


PLACEHOLDER = re.compile(r"%(?:\([A-Za-z0-9_]+\))?[-#0+]*\d*(?:\.\d+)?[sdifxXr]")


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def _describe(entry):
    return repr(entry["msgid"][:80])


def test_the_english_catalogue_has_the_strings_of_every_app(po_entries):
    source = PO_FILE.read_text(encoding="utf-8")
    for place in ("academy/", "learning_records/", "skills/", "courses/", "courses/paths/", "assessments/",
                  "routing_bridge/", "templates/"):
        assert f"#: {place}" in source or f" {place}" in source, f"no string from {place} in the catalogue"
    assert len(po_entries) > 1000


def test_every_string_has_an_english_translation(po_entries):
    untranslated = [_describe(e) for e in po_entries
                    if not e["msgstr"] or any(not text.strip() for text in e["msgstr"].values())]
    assert not untranslated, f"{len(untranslated)} untranslated string(s) in locale/en: {untranslated[:20]}"


def test_plural_strings_have_both_english_forms(po_entries):
    plurals = [e for e in po_entries if "msgid_plural" in e]
    assert plurals
    for entry in plurals:
        assert sorted(entry["msgstr"]) == [0, 1], _describe(entry)


def test_no_translation_is_left_fuzzy_or_obsolete(po_entries):
    fuzzy = [_describe(e) for e in po_entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy translations are ignored at run time: {fuzzy[:20]}"
    assert not any(e.get("obsolete") for e in po_entries)


def test_translations_keep_every_placeholder(po_entries):
    wrong = []
    for entry in po_entries:
        sources = [entry["msgid"]] + ([entry["msgid_plural"]] if "msgid_plural" in entry else [])
        expected = set().union(*(_placeholders(text) for text in sources))
        for text in entry["msgstr"].values():
            got = _placeholders(text)
            if got != expected:
                wrong.append((_describe(entry), sorted(expected), sorted(got)))
    assert not wrong, wrong[:10]


def test_the_compiled_catalogue_matches_the_po_file(po_entries):
    """django.mo is committed so English works without gettext tools; it must not lag behind."""
    with MO_FILE.open("rb") as handle:
        compiled = gettext_module.GNUTranslations(handle)
    stale = []
    for entry in po_entries:
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            for n, form in ((1, 0), (2, 1)):
                got = (compiled.npgettext(context, entry["msgid"], entry["msgid_plural"], n) if context
                       else compiled.ngettext(entry["msgid"], entry["msgid_plural"], n))
                if got != entry["msgstr"][form]:
                    stale.append(_describe(entry))
        else:
            got = compiled.pgettext(context, entry["msgid"]) if context else compiled.gettext(entry["msgid"])
            if got != entry["msgstr"][0]:
                stale.append(_describe(entry))
    assert not stale, f"run `manage.py compilemessages`: {len(stale)} string(s) differ, e.g. {stale[:5]}"


TEMPLATE_TRANS = re.compile(r"""\{%\s*trans\s+(?:"([^"]*)"|'([^']*)')""")


def test_every_plain_trans_tag_in_the_templates_is_in_the_catalogue(po_entries):
    """New {% trans "…" %} strings must be extracted (makemessages) and translated."""
    known = {e["msgid"] for e in po_entries if not e.get("msgctxt")}
    missing = set()
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for template in Path(directory).rglob("*.html"):
            for match in TEMPLATE_TRANS.finditer(template.read_text(encoding="utf-8")):
                msgid = match.group(1) if match.group(1) is not None else match.group(2)
                if msgid not in known:
                    missing.add(f"{template.relative_to(settings.BASE_DIR)}: {msgid}")
    assert not missing, f"not in locale/en (run makemessages, then translate): {sorted(missing)[:20]}"
