"""Roles are Django groups with permissions. `roles_sync` creates or updates them; it runs after
every migrate, so a fresh database always has them."""
from django.utils.translation import gettext_lazy as _

LEARNER = "learner"
TEAM_LEAD = "team_lead"
DISPATCHER = "dispatcher"
CONTENT_EDITOR = "content_editor"
ACADEMIE_ADMIN = "academie_admin"

ROLE_LABELS = {
    LEARNER: _("Apprenant"),
    TEAM_LEAD: _("Chef d'équipe"),
    DISPATCHER: _("Dispatcher"),
    CONTENT_EDITOR: _("Éditeur de contenu"),
    ACADEMIE_ADMIN: _("Administrateur Académie"),
}

# app_label.codename, or app_label.* for every permission of an app. Permissions of apps that
# are not migrated yet are skipped; the next migrate adds them.
ROLE_PERMISSIONS = {
    LEARNER: [],
    TEAM_LEAD: [
        "wagtailadmin.access_admin",
        "academy.view_staff", "academy.view_team",
        "skills.view_skill", "skills.view_domain", "skills.add_evidence", "skills.view_evidence",
        "paths.*",
    ],
    DISPATCHER: ["academy.view_staff", "skills.view_skill", "routing_bridge.view_categoryrule"],
    CONTENT_EDITOR: [
        "wagtailadmin.access_admin",
        "wagtailimages.*", "wagtaildocs.*",
        "courses.*", "assessments.*",
        "skills.view_skill", "skills.view_domain",
    ],
    ACADEMIE_ADMIN: [
        "wagtailadmin.access_admin", "academy.*", "skills.*", "courses.*", "assessments.*",
        "routing_bridge.*", "xapi.*", "paths.*", "wagtailimages.*", "wagtaildocs.*",
        "auth.view_user", "auth.change_user", "auth.add_user",
    ],
}


def roles_sync() -> None:
    """Create the role groups and give them exactly their permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            qs = Permission.objects.filter(content_type__app_label=app_label)
            if codename != "*":
                qs = qs.filter(codename=codename)
            wanted.extend(qs)
        group.permissions.set(wanted)


def roles_sync_receiver(sender=None, **kwargs) -> None:
    """post_migrate is sent once per app, and each app's permissions are created by its own
    post_migrate handler: sync once, after the last app, when every permission exists."""
    from django.apps import apps

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is None or not with_models or sender.label == with_models[-1].label:
        roles_sync()


def user_has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser and role == ACADEMIE_ADMIN:
        return True
    return user.groups.filter(name=role).exists()


def user_role_flags(user) -> dict[str, bool]:
    """The four role checks below in two queries, for what every page shows (the navigation);
    the same answers as `user_is_admin`, `user_is_lead`, `user_is_dispatcher`, `user_is_editor`."""
    if not user.is_authenticated:
        return {"admin": False, "lead": False, "dispatcher": False, "editor": False}
    groups = set(user.groups.values_list("name", flat=True))
    admin = user.is_superuser or ACADEMIE_ADMIN in groups
    return {
        "admin": admin,
        "lead": admin or user.led_teams.exists(),
        "dispatcher": admin or DISPATCHER in groups,
        "editor": admin or CONTENT_EDITOR in groups,
    }


def user_is_admin(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user_has_role(user, ACADEMIE_ADMIN))


def user_is_lead(user) -> bool:
    """A lead is someone who leads at least one team (the group alone is not enough to see anyone)."""
    return user.is_authenticated and (user.led_teams.exists() or user_is_admin(user))


def user_is_dispatcher(user) -> bool:
    return user_has_role(user, DISPATCHER) or user_is_admin(user)


def user_is_editor(user) -> bool:
    return user_has_role(user, CONTENT_EDITOR) or user_is_admin(user)
