"""Building paths: steps, order, prerequisites, who may edit, which paths close a gap."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from courses.paths import selectors, services


def step_titles(path):
    return [s.target_label for s in selectors.path_steps(path)]


def test_steps_keep_the_order_they_are_added_in_and_can_be_moved(path, lead, gpo_exam):
    assert step_titles(path) == ["Les bases d'Active Directory", "Diagnostiquer une GPO", "Examen GPO"]
    exam_step = selectors.path_steps(path)[2]
    services.path_step_move(step=exam_step, by=lead.user, offset=-1)
    assert step_titles(path) == ["Les bases d'Active Directory", "Examen GPO", "Diagnostiquer une GPO"]


def test_it_refuses_to_put_a_course_before_its_prerequisite(path, lead):
    gpo_step = selectors.path_steps(path)[1]
    with pytest.raises(ValidationError, match="placée après elle"):
        services.path_step_move(step=gpo_step, by=lead.user, offset=-1)
    assert step_titles(path)[:2] == ["Les bases d'Active Directory", "Diagnostiquer une GPO"]


def test_it_refuses_the_same_target_twice_and_a_closed_exam(path, lead, basics, gpo_exam):
    with pytest.raises(ValidationError, match="déjà une étape"):
        services.path_step_add(path=path, by=lead.user, kind="course", course=basics)
    gpo_exam.active = False
    gpo_exam.save()
    other = services.path_create(name="Autre", by=lead.user)
    with pytest.raises(ValidationError, match="n'est pas ouverte"):
        services.path_step_add(path=other, by=lead.user, kind="exam", exam=gpo_exam)


def test_removing_a_step_renumbers_the_others(path, lead):
    services.path_step_remove(step=selectors.path_steps(path)[0], by=lead.user)
    assert [s.sort_order for s in selectors.path_steps(path)] == [0, 1]


def test_only_the_author_or_an_admin_edits_a_path(path, other_lead, admin_user, basics):
    with pytest.raises(PermissionDenied):
        services.path_update(path=path, by=other_lead.user, name="Piraté")
    services.path_update(path=path, by=admin_user, name="Parcours GPO (revu)")
    path.refresh_from_db()
    assert path.name == "Parcours GPO (revu)"


def test_a_learner_cannot_create_a_path(learner):
    with pytest.raises(PermissionDenied):
        services.path_create(name="Le mien", by=learner.user)


def test_a_name_is_unique(path, lead):
    with pytest.raises(ValidationError):
        services.path_create(name="Parcours GPO", by=lead.user)


def test_paths_closing_finds_paths_through_courses_exams_and_certifications(path, lead, ad_certification):
    cert_path = services.path_create(name="Certification AD", by=lead.user)
    services.path_step_add(path=cert_path, by=lead.user, kind="certification", certification=ad_certification)

    assert [p.name for p in selectors.paths_closing(requirements={"AD.GPO": 2})] == ["Certification AD", "Parcours GPO"]
    assert [p.name for p in selectors.paths_closing(requirements={"AD.GPO": 3})] == ["Certification AD", "Parcours GPO"]
    assert [p.name for p in selectors.paths_closing(requirements={"AD.GPO": 4})] == ["Certification AD"]
    assert [p.name for p in selectors.paths_closing(requirements={"AD.GPO": 2, "AD.ACCOUNTS": 2})] == ["Parcours GPO"]
    assert selectors.paths_closing(requirements={}) == []


def test_an_inactive_path_closes_nothing_and_cannot_be_assigned(path, lead, learner):
    services.path_update(path=path, by=lead.user, name=path.name, active=False)
    assert selectors.paths_closing(requirements={"AD.GPO": 2}) == []
    with pytest.raises(ValidationError, match="inactif"):
        services.assignment_create(path=path, staff=learner, by=lead.user)
