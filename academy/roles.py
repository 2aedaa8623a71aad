"""Roles are Django groups with permissions. `roles_sync` creates or updates them; it runs after
every migrate, so a fresh database always has them."""
import functools

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.utils.translation import gettext_lazy as _

from academy.models import Notification, Team

LEARNER = "learner"
TEAM_LEAD = "team_lead"
DISPATCHER = "dispatcher"
CONTENT_EDITOR = "content_editor"
ACADEMIE_ADMIN = "academie_admin"
KNOWLEDGE_EXPERT = "knowledge_expert"

ROLE_LABELS = {
    LEARNER: _("Apprenant"),
    TEAM_LEAD: _("Chef d'équipe"),
    DISPATCHER: _("Dispatcher"),
    CONTENT_EDITOR: _("Éditeur de contenu"),
    ACADEMIE_ADMIN: _("Administrateur Académie"),
    KNOWLEDGE_EXPERT: _("Expert (validation des procédures)"),
}

# app_label.codename, or app_label.* for every permission of an app. Permissions of apps that
# are not migrated yet are skipped; the next migrate adds them.
ROLE_PERMISSIONS = {
    LEARNER: [],
    TEAM_LEAD: [
        "wagtailadmin.access_admin",
        "academy.view_staff", "academy.view_team", "academy.view_client",
        "skills.view_skill", "skills.view_domain", "skills.add_evidence", "skills.view_evidence",
        "routing_bridge.view_availability",  # their team's presence and load, in the admin
        # No paths.*: leads manage paths on the site's pages (/equipe/parcours/), whose services
        # check the team and audit; the admin shows paths to admins only.
    ],
    DISPATCHER: ["academy.view_staff", "academy.view_client", "skills.view_skill", "routing_bridge.view_categoryrule"],
    CONTENT_EDITOR: [
        "wagtailadmin.access_admin",
        "wagtailimages.*", "wagtaildocs.*",
        "courses.*", "assessments.*", "knowledge.*",
        "skills.view_skill", "skills.view_domain",
    ],
    # N2/N3 experts write and validate the knowledge base's procedures and standards (the
    # "Validation par un expert" workflow, knowledge.services.knowledge_base_ensure).
    KNOWLEDGE_EXPERT: [
        "wagtailadmin.access_admin", "wagtailimages.*", "wagtaildocs.*", "knowledge.*",
        "skills.view_skill", "skills.view_domain",
    ],
    ACADEMIE_ADMIN: [
        "wagtailadmin.access_admin", "academy.*", "skills.*", "courses.*", "assessments.*",
        "routing_bridge.*", "xapi.*", "paths.*", "knowledge.*", "wagtailimages.*", "wagtaildocs.*",
        "auth.view_user", "auth.change_user", "auth.add_user",
    ],
}


def roles_sync() -> None:
    """Create the role groups and give them exactly their permissions (idempotent)."""
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
    """The four role checks below in one query, for what every page shows (the navigation);
    the same answers as `user_is_admin`, `user_is_lead`, `user_is_dispatcher`, `user_is_editor`."""
    return user_role_flags_and_unread(user, count_unread=False)[0]


def user_role_flags_and_unread(user, *, count_unread: bool = True) -> tuple[dict[str, bool], int]:
    """(`user_role_flags`, the number of the user's unread notifications) in one SQL statement.

    Raw SQL rather than ORM queries because every page pays for it: compiling the ORM queries
    cost more CPU than running them (about 1.8 ms against 0.2 ms)."""
    if not user.is_authenticated:
        return {"admin": False, "lead": False, "dispatcher": False, "editor": False}, 0
    params = [user.pk, ACADEMIE_ADMIN, user.pk, DISPATCHER, user.pk, CONTENT_EDITOR, user.pk]
    with connection.cursor() as cursor:
        cursor.execute(_role_flags_sql(connection.vendor, count_unread), params + [user.pk] * count_unread)
        in_admin, in_dispatcher, in_editor, leads_a_team, *unread = cursor.fetchone()
    admin = user.is_superuser or bool(in_admin)
    flags = {
        "admin": admin,
        "lead": admin or bool(leads_a_team),
        "dispatcher": admin or bool(in_dispatcher),
        "editor": admin or bool(in_editor),
    }
    return flags, unread[0] if unread else 0


def request_role_flags_and_unread(request) -> tuple[dict[str, bool], int]:
    """`user_role_flags_and_unread` of the request's user, read once per request: the navigation
    (context processor) and a view that needs the flags too (the home page) share one query."""
    cached = getattr(request, "_academie_role_flags_and_unread", None)
    if cached is None:
        cached = user_role_flags_and_unread(request.user)
        request._academie_role_flags_and_unread = cached
    return cached


@functools.lru_cache(maxsize=None)
def _role_flags_sql(vendor: str, count_unread: bool) -> str:
    """The statement of `user_role_flags_and_unread`, its table and column names read from the
    models (so that it follows a custom user model or a renamed table)."""
    quote = connection.ops.quote_name
    groups = get_user_model()._meta.get_field("groups")
    group_table = groups.remote_field.model._meta.db_table
    leads = Team._meta.get_field("leads")
    has_group = (f"EXISTS (SELECT 1 FROM {quote(groups.m2m_db_table())} ug "
                 f"INNER JOIN {quote(group_table)} g ON g.{quote('id')} = ug.{quote(groups.m2m_reverse_name())} "
                 f"WHERE ug.{quote(groups.m2m_column_name())} = %s AND g.{quote('name')} = %s)")
    sql = (f"SELECT {has_group}, {has_group}, {has_group}, "
           f"EXISTS (SELECT 1 FROM {quote(leads.m2m_db_table())} WHERE {quote(leads.m2m_reverse_name())} = %s)")
    if count_unread:
        notifications = Notification._meta
        sql += (f", (SELECT COUNT(*) FROM {quote(notifications.db_table)} "
                f"WHERE {quote(notifications.get_field('recipient').column)} = %s "
                f"AND {quote(notifications.get_field('read_at').column)} IS NULL)")
    return sql


def user_is_admin(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user_has_role(user, ACADEMIE_ADMIN))


def user_is_lead(user) -> bool:
    """A lead is someone who leads at least one team (the group alone is not enough to see anyone)."""
    return user.is_authenticated and (user.led_teams.exists() or user_is_admin(user))


def user_is_dispatcher(user) -> bool:
    return user_has_role(user, DISPATCHER) or user_is_admin(user)


def user_is_editor(user) -> bool:
    return user_has_role(user, CONTENT_EDITOR) or user_is_admin(user)
