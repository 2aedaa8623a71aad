"""Reads of the routing bridge: qualification and ranking (DESIGN.md, "Qualification and
ranking"), category rules, the matrix snapshot and the change feed, the shift-left report.

Qualification is computed two ways that must agree:
- at an instant `at`, from the evidence ledger with `skills.policy.evaluate`;
- now (`at` omitted), from the matrix cells, which is what makes it fast. Cells whose drop
  instant has passed but that the expiry sweep has not refreshed yet are not trusted: when the
  query involves one, it is answered from the ledger instead.
"""
import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Case, Count, Exists, F, Max, OuterRef, Q, Subquery, TextField, Value, When, Window
from django.db.models.functions import Cast, Coalesce, Collate
from django.utils import timezone

from academy.models import TIER_ORDER, Staff
from routing_bridge.models import CategoryRule, TicketFeedback, category_key, category_normalize
from skills.models import CHANGE_COUNTER, Domain, Evidence, ProficiencyLevel, Skill, SkillChange, SkillLevel
from skills.policy import evaluate

MAX_LIMIT = 200


class QueryError(Exception):
    """A request the bridge cannot answer; `detail` says why, `fields` names what is wrong."""

    def __init__(self, detail: str, *, fields: dict | None = None, status: int = 400, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or {}
        self.status = status
        self.extra = extra or {}


@dataclass(frozen=True)
class Requirement:
    skill: str
    min_level: int


@dataclass
class Candidate:
    staff_id: int
    employee_id: str
    tier: str
    profile: str
    levels: dict  # skill code -> effective level (required and optional skills)
    optional_met: int = 0
    over_qualification: int = 0
    last_assigned_at: datetime | None = None
    rank: int = 0
    display_name: str = ""
    skills: list = field(default_factory=list)
    qualified_until: datetime | None = None


@dataclass
class Qualification:
    as_of: datetime
    total_qualified: int
    candidates: list[Candidate]
    source: str  # "cells" or "ledger": how it was computed (for tests and diagnostics)


def scale_levels() -> list[int]:
    return list(ProficiencyLevel.objects.values_list("level", flat=True)) or [0, 1, 2, 3, 4]


def _check_requirements(required: list[Requirement], optional: list[Requirement]) -> dict[str, int]:
    """Validate skill codes and levels; returns {code: skill_id}. Raises QueryError naming the
    unknown codes, levels outside the scale and skills asked twice."""
    codes = [r.skill for r in required + optional]
    known = dict(Skill.objects.filter(code__in=codes).values_list("code", "pk"))
    unknown = sorted({c for c in codes if c not in known})
    if unknown:
        raise QueryError(
            "Compétences inconnues : " + ", ".join(unknown),
            fields={"required": unknown}, extra={"unknown_skills": unknown},
        )
    scale = scale_levels()
    fields = {}
    for name, reqs in (("required", required), ("optional", optional)):
        for i, r in enumerate(reqs):
            if r.min_level not in scale:
                fields[f"body.{name}.{i}.min_level"] = (
                    f"Le niveau {r.min_level} n'est pas dans l'échelle ({min(scale)} à {max(scale)})."
                )
    if fields:
        raise QueryError("Niveau minimum hors de l'échelle.", fields=fields)
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise QueryError("Compétence demandée deux fois : " + ", ".join(duplicated),
                         fields={"required": duplicated})
    return known


def _staff_filter(*, tiers, profiles, exclude) -> Q:
    q = Q(active=True)
    if tiers:
        q &= Q(tier__in=tiers)
    if profiles:
        q &= Q(profile__in=profiles)
    if exclude:
        q &= ~Q(employee_id__in=exclude)
    return q


def _speaks_all(staff_languages, wanted: list[str]) -> bool:
    have = {str(x).lower() for x in (staff_languages or [])}
    return all(w.lower() in have for w in wanted)


STAFF_FIELDS = ["pk", "employee_id", "tier", "profile", "languages", "user__first_name", "user__last_name",
                "user__username"]


def _display_name(row) -> str:
    full = f"{row[5]} {row[6]}".strip()
    return full or row[7]


def _levels_from_cells(*, skill_ids: dict, required: list[Requirement], staff_q: Q) -> tuple | None:
    """({staff_id: {code: level}}, {staff_id: staff row}) for the staff meeting every
    requirement, from the cells; None when one of their cells is stale (its drop instant has
    passed and the sweep has not applied it yet), so that the ledger answers instead. Only the
    cells of people meeting the requirements matter: a stale cell can only be too high, so it
    never hides anyone."""
    now = timezone.now()
    ids = list(skill_ids.values())
    code_of = {pk: code for code, pk in skill_ids.items()}
    gated = [r for r in required if r.min_level > 0]
    staff = Staff.objects.filter(staff_q)
    levels: dict[int, dict] = {}
    rows: dict[int, tuple] = {}
    if gated:
        cond = Q()
        for r in gated:
            cond |= Q(skill_id=skill_ids[r.skill], level__gte=r.min_level)
        qualified_ids = (
            SkillLevel.objects.filter(cond).values("staff_id").annotate(n=Count("id")).filter(n=len(gated))
            .values("staff_id")
        )
        # One query: the involved cells of the people meeting the requirements, with who they are.
        cells = SkillLevel.objects.filter(skill_id__in=ids, level__gt=0, staff__in=staff.filter(pk__in=qualified_ids))
        fields = ["staff__" + f if f != "pk" else "staff_id" for f in STAFF_FIELDS]
        for row in cells.values_list("skill_id", "level", "valid_until", *fields):
            skill_id, level, valid_until, person = row[0], row[1], row[2], row[3:]
            if valid_until is not None and valid_until <= now:
                return None
            rows[person[0]] = person
            levels.setdefault(person[0], {})[code_of[skill_id]] = level
        return levels, rows
    if SkillLevel.objects.filter(skill_id__in=ids, valid_until__lte=now).exists():
        return None
    rows = {row[0]: row for row in staff.values_list(*STAFF_FIELDS)}
    levels = {pk: {} for pk in rows}
    cells = SkillLevel.objects.filter(skill_id__in=ids, level__gt=0, staff__in=staff)
    for staff_id, skill_id, level in cells.values_list("staff_id", "skill_id", "level"):
        if staff_id in levels:
            levels[staff_id][code_of[skill_id]] = level
    return levels, rows


def _levels_from_ledger(*, skill_ids: dict, at: datetime, staff_q: Q) -> tuple:
    """({staff_id: {code: level}}, {staff_id: staff row}) for every staff matching `staff_q`,
    by the policy evaluated at `at` over the ledger."""
    code_of = {pk: code for code, pk in skill_ids.items()}
    grouped = defaultdict(list)
    evidences = Evidence.objects.filter(
        skill_id__in=list(skill_ids.values()), observed_at__lte=at, staff__in=Staff.objects.filter(staff_q),
    ).exclude(source="self").only("staff_id", "skill_id", "level", "source", "observed_at", "valid_until",
                                  "revoked_at")
    for e in evidences:
        grouped[(e.staff_id, e.skill_id)].append(e)
    rows = {row[0]: row for row in Staff.objects.filter(staff_q).values_list(*STAFF_FIELDS)}
    levels: dict[int, dict] = {pk: {} for pk in rows}
    for (staff_id, skill_id), items in grouped.items():
        level = evaluate(items, at).level
        if level > 0 and staff_id in levels:
            levels[staff_id][code_of[skill_id]] = level
    return levels, rows


def _rank_key(c: Candidate):
    return (
        TIER_ORDER.get(c.tier, 99),
        -c.optional_met,
        c.over_qualification,
        # Never assigned first, then the least recently assigned.
        (0, "") if c.last_assigned_at is None else (1, c.last_assigned_at.isoformat()),
        c.employee_id,
    )


def staff_qualified(
    *,
    required: list[Requirement],
    optional: list[Requirement] = (),
    tiers: list[str] | None = None,
    profiles: list[str] | None = None,
    languages: list[str] | None = None,
    exclude: list[str] | None = None,
    at: datetime | None = None,
    limit: int = 10,
    with_reasons: bool = True,
) -> Qualification:
    """Who is qualified for `required` at `at` (default now), ranked as DESIGN.md says; the
    `limit` first candidates come with their reasons. Raises QueryError for unknown skills,
    levels outside the scale, a skill asked twice or a limit outside 1..200."""
    required, optional = list(required), list(optional)
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit doit être entre 1 et {MAX_LIMIT}.", fields={"limit": "1..200"})
    skill_ids = _check_requirements(required, optional)
    now = timezone.now()
    staff_q = _staff_filter(tiers=tiers, profiles=profiles, exclude=exclude)
    found = None
    source = "ledger"
    if at is None and not languages:
        ranked = _ranked_from_cells(skill_ids=skill_ids, required=required, optional=optional, staff_q=staff_q,
                                    limit=limit)
        if ranked is not None:
            total, top, now = ranked
            if with_reasons and top:
                _attach_reasons(top, required=required, skill_ids=skill_ids, at=now)
            return Qualification(as_of=now, total_qualified=total, candidates=top, source="cells")
    if at is None:
        found = _levels_from_cells(skill_ids=skill_ids, required=required, staff_q=staff_q)
        source = "cells"
    as_of = at or now
    if found is None:
        found = _levels_from_ledger(skill_ids=skill_ids, at=as_of, staff_q=staff_q)
        source = "ledger"
    levels, info = found
    qualified_ids = [
        staff_id for staff_id, lv in levels.items()
        if all(lv.get(r.skill, 0) >= r.min_level for r in required)
        and (not languages or _speaks_all(info[staff_id][4], languages))
    ]
    last_assigned = _last_assigned(staff_ids=qualified_ids, at=as_of, staff_q=staff_q)
    candidates = []
    for pk in qualified_ids:
        lv = levels[pk]
        _pk, employee_id, tier, profile = info[pk][:4]
        candidates.append(Candidate(
            staff_id=pk, employee_id=employee_id, tier=tier, profile=profile, levels=lv,
            display_name=_display_name(info[pk]),
            optional_met=sum(1 for r in optional if lv.get(r.skill, 0) >= r.min_level),
            over_qualification=sum(lv.get(r.skill, 0) - r.min_level for r in required),
            last_assigned_at=last_assigned.get(pk),
        ))
    candidates.sort(key=_rank_key)
    total = len(candidates)
    top = candidates[:limit]
    for i, c in enumerate(top, start=1):
        c.rank = i
    if with_reasons and top:
        _attach_reasons(top, required=required, skill_ids=skill_ids, at=as_of)
    return Qualification(as_of=as_of, total_qualified=total, candidates=top, source=source)


def _ranked_from_cells(*, skill_ids: dict, required: list[Requirement], optional: list[Requirement], staff_q: Q,
                       limit: int) -> tuple | None:
    """(total qualified, the `limit` first candidates, now) ranked in SQL from the cells: only
    the top rows leave the database. None when a cell involved is stale (see `_levels_from_cells`),
    so that the ledger answers instead. Same answers as ranking `_levels_from_cells` in Python."""
    now = timezone.now()
    ids = list(skill_ids.values())
    gated = [r for r in required if r.min_level > 0]
    staff = Staff.objects.filter(staff_q)
    if gated:
        # One semi-join per requirement, each answered from the (skill, level, staff) index.
        for r in gated:
            staff = staff.filter(pk__in=SkillLevel.objects.filter(skill_id=skill_ids[r.skill], level__gte=r.min_level)
                                 .values("staff_id"))
        stale_cell = SkillLevel.objects.filter(staff_id=OuterRef("pk"), skill_id__in=ids, level__gt=0,
                                               valid_until__lte=now)
        # The count before the limit and whether a stale cell is involved come with the ranked rows.
        extra = {"total": Window(Count("pk")),
                 "stale": Window(Max(Case(When(Exists(stale_cell), then=Value(1)), default=Value(0))))}
    else:
        if SkillLevel.objects.filter(skill_id__in=ids, valid_until__lte=now).exists():
            return None
        total = staff.count()
        if not total:
            return 0, [], now
        extra = {"total": Value(total), "stale": Value(0)}

    def level_of(code):
        cell = SkillLevel.objects.filter(staff_id=OuterRef("pk"), skill_id=skill_ids[code], level__gt=0)
        return Coalesce(Subquery(cell.values("level")[:1]), Value(0))

    codes = [r.skill for r in required + optional]
    names = {code: f"lv{i}" for i, code in enumerate(codes)}
    annotations = {names[code]: level_of(code) for code in codes}
    over = Value(0)
    for r in required:
        over = over + F(names[r.skill]) - Value(r.min_level)
    met = Value(0)
    for r in optional:
        met = met + Case(When(**{f"{names[r.skill]}__gte": r.min_level}, then=Value(1)), default=Value(0))
    last = TicketFeedback.objects.filter(staff_id=OuterRef("pk"), occurred_at__lte=now).order_by("-occurred_at")
    tier_rank = Case(*[When(tier=t, then=Value(n)) for t, n in TIER_ORDER.items()], default=Value(99))
    employee_id = Collate("employee_id", "C") if connection.vendor == "postgresql" else F("employee_id")
    rows = (
        staff.annotate(**annotations)
        .annotate(over=over, met=met, last=Subquery(last.values("occurred_at")[:1]), tier_rank=tier_rank,
                  emp=employee_id, **extra)
        .order_by("tier_rank", "-met", "over", F("last").asc(nulls_first=True), "emp")
        .values_list(*STAFF_FIELDS, "met", "over", "last", "total", "stale", *names.values())[:limit]
    )
    rows = list(rows)
    n = len(STAFF_FIELDS)
    if not rows:
        return 0, [], now
    total, stale = rows[0][n + 3], rows[0][n + 4]
    if stale:
        return None
    top = []
    for rank, row in enumerate(rows, start=1):
        levels = {code: level for code, level in zip(codes, row[n + 5:]) if level > 0}
        top.append(Candidate(
            staff_id=row[0], employee_id=row[1], tier=row[2], profile=row[3], levels=levels,
            display_name=_display_name(row), optional_met=row[n], over_qualification=row[n + 1],
            last_assigned_at=row[n + 2], rank=rank,
        ))
    return total, top, now


def _last_assigned(*, staff_ids: list[int], at: datetime, staff_q: Q) -> dict:
    """{staff_id: latest occurred_at of feedback naming them, up to `at`}."""
    if not staff_ids:
        return {}
    rows = (
        TicketFeedback.objects.filter(occurred_at__lte=at, staff__in=Staff.objects.filter(staff_q))
        .values("staff_id").annotate(last=Max("occurred_at")).values_list("staff_id", "last")
    )
    wanted = set(staff_ids)
    return {staff_id: last for staff_id, last in rows if staff_id in wanted}


def _attach_reasons(candidates: list[Candidate], *, required: list[Requirement], skill_ids: dict,
                    at: datetime) -> None:
    """Fill each candidate's reasons from the ledger at `at`: for each required skill its level,
    until when it holds, the evidences that hold it up, and until when the minimum stays met."""
    staff_ids = [c.staff_id for c in candidates]
    evidences = defaultdict(list)
    for e in Evidence.objects.filter(staff_id__in=staff_ids, skill_id__in=[skill_ids[r.skill] for r in required],
                                     observed_at__lte=at).exclude(source="self"):
        evidences[(e.staff_id, e.skill_id)].append(e)
    for c in candidates:
        reasons = []
        untils = []
        for r in required:
            items = evidences[(c.staff_id, skill_ids[r.skill])]
            result = evaluate(items, at)
            qualified_until = _qualified_until(items, at=at, min_level=r.min_level)
            untils.append(qualified_until)
            reasons.append({
                "skill": r.skill, "level": result.level, "min_level": r.min_level,
                "valid_until": result.valid_until, "qualified_until": qualified_until,
                "evidence": [
                    {"id": e.pk, "source": e.source, "level": e.level, "observed_at": e.observed_at,
                     "valid_until": e.valid_until}
                    for e in sorted(result.holding, key=lambda e: (e.observed_at, e.pk))
                ],
            })
        c.skills = reasons
        c.qualified_until = None if any(u is None for u in untils) else (min(untils) if untils else None)


def _qualified_until(evidences, *, at: datetime, min_level: int) -> datetime | None:
    """The instant the level falls below `min_level` if nothing new is recorded (None: never).
    Evidences counting at `at` with a level >= min keep it up, each until it ends."""
    from skills.policy import evidence_counts_at

    if min_level <= 0:
        return None
    ends = []
    for e in evidences:
        if e.level >= min_level and evidence_counts_at(e, at):
            candidates = [x for x in (e.valid_until, e.revoked_at) if x is not None and x > at]
            ends.append(min(candidates) if candidates else None)
    if not ends or any(end is None for end in ends):
        return None
    return max(ends)


# --- Category rules ------------------------------------------------------------------------------


def category_rule_for(*, category: str) -> CategoryRule | None:
    """The active rule for `category`: its own, else the nearest ancestor's ("Réseau > VPN" falls
    back to "Réseau"). None when no prefix has a rule."""
    parts = category_normalize(category).split(" > ")
    keys = [category_key(" > ".join(parts[:i])) for i in range(len(parts), 0, -1)]
    rules = {r.key: r for r in CategoryRule.objects.filter(key__in=keys, active=True)}
    for key in keys:
        if key in rules:
            return rules[key]
    return None


def category_suggestions(*, category: str, n: int = 5) -> list[str]:
    """The known categories closest to `category` (difflib), best first."""
    known = list(CategoryRule.objects.filter(active=True).values_list("category", flat=True))
    by_key = {c.casefold(): c for c in known}
    close = difflib.get_close_matches(category_key(category), list(by_key), n=n, cutoff=0.4)
    return [by_key[k] for k in close]


def category_requirements(*, rule: CategoryRule) -> tuple[list[Requirement], list[Requirement]]:
    required, optional = [], []
    for r in rule.requirements.select_related("skill"):
        (optional if r.optional else required).append(Requirement(skill=r.skill.code, min_level=r.min_level))
    return required, optional


def category_route(*, category: str) -> CategoryRule:
    """The rule that governs `category`; raises QueryError (404) naming it with the closest
    known categories when there is none."""
    if not category_normalize(category):
        raise QueryError("La catégorie est vide.", fields={"body.ticket.category": "vide"})
    rule = category_rule_for(category=category)
    if rule is None:
        suggestions = category_suggestions(category=category)
        detail = f"Catégorie inconnue : « {category_normalize(category)} »."
        if suggestions:
            detail += " Catégories proches : " + ", ".join(f"« {s} »" for s in suggestions) + "."
        raise QueryError(detail, status=404, fields={"body.ticket.category": category},
                         extra={"category": category, "suggestions": suggestions})
    return rule


# --- Taxonomy, snapshot, changes ----------------------------------------------------------------


def taxonomy_read() -> dict:
    scale = [{"level": p.level, "label": p.label_fr, "label_en": p.label_en} for p in ProficiencyLevel.objects.all()]
    domains = []
    for d in Domain.objects.prefetch_related("skills"):
        domains.append({
            "code": d.code, "name": d.name_fr, "name_en": d.name_en,
            "skills": [{"code": s.code, "name": s.name_fr, "name_en": s.name_en}
                       for s in d.skills.all() if s.active],
        })
    return {"scale": scale, "domains": domains}


def change_log_version() -> int:
    from academy.services import counter_current

    return counter_current(name=CHANGE_COUNTER)


class RawJSON(str):
    """JSON text read as is from the database (a cell's `sources`), to be spliced into a response
    without decoding and encoding it again: the snapshot reads thousands of them."""


STAFF_RECORD_FIELDS = ["pk", "employee_id", "user__username", "user__first_name", "user__last_name", "team__name",
                       "profile", "tier", "languages", "active"]


def _staff_cells(staff_ids: list[int], *, raw: bool = False) -> dict:
    """{staff_id: [cell dicts above 0, by skill code]}; with `raw`, `sources` stays JSON text."""
    cells = defaultdict(list)
    qs = SkillLevel.objects.filter(staff_id__in=staff_ids, level__gt=0).order_by("staff_id", "skill__code")
    if raw:
        qs = qs.annotate(sources_text=Cast("sources", TextField()))
        rows = qs.values_list("staff_id", "skill__code", "level", "valid_until", "sources_text")
    else:
        rows = qs.values_list("staff_id", "skill__code", "level", "valid_until", "sources")
    for staff_id, code, level, valid_until, sources in rows:
        if raw:
            sources = RawJSON(sources or "[]")
        cells[staff_id].append({"code": code, "level": level, "valid_until": valid_until, "sources": sources})
    return cells


def _staff_records(rows: list[tuple], *, raw: bool = False) -> list[dict]:
    cells = _staff_cells([row[0] for row in rows], raw=raw)
    return [
        {
            "employee_id": employee_id, "username": username,
            "display_name": f"{first} {last}".strip() or username,
            "team": team, "profile": profile, "tier": tier, "languages": list(languages or []), "active": active,
            "skills": cells[pk],
        }
        for pk, employee_id, username, first, last, team, profile, tier, languages, active in rows
    ]


def staff_snapshot_page(*, after: str | None, limit: int, team: str | None = None, tier: str | None = None,
                        active: bool | None = None, raw: bool = False) -> dict:
    """One page of the snapshot, ordered by employee_id after `after`, with the change-log
    `version` it is consistent with. On PostgreSQL the version and the page are read in one
    REPEATABLE READ transaction (one snapshot); on SQLite a transaction is already one snapshot.
    With `raw`, each cell's `sources` is JSON text (RawJSON) for a fast response."""
    def read():
        version = change_log_version()
        qs = Staff.objects.order_by("employee_id")
        if after:
            qs = qs.filter(employee_id__gt=after)
        if team:
            qs = qs.filter(team__name=team)
        if tier:
            qs = qs.filter(tier=tier)
        if active is not None:
            qs = qs.filter(active=active)
        rows = list(qs.values_list(*STAFF_RECORD_FIELDS)[:limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        return {"version": version, "items": _staff_records(rows, raw=raw),
                "last": rows[-1][1] if (more and rows) else None}

    return _in_snapshot(read)


def _in_snapshot(read):
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return read()
    with transaction.atomic():
        return read()


def staff_record(*, employee_id: str) -> dict | None:
    rows = list(Staff.objects.filter(employee_id=employee_id).values_list(*STAFF_RECORD_FIELDS))
    return _staff_records(rows)[0] if rows else None


def changes_since(*, since: int, limit: int) -> dict:
    rows = list(
        SkillChange.objects.filter(seq__gt=since).order_by("seq")
        .values_list("seq", "staff__employee_id", "skill__code", "old_level", "new_level", "valid_until", "at",
                     "reason")[:limit]
    )
    items = [
        {"seq": seq, "employee_id": emp, "skill": code, "old_level": old, "new_level": new,
         "valid_until": until, "at": at, "reason": reason}
        for seq, emp, code, old, new, until, at, reason in rows
    ]
    return {"items": items, "next_since": items[-1]["seq"] if items else since}


# --- Shift-left report ---------------------------------------------------------------------------


def paths_available() -> bool:
    """Whether the training paths app offers `paths_closing` yet."""
    try:
        from courses.paths.selectors import paths_closing  # noqa: F401
    except ImportError:
        return False
    return True


def paths_closing_or_none(requirements: dict[str, int]):
    """Training paths that would qualify someone for `requirements`, when the paths app offers
    them; None while it does not exist yet."""
    try:
        from courses.paths.selectors import paths_closing
    except ImportError:
        return None
    from django.urls import NoReverseMatch, reverse

    try:
        paths = list(paths_closing(requirements=requirements))
    except Exception:  # a sibling app's failure must not break the report
        import logging

        logging.getLogger(__name__).exception("paths_closing failed")
        return None
    result = []
    for training_path in paths:
        try:
            url = reverse("paths:path_detail", args=[training_path.pk])
        except NoReverseMatch:
            url = ""
        result.append({"name": str(training_path), "url": url})
    return result


def shift_left_report(*, days: int = 90, limit: int = 20, now: datetime | None = None) -> list[dict]:
    """Categories most escalated by N1 staff in the last `days`: for each, how many escalations,
    the governing rule, how many active N1 are qualified now, and the training paths that
    would qualify more."""
    now = now or timezone.now()
    rows = (
        TicketFeedback.objects.filter(tier="N1", outcome=TicketFeedback.Outcome.ESCALATED,
                                      occurred_at__gte=now - timedelta(days=days), occurred_at__lte=now)
        .values("category_key").annotate(escalations=Count("id"), category=Max("category"))
        .order_by("-escalations", "category_key")[:limit]
    )
    n1_total = Staff.objects.filter(active=True, tier="N1").count()
    report = []
    for row in rows:
        rule = category_rule_for(category=row["category"])
        entry = {"category": row["category"], "escalations": row["escalations"], "rule": rule,
                 "n1_total": n1_total, "n1_qualified": None, "requirements": {}, "paths": None}
        if rule is not None:
            required, _optional = category_requirements(rule=rule)
            entry["requirements"] = {r.skill: r.min_level for r in required}
            result = staff_qualified(required=required, tiers=["N1"], limit=1, with_reasons=False)
            entry["n1_qualified"] = result.total_qualified
            entry["paths"] = paths_closing_or_none(entry["requirements"]) if required else None
        report.append(entry)
    return report
