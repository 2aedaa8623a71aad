"""The pages: leads build and assign paths and follow their teams on /equipe/; learners follow
their paths; leads of other teams and outsiders see nothing of Léa's."""
import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.paths import services
from courses.paths.models import PathAssignment, PathStep


@pytest.fixture
def gpo_profile(gpo_skill):
    from skills.models import RoleProfile, RoleRequirement

    profile = RoleProfile.objects.create(name="Technicien N1", profile="technician", tier="N1")
    RoleRequirement.objects.create(role_profile=profile, skill=gpo_skill, min_level=2)
    return profile


def login(client, staff_or_user):
    user = getattr(staff_or_user, "user", staff_or_user)
    client.force_login(user)
    return client


def test_a_lead_creates_a_path_adds_steps_and_reorders_them(client, lead, basics, gpo_exam):
    login(client, lead)
    response = client.post("/equipe/parcours/nouveau/", {"name": "Intégration N1", "description": "", "active": "on"})
    path = PathAssignment._meta.get_field("path").related_model.objects.get(name="Intégration N1")
    assert response.status_code == 302 and response["Location"] == f"/equipe/parcours/{path.pk}/"
    client.post(f"/equipe/parcours/{path.pk}/etapes/", {"kind": "course", "course": basics.pk, "required": "on"})
    client.post(f"/equipe/parcours/{path.pk}/etapes/", {"kind": "exam", "exam": gpo_exam.pk, "required": "on"})
    exam_step = PathStep.objects.get(path=path, kind="exam")
    client.post(f"/equipe/parcours/{path.pk}/etapes/{exam_step.pk}/deplacer/", {"direction": "up"})
    page = client.get(f"/equipe/parcours/{path.pk}/").content.decode()
    assert page.index("Examen GPO") < page.index("Les bases d&#x27;Active Directory")


def test_a_step_without_its_target_is_a_form_error(client, lead, path):
    login(client, lead)
    response = client.post(f"/equipe/parcours/{path.pk}/etapes/", {"kind": "course"})
    assert response.status_code == 400
    assert "Choisissez la cible de cette étape." in response.content.decode()


def test_a_lead_assigns_lea_from_the_path_page(client, lead, learner, path):
    login(client, lead)
    due = (timezone.localdate() + timedelta(days=15)).isoformat()
    response = client.post(f"/equipe/parcours/{path.pk}/assigner/", {
        "target": "person", "staff": learner.employee_id, "due_mode": "absolute", "due_on": due})
    assert response.status_code == 302
    assert PathAssignment.objects.get(path=path, staff=learner).due_on.isoformat() == due


def test_assigning_someone_outside_the_leads_teams_is_a_403(client, lead, outsider, path):
    login(client, lead)
    response = client.post(f"/equipe/parcours/{path.pk}/assigner/", {
        "target": "person", "staff": outsider.employee_id, "due_mode": "none"})
    assert response.status_code == 403
    assert "pas dans une équipe que vous dirigez" in response.content.decode()
    assert not PathAssignment.objects.exists()


def test_a_past_due_date_is_shown_on_the_form(client, lead, learner, path):
    login(client, lead)
    past = (timezone.localdate() - timedelta(days=2)).isoformat()
    response = client.post(f"/equipe/parcours/{path.pk}/assigner/", {
        "target": "person", "staff": learner.employee_id, "due_mode": "absolute", "due_on": past})
    assert response.status_code == 400
    assert "déjà passée" in response.content.decode()


def test_a_whole_team_is_assigned_from_the_path_page(client, lead, learner, team, path):
    login(client, lead)
    response = client.post(f"/equipe/parcours/{path.pk}/assigner/", {
        "target": "team", "team": team.pk, "due_mode": "relative", "due_days": "30"})
    assert response.status_code == 302
    assert PathAssignment.objects.filter(path=path, staff=learner, origin="rule").exists()


def test_a_rule_on_another_leads_team_is_a_403(client, lead, other_team, path, outsider):
    login(client, lead)
    response = client.post(f"/equipe/parcours/{path.pk}/assigner/", {
        "target": "rule", "team": other_team.pk, "profile": "technician", "due_mode": "none"})
    assert response.status_code == 403


def test_lead_pages_are_403_for_a_learner(client, learner, path):
    login(client, learner)
    assert client.get("/equipe/parcours/").status_code == 403
    assert client.get(f"/equipe/parcours/{path.pk}/").status_code == 403


def test_another_lead_cannot_open_leas_assignment_nor_edit_marcs_path(client, lead, learner, other_lead, path):
    assignment = services.assignment_create(path=path, staff=learner, by=lead.user)
    login(client, other_lead)
    assert client.get(f"/equipe/parcours/affectations/{assignment.pk}/").status_code == 404
    assert client.post(f"/equipe/parcours/affectations/{assignment.pk}/retirer/").status_code == 404
    assert client.get(f"/equipe/parcours/{path.pk}/modifier/").status_code == 403
    step = PathStep.objects.filter(path=path).first()
    assert client.post(f"/equipe/parcours/{path.pk}/etapes/{step.pk}/supprimer/").status_code == 403
    assert PathStep.objects.filter(pk=step.pk).exists()


def test_the_team_page_shows_the_path_sections(client, lead, learner, path, gpo_profile, ad_certification):
    from tests.paths.conftest import award_give

    start = timezone.now() - timedelta(days=5)
    services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="relative", due_days=2, now=start)
    award_give(learner, ad_certification, timezone.now() - timedelta(days=700), months=24)
    login(client, lead)
    page = client.get("/equipe/").content.decode()
    assert "Progression par parcours" in page
    assert "En retard" in page and "Léa Martin" in page
    assert "Spécialiste AD" in page  # expires within 90 days
    assert "Validations en attente" in page and "/equipe/validations/" in page
    assert "Assigner « Parcours GPO » à" not in page  # Léa already has it


def test_one_click_assigns_the_path_that_closes_a_gap(client, lead, learner, path, gpo_profile):
    login(client, lead)
    page = client.get("/equipe/").content.decode()
    assert "Écarts aux profils de poste" in page and "Assigner « Parcours GPO » à 1 personne" in page
    response = client.post("/equipe/parcours/combler/", {
        "path": path.pk, "skill": "AD.GPO", "level": 2, "people": learner.employee_id, "due_days": 30,
        "next": "/equipe/"})
    assert response.status_code == 302 and response["Location"] == "/equipe/"
    assignment = PathAssignment.objects.get(path=path, staff=learner)
    assert assignment.due_on == timezone.localdate() + timedelta(days=30)


def test_one_click_refuses_people_outside_the_leads_teams(client, lead, outsider, path, gpo_profile):
    login(client, lead)
    response = client.post("/equipe/parcours/combler/", {
        "path": path.pk, "skill": "AD.GPO", "level": 2, "people": outsider.employee_id})
    assert response.status_code == 403
    assert not PathAssignment.objects.exists()


def test_the_learner_sees_her_paths_steps_and_what_comes_next(client, lead, learner, path, outsider):
    due = timezone.localdate() + timedelta(days=20)
    assignment = services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="absolute", due_on=due)
    login(client, learner)
    page = client.get("/mes-formations/parcours/").content.decode()
    assert "Parcours GPO" in page and "Prochaine étape" in page and "Les bases d&#x27;Active Directory" in page
    detail = client.get(f"/mes-formations/parcours/{assignment.pk}/").content.decode()
    assert "prochaine étape" in detail and "Examen GPO" in detail
    login(client, outsider)
    assert client.get(f"/mes-formations/parcours/{assignment.pk}/").status_code == 404


def test_the_partial_renders_for_the_my_learning_page(lead, learner, path):
    from django.template import Context, Template

    services.assignment_create(path=path, staff=learner, by=lead.user)
    html = Template("{% load paths_tags %}{% my_paths staff %}").render(Context({"staff": learner}))
    assert "Mes parcours" in html and "Parcours GPO" in html


def test_the_export_lists_the_teams_progress_as_csv_and_xlsx(client, lead, learner, outsider, other_lead, path):
    services.assignment_create(path=path, staff=learner, by=lead.user)
    services.assignment_create(path=path, staff=outsider, by=other_lead.user)
    login(client, lead)
    response = client.get("/equipe/parcours/export/?format=csv")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["matricule", "nom", "équipe", "parcours"]
    assert [r[0] for r in rows[1:]] == [learner.employee_id]
    assert rows[1][7] == "Pas commencé" and rows[1][9] == "3"

    response = client.get("/equipe/parcours/export/?format=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][0] == learner.employee_id and len(values) == 2
    assert client.get("/equipe/parcours/export/?format=pdf").status_code == 400


def test_the_admin_lists_paths(client, admin_user, path):
    client.force_login(admin_user)
    assert client.get("/admin/snippets/paths/trainingpath/").status_code == 200
    assert client.get(f"/admin/snippets/paths/trainingpath/inspect/{path.pk}/").status_code == 200
    assert client.get("/admin/snippets/paths/pathassignment/add/").status_code in (302, 403)


def test_another_lead_sees_nothing_of_leas_paths_on_their_team_page(client, lead, learner, other_lead, path):
    start = timezone.now() - timedelta(days=5)
    services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="relative", due_days=2, now=start)
    login(client, other_lead)
    page = client.get("/equipe/").content.decode()
    assert "Progression par parcours" in page
    assert "Léa Martin" not in page and "Aucun parcours en retard." in page
    export = client.get("/equipe/parcours/export/?format=csv").content.decode("utf-8-sig")
    assert learner.employee_id not in export


def test_the_sections_follow_the_team_filter_of_the_team_page(client, lead, learner, team, path):
    from academy.models import Team

    night = Team.objects.create(name="Support N1 Paris — nuit", parent=team)
    start = timezone.now() - timedelta(days=5)
    services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="relative", due_days=2, now=start)
    login(client, lead)
    assert "Léa Martin" in client.get(f"/equipe/parcours/?team={team.pk}").content.decode()
    assert "Aucun parcours en retard." in client.get(f"/equipe/parcours/?team={night.pk}").content.decode()
