"""Permission-aware reads about the organisation."""
from django.db.models import Q, QuerySet

from academy.models import Client, Staff, Team
from academy.roles import user_is_admin


def team_descendant_ids(team_ids) -> set[int]:
    """The given teams and all their sub-teams, at any depth (one query per level)."""
    found = set(team_ids)
    frontier = set(team_ids)
    while frontier:
        frontier = set(Team.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - found
        found |= frontier
    return found


def teams_led_by(user) -> QuerySet[Team]:
    """Teams the user leads, including their sub-teams; every team for an admin."""
    if user_is_admin(user):
        return Team.objects.all()
    if not user.is_authenticated:
        return Team.objects.none()
    direct = list(user.led_teams.values_list("id", flat=True))
    return Team.objects.filter(id__in=team_descendant_ids(direct))


def staff_visible_to(user) -> QuerySet[Staff]:
    """The staff whose records, skills and progress `user` may see: everyone for an admin, the
    members of the teams they lead (and sub-teams) for a lead, plus always themselves."""
    if not user.is_authenticated:
        return Staff.objects.none()
    if user_is_admin(user):
        return Staff.objects.all()
    led = teams_led_by(user).values_list("id", flat=True)
    return Staff.objects.filter(Q(team_id__in=list(led)) | Q(user_id=user.id))


def user_can_view_staff(user, staff: Staff) -> bool:
    """May `user` see this staff member's records? (See `staff_visible_to`.)"""
    return staff_visible_to(user).filter(pk=staff.pk).exists()


def user_leads_staff(user, staff: Staff) -> bool:
    """Is `user` a lead (or admin) over this staff member — someone who may validate, assign, record?"""
    if not user.is_authenticated or staff.user_id == user.id and not user_is_admin(user):
        return False
    if user_is_admin(user):
        return True
    return staff.team_id is not None and teams_led_by(user).filter(pk=staff.team_id).exists()


def staff_for_user(user) -> Staff | None:
    """The staff record of a user, or None (an admin or editor may have none)."""
    if not user.is_authenticated:
        return None
    return Staff.objects.select_related("team", "user").filter(user=user).first()


def clients_referred_by(*, staff: Staff) -> list[Client]:
    """The active clients whose referent is `staff`, by code: those who need a new referent when
    `staff` leaves."""
    return list(Client.objects.filter(referent=staff, active=True).order_by("code"))
