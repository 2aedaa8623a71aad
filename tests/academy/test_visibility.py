from academy.selectors import staff_visible_to, user_can_view_staff, user_leads_staff
from tests.factories import StaffFactory, TeamFactory


def test_a_learner_sees_only_herself(learner, outsider, lead):
    assert list(staff_visible_to(learner.user)) == [learner]
    assert not user_can_view_staff(learner.user, outsider)


def test_her_lead_sees_her_and_the_whole_team(learner, lead, outsider):
    assert user_can_view_staff(lead.user, learner)
    assert user_leads_staff(lead.user, learner)
    assert not user_can_view_staff(lead.user, outsider)


def test_a_lead_of_another_team_sees_nothing_of_hers(learner, other_lead):
    assert not user_can_view_staff(other_lead.user, learner)
    assert not user_leads_staff(other_lead.user, learner)


def test_a_lead_sees_sub_teams_at_any_depth(learner, lead, team):
    child = TeamFactory(name="Support N1 Paris — nuit", parent=team)
    grandchild = TeamFactory(name="Support N1 Paris — nuit — astreinte", parent=child)
    night = StaffFactory(team=grandchild)
    assert user_can_view_staff(lead.user, night)


def test_an_admin_sees_everyone(admin_user, learner, outsider):
    assert user_can_view_staff(admin_user, learner)
    assert user_can_view_staff(admin_user, outsider)


def test_a_lead_does_not_validate_herself(lead):
    assert not user_leads_staff(lead.user, lead)
