"""The Wagtail admin: taxonomy snippets with search and filters, the import/export page."""
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from skills.models import Evidence, Skill
from tests.factories import SkillFactory

pytestmark = pytest.mark.django_db


def confirm(client, url, preview):
    """Press "Confirmer l'import" on a preview page."""
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)
    return client.post(url, {"token": token})


def test_an_admin_lists_searches_and_filters_skills(client, admin_user):
    SkillFactory(code="AD.GPO", name_fr="Stratégies de groupe")
    SkillFactory(code="NET.VPN", name_fr="VPN", active=False)
    client.force_login(admin_user)
    url = reverse("wagtailsnippets_skills_skill:list")
    page = client.get(url).content.decode()
    assert "AD.GPO" in page and "NET.VPN" in page
    searched = client.get(url, {"q": "groupe"}).content.decode()
    assert "AD.GPO" in searched and "NET.VPN" not in searched
    active_only = client.get(url, {"active": "true"}).content.decode()
    assert "AD.GPO" in active_only and "NET.VPN" not in active_only


def test_the_scale_domains_and_role_profiles_have_admin_listings(client, admin_user):
    client.force_login(admin_user)
    for name in ["wagtailsnippets_skills_proficiencylevel:list", "wagtailsnippets_skills_domain:list",
                 "wagtailsnippets_skills_roleprofile:list", "wagtailsnippets_skills_roleprofile:add"]:
        assert client.get(reverse(name)).status_code == 200, name


def test_an_admin_uploads_a_level_file_and_sees_a_line_numbered_report(client, admin_user, learner):
    SkillFactory(code="AD.GPO")
    client.force_login(admin_user)
    url = reverse("skills-transfer:index")
    bad = b"employee_id,skill_code,level,valid_until,source,note\nE10001,AD.GPO,3,,,\nE10001,NOPE,2,,,\n"
    response = client.post(url, {"import-kind": "levels", "import-file": SimpleUploadedFile("m.csv", bad)})
    assert response.status_code == 422
    assert "ligne 3 : code de compétence inconnu : NOPE" in response.content.decode()
    assert 'name="token"' not in response.content.decode()  # nothing to confirm
    assert not Evidence.objects.exists()
    preview = client.post(url, {"import-kind": "levels", "import-partial": "on",
                                "import-file": SimpleUploadedFile("m.csv", bad)})
    assert preview.status_code == 200 and "Aperçu" in preview.content.decode()
    assert not Evidence.objects.exists()
    confirm(client, url, preview)
    assert Evidence.objects.count() == 1


def test_an_admin_imports_the_taxonomy_from_the_admin(client, admin_user):
    client.force_login(admin_user)
    data = "domain_code;domain_name;skill_code;skill_name;description;reference\nTEL;Téléphonie;TEL.SIP;Trunks SIP;;\n"
    preview = client.post(reverse("skills-transfer:index"), {
        "import-kind": "taxonomy", "import-file": SimpleUploadedFile("t.csv", data.encode("utf-8-sig"))})
    assert "1 lignes lues : 1 créées" in preview.content.decode() and not Skill.objects.exists()
    confirm(client, reverse("skills-transfer:index"), preview)
    assert Skill.objects.filter(code="TEL.SIP", domain__code="TEL").exists()


def test_an_unreadable_file_is_reported_on_the_preview(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("skills-transfer:index"), {
        "import-kind": "levels", "import-file": SimpleUploadedFile("m.csv", b"\xff\xfeniveaux")})
    assert response.status_code == 422 and "UTF-16" in response.content.decode()


def test_a_lead_exports_but_cannot_import(client, lead, learner):
    from django.contrib.auth.models import Group

    from academy.roles import TEAM_LEAD, roles_sync

    roles_sync()
    lead.user.groups.add(Group.objects.get(name=TEAM_LEAD))
    client.force_login(lead.user)
    url = reverse("skills-transfer:index")
    page = client.get(url)
    assert page.status_code == 200 and "import-file" not in page.content.decode()
    response = client.post(url, {"import-kind": "levels", "import-file": SimpleUploadedFile("m.csv", b"x")})
    # Wagtail turns the refusal into a redirect to the dashboard with a message.
    assert response.status_code in (302, 403) and not Evidence.objects.exists()
    export = client.post(url, {"export-format": "csv", "export-team": ""})
    assert export["Content-Disposition"].endswith('.csv"')


def test_a_learner_has_no_access_to_the_transfer_page(client, learner):
    client.force_login(learner.user)
    assert client.get(reverse("skills-transfer:index")).status_code in (302, 403)
