"""Qualification and ranking (DESIGN.md, "Qualification and ranking"): who is qualified for
a set of skill requirements, ranked. The bridge's other reads live beside it: category rules
(`category_rules`), the snapshot (`snapshot`), the change feed (`changes`), the shift-left
report (`reports`).

Qualification is computed two ways that must agree:
- at an instant `at`, from the evidence ledger with `skills.policy.evaluate`;
- now (`at` omitted), from the matrix cells, which is what makes it fast. Cells whose drop
  instant has passed but that the expiry sweep has not refreshed yet are not trusted: when the
  query involves one, it is answered from the ledger instead.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.db import connection
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.models import TIER_ORDER, Staff, display_name
from routing_bridge.db import _dt_param, _dt_read, _marks, _qn, _raw
from routing_bridge.errors import InvalidQuery
from routing_bridge.holders import holders_enabled, holders_ranking
from routing_bridge.models import TicketFeedback
from skills.models import DEFAULT_SCALE, Evidence, ProficiencyLevel, Skill, SkillLevel
from skills.policy import evaluate, evidence_counts_at

MAX_LIMIT = 200


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


def _check_requirements(required: list[Requirement], optional: list[Requirement]) -> dict[str, int]:
    """Validate skill codes and levels; returns {code: skill_id}. Raises InvalidQuery naming the
    unknown codes, levels outside the scale and skills asked twice."""
    codes = [r.skill for r in required + optional]
    known, scale = _reference(codes)
    unknown = sorted({c for c in codes if c not in known})
    if unknown:
        raise InvalidQuery(
            _("Compétences inconnues : %(codes)s") % {"codes": ", ".join(unknown)},
            fields={"required": unknown}, extra={"unknown_skills": unknown},
        )
    fields = {}
    for name, reqs in (("required", required), ("optional", optional)):
        for i, r in enumerate(reqs):
            if r.min_level not in scale:
                fields[f"body.{name}.{i}.min_level"] = (
                    _("Le niveau %(level)s n'est pas dans l'échelle (%(min)s à %(max)s).")
                    % {"level": r.min_level, "min": min(scale), "max": max(scale)}
                )
    if fields:
        raise InvalidQuery(_("Niveau minimum hors de l'échelle."), fields=fields)
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise InvalidQuery(_("Compétence demandée deux fois : %(codes)s") % {"codes": ", ".join(duplicated)},
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
    `limit` first candidates come with their reasons. Raises InvalidQuery for unknown skills,
    levels outside the scale, a skill asked twice or a limit outside 1..200."""
    required, optional = list(required), list(optional)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery(_("limit doit être entre 1 et %(max)s.") % {"max": MAX_LIMIT}, fields={"limit": "1..200"})
    skill_ids = _check_requirements(required, optional)
    now = timezone.now()
    staff_q = _staff_filter(tiers=tiers, profiles=profiles, exclude=exclude)
    found = None
    source = "ledger"
    if at is None and not languages:
        ranked = _ranked_from_cells(skill_ids=skill_ids, required=required, optional=optional, tiers=tiers,
                                    profiles=profiles, exclude=exclude, limit=limit)
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
            display_name=display_name(*info[pk][5:8]),
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


# --- Raw SQL for the hot path ----------------------------------------------------------------------
# `qualified` is called for every ticket a router dispatches: its three statements (reference
# data, the ranked query, the evidence behind the reasons) are SQL text built once per shape (how
# many codes, tiers, exclusions…) with parameters, not ORM querysets, whose compilation cost more
# than PostgreSQL took to answer (docs/benchmarks.md). The skill codes and the scale are read
# by one small statement per call rather than cached: an indexed read (a fraction of a
# millisecond once prepared), always current in every worker process, where a cache would need
# an invalidation shared between processes (the default cache is per process). The helpers that
# build and run them are in routing_bridge.db.


@lru_cache(maxsize=64)
def _reference_sql(vendor: str, n_codes: int) -> str:
    scale = f"SELECT NULL, level FROM {_qn(ProficiencyLevel)}"
    if not n_codes:
        return scale
    return f"SELECT code, id FROM {_qn(Skill)} WHERE code IN ({_marks(n_codes)}) UNION ALL {scale}"


def _reference(codes: list[str]) -> tuple[dict[str, int], list[int]]:
    """({code: skill id} for the known codes among `codes`, the scale's levels): one statement."""
    wanted = sorted(set(codes))
    known, scale = {}, []
    for code, value in _raw(_reference_sql(connection.vendor, len(wanted)), wanted, prepare=True):
        if code is None:
            scale.append(value)
        else:
            known[code] = value
    return known, sorted(scale) or [level for level, *_rest in DEFAULT_SCALE]


@lru_cache(maxsize=256)
def _ranked_sql(vendor: str, gated: tuple[int, ...], n_required: int, n_optional: int, n_tiers: int,
                n_profiles: int, n_exclude: int) -> str:
    """The ranked query for one shape. Parameters, in order: one min level per optional then per
    required skill (middle select), now (last assignment), now once per involved skill (stale
    cells), per involved skill its id (and its min level when the requirement is gated), True
    (active), tiers, profiles, exclusions, the limit.

    Each gated requirement is an inner join on the cells, answered from the (skill, level,
    staff) index, which also carries `valid_until`: the levels and the stale check come from
    the joins themselves, with no second visit to the cells. Names are read for the `limit`
    rows kept only."""
    n_codes = n_required + n_optional
    lv = [f"lv{i}" for i in range(n_codes)]
    cell = [f"g{i}" for i in range(n_codes)]
    tier_rank = "CASE s.tier " + " ".join(f"WHEN '{t}' THEN {n}" for t, n in TIER_ORDER.items()) + " ELSE 99 END"
    joins = []
    for i in range(n_codes):
        if i in gated:
            joins.append(f" INNER JOIN {_qn(SkillLevel)} {cell[i]} ON {cell[i]}.staff_id = s.id"
                         f" AND {cell[i]}.skill_id = %s AND {cell[i]}.level >= %s")
        else:
            joins.append(f" LEFT JOIN {_qn(SkillLevel)} {cell[i]} ON {cell[i]}.staff_id = s.id"
                         f" AND {cell[i]}.skill_id = %s AND {cell[i]}.level > 0")
    level_cols = "".join(
        f", {cell[i]}.level AS {lv[i]}" if i in gated else f", COALESCE({cell[i]}.level, 0) AS {lv[i]}"
        for i in range(n_codes))
    if n_codes:
        stale = "CASE WHEN " + " OR ".join(f"{c}.valid_until <= %s" for c in cell) + " THEN 1 ELSE 0 END"
    else:
        stale = "0"
    where = ["s.active = %s"]
    if n_tiers:
        where.append(f"s.tier IN ({_marks(n_tiers)})")
    if n_profiles:
        where.append(f"s.profile IN ({_marks(n_profiles)})")
    if n_exclude:
        where.append(f"s.employee_id NOT IN ({_marks(n_exclude)})")
    met = " + ".join([f"CASE WHEN q.{lv[n_required + i]} >= %s THEN 1 ELSE 0 END" for i in range(n_optional)]) or "0"
    over = " + ".join([f"(q.{lv[i]} - %s)" for i in range(n_required)]) or "0"
    inner = (
        f"SELECT s.id, s.employee_id, s.tier, s.profile, s.user_id, {tier_rank} AS tier_rank, "
        f"(SELECT MAX(f.occurred_at) FROM {_qn(TicketFeedback)} f WHERE f.staff_id = s.id AND f.occurred_at <= %s)"
        f" AS last_at{level_cols}, {stale} AS stale "
        f"FROM {_qn(Staff)} s{''.join(joins)} WHERE {' AND '.join(where)}"
    )
    collate = ' COLLATE "C"' if vendor == "postgresql" else ""
    nulls_first = " NULLS FIRST" if vendor == "postgresql" else ""  # SQLite puts NULLs first already
    order = "ORDER BY {t}.tier_rank, {t}.met DESC, {t}.over_q, {t}.last_at" + nulls_first + ", {t}.employee_id" + collate
    cols = ", ".join(f"r.{name}" for name in lv)
    return (
        f"SELECT r.id, r.employee_id, r.tier, r.profile, u.first_name, u.last_name, u.username, r.met, r.over_q, "
        f"r.last_at, r.total, r.any_stale{', ' + cols if cols else ''} "
        f"FROM (SELECT m.*, COUNT(*) OVER () AS total, MAX(m.stale) OVER () AS any_stale "
        f"FROM (SELECT q.*, ({met}) AS met, ({over}) AS over_q FROM ({inner}) q) m "
        f"{order.format(t='m')} LIMIT %s) r "
        f"INNER JOIN {_qn(Staff.user.field.related_model)} u ON u.id = r.user_id {order.format(t='r')}"
    )


def _ranked_from_cells(*, skill_ids: dict, required: list[Requirement], optional: list[Requirement],
                       tiers, profiles, exclude, limit: int) -> tuple | None:
    """(total qualified, the `limit` first candidates, now) ranked in SQL from the cells: only
    the top rows leave the database. None when a cell involved is stale (its drop instant has
    passed and the expiry sweep has not refreshed it yet), so that the ledger answers instead:
    only the cells of the people ranked matter, and a stale cell can only be too high.
    Same answers as ranking `_levels_from_cells` in Python (the oracle test checks both)."""
    now = timezone.now()
    now_param = _dt_param(now)
    tiers, profiles, exclude = list(tiers or []), list(profiles or []), list(exclude or [])
    codes = [r.skill for r in required + optional]
    gated = tuple(i for i, r in enumerate(required) if r.min_level > 0)
    if gated and holders_enabled():
        held = _ranked_from_holders(skill_ids=skill_ids, required=required, optional=optional, tiers=tiers,
                                    profiles=profiles, exclude=exclude, limit=limit, now=now)
        if held is not None:
            return held
    sql = _ranked_sql(connection.vendor, gated, len(required), len(optional), len(tiers), len(profiles),
                      len(exclude))
    params = [r.min_level for r in optional] + [r.min_level for r in required]
    params += [now_param] + [now_param] * len(codes)
    for i, code in enumerate(codes):
        params += [skill_ids[code], required[i].min_level] if i in gated else [skill_ids[code]]
    params += [True, *tiers, *profiles, *exclude]
    params.append(limit)
    rows = _raw(sql, params, prepare=True)
    if not rows:
        return 0, [], now
    total, stale = rows[0][10], rows[0][11]
    if stale:
        return None
    top = []
    for rank, row in enumerate(rows, start=1):
        pk, employee_id, tier, profile, first, last, username, met, over, last_at = row[:10]
        top.append(Candidate(
            staff_id=pk, employee_id=employee_id, tier=tier, profile=profile,
            levels={code: level for code, level in zip(codes, row[12:]) if level > 0},
            display_name=display_name(first, last, username), optional_met=met, over_qualification=over,
            last_assigned_at=_dt_read(last_at), rank=rank,
        ))
    return total, top, now


@lru_cache(maxsize=4)
def _held_people_sql(vendor: str) -> str:
    """PostgreSQL: names and last assignment of the staff ids given as comma-separated text
    (the candidates of routing_bridge.holders that can reach the top). Parameters: now, the ids."""
    return (
        f"SELECT s.id, u.first_name, u.last_name, u.username, "
        f"(SELECT MAX(f.occurred_at) FROM {_qn(TicketFeedback)} f WHERE f.staff_id = s.id AND f.occurred_at <= %s) "
        f"FROM {_qn(Staff)} s INNER JOIN {_qn(Staff.user.field.related_model)} u ON u.id = s.user_id "
        f"WHERE s.id = ANY(string_to_array(%s, ',')::bigint[])"
    )


def _ranked_from_holders(*, skill_ids: dict, required: list[Requirement], optional: list[Requirement],
                         tiers: list, profiles: list, exclude: list, limit: int, now: datetime) -> tuple | None:
    """`_ranked_from_cells` on PostgreSQL from the bit sets of routing_bridge.holders: the total
    and the first ranking keys (tier, optional skills met, over-qualification) come from memory;
    the database reads only the names and last assignments of the people who can reach the top.
    None when one of those qualified has a stale cell in a skill asked (the caller answers
    another way)."""
    ranked = holders_ranking(
        required=[(skill_ids[r.skill], r.min_level) for r in required],
        optional=[(skill_ids[r.skill], r.min_level) for r in optional],
        tiers=tiers, profiles=profiles, exclude=exclude, limit=limit, now=_dt_param(now),
        raw=lambda sql, params: _raw(sql, params, prepare=True))
    if ranked is None:
        return None
    total, groups = ranked
    if not total:
        return 0, [], now
    ids = [member[0] for group in groups for member in group.members]
    people = {row[0]: row[1:] for row in _raw(_held_people_sql(connection.vendor),
                                               [_dt_param(now), ",".join(map(str, ids))], prepare=True)}
    codes = [r.skill for r in required + optional]
    candidates = []
    for group in groups:
        for staff_id, employee_id, tier, profile, levels in group.members:
            if staff_id not in people:
                continue  # deleted since the copy was read
            first, last, username, last_at = people[staff_id]
            candidates.append(Candidate(
                staff_id=staff_id, employee_id=employee_id, tier=tier, profile=profile,
                levels={code: level for code in codes if (level := levels[skill_ids[code]]) > 0},
                display_name=display_name(first, last, username), optional_met=group.optional_met,
                over_qualification=group.over_qualification, last_assigned_at=_dt_read(last_at),
            ))
    top = sorted(candidates, key=_rank_key)[:limit]
    for rank, candidate in enumerate(top, start=1):
        candidate.rank = rank
    return total, top, now


class _Evidence:
    """What the policy and the reasons read of an evidence (skills.policy.EvidenceLike), from
    a raw row: no model instance per evidence."""

    __slots__ = ("pk", "staff_id", "skill_id", "level", "source", "observed_at", "valid_until", "revoked_at")

    def __init__(self, pk, staff_id, skill_id, level, source, observed_at, valid_until, revoked_at):
        self.pk, self.staff_id, self.skill_id, self.level, self.source = pk, staff_id, skill_id, level, source
        self.observed_at, self.valid_until, self.revoked_at = (_dt_read(observed_at), _dt_read(valid_until),
                                                               _dt_read(revoked_at))


@lru_cache(maxsize=64)
def _evidence_sql(vendor: str, n_staff: int, n_skills: int) -> str:
    return (
        f"SELECT id, staff_id, skill_id, level, source, observed_at, valid_until, revoked_at "
        f"FROM {_qn(Evidence)} WHERE staff_id IN ({_marks(n_staff)}) AND skill_id IN ({_marks(n_skills)}) "
        f"AND observed_at <= %s AND source <> %s ORDER BY observed_at DESC, id DESC"
    )


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
    wanted = [skill_ids[r.skill] for r in required]
    evidences = defaultdict(list)
    if wanted:
        rows = _raw(_evidence_sql(connection.vendor, len(staff_ids), len(wanted)),
                    [*staff_ids, *wanted, _dt_param(at), "self"], prepare=True)
        for row in rows:
            e = _Evidence(*row)
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
