"""Personas used across the suite: Léa the learner, Marc her team lead, Sophie a lead of another
team, and Olivier an outsider (another learner) who must see nothing of Léa's."""
import pytest
from django.conf import settings
from django.utils import translation

from tests.factories import StaffFactory, TeamFactory, UserFactory, scale_create


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request made in English (the language cookie) leaves English active in this thread:
    LocaleMiddleware activates it and nothing resets it. Every test ends in the default language,
    so that the next one does not read English messages where it expects French."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _scale(db):
    scale_create()


@pytest.fixture
def team(db):
    return TeamFactory(name="Support N1 Paris")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Réseau N2 Lyon")


@pytest.fixture
def learner(team):
    return StaffFactory(user=UserFactory(username="lea", first_name="Léa", last_name="Martin"),
                        employee_id="E10001", team=team)


@pytest.fixture
def lead(team):
    staff = StaffFactory(user=UserFactory(username="marc", first_name="Marc", last_name="Durand"),
                         employee_id="E10002", team=team, profile="administrator", tier="N2")
    team.leads.add(staff.user)
    return staff


@pytest.fixture
def other_lead(other_team):
    staff = StaffFactory(user=UserFactory(username="sophie", first_name="Sophie", last_name="Bernard"),
                         employee_id="E20001", team=other_team, profile="engineer", tier="N3")
    other_team.leads.add(staff.user)
    return staff


@pytest.fixture
def outsider(other_team):
    return StaffFactory(user=UserFactory(username="olivier", first_name="Olivier", last_name="Petit"),
                        employee_id="E20002", team=other_team)


@pytest.fixture
def admin_user(db):
    user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    return user
