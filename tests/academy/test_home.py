"""The home page is each person's dashboard: Léa the learner sees the courses to resume, her paths
(the overdue one flagged in words), her gaps with a way to the catalogue, her deadlines; Marc her
lead sees his team's figures and not Sophie's; a dispatcher can ask who is qualified from it; an
editor without a staff record gets only what is theirs. It stays cheap: the learner's home runs
the same number of queries with 2 or 8 courses and paths."""
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from academy.roles import CONTENT_EDITOR, DISPATCHER
from courses.paths import services as path_services
from courses.selectors import course_lessons
from courses.services import enrolment_create, lesson_complete, lesson_visit_record
from skills.models import RoleProfile, RoleRequirement
from skills.services import evidence_record, self_assessment_submit
from tests.courses.factories import catalogue_create, course_create, lesson_create
from tests.factories import DomainFactory, SkillFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_learning_records(monkeypatch):
    """The xAPI records of the courses' services are another suite's business."""
    monkeypatch.setattr("courses.services.learning_event_record", lambda **kwargs: None)


@pytest.fixture
def domain(db):
    return DomainFactory(code="AD", name_fr="Active Directory", name_en="Active Directory")


@pytest.fixture
def gpo(domain):
    return SkillFactory(code="AD.GPO", name_fr="Stratégies de groupe", name_en="Group policies", domain=domain)


@pytest.fixture
def vpn(domain):
    return SkillFactory(code="NET.VPN", name_fr="VPN nomade", name_en="Remote VPN", domain=domain)


@pytest.fixture
def role(gpo):
    """Léa's role profile (technician, N1) requires AD.GPO at level 3."""
    profile = RoleProfile.objects.create(name="Technicien N1", profile="technician", tier="N1")
    RoleRequirement.objects.create(role_profile=profile, skill=gpo, min_level=3)
    return profile


def _course(title: str, domain, lessons: int = 7):
    course = course_create(title=title, catalogue=catalogue_create(), domain=domain)
    for n in range(1, lessons + 1):
        lesson_create(parent=course, title=f"{title} — leçon {n}")
    return course


def _started(staff, course, done: int):
    """Enrol `staff` in `course` and finish its first `done` lessons, then open the next one."""
    enrolment_create(staff=staff, course=course, source="self")
    lessons = course_lessons(course=course)
    for lesson in lessons[:done]:
        lesson_complete(staff=staff, lesson=lesson)
    lesson_visit_record(staff=staff, lesson=lessons[done])


def _overdue_path(*, staff, lead, name: str, course, days_late: int = 5):
    """`name`, one step (`course`), assigned to `staff` by `lead` with a due date now past."""
    path = path_services.path_create(name=name, by=lead.user)
    path_services.path_step_add(path=path, by=lead.user, kind="course", course=course)
    then = timezone.now() - timedelta(days=30)
    return path_services.assignment_create(path=path, staff=staff, by=lead.user, due_mode="absolute",
                                           due_on=timezone.localdate() - timedelta(days=days_late), now=then)


def _award(staff, certification, *, ends_in_days: int):
    """A certification held for 300 days already, ending in `ends_in_days` days."""
    from assessments.models import Award

    now = timezone.now()
    until = now + timedelta(days=ends_in_days)
    return Award.objects.create(certification=certification, staff=staff, awarded_at=now - timedelta(days=300),
                                valid_from=now - timedelta(days=300), valid_until=until, expires_on=until.date())


def _home(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, heading: str) -> str:
    """The HTML of the dashboard card whose h2 is `heading`."""
    match = re.search(r"<h2 id=\"[^\"]+\">" + re.escape(heading) + r"</h2>(.*?)</section>", html, re.S)
    assert match, f"no section {heading!r}"
    return match.group(1)


def _with_group(name: str, *, staff: bool = True):
    user = StaffFactory().user if staff else UserFactory()
    user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


# --- the learner --------------------------------------------------------------------------------

def test_lea_sees_what_to_resume_her_overdue_path_her_gaps_and_her_deadlines(client, learner, lead, domain,
                                                                                 gpo, vpn, role):
    gpo_course = _course("Diagnostiquer une GPO", domain)
    _started(learner, gpo_course, done=3)
    vpn_course = _course("Dépanner le VPN", domain, lessons=2)
    _overdue_path(staff=learner, lead=lead, name="Parcours VPN", course=vpn_course, days_late=5)
    evidence_record(staff=learner, skill=gpo, level=1, source="manager", recorded_by=lead.user)
    evidence_record(staff=learner, skill=vpn, level=2, source="certification", recorded_by=lead.user,
                    valid_until=timezone.now() + timedelta(days=30))

    html = _home(client, learner.user)

    assert "Bonjour Léa Martin" in html
    resume = _section(html, "Reprendre")
    assert "Diagnostiquer une GPO" in resume and "3 leçons sur 7" in resume
    assert f'href="/mes-formations/reprendre/{gpo_course.pk}/"' in resume and "Continuer" in resume
    assert "Commencer" in resume  # the path's course, not opened yet
    assert 'href="/mes-formations/"' in resume

    paths = _section(html, "Mes parcours")
    assert "Parcours VPN" in paths
    assert "En retard de 5 jours" in paths  # in words, not only in red
    assert "Prochaine étape :" in paths and f'href="/mes-formations/reprendre/{vpn_course.pk}/"' in paths
    assert 'href="/mes-formations/parcours/"' in paths

    gaps = _section(html, "À renforcer")
    assert "AD.GPO" in gaps and "Stratégies de groupe" in gaps and "requis 3, validé 1" in gaps
    assert 'href="/formations/?competence=AD.GPO"' in gaps
    assert "NET.VPN" not in gaps  # not required by her role profile

    deadlines = _section(html, "Échéances")
    until = timezone.localtime(timezone.now() + timedelta(days=30))
    assert "NET.VPN" in deadlines and "niveau 2 jusqu’au" in deadlines
    assert f"{until.day} " in deadlines  # the date itself
    assert 'href="/certificats/"' in deadlines  # a level held by a certification: renew it
    assert "AD.GPO" not in deadlines  # a level without end date is no deadline

    assert "compétences validées" in html  # AD.GPO and NET.VPN
    assert re.search(r"<strong>2</strong> compétences validées", html)


def test_the_finished_path_and_the_completed_course_leave_the_dashboard(client, learner, lead, domain):
    done = _course("Les bases", domain, lessons=1)
    _overdue_path(staff=learner, lead=lead, name="Parcours terminé", course=done)
    lesson_complete(staff=learner, lesson=course_lessons(course=done)[0])

    html = _home(client, learner.user)

    assert "Parcours terminé" not in _section(html, "Mes parcours")
    assert "Les bases" not in _section(html, "Reprendre")
    assert re.search(r"<strong>1</strong> formation terminée", html)


def test_each_section_shows_three_items_and_links_to_the_rest(client, learner, lead, domain):
    for n in range(1, 5):
        _started(learner, _course(f"Formation {n}", domain, lessons=2), done=0)

    resume = _section(_home(client, learner.user), "Reprendre")

    assert resume.count("Continuer") == 3
    assert "Toutes mes formations (4 en cours)" in resume
    assert "Formation 4" in resume  # the one opened last comes first


def test_a_new_learner_sees_an_empty_state_in_each_section(client, learner):
    html = _home(client, learner.user)

    assert "Aucune formation en cours." in _section(html, "Reprendre")
    assert 'href="/formations/"' in _section(html, "Reprendre")
    assert "rien ne vous est assigné" in _section(html, "Mes parcours")
    assert "Aucun profil de poste ne correspond" in _section(html, "À renforcer")
    assert "Aucun niveau validé ne prend fin dans les 90 jours." in _section(html, "Échéances")
    assert re.search(r"<strong>0</strong> certifications? en cours de validité", html)
    # A learner has no role box.
    assert "dash-team-title" not in html and 'name="category"' not in html and "Écrire une formation" not in html


def test_a_learner_whose_role_is_met_is_told_so(client, learner, gpo, role):
    evidence_record(staff=learner, skill=gpo, level=3, source="manager")

    assert "Tous les niveaux requis sont atteints." in _section(_home(client, learner.user), "À renforcer")


def test_the_certifications_held_are_counted_once_each(client, learner, domain):
    from assessments.models import Award
    from tests.assessments.factories import certification_create

    now = timezone.now()
    certification = certification_create(domain=domain, code="AD-PRO", name_fr="Spécialiste AD")
    current = _award(learner, certification, ends_in_days=60)
    Award.objects.create(certification=certification, staff=learner, awarded_at=now, renewal_of=current,
                         valid_from=now + timedelta(days=60), valid_until=now + timedelta(days=790),
                         expires_on=(now + timedelta(days=790)).date())  # the renewal, lined up

    assert re.search(r"<strong>1</strong> certification en cours de validité", _home(client, learner.user))


# --- roles --------------------------------------------------------------------------------------

def test_marc_sees_his_teams_figures_and_not_the_other_teams(client, learner, lead, other_lead, outsider, domain,
                                                             gpo):
    from tests.assessments.factories import certification_create

    course = _course("Dépanner le VPN", domain, lessons=1)
    _overdue_path(staff=learner, lead=lead, name="Parcours VPN", course=course)
    self_assessment_submit(staff=learner, skill=gpo, level=2)
    certification = certification_create(domain=domain, code="AD-PRO", name_fr="Spécialiste AD")
    _award(learner, certification, ends_in_days=30)
    # Sophie's team: two overdue assignments, a pending self-assessment and two certifications
    # ending soon, none of Marc's business.
    _overdue_path(staff=outsider, lead=other_lead, name="Parcours Lyon", course=course)
    _overdue_path(staff=outsider, lead=other_lead, name="Parcours Lyon 2", course=course)
    self_assessment_submit(staff=outsider, skill=gpo, level=3)
    _award(outsider, certification, ends_in_days=20)
    _award(outsider, certification_create(domain=domain, code="NET-PRO", name_fr="Réseau"), ends_in_days=40)

    team = _section(_home(client, lead.user), "Mon équipe")

    assert re.search(r'<span class="dash-count">1</span>\s*parcours en retard', team)
    assert re.search(r'<span class="dash-count">1</span>\s*auto-évaluation à valider', team)
    assert re.search(r'<span class="dash-count">1</span>\s*certification expire dans les 90 jours', team)
    assert 'href="/equipe/"' in team and 'href="/equipe/validations/"' in team
    assert 'href="/equipe/parcours/"' in team and 'href="/certificats/equipe/"' in team

    sophie = _section(_home(client, other_lead.user), "Mon équipe")
    assert re.search(r'<span class="dash-count">2</span>\s*parcours en retard', sophie)
    assert re.search(r'<span class="dash-count">2</span>\s*certifications expirent dans les 90 jours', sophie)


def test_a_lead_whose_team_is_up_to_date_sees_zeros(client, lead):
    team = _section(_home(client, lead.user), "Mon équipe")

    assert re.search(r'<span class="dash-count">0</span>\s*parcours en retard', team)
    assert "status-overdue" not in team


def test_a_dispatcher_can_ask_who_is_qualified_from_the_home_page(client):
    from routing_bridge.models import CategoryRule

    CategoryRule.objects.create(category="Réseau > VPN")
    html = _home(client, _with_group(DISPATCHER))
    box = _section(html, "Qui est qualifié ?")

    assert 'action="/qui-est-qualifie/"' in box and 'method="get"' in box
    assert 'name="category"' in box and '<label for="dash-category">Catégorie du ticket</label>' in box
    assert '<option value="Réseau &gt; VPN">' in box
    # The box submits to a page that answers the question.
    assert client.get("/qui-est-qualifie/", {"category": "Réseau > VPN"}).status_code == 200


def test_an_editor_without_a_staff_record_sees_only_the_way_to_write_a_course(client):
    html = _home(client, _with_group(CONTENT_EDITOR, staff=False))

    assert 'href="/admin/"' in _section(html, "Contenus") and "Écrire une formation" in html
    for learner_section in ("Reprendre", "Mes parcours", "À renforcer", "Échéances", "compétences validées"):
        assert learner_section not in html
    assert "dash-team-title" not in html and 'name="category"' not in html


def test_an_admin_without_a_staff_record_sees_every_role_box(client, admin_user, learner, lead, domain):
    _overdue_path(staff=learner, lead=lead, name="Parcours VPN", course=_course("VPN", domain, lessons=1))

    html = _home(client, admin_user)

    assert re.search(r'<span class="dash-count">1</span>\s*parcours en retard', _section(html, "Mon équipe"))
    assert 'name="category"' in html and "Écrire une formation" in html
    assert "Reprendre" not in html


# --- English ------------------------------------------------------------------------------------

def test_the_dashboard_is_in_english_after_the_switch(client, learner, lead, domain, gpo, role):
    _started(learner, _course("Diagnostiquer une GPO", domain), done=3)
    _overdue_path(staff=learner, lead=lead, name="Parcours VPN", course=_course("VPN", domain, lessons=1))
    client.force_login(learner.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    html = client.get("/").content.decode()

    assert "Hello Léa Martin" in html
    for english in ("Resume", "3 lessons of 7", "Continue", "My training paths", "5 days overdue", "Next step:",
                    "To strengthen", "required 3, approved 0", "Find a course", "Deadlines",
                    "No validated level ends within the next 90 days.", "skills validated"):
        assert english in html, english
    for french in ("Reprendre", "leçons sur", "En retard de", "À renforcer", "Échéances", "Continuer"):
        assert french not in html, french


# --- cost ---------------------------------------------------------------------------------------

def _queries_of_home(client, user) -> int:
    client.force_login(user)
    client.get("/")  # warm caches (site root, content types) that every page shares
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def _busy_learner(lead, domain, skills, n: int):
    """A learner of Marc's team with `n` courses in progress, `n` assigned paths (one course each),
    `n` validated levels ending soon and `n` gaps."""
    staff = StaffFactory(team=lead.team)
    profile = RoleProfile.objects.get_or_create(name="Technicien N1", profile="technician", tier="N1")[0]
    for i in range(n):
        _started(staff, _course(f"Formation {staff.pk}-{i}", domain, lessons=3), done=1)
        path_course = _course(f"Parcours {staff.pk}-{i}", domain, lessons=2)
        _overdue_path(staff=staff, lead=lead, name=f"Parcours {staff.pk}-{i}", course=path_course)
        skill = skills[i]
        RoleRequirement.objects.get_or_create(role_profile=profile, skill=skill, defaults={"min_level": 4})
        evidence_record(staff=staff, skill=skill, level=2, source="certification",
                        valid_until=timezone.now() + timedelta(days=10 + i))
    return staff


def test_the_learners_home_costs_a_fixed_number_of_queries(client, lead, domain, django_assert_max_num_queries):
    skills = [SkillFactory(code=f"SK.{i}", domain=domain) for i in range(8)]
    few = _busy_learner(lead, domain, skills, 2)
    many = _busy_learner(lead, domain, skills, 8)

    cost_few = _queries_of_home(client, few.user)
    cost_many = _queries_of_home(client, many.user)

    assert cost_few == cost_many
    # session, user, staff, roles (one for view and menu), 13 reads, the clients they refer or back up
    with django_assert_max_num_queries(18):
        assert client.get("/").status_code == 200
    html = client.get("/").content.decode()
    assert html.count("Continuer") == 3 and "Toutes mes échéances (8)" in html


def test_the_editors_button_opens_the_new_course_form_under_the_catalogue(client):
    from django.core.management import call_command

    from courses.models import CatalogueIndexPage

    editor = _with_group(CONTENT_EDITOR, staff=False)
    html = _home(client, editor)
    assert 'class="button" href="/admin/"' in html  # no catalogue yet: the admin's home
    call_command("setup_catalogue")  # as on a fresh installation: the catalogue and the editors' rights
    catalogue = CatalogueIndexPage.objects.get()
    html = _home(client, editor)
    form_url = f"/admin/pages/add/courses/coursepage/{catalogue.pk}/"
    assert f'href="{form_url}"' in _section(html, "Contenus")
    client.force_login(editor)
    assert client.get(form_url).status_code == 200  # the editor may open it
