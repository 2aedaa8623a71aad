"""Reads of the matrix and the ledger: levels at any instant, gaps against role profiles, the team
heatmap and coverage. Every function here runs a fixed number of queries, whatever the number of
people it is given (the heatmap of 5 or of 500 people costs the same round trips)."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q, prefetch_related_objects
from django.utils import timezone

from academy.models import TIER_ORDER
from academy.roles import user_is_admin
from academy.selectors import staff_visible_to, team_descendant_ids
from skills.models import (
    DEFAULT_SCALE,
    Domain, Evidence, EvidenceSource, ProficiencyLevel, RoleAssignment, RoleProfile, RoleRequirement,
    SelfAssessment, SelfAssessmentStatus, Skill, SkillLevel,
)
from skills.policy import Evaluation, evaluate

# The level that makes someone ready for a tier (DESIGN.md, "Skill levels").
TIER_READY_LEVEL = {"N1": 2, "N2": 3, "N3": 4}
COVERAGE_HORIZONS = (0, 30, 60, 90)


def effective_level(*, staff, skill, at: datetime | None = None) -> Evaluation:
    """The policy evaluated for (staff, skill) at `at` (default now), from the ledger."""
    at = at or timezone.now()
    return evaluate(Evidence.objects.filter(staff=staff, skill=skill), at)


def levels_at(*, staff, at: datetime | None = None) -> dict[str, Evaluation]:
    """Every skill of one person evaluated at `at`: {skill_code: Evaluation} (level 0 included
    when the person has evidences in the skill)."""
    at = at or timezone.now()
    grouped = defaultdict(list)
    for evidence in Evidence.objects.filter(staff=staff).select_related("skill"):
        grouped[evidence.skill.code].append(evidence)
    return {code: evaluate(evidences, at) for code, evidences in grouped.items()}


def scale() -> list[ProficiencyLevel]:
    return list(ProficiencyLevel.objects.all())


def scale_labels() -> dict[int, str]:
    """{level: label in the active language}; the default scale's while none is saved."""
    levels = list(ProficiencyLevel.objects.all()) or [
        ProficiencyLevel(level=level, label_fr=label_fr, label_en=label_en)
        for level, label_fr, label_en, _description in DEFAULT_SCALE]
    return {p.level: p.label for p in levels}


def skills_active():
    return Skill.objects.filter(active=True).select_related("domain").order_by("domain__sort_order",
                                                                               "domain__code", "code")


# --- Role profiles and gaps ------------------------------------------------------------------

def role_profiles_for(staff_list) -> dict[int, RoleProfile | None]:
    """{staff.id: their role profile or None}: the explicit assignment, else the active profile
    matching their profile and tier (one without a domain first, then by name), its requirements
    read (with their skills). Three queries at most."""
    staff_list = list(staff_list)
    assigned = dict(RoleAssignment.objects.filter(staff_id__in=[s.id for s in staff_list])
                    .values_list("staff_id", "role_profile_id"))
    # Only the profiles that can apply: those assigned, and those of these people's profile
    # (any tier: the matching below picks the tier). Every page showing gaps reads this.
    profiles = list(RoleProfile.objects.filter(active=True).filter(
        Q(profile__in={s.profile for s in staff_list}) | Q(id__in=set(assigned.values()))).order_by("name"))
    by_id = {p.id: p for p in profiles}
    matching = {}
    for profile in sorted(profiles, key=lambda p: (p.domain_id is not None, p.name)):
        for tier in ([profile.tier] if profile.tier else ["N1", "N2", "N3"]):
            matching.setdefault((profile.profile, tier), profile)
    result = {}
    for staff in staff_list:
        explicit = by_id.get(assigned.get(staff.id))
        result[staff.id] = explicit or matching.get((staff.profile, staff.tier))
    # The requirements of the profiles that apply only: the other tiers' were read to choose.
    chosen = list({profile.id: profile for profile in result.values() if profile is not None}.values())
    prefetch_related_objects(
        chosen, Prefetch("requirements", queryset=RoleRequirement.objects.select_related("skill__domain")))
    return result


_UNSET = object()  # "not given" for an optional role profile, which may itself be None


def role_profile_for(staff) -> RoleProfile | None:
    return role_profiles_for([staff])[staff.id]


@dataclass
class Gap:
    skill: Skill
    required: int
    level: int
    declared: int = 0
    valid_until: datetime | None = None

    @property
    def missing(self) -> int:
        return max(0, self.required - self.level)

    @property
    def met(self) -> bool:
        return self.level >= self.required


def _gaps(profile: RoleProfile | None, cells: dict[int, SkillLevel]) -> list[Gap]:
    if profile is None:
        return []
    gaps = []
    for requirement in profile.requirements.all():
        cell = cells.get(requirement.skill_id)
        gaps.append(Gap(skill=requirement.skill, required=requirement.min_level,
                        level=cell.level if cell else 0, declared=cell.declared_level if cell else 0,
                        valid_until=cell.valid_until if cell else None))
    return sorted(gaps, key=lambda g: (g.met, -g.missing, g.skill.code))


def skill_cells(*, staff) -> dict[int, SkillLevel]:
    """{skill_id: SkillLevel}: the person's row of the matrix (one query), for the functions
    below that accept it as `cells` when a page needs several of them."""
    return {c.skill_id: c for c in SkillLevel.objects.filter(staff=staff)}


def gaps_for_staff(*, staff, profile=_UNSET, cells: dict[int, SkillLevel] | None = None) -> list[Gap]:
    """The requirements of the person's role profile with their current level, unmet first.
    `profile`: their role profile when the caller has already read it; `cells`: their
    `skill_cells` likewise."""
    cells = skill_cells(staff=staff) if cells is None else cells
    return _gaps(role_profile_for(staff) if profile is _UNSET else profile, cells)


def gaps_for_team(*, staff_list) -> dict[int, list[Gap]]:
    """{staff.id: [Gap]} for several people, in a fixed number of queries."""
    staff_list = list(staff_list)
    profiles = role_profiles_for(staff_list)
    cells = defaultdict(dict)
    for cell in SkillLevel.objects.filter(staff_id__in=[s.id for s in staff_list]):
        cells[cell.staff_id][cell.skill_id] = cell
    return {s.id: _gaps(profiles[s.id], cells[s.id]) for s in staff_list}


def team_gap_summary(*, staff_list) -> list[dict]:
    """Per required skill across the team: how many people fall short, sorted by shortfall."""
    summary = {}
    for gaps in gaps_for_team(staff_list=staff_list).values():
        for gap in gaps:
            row = summary.setdefault(gap.skill.id, {"skill": gap.skill, "required_by": 0, "short": 0})
            row["required_by"] += 1
            row["short"] += not gap.met
    return sorted(summary.values(), key=lambda r: (-r["short"], r["skill"].code))


# --- One person's page -----------------------------------------------------------------------

@dataclass
class SkillRow:
    skill: Skill
    level: int = 0
    declared: int = 0
    valid_until: datetime | None = None
    sources: list = field(default_factory=list)
    required: int = 0
    evidences: list = field(default_factory=list)
    pending: SelfAssessment | None = None

    @property
    def gap(self) -> int:
        return max(0, self.required - self.level)

    @property
    def expiring_soon(self) -> bool:
        return self.valid_until is not None and self.valid_until <= timezone.now() + timedelta(days=90)


def staff_skill_rows(*, staff, profile=_UNSET, cells: dict[int, SkillLevel] | None = None) -> list[dict]:
    """The person's skills grouped by domain: [{domain, rows: [SkillRow]}]. A skill appears when
    the person has a level, a declared level, an evidence, a pending request, or their role
    profile requires it. Evidences are listed newest first, revoked ones included (marked).
    `cells`: the person's `skill_cells` when the caller has already read them."""
    cells = skill_cells(staff=staff) if cells is None else cells
    profile = role_profile_for(staff) if profile is _UNSET else profile
    required = {r.skill_id: r.min_level for r in profile.requirements.all()} if profile else {}
    evidences = defaultdict(list)
    for evidence in Evidence.objects.filter(staff=staff).select_related("recorded_by").order_by("-observed_at",
                                                                                               "-id"):
        evidences[evidence.skill_id].append(evidence)
    pending = {a.skill_id: a for a in SelfAssessment.objects.filter(staff=staff,
                                                                   status=SelfAssessmentStatus.PENDING)}
    wanted = set(cells) | set(required) | set(evidences) | set(pending)
    groups = {}
    for skill in Skill.objects.filter(id__in=wanted).select_related("domain").order_by(
            "domain__sort_order", "domain__code", "code"):
        cell = cells.get(skill.id)
        row = SkillRow(skill=skill, level=cell.level if cell else 0, declared=cell.declared_level if cell else 0,
                       valid_until=cell.valid_until if cell else None, sources=cell.sources if cell else [],
                       required=required.get(skill.id, 0), evidences=evidences.get(skill.id, []),
                       pending=pending.get(skill.id))
        groups.setdefault(skill.domain_id, {"domain": skill.domain, "rows": []})["rows"].append(row)
    return list(groups.values())


def expiring_for_staff(*, staff, days: int = 90, cells: dict[int, SkillLevel] | None = None,
                       skills: dict[int, Skill] | None = None) -> list[SkillLevel]:
    """Cells of the person that will drop within `days`, soonest first, each with its skill.
    `cells` and `skills` ({id: Skill} holding at least the cells' skills): what the caller has
    already read, to pick the cells from without a query."""
    horizon = timezone.now() + timedelta(days=days)
    if cells is None or skills is None:
        return list(SkillLevel.objects.filter(staff=staff, level__gt=0, valid_until__lte=horizon)
                    .select_related("skill").order_by("valid_until"))
    expiring = sorted((cell for cell in cells.values()
                       if cell.level > 0 and cell.valid_until is not None and cell.valid_until <= horizon),
                      key=lambda cell: cell.valid_until)
    for cell in expiring:
        cell.skill = skills[cell.skill_id]
    return expiring


# --- Team heatmap ----------------------------------------------------------------------------

@dataclass
class Heatmap:
    domains: list  # [{domain, skills: [Skill]}]
    skills: list
    rows: list  # [{staff, cells: [{level, declared, valid_until, required, gap}], gaps}]


def heatmap(*, staff_list, domain: Domain | None = None, tier: str | None = None) -> Heatmap:
    """Staff × active skills (optionally one domain), each cell with its level, declared level,
    drop instant, and the level required by the person's role profile. Four to six queries
    whatever the number of people."""
    staff_list = [s for s in staff_list if not tier or s.tier == tier]
    skills = skills_active()
    if domain is not None:
        skills = skills.filter(domain=domain)
    skills = list(skills)
    skill_ids = [s.id for s in skills]
    cells = defaultdict(dict)
    for cell in SkillLevel.objects.filter(staff_id__in=[s.id for s in staff_list], skill_id__in=skill_ids).only(
            "staff_id", "skill_id", "level", "declared_level", "valid_until"):
        cells[cell.staff_id][cell.skill_id] = cell
    profiles = role_profiles_for(staff_list)
    domains = []
    for skill in skills:
        if not domains or domains[-1]["domain"].id != skill.domain_id:
            domains.append({"domain": skill.domain, "skills": []})
        domains[-1]["skills"].append(skill)
    rows = []
    for staff in staff_list:
        profile = profiles[staff.id]
        required = {r.skill_id: r.min_level for r in profile.requirements.all()} if profile else {}
        row_cells, gaps = [], 0
        for skill in skills:
            cell = cells[staff.id].get(skill.id)
            level = cell.level if cell else 0
            need = required.get(skill.id, 0)
            gap = need > level
            gaps += gap
            row_cells.append({"skill": skill, "level": level, "declared": cell.declared_level if cell else 0,
                              "valid_until": cell.valid_until if cell else None, "required": need, "gap": gap})
        rows.append({"staff": staff, "profile": profile, "cells": row_cells, "gaps": gaps})
    return Heatmap(domains=domains, skills=skills, rows=rows)


def heatmap_gap_summary(matrix: Heatmap) -> list[dict]:
    """Per skill of a heatmap: how many of its people the role profile requires it of, and how
    many fall short, most short first (no query)."""
    summary = {}
    for row in matrix.rows:
        for cell in row["cells"]:
            if cell["required"]:
                item = summary.setdefault(cell["skill"].id, {"skill": cell["skill"], "required_by": 0, "short": 0})
                item["required_by"] += 1
                item["short"] += cell["gap"]
    return sorted((i for i in summary.values() if i["short"]), key=lambda i: (-i["short"], i["skill"].code))


# --- Coverage --------------------------------------------------------------------------------

def coverage(*, staff_list, domain: Domain | None = None, min_level: int | None = None,
             now: datetime | None = None) -> list[dict]:
    """For each active skill and tier, how many active people are qualified now and in 30, 60
    and 90 days once the known expiries have passed (no new evidence assumed).

    Qualified means a level at least `min_level`, or by default the level that makes someone
    ready for their tier (N1: 2, N2: 3, N3: 4). Each row: {skill, by_tier: {tier: [now, 30, 60,
    90]}, total: [now, 30, 60, 90], flag: "none" | "single" | "at_risk" | ""}. "at_risk": one
    person or nobody within 90 days while more than one now.
    """
    now = now or timezone.now()
    staff_list = [s for s in staff_list if s.active]
    tiers = {s.id: s.tier for s in staff_list}
    skills = skills_active()
    if domain is not None:
        skills = skills.filter(domain=domain)
    skills = list(skills)
    instants = [now + timedelta(days=d) for d in COVERAGE_HORIZONS]
    cells = list(SkillLevel.objects.filter(staff_id__in=list(tiers), skill_id__in=[s.id for s in skills],
                                           level__gt=0).values_list("staff_id", "skill_id", "level", "valid_until"))
    # Cells that drop within the horizon: their level later is evaluated from the ledger.
    expiring = [(st, sk) for st, sk, _level, until in cells if until is not None and until <= instants[-1]]
    ledger = defaultdict(list)
    if expiring:
        staff_ids = {st for st, _sk in expiring}
        skill_ids = {sk for _st, sk in expiring}
        wanted = set(expiring)
        for evidence in Evidence.objects.filter(staff_id__in=staff_ids, skill_id__in=skill_ids, revoked_at=None) \
                .exclude(source=EvidenceSource.SELF).only("staff_id", "skill_id", "level", "source", "observed_at",
                                                            "valid_until", "revoked_at"):
            if (evidence.staff_id, evidence.skill_id) in wanted:
                ledger[(evidence.staff_id, evidence.skill_id)].append(evidence)
    counts = defaultdict(lambda: defaultdict(lambda: [0] * len(instants)))
    for staff_id, skill_id, level, until in cells:
        tier = tiers[staff_id]
        threshold = min_level or TIER_READY_LEVEL.get(tier, 2)
        for index, instant in enumerate(instants):
            if until is None or instant < until:
                at_level = level
            else:
                at_level = evaluate(ledger[(staff_id, skill_id)], instant).level
            if at_level >= threshold:
                counts[skill_id][tier][index] += 1
    rows = []
    for skill in skills:
        by_tier = {tier: list(counts[skill.id][tier]) for tier in TIER_ORDER}
        total = [sum(by_tier[t][i] for t in TIER_ORDER) for i in range(len(instants))]
        flag = "none" if total[0] == 0 else "single" if total[0] == 1 else "at_risk" if min(total) <= 1 else ""
        rows.append({"skill": skill, "by_tier": by_tier, "total": total, "flag": flag})
    return rows


# --- Validation queue ------------------------------------------------------------------------

def validation_queue_for(user):
    """Pending self-assessments of the people `user` leads (never their own, unless admin)."""
    qs = SelfAssessment.objects.filter(status=SelfAssessmentStatus.PENDING,
                                       staff__in=staff_visible_to(user), staff__active=True)
    if not user_is_admin(user):
        qs = qs.exclude(staff__user=user)
    return qs.select_related("staff__user", "staff__team", "skill__domain").order_by("created_at", "id")


def staff_for_matrix(*, user, team=None):
    """Active staff visible to `user` (optionally one team and its sub-teams), for the heatmap."""
    qs = staff_visible_to(user).filter(active=True).select_related("user", "team")
    if team is not None:
        qs = qs.filter(team_id__in=team_descendant_ids([team.id]))
    return qs.order_by("team__name", "user__last_name", "user__first_name", "employee_id")
