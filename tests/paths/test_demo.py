"""The demo seed: paths built from what exists, assigned to chef's team, one overdue; idempotent."""
import io

import pytest
from django.utils import timezone

from courses.paths import demo, selectors
from courses.paths.models import PathAssignment, PathRule, PathStep, TrainingPath
from tests.courses.factories import course_create, lesson_create
from tests.factories import StaffFactory, TeamFactory, UserFactory


@pytest.fixture
def demo_world(catalogue, ad_domain, gpo_skill, no_learning_records):
    team = TeamFactory(name="Support N1 Paris")
    chef = StaffFactory(user=UserFactory(username="chef"), team=team, profile="administrator", tier="N2")
    team.leads.add(chef.user)
    technicien = StaffFactory(user=UserFactory(username="technicien"), team=team)
    others = [StaffFactory(team=team) for _ in range(3)]
    for slug, title in (("gpo-qui-ne-s-applique-pas", "GPO"), ("windows-lent-au-demarrage", "Windows lent")):
        course = course_create(title=title, slug=slug, catalogue=catalogue, domain=ad_domain, skills=[(gpo_skill, 2)])
        lesson_create(parent=course)
    return chef, technicien, others


def test_the_demo_builds_assigns_and_makes_one_assignment_overdue_once(demo_world):
    chef, technicien, others = demo_world
    out = io.StringIO()
    demo.seed(stdout=out)
    counts = (TrainingPath.objects.count(), PathStep.objects.count(), PathRule.objects.count(),
              PathAssignment.objects.count())
    demo.seed(stdout=out)
    assert counts == (TrainingPath.objects.count(), PathStep.objects.count(), PathRule.objects.count(),
                      PathAssignment.objects.count())

    # The mail path has none of its courses in this catalogue: skipped, not created empty.
    assert set(TrainingPath.objects.values_list("name", flat=True)) == {
        "Intégration technicien N1", "Active Directory : des GPO à la certification"}
    assert PathAssignment.objects.filter(path__name="Intégration technicien N1").count() == 4  # N1 technicians
    progress = selectors.team_progress(user=chef.user, now=timezone.now())
    assert [row.staff for row in selectors.overdue(progress)] == [others[2]]
    assert all(row.assignment.due_on for row in progress)


def test_the_demo_does_nothing_without_the_demo_team(db):
    out = io.StringIO()
    demo.seed(stdout=out)
    assert "ignoré" in out.getvalue() and not TrainingPath.objects.exists()
