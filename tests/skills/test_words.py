"""Skills as a learner reads them: offered grouped by domain under their names, with a French
empty choice; her lines lead with the skill's name; a validity shows the last day it covers."""
import re
from datetime import datetime

import pytest
from django.utils import timezone

from academy.models import Team
from courses.paths.forms import AssignForm, PathForm, StepForm
from routing_bridge.forms import QualifiedForm
from skills.forms import (CoverageFilterForm, DecisionForm, EvidenceForm, MatrixFilterForm,
                          SelfAssessmentForm)
from skills.services import evidence_record
from tests.courses.factories import catalogue_create, course_create
from tests.factories import DomainFactory, SkillFactory


@pytest.fixture
def skills(db):
    directory = DomainFactory(code="AD", name_fr="Annuaire", sort_order=0)
    network = DomainFactory(code="NET", name_fr="Réseau", sort_order=1)
    return {
        "gpo": SkillFactory(code="AD.GPO", name_fr="Stratégies de groupe", domain=directory),
        "vpn": SkillFactory(code="NET.VPN", name_fr="VPN d'entreprise", domain=network),
        "dns": SkillFactory(code="NET.DNS", name_fr="Résolution DNS", domain=network),
    }


def _select(html, name):
    return re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)


def test_the_self_assessment_offers_skills_grouped_by_domain_names_first(client, learner, skills):
    client.force_login(learner.user)
    select = _select(client.get("/mes-competences/auto-evaluation/").content.decode(), "skill")
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups == ["Annuaire", "Réseau"]
    network = select[select.index('label="Réseau"'):]
    assert "Résolution DNS (NET.DNS)" in network and "VPN d&#x27;entreprise (NET.VPN)" in network
    assert "— Choisir une compétence —" in select and "---------" not in select


def test_the_lead_records_a_level_from_the_same_grouped_list(client, learner, lead, skills):
    client.force_login(lead.user)
    html = client.get(_staff_detail(learner)).content.decode()
    select = _select(html, "skill")
    assert '<optgroup label="Annuaire">' in select and "Stratégies de groupe (AD.GPO)" in select


def _staff_detail(staff):
    from django.urls import reverse
    return reverse("skills:staff_detail", args=[staff.employee_id])


def test_no_site_form_shows_django_s_dashes(skills, lead):
    catalogue_create()
    forms = [SelfAssessmentForm(), EvidenceForm(), DecisionForm(), MatrixFilterForm(teams=Team.objects.all()),
             CoverageFilterForm(teams=Team.objects.all()), QualifiedForm(skills=list(skills.values())),
             PathForm(), StepForm(), AssignForm(people=[lead], teams=[lead.team])]
    for form in forms:
        assert "---------" not in form.as_p(), type(form).__name__


def test_the_catalogue_filter_groups_taught_skills_by_domain(client, learner, skills):
    catalogue = catalogue_create()
    course_create(title="Poser une GPO", catalogue=catalogue, domain=skills["gpo"].domain,
                  skills=[(skills["gpo"], 2)])
    course_create(title="Dépanner le VPN", catalogue=catalogue, domain=skills["vpn"].domain,
                  skills=[(skills["vpn"], 2)])
    client.force_login(learner.user)
    html = client.get(catalogue.url).content.decode()
    select = re.search(r'<select id="f-skill".*?</select>', html, re.S).group(0)
    assert re.findall(r'<optgroup label="([^"]+)">', select) == ["Annuaire", "Réseau"]
    assert "Stratégies de groupe (AD.GPO)" in select


def test_her_skills_lead_with_names_and_show_the_last_valid_day(client, learner, skills):
    # Valid through 24 February: stored as the next midnight (skills.forms._end_of_day).
    evidence_record(staff=learner, skill=skills["vpn"], level=2, source="manager",
                    valid_until=timezone.make_aware(datetime(2099, 2, 25)))
    client.force_login(learner.user)
    html = client.get("/mes-competences/").content.decode()
    assert re.search(r'<th scope="row">VPN d&#x27;entreprise <span class="code">NET.VPN</span></th>', html)
    assert "24 février 2099" in html and "25 février 2099" not in html
