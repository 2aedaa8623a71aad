"""Demo organisation: teams, leads, about 150 staff with stable French names, the demo accounts.

Idempotent: everything is looked up by a stable key (team name, employee id, username) and only
created when missing, so running `seed_demo` again creates nothing new. Names come from Faker
fr_FR with a fixed seed, so the same employee id always gets the same person.
"""
import datetime
import random
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from faker import Faker
from wagtail.models import Collection, Locale, Page, Site

from academy import roles
from academy.clients import client_create
from academy.models import Client, Staff, Team
from academy.sites import default_site_fields, default_site_identify

SEED = 20261128
DEMO_PASSWORD = "academie"


@dataclass(frozen=True)
class DemoTeam:
    name: str
    parent: str | None
    profile: str  # the usual profile and tier of its members
    tier: str
    weight: int  # share of the generated staff
    description: str = ""


TEAMS = [
    DemoTeam("Support N1", None, "administrator", "N2", 0, "Centre de services : premier niveau"),
    DemoTeam("Support N1 Paris", "Support N1", "technician", "N1", 34, "Premier contact, site de Paris"),
    DemoTeam("Support N1 Lyon", "Support N1", "technician", "N1", 26, "Premier contact, site de Lyon"),
    DemoTeam("Réseau & Télécom N2", None, "administrator", "N2", 12, "Réseau, téléphonie, messagerie"),
    DemoTeam("Infrastructure N2", None, "administrator", "N2", 12, "Hébergement, serveurs, Microsoft 365"),
    DemoTeam("Expertise N3", None, "engineer", "N3", 7, "Active Directory, architecture"),
    DemoTeam("Cybersécurité N3", "Expertise N3", "engineer", "N3", 4, "Sécurité des systèmes d'information"),
    DemoTeam("Projets", None, "project_lead", "N2", 5, "Projets de transformation"),
]

# username, first name, last name, employee id, team, profile, tier, role groups, is_staff, superuser
DEMO_ACCOUNTS = [
    ("technicien", "Thomas", "Lefèvre", "D0001", "Support N1 Paris", "technician", "N1", [roles.LEARNER], False, False),
    ("chef", "Claire", "Moreau", "D0002", "Support N1 Paris", "administrator", "N2",
     [roles.LEARNER, roles.TEAM_LEAD], False, False),
    ("dispatch", "Denis", "Garnier", None, None, None, None, [roles.DISPATCHER], False, False),
    ("editeur", "Émilie", "Rousseau", None, None, None, None, [roles.CONTENT_EDITOR], True, False),
    # An N3 engineer who writes and validates the knowledge base's procedures and standards.
    ("expert", "Étienne", "Blanc", "D0003", "Expertise N3", "engineer", "N3",
     [roles.LEARNER, roles.CONTENT_EDITOR, roles.KNOWLEDGE_EXPERT], True, False),
    ("admin", "Anne", "Mercier", None, None, None, None, [roles.ACADEMIE_ADMIN], True, True),
]

EXTRA_LANGUAGES = [("en", 55), ("es", 8), ("de", 6), ("it", 5), ("pt", 3), ("ar", 3)]


def _username(first: str, last: str, taken: set[str]) -> str:
    base = f"{first}.{last}".lower().replace(" ", "-").replace("'", "")
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{n}"
    taken.add(name)
    return name


def _people(count: int) -> list[dict]:
    """The generated staff, always the same for the same index (fixed seeds)."""
    fake = Faker("fr_FR")
    fake.seed_instance(SEED)
    rng = random.Random(SEED)
    weighted = [t for t in TEAMS if t.weight]
    taken = {account[0] for account in DEMO_ACCOUNTS}
    people = []
    for index in range(count):
        first, last = fake.first_name(), fake.last_name()
        # The first members of each team lead it; the others are spread by weight.
        team = weighted[index] if index < len(weighted) else rng.choices(weighted, [t.weight for t in weighted])[0]
        if index == len(weighted):
            team = TEAMS[0]  # the lead of the parent team "Support N1"
        profile, tier = team.profile, team.tier
        roll = rng.random()
        if team.tier == "N1" and roll < 0.12 and index >= len(TEAMS):
            profile, tier = "administrator", "N2"  # a few seasoned N2 inside the N1 teams
        elif team.tier == "N3" and roll < 0.3:
            profile = "architect"
        languages = ["fr"] + [code for code, percent in EXTRA_LANGUAGES if rng.randrange(100) < percent]
        people.append({
            "employee_id": f"E{10001 + index:05d}",
            "username": _username(first, last, taken),
            "first_name": first,
            "last_name": last,
            "team": team.name,
            "profile": profile,
            "tier": tier,
            "languages": languages,
            "hire_date": fake.date_between_dates(
                date_start=datetime.date(2012, 1, 1), date_end=datetime.date(2026, 9, 1)),
            "leads": index <= len(weighted),
        })
    return people


@transaction.atomic
def seed(*, stdout, staff_count: int = 150, password: str = DEMO_PASSWORD) -> dict:
    """Create what is missing of the demo organisation; return counts of what was created."""
    User = get_user_model()
    roles.roles_sync()
    groups = {group.name: group for group in Group.objects.filter(name__in=roles.ROLE_PERMISSIONS)}
    created = {"teams": 0, "users": 0, "staff": 0}

    teams: dict[str, Team] = {}
    for spec in TEAMS:
        team, was_created = Team.objects.get_or_create(name=spec.name, defaults={"description": spec.description})
        if spec.parent and team.parent_id is None:
            team.parent = teams[spec.parent]
            team.save(update_fields=["parent"])
        teams[spec.name] = team
        created["teams"] += was_created

    hashed = make_password(password)

    def ensure_user(username, first, last, *, is_staff=False, is_superuser=False, reset_password=False):
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@academie.example",
                      "is_staff": is_staff, "is_superuser": is_superuser, "password": hashed},
        )
        created["users"] += was_created
        if reset_password and not was_created:
            user.password = hashed  # the demo accounts always answer to the announced password
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
        return user

    people = _people(staff_count)
    existing = set(Staff.objects.filter(employee_id__in=[p["employee_id"] for p in people])
                   .values_list("employee_id", flat=True))
    members = []
    for person in people:
        if person["employee_id"] in existing:
            continue
        user = ensure_user(person["username"], person["first_name"], person["last_name"])
        user.groups.add(groups[roles.LEARNER])
        members.append(Staff(
            user=user, employee_id=person["employee_id"], team=teams[person["team"]],
            profile=person["profile"], tier=person["tier"], languages=person["languages"],
            hire_date=person["hire_date"],
        ))
    for staff in members:
        staff.save()  # one by one: Wagtail's search index follows post_save
    created["staff"] += len(members)

    # Leads: the first generated member of each team, and "chef" for Support N1 Paris.
    lead_of: dict[str, Staff] = {}
    for person in people:
        if person["leads"] and person["team"] not in lead_of and person["team"] != "Support N1 Paris":
            lead_of[person["team"]] = Staff.objects.select_related("user").get(employee_id=person["employee_id"])

    for username, first, last, employee_id, team_name, profile, tier, role_names, is_staff, superuser in DEMO_ACCOUNTS:
        user = ensure_user(username, first, last, is_staff=is_staff, is_superuser=superuser, reset_password=True)
        user.groups.add(*[groups[name] for name in role_names])
        if employee_id:
            staff, was_created = Staff.objects.get_or_create(
                employee_id=employee_id,
                defaults={"user": user, "team": teams[team_name], "profile": profile, "tier": tier,
                          "languages": ["fr", "en"]},
            )
            created["staff"] += was_created
            if username == "chef":
                lead_of["Support N1 Paris"] = staff

    for team_name, lead in lead_of.items():
        team = teams[team_name]
        if not team.leads.filter(pk=lead.user_id).exists():
            team.leads.add(lead.user)
        lead.user.groups.add(groups[roles.TEAM_LEAD])

    # Managers: a member's manager is their team's lead; a lead's is the parent team's lead.
    demo_ids = [p["employee_id"] for p in people] + [a[3] for a in DEMO_ACCOUNTS if a[3]]
    for staff in Staff.objects.filter(manager=None, employee_id__in=demo_ids).select_related("team"):
        if staff.team is None:
            continue
        team_lead = lead_of.get(staff.team.name)
        if team_lead is not None and team_lead.pk == staff.pk:
            parent = TEAMS[[t.name for t in TEAMS].index(staff.team.name)].parent
            team_lead = lead_of.get(parent) if parent else None
        if team_lead is not None and team_lead.pk != staff.pk:
            staff.manager = team_lead
            staff.save(update_fields=["manager"])

    created["clients"] = _seed_clients()
    _ensure_site()
    stdout.write(
        f"Organisation : {Team.objects.count()} équipes, {Staff.objects.count()} collaborateurs "
        f"({created['teams']} équipes, {created['staff']} collaborateurs créés), {Client.objects.count()} clients."
    )
    return created


# code, name: the MSP's client companies. Their referents are N2/N3 staff (chef, Claire Moreau,
# refers the first one); "technicien" stands in for two of them, so both demo accounts see
# "Mes clients" on their home page.
DEMO_CLIENTS = [
    ("BLEMOINE", "Boulangeries Lemoine"),
    ("VASSEUR", "Cabinet Vasseur Avocats"),
    ("MAIRIE-STJ", "Mairie de Saint-Jorioz"),
    ("CLINIQUE-PINS", "Clinique des Pins"),
    ("TRANSPORTS-RG", "Transports Roux & Gauthier"),
    ("NOTAIRES-LAC", "Office notarial du Lac"),
    ("AGRIALP", "Coopérative AgriAlpes"),
    ("HOTEL-ARAVIS", "Hôtel des Aravis"),
    ("BET-FAURE", "Bureau d'études Faure Ingénierie"),
    ("LYCEE-BERTHOLLET", "Lycée Berthollet"),
]


def _seed_clients() -> int:
    """The demo client companies that are missing; returns how many were created. Referents go
    round the active N2/N3 staff, each client with one or two backups of the same pool."""
    existing = set(Client.objects.values_list("code", flat=True))
    pool = list(Staff.objects.filter(active=True, tier__in=["N2", "N3"]).exclude(employee_id="D0002")
                .order_by("employee_id"))
    chef = Staff.objects.filter(employee_id="D0002").first()
    technicien = Staff.objects.filter(employee_id="D0001").first()
    if chef is not None:
        pool.insert(0, chef)
    if not pool:
        return 0
    rng = random.Random(SEED)
    created = 0
    for index, (code, name) in enumerate(DEMO_CLIENTS):
        referent = pool[(index * 7) % len(pool)]
        others = [s for s in pool if s.pk != referent.pk]
        backups = rng.sample(others, k=min(len(others), 1 + index % 2))
        if technicien is not None and index in (0, 3):
            backups.append(technicien)
        if code not in existing:
            client_create(code=code, name=name, referent=referent, backups=backups, active=code != "HOTEL-ARAVIS")
            created += 1
    return created


def _ensure_site() -> None:
    """A Wagtail Site must exist for the catalogue, named and at the site's address (academy.sites);
    the page tree itself belongs to courses.demo."""
    # Wagtail's migrations create the locale, the tree root and the root collection; a database
    # emptied with `flush` (as transactional tests do) has none of them: put them back.
    if not Locale.objects.exists():
        Locale.objects.create(language_code=settings.LANGUAGE_CODE)
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", live=True))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    if Site.objects.exists():
        default_site_identify(Site)
        return
    root = Page.get_first_root_node()
    home = root.get_children().first() if root else None
    Site.objects.create(root_page=home or root, **default_site_fields())
