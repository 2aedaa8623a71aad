"""/qui-est-qualifie/ as a French dispatcher reads it: translated evidence sources, validity ends
as days, the optional skills behind each rank, skills grouped by domain, labelled rows and clear
form errors."""
import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from academy.roles import DISPATCHER
from skills.services import evidence_record
from tests.factories import DomainFactory, SkillFactory, UserFactory


@pytest.fixture
def dina(client, db):
    user = UserFactory(username="dina", first_name="Dina", last_name="Dispatch")
    user.groups.add(Group.objects.get_or_create(name=DISPATCHER)[0])
    client.force_login(user)
    return client


@pytest.fixture
def network():
    return DomainFactory(code="NET", name_fr="Réseau", sort_order=1)


@pytest.fixture
def vpn(network):
    return SkillFactory(code="NET.VPN", name_fr="VPN d'entreprise", domain=network)


@pytest.fixture
def dns(network):
    return SkillFactory(code="NET.DNS", name_fr="Résolution DNS", domain=network)


@pytest.fixture
def gpo():
    return SkillFactory(code="AD.GPO", name_fr="Stratégies de groupe",
                        domain=DomainFactory(code="AD", name_fr="Annuaire", sort_order=0))


def _ask(client, **params):
    response = client.get("/qui-est-qualifie/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_evidence_sources_are_named_in_french(dina, learner, lead, vpn):
    evidence_record(staff=learner, skill=vpn, level=2, source="course")
    evidence_record(staff=lead, skill=vpn, level=3, source="manager")
    html = _ask(dina, req1_skill="NET.VPN", req1_level="2")
    assert "— Formation terminée" in html and "— Validation du responsable" in html
    assert "— course" not in html and "— manager" not in html


def test_a_validity_end_is_shown_as_a_day_without_a_time(dina, learner, vpn):
    until = timezone.make_aware(datetime(2099, 2, 24, 0, 49))
    evidence_record(staff=learner, skill=vpn, level=2, source="exam", valid_until=until)
    html = _ask(dina, req1_skill="NET.VPN", req1_level="2")
    assert "24 février 2099" in html
    assert "00:49" not in html and "24/02/2099" not in html


def test_a_validity_ending_at_midnight_shows_the_last_day_it_covers(dina, learner, vpn):
    # "Valid through 24 February" is stored as the next midnight (skills.forms._end_of_day).
    evidence_record(staff=learner, skill=vpn, level=2, source="manager",
                    valid_until=timezone.make_aware(datetime(2099, 2, 25)))
    html = _ask(dina, req1_skill="NET.VPN", req1_level="2")
    assert "jusqu'au 24 février 2099" in html and "25 février 2099" not in html


def test_each_candidate_shows_the_optional_skills_they_meet(dina, learner, lead, vpn, dns):
    evidence_record(staff=learner, skill=vpn, level=2, source="exam")
    evidence_record(staff=lead, skill=vpn, level=2, source="exam")
    evidence_record(staff=learner, skill=dns, level=3, source="exam")
    html = _ask(dina, req1_skill="NET.VPN", req1_level="2", opt1_skill="NET.DNS", opt1_level="2")
    rows = re.findall(r"<tr>\s*<td>\d+</td>.*?</tr>", html, re.S)
    assert len(rows) == 2
    lea_row, marc_row = rows
    assert "Léa Martin" in lea_row and "Compétence facultative atteinte : Résolution DNS ≥ 2" in lea_row
    assert "Marc Durand" in marc_row and "facultative" not in marc_row


def test_the_skill_chooser_groups_skills_by_domain_with_names_first(dina, vpn, dns, gpo):
    html = _ask(dina)
    select = re.search(r'<select name="req1_skill".*?</select>', html, re.S).group(0)
    assert '<optgroup label="Annuaire">' in select and '<optgroup label="Réseau">' in select
    assert select.index("Annuaire") < select.index("Stratégies de groupe (AD.GPO)") < select.index("Réseau")
    assert "Résolution DNS (NET.DNS)" in select and "NET.DNS —" not in select
    assert "— Choisir une compétence —" in select


def test_every_skill_row_has_a_visible_label(dina, vpn):
    html = _ask(dina)
    for name in ("req1_skill", "req4_skill", "opt2_skill"):
        label = re.search(rf'<th scope="row"><label for="id_{name}">([^<]+)</label></th>', html)
        assert label, name
    assert "Compétence requise 1" in html and "Compétence facultative 2" in html


def test_the_moment_field_says_what_it_is(dina):
    html = _ask(dina)
    assert "Date et heure (facultatif, maintenant par défaut)" in html
    assert "À l&#x27;instant" not in html and "À l'instant" not in html


def test_a_too_long_category_gets_an_error_about_its_length(dina, vpn):
    html = _ask(dina, category="x" * 300)
    assert "La catégorie du ticket compte 300 caractères : 255 au plus." in html
    assert "Choisissez une catégorie ou au moins une compétence requise." not in html


def test_the_evaluation_instant_reads_in_the_site_date_style(dina, learner, vpn):
    evidence_record(staff=learner, skill=vpn, level=2, source="exam",
                    observed_at=timezone.now() - timedelta(days=400))
    html = _ask(dina, req1_skill="NET.VPN", req1_level="2", at="2026-12-12T14:05")
    assert "Évalué au 12 décembre 2026 à 14:05." in html
