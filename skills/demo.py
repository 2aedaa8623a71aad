"""Demo data for the skills matrix: the default scale, the catalogue (skills/data/catalogue.csv),
role profiles, and a realistic spread of evidences for the demo staff. Idempotent: running it
again changes nothing."""
import random
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from academy.models import Staff
from skills.imports import taxonomy_import
from skills.models import (
    Domain, Evidence, RoleAssignment, RoleProfile, RoleRequirement, SelfAssessment, Skill,
)
from skills.selectors import role_profiles_for
from skills.services import evidence_record, scale_ensure_default, self_assessment_submit

CATALOGUE = Path(__file__).resolve().parent / "data" / "catalogue.csv"
DEMO_REFERENCE = "skills.demo"

# name: (profile, tier, domain code or None, {skill: min_level}, description)
ROLE_PROFILES = {
    "Technicien N1 poste de travail": ("technician", "N1", "PDT", {
        "PDT.WIN": 2, "PDT.DEPLOY": 2, "PDT.PRINT": 2, "PDT.REMOTE": 2, "PDT.CUSTOMER": 2, "PDT.APPS": 2,
        "AD.ACCOUNTS": 2, "M365.TEAMS": 2, "M365.EXO": 1, "MSG.CLIENT": 2, "NET.WIFI": 1, "SEC.TRIAGE": 1,
        "ITIL.INC": 2,
    }, "Premier contact : résout les incidents du poste et leurs causes simples."),
    "Administrateur N2 systèmes": ("administrator", "N2", None, {
        "AD.ACCOUNTS": 3, "AD.GPO": 3, "AD.DNS": 3, "AD.ENTRA": 2, "INFRA.WINSRV": 3, "INFRA.VIRT": 3,
        "INFRA.BACKUP": 3, "INFRA.MONITOR": 2, "INFRA.PATCH": 2, "M365.EXO": 3, "M365.INTUNE": 2,
        "ITIL.INC": 3, "ITIL.PRB": 3, "ITIL.CHG": 2,
    }, "Problèmes complexes sur les serveurs, l'annuaire et Microsoft 365."),
    "Administrateur N2 réseau": ("administrator", "N2", "NET", {
        "NET.LAN": 3, "NET.WIFI": 3, "NET.VPN": 3, "NET.ROUTING": 3, "NET.WAN": 2, "NET.NAC": 2, "SEC.FW": 2,
        "TEL.QOS": 2, "ITIL.INC": 3, "ITIL.PRB": 3, "ITIL.CHG": 2,
    }, "Problèmes complexes réseau : commutation, Wi-Fi, VPN, routage."),
    "Administrateur N2 téléphonie": ("administrator", "N2", "TEL", {
        "TEL.IPBX": 3, "TEL.SIP": 3, "TEL.TEAMSPHONE": 3, "TEL.QOS": 3, "TEL.MOBILE": 2, "NET.LAN": 2,
        "ITIL.INC": 3, "ITIL.PRB": 2,
    }, "Problèmes complexes de téléphonie IP et Teams Phone."),
    "Ingénieur N3 cybersécurité": ("engineer", "N3", "SEC", {
        "SEC.EDR": 4, "SEC.TRIAGE": 4, "SEC.IR": 4, "SEC.VULN": 3, "SEC.HARDEN": 3, "SEC.FW": 3, "SEC.IAM": 3,
        "MSG.FILTER": 3, "ITIL.PRB": 3, "ITIL.CHG": 3,
    }, "Expertise cybersécurité : escalades, réponse à incident, durcissement."),
    "Ingénieur N3 Active Directory": ("engineer", "N3", "AD", {
        "AD.ACCOUNTS": 4, "AD.GPO": 4, "AD.REPL": 4, "AD.DNS": 3, "AD.ENTRA": 4, "AD.PKI": 3, "SEC.IAM": 3,
        "ITIL.PRB": 3, "ITIL.CHG": 3,
    }, "Expertise annuaire : escalades, réplication, identité hybride."),
    "Architecte N3 infrastructure": ("architect", "N3", None, {
        "AD.DESIGN": 4, "NET.DESIGN": 3, "INFRA.VIRT": 4, "INFRA.STORAGE": 3, "INFRA.AZURE": 3, "INFRA.DRP": 4,
        "ITIL.CHG": 3,
    }, "Conçoit les infrastructures et accompagne les équipes."),
    "Chef de projet technique": ("project_lead", "", None, {
        "ITIL.CHG": 3, "MSG.MIGR": 2, "PDT.DEPLOY": 2, "INFRA.AZURE": 2,
    }, "Projets de transformation : migrations, déploiements."),
}


def _role_profiles_seed() -> int:
    domains = {d.code: d for d in Domain.objects.all()}
    skills = {s.code: s for s in Skill.objects.all()}
    created = 0
    for name, (profile, tier, domain, requirements, description) in ROLE_PROFILES.items():
        role, was_created = RoleProfile.objects.get_or_create(name=name, defaults={
            "profile": profile, "tier": tier, "domain": domains.get(domain) if domain else None,
            "description": description})
        created += was_created
        if was_created:
            RoleRequirement.objects.bulk_create([
                RoleRequirement(role_profile=role, skill=skills[code], min_level=level)
                for code, level in requirements.items() if code in skills])
    return created


def _spread(staff: Staff, role: RoleProfile | None, skills: dict, rng: random.Random, now) -> list[dict]:
    """Evidences for one person: around their role's requirements, plus a few other skills."""
    wanted = {r.skill.code: r.min_level for r in role.requirements.all()} if role else {}
    extra = rng.sample(sorted(skills), k=4)
    rows = []
    for code in list(wanted) + [c for c in extra if c not in wanted]:
        target = wanted.get(code, rng.choice([1, 1, 2]))
        level = max(0, min(4, target + rng.choice([-1, 0, 0, 0, 1])))
        if level == 0:
            continue
        source = rng.choice(["course", "exam", "certification", "manager", "manager", "import"])
        observed = now - timedelta(days=rng.randint(20, 700))
        valid_until = None
        if source == "certification":
            valid_until = now + timedelta(days=rng.choice([25, 55, 80, 200, 400, 700]))
        elif source == "exam":
            valid_until = now + timedelta(days=rng.choice([150, 365, 500]))
        rows.append({"skill": skills[code], "level": level, "source": source, "observed_at": observed,
                     "valid_until": valid_until})
    return rows


TECHNICIEN = [
    # A certified Teams level expiring within a month, an exam expiring in ten weeks, gaps in AD
    # accounts (1 < 2) and alert triage (none), more than required in printing.
    ("PDT.WIN", 2, "exam", 300, 500), ("PDT.DEPLOY", 2, "course", 200, None), ("PDT.PRINT", 3, "manager", 150, None),
    ("PDT.REMOTE", 2, "manager", 120, None), ("PDT.CUSTOMER", 2, "import", 400, None),
    ("PDT.APPS", 2, "course", 90, None), ("AD.ACCOUNTS", 1, "course", 60, None),
    ("M365.TEAMS", 2, "certification", 340, 25), ("M365.EXO", 1, "course", 100, None),
    ("MSG.CLIENT", 2, "exam", 80, 70), ("NET.WIFI", 1, "course", 45, None), ("ITIL.INC", 2, "certification", 330, 85),
]


@transaction.atomic
def seed(*, stdout) -> None:
    now = timezone.now()
    created_levels = scale_ensure_default()
    report = taxonomy_import(data=CATALOGUE.read_bytes(), source_name=CATALOGUE.name)
    if report.errors:
        raise RuntimeError("; ".join(report.error_lines()))
    profiles = _role_profiles_seed()
    stdout.write(f"skills: scale +{created_levels}, catalogue +{report.created} skills, +{profiles} role profiles")
    skills = {s.code: s for s in Skill.objects.filter(active=True)}
    seeded = set(Evidence.objects.filter(reference_type=DEMO_REFERENCE).values_list("staff_id", flat=True))
    admins_n2 = RoleProfile.objects.filter(profile="administrator", tier="N2", domain__isnull=False).order_by("name")
    people = list(Staff.objects.filter(active=True).select_related("user", "manager__user").order_by("employee_id"))
    # Some N2 administrators specialise in network or telephony.
    for index, staff in enumerate(p for p in people if p.profile == "administrator" and p.tier == "N2"):
        if index % 3 and admins_n2 and not RoleAssignment.objects.filter(staff=staff).exists():
            RoleAssignment.objects.create(staff=staff, role_profile=admins_n2[index % 3 - 1])
    roles = role_profiles_for(people)
    count = 0
    for staff in people:
        if staff.id in seeded:
            continue
        recorded_by = staff.manager.user if staff.manager_id else None
        if staff.user.username == "technicien":
            rows = [{"skill": skills[c], "level": lvl, "source": src, "observed_at": now - timedelta(days=ago),
                     "valid_until": now + timedelta(days=until) if until else None}
                    for c, lvl, src, ago, until in TECHNICIEN if c in skills]
        else:
            rows = _spread(staff, roles[staff.id], skills, random.Random(staff.employee_id), now)
        for row in rows:
            evidence_record(staff=staff, recorded_by=recorded_by if row["source"] == "manager" else None,
                            reference_type=DEMO_REFERENCE, reference_id=staff.employee_id, reason="demo", **row)
            count += 1
        if staff.user.username == "technicien":
            for code, level, comment in [("AD.GPO", 2, "Je gère les GPO de l'agence de Lyon depuis six mois."),
                                         ("NET.WIFI", 2, "Formation Wi-Fi terminée, dépannages réguliers.")]:
                if code in skills and not SelfAssessment.objects.filter(staff=staff, skill=skills[code]).exists():
                    self_assessment_submit(staff=staff, skill=skills[code], level=level, comment=comment)
    stdout.write(f"skills: {count} demo evidences recorded")
