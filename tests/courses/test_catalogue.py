"""Browsing, filtering and searching the catalogue; recommendations; a constant number of queries."""
import pytest

from courses import services
from courses.selectors import CatalogueFilters, catalogue_courses, recommended_courses
from tests.courses.factories import course_create, lesson_create
from tests.factories import DomainFactory, SkillFactory


@pytest.fixture
def network_course(catalogue):
    domain = DomainFactory(code="NET", name_fr="Réseau")
    vlan = SkillFactory(code="NET.VLAN", name_fr="VLAN", domain=domain)
    course = course_create(title="Un VLAN qui n'arrive pas au port", catalogue=catalogue, domain=domain,
                           skills=[(vlan, 3)], difficulty="advanced", duration_minutes=120,
                           audience_tiers=["N2"], audience_profiles=["administrator"],
                           summary="Trunks, ports d'accès et VLAN natif sur un commutateur Cisco.")
    lesson_create(parent=course, title="Lire la configuration d'un port",
                  body=[("code", {"language": "cisco", "code": "show interfaces trunk", "caption": ""})])
    return course


def titles(filters):
    qs, _order = catalogue_courses(filters=filters)
    return sorted(c.title for c in qs)


def test_it_filters_by_domain_skill_tier_profile_difficulty_and_duration(course, network_course):
    gpo, vlan = course.title, network_course.title
    assert titles(CatalogueFilters(domain="NET")) == [vlan]
    assert titles(CatalogueFilters(skill="AD.GPO")) == [gpo]
    assert titles(CatalogueFilters(tier="N1")) == [gpo]  # no tier chosen: for everyone
    assert titles(CatalogueFilters(tier="N2")) == sorted([gpo, vlan])
    assert titles(CatalogueFilters(profile="technician")) == [gpo]
    assert titles(CatalogueFilters(difficulty="advanced")) == [vlan]
    assert titles(CatalogueFilters(duration=60)) == [gpo]


def test_unknown_filter_values_are_ignored(lea, course):
    response = lea.get("/formations/?niveau=N9&duree=abc&difficulte=<script>&page=999")
    assert response.status_code == 200
    assert course.title.replace("'", "&#x27;") in response.content.decode()


def test_the_catalogue_page_filters_and_shows_an_empty_state(lea, course, network_course):
    html = lea.get("/formations/?domaine=NET").content.decode()
    assert "Un VLAN qui n&#x27;arrive pas au port" in html and "Diagnostiquer une GPO" not in html
    html = lea.get("/formations/?q=zzzzzz").content.decode()
    assert "Aucune formation ne correspond" in html


def test_french_search_finds_a_course_from_a_lesson_about_group_policy(lea, catalogue, gpo_skill, network_course):
    course = course_create(title="Dépanner un poste", catalogue=catalogue, domain=gpo_skill.domain,
                           summary="Les bons réflexes au premier appel.")
    lesson_create(parent=course, title="Quand rien ne s'applique",
                  body=[("rich_text", "<p>Vérifier qu'une stratégie de groupe est bien liée à l'unité "
                                      "d'organisation de l'ordinateur.</p>")])
    qs, order = catalogue_courses(filters=CatalogueFilters(q="stratégies"))
    assert [c.title for c in qs] == ["Dépanner un poste"]
    html = lea.get("/formations/?q=strat%C3%A9gies").content.decode()
    assert "Dépanner un poste" in html and "1 formation" in html


def test_search_does_not_reveal_draft_lessons(catalogue, gpo_skill):
    course = course_create(title="Messagerie", catalogue=catalogue, domain=gpo_skill.domain)
    lesson_create(parent=course, title="Brouillon", live=False,
                  body=[("rich_text", "<p>Journalisation des boîtes aux lettres partagées.</p>")])
    qs, _order = catalogue_courses(filters=CatalogueFilters(q="journalisation"))
    assert list(qs) == []


def test_completed_and_enrolled_courses_are_marked_on_their_card(lea, learner, course):
    services.enrolment_create(staff=learner, course=course)
    assert "En cours" in lea.get("/formations/").content.decode()


def test_recommendations_close_the_gaps_of_the_learners_role(learner, course, network_course, gpo_skill):
    skills_models = pytest.importorskip("skills.models")
    if not hasattr(skills_models, "RoleProfile"):
        pytest.skip("role profiles are not available in skills yet")
    role = skills_models.RoleProfile.objects.create(name="Technicien N1", profile="technician", tier="N1")
    skills_models.RoleRequirement.objects.create(role_profile=role, skill=gpo_skill, min_level=2)
    assert [c.title for c in recommended_courses(staff=learner)] == [course.title]

    services.enrolment_create(staff=learner, course=course)
    assert recommended_courses(staff=learner) == []  # already taken


def make_courses(catalogue, start, count):
    domain = DomainFactory(code="INFRA", name_fr="Infrastructure")
    for i in range(start, start + count):
        skill = SkillFactory(code=f"INFRA.S{i}", domain=domain)
        course = course_create(title=f"Formation {i:03d}", catalogue=catalogue, domain=domain, skills=[(skill, 2)])
        lesson_create(parent=course, title=f"Leçon {i}")


def test_the_catalogue_query_count_does_not_depend_on_its_size(lea, learner, catalogue,
                                                                 django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_courses(catalogue, 0, 5)
    lea.get("/formations/")  # warm caches (site root paths, content types)
    with CaptureQueriesContext(connection) as small:
        assert lea.get("/formations/").status_code == 200
    make_courses(catalogue, 5, 35)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert lea.get("/formations/").status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert lea.get("/formations/?q=Formation&niveau=N1").status_code == 200
