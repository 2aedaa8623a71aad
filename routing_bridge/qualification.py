"""Qualification and ranking, as DESIGN.md writes them ("Qualification and ranking"). The one
engine of the bridge: the API, the dispatcher's page, `route` and the reports all ask here.

    qualified  = the filters of `qualified_rows`: active, each required skill at its minimum or
                 above (`meets_required`), the tier, profile and language filters, minus the
                 people excluded, and (unless the question says otherwise) available now;
    ranking    = the keys of `ranking_keys`, in order, smallest first; the client familiarity of
                 contract 1.1 is `client_familiarity`;
    reasons    = for each required skill, the level, until when it holds, until when the minimum
                 stays met, and the evidences holding it up (`reasons`, by skills.policy).

The rules read a `routing_bridge.matrix.Matrix`: for now, the copy each process keeps current
(no other read of the database than its catch-up statement); at another instant, the policy
evaluated over the ledger at that instant. Both are the same columns, so the same functions
answer both: adding a filter is a line in `qualified_rows`, adding a ranking key a line in
`ranking_keys` (docs/architecture.md shows an example).
"""
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _

from routing_bridge.errors import InvalidQuery
from routing_bridge.matrix import PRACTICE_KEPT, ClientRef, Matrix, matrix_at, matrix_now

MAX_LIMIT = 200
# Client familiarity counts the tickets of the client resolved in (at − PRACTICE_WINDOW, at].
PRACTICE_WINDOW = timedelta(days=180)
assert PRACTICE_WINDOW <= PRACTICE_KEPT  # the copy keeps what the rule reads
# Client familiarity's values, highest first, and their names in the answers.
REFERENT, BACKUP, PRACTICE, UNFAMILIAR = 3, 2, 1, 0
FAMILIARITY_NAMES = {REFERENT: "referent", BACKUP: "backup", PRACTICE: "practice", UNFAMILIAR: None}


@dataclass(frozen=True)
class Requirement:
    skill: str
    min_level: int


@dataclass(frozen=True)
class Query:
    """A question, its skill codes resolved to ids (`skill_ids`)."""

    required: tuple
    optional: tuple = ()
    tiers: tuple = ()
    profiles: tuple = ()
    languages: tuple = ()
    exclude: tuple = ()
    limit: int = 10
    skill_ids: dict = field(default_factory=dict)
    available_only: bool = True
    client: ClientRef | None = None


@dataclass
class Candidate:
    staff_id: int
    employee_id: str
    tier: str
    profile: str
    levels: dict  # skill code -> effective level (required and optional skills), above 0
    optional_met: int = 0
    over_qualification: int = 0
    last_assigned_at: datetime | None = None
    rank: int = 0
    display_name: str = ""
    skills: list = field(default_factory=list)
    qualified_until: datetime | None = None
    available: bool = True  # now, whatever the instant asked
    open_tickets: int = 0
    client_familiarity: int = UNFAMILIAR  # REFERENT, BACKUP, PRACTICE or UNFAMILIAR

    @property
    def client_familiarity_name(self) -> str | None:
        """"referent", "backup", "practice" or None, as the answers name it."""
        return FAMILIARITY_NAMES[self.client_familiarity]


@dataclass
class Qualification:
    as_of: datetime
    total_qualified: int
    candidates: list[Candidate]
    source: str  # "matrix" (now, the copy in memory) or "ledger" (another instant)
    unavailable_qualified: int = 0
    client: "ClientReferent | None" = None  # when the question names a client


@dataclass
class ClientReferent:
    """The client named by a question and its referent: whether they meet the required skills at
    the instant (skills only, whatever the filters) and whether they are available now."""

    code: str
    name: str
    referent_employee_id: str | None
    referent_display_name: str
    referent_qualified: bool
    referent_available: bool
    referent_tier: str = ""
    referent_open_tickets: int = 0


# --- The rules ------------------------------------------------------------------------------------


def meets_required(matrix: Matrix, query: Query) -> np.ndarray:
    """Who holds every required skill at its minimum or above (a boolean per row)."""
    meets = np.ones(matrix.people.size, dtype=bool)
    for r in query.required:
        if r.min_level > 0:
            meets &= matrix.level(query.skill_ids[r.skill]) >= r.min_level
    return meets


def qualified_rows(matrix: Matrix, query: Query) -> np.ndarray:
    """Who is qualified (a boolean per row): active, every required skill at its minimum or above,
    one of the tiers and profiles asked, every language asked, not excluded, and available now
    when the question asks for available people only (availability is now's, whatever `at`)."""
    people = matrix.people
    qualified = people.active & meets_required(matrix, query)
    if query.tiers:
        qualified &= people.tiers(query.tiers)
    if query.profiles:
        qualified &= people.profiles(query.profiles)
    for language in query.languages:
        qualified &= people.speaking(language)
    for employee_id in query.exclude:
        row = people.row_of_employee.get(employee_id)
        if row is not None:
            qualified[row] = False
    if query.available_only:
        qualified &= matrix.available
    return qualified


def unavailable_qualified(matrix: Matrix, query: Query, qualified: np.ndarray) -> int:
    """How many people pass every filter but availability: let through by the filters without
    availability and left out of `qualified` (the filters with it). 0 when the question does not
    ask for available people only."""
    if not query.available_only or matrix.available.all():
        return 0
    return int(np.count_nonzero(qualified_rows(matrix, replace(query, available_only=False)) & ~qualified))


def optional_met(matrix: Matrix, rows: np.ndarray, query: Query) -> np.ndarray:
    """How many optional skills each of `rows` holds at their minimum or above."""
    met = np.zeros(len(rows), dtype=np.int16)
    for r in query.optional:
        met += matrix.level(query.skill_ids[r.skill])[rows] >= r.min_level
    return met


def over_qualification(matrix: Matrix, rows: np.ndarray, query: Query) -> np.ndarray:
    """For each of `rows`, the sum over required skills of level minus minimum."""
    over = np.zeros(len(rows), dtype=np.int16)
    for r in query.required:
        over += matrix.level(query.skill_ids[r.skill])[rows].astype(np.int16) - r.min_level
    return over


def client_familiarity(matrix: Matrix, rows: np.ndarray, query: Query) -> np.ndarray:
    """For each of `rows`, how well they know the client of the question: REFERENT (3) its
    referent, BACKUP (2) one of its backups, PRACTICE (1) resolved at least one ticket of that
    client in (at − PRACTICE_WINDOW, at], UNFAMILIAR (0) otherwise, and for everyone when the
    question names no client."""
    client = query.client
    if client is None:
        return np.zeros(len(rows), dtype=np.int8)
    familiarity = np.zeros(matrix.people.size, dtype=np.int8)
    familiarity[matrix.resolved_for(client.id, matrix.at_us - PRACTICE_WINDOW // timedelta(microseconds=1),
                                    matrix.at_us)] = PRACTICE
    familiarity[list(client.backup_rows)] = BACKUP
    if client.referent_row is not None:
        familiarity[client.referent_row] = REFERENT
    return familiarity[rows]


def ranking_keys(matrix: Matrix, rows: np.ndarray, query: Query) -> list[np.ndarray]:
    """The ranking of DESIGN.md and contract 1.1, one array per key, each smallest first, in order."""
    return [
        matrix.people.tier_rank[rows],               # 1. lowest tier first (first-contact resolution)
        -client_familiarity(matrix, rows, query),    # 2. who knows the client best (0 for all without a client)
        -optional_met(matrix, rows, query),          # 3. most optional skills met
        over_qualification(matrix, rows, query),     # 4. smallest over-qualification: keep experts free
        matrix.open_tickets[rows],                   # 5. fewest open tickets (availability, now)
        matrix.last_assigned[rows],                  # 6. least recently assigned, never assigned first
        rows,                                        # 7. employee id (rows are in employee-id order)
    ]


def ranked(matrix: Matrix, query: Query) -> tuple[int, int, np.ndarray]:
    """(how many are qualified, how many were left out as unavailable only, the rows of the
    `limit` first in ranking order)."""
    qualified = qualified_rows(matrix, query)
    unavailable = unavailable_qualified(matrix, query, qualified)
    rows = np.flatnonzero(qualified)
    if not len(rows):
        return 0, unavailable, rows
    keys = ranking_keys(matrix, rows, query)
    order = np.lexsort(keys[::-1])  # lexsort sorts by its last key first
    return len(rows), unavailable, rows[order[:query.limit]]


def reasons(matrix: Matrix, row: int, query: Query) -> tuple[list[dict], datetime | None]:
    """For each required skill: its level, until when it holds, until when the minimum stays met
    and the evidences holding it up (Matrix.reason, by skills.policy); then until when every
    minimum stays met (None: no end)."""
    items, untils = [], []
    for r in query.required:
        held, until = matrix.reason(row, query.skill_ids[r.skill], r.min_level)
        items.append({"skill": r.skill, "level": held["level"], "min_level": r.min_level,
                      "valid_until": held["valid_until"], "qualified_until": until, "evidence": held["evidence"]})
        untils.append(until)
    return items, (None if not untils or None in untils else min(untils))


# --- Asking -------------------------------------------------------------------------------------


def query_check(matrix: Matrix, *, required, optional, tiers, profiles, languages, exclude, limit,
                available_only: bool = True, client: str | None = None) -> Query:
    """The question checked against the taxonomy, the scale and the clients; raises InvalidQuery
    naming the unknown skills, levels outside the scale, skills asked twice, a limit outside
    1..200 or an unknown client (an inactive client's code is accepted)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery(_("limit doit être entre 1 et %(max)s.") % {"max": MAX_LIMIT}, fields={"limit": "1..200"})
    codes = [r.skill for r in required + optional]
    known = matrix.people.skill_codes
    unknown = sorted({c for c in codes if c not in known})
    if unknown:
        raise InvalidQuery(_("Compétences inconnues : %(codes)s") % {"codes": ", ".join(unknown)},
                           fields={"required": unknown}, extra={"unknown_skills": unknown})
    scale = matrix.people.scale
    fields = {}
    for name, reqs in (("required", required), ("optional", optional)):
        for i, r in enumerate(reqs):
            if r.min_level not in scale:
                fields[f"body.{name}.{i}.min_level"] = (
                    _("Le niveau %(level)s n'est pas dans l'échelle (%(min)s à %(max)s).")
                    % {"level": r.min_level, "min": min(scale), "max": max(scale)})
    if fields:
        raise InvalidQuery(_("Niveau minimum hors de l'échelle."), fields=fields)
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise InvalidQuery(_("Compétence demandée deux fois : %(codes)s") % {"codes": ", ".join(duplicated)},
                           fields={"required": duplicated})
    return Query(required=tuple(required), optional=tuple(optional), tiers=tuple(tiers or ()),
                 profiles=tuple(profiles or ()), languages=tuple(languages or ()), exclude=tuple(exclude or ()),
                 limit=limit, skill_ids={code: known[code] for code in codes}, available_only=available_only,
                 client=client_check(matrix, client))


def client_check(matrix: Matrix, code: str | None) -> ClientRef | None:
    """The client of code `code` (None: no client asked); raises InvalidQuery naming
    `body.client` when there is none (an inactive client's code is accepted)."""
    if code is None:
        return None
    client = matrix.people.clients.get(code)
    if client is None:
        raise InvalidQuery(_("Client inconnu : %(client)s") % {"client": code}, fields={"body.client": code})
    return client


def client_referent(matrix: Matrix, query: Query) -> ClientReferent | None:
    """The question's client and its referent (None without a client)."""
    client = query.client
    if client is None:
        return None
    row = client.referent_row
    if row is None:
        return ClientReferent(code=client.code, name=client.name, referent_employee_id=None,
                              referent_display_name="", referent_qualified=False, referent_available=False)
    people = matrix.people
    return ClientReferent(
        code=client.code, name=client.name, referent_employee_id=people.employee_ids[row],
        referent_display_name=people.display_name[row], referent_qualified=bool(meets_required(matrix, query)[row]),
        referent_available=bool(matrix.available[row]), referent_tier=people.tier[row],
        referent_open_tickets=int(matrix.open_tickets[row]))


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
    available_only: bool = True,
    client: str | None = None,
) -> Qualification:
    """Who is qualified for `required` at `at` (default now), ranked; the `limit` first come with
    their reasons. With `available_only`, people whose report says unavailable now are left out
    (and counted in `unavailable_qualified`). With `client` (a client code), who knows that client
    ranks higher and the answer names its referent. Raises InvalidQuery for unknown skills, levels
    outside the scale, a skill asked twice, a limit outside 1..200 or an unknown client."""
    required, optional = list(required), list(optional)
    now = timezone.now()
    current = matrix_now(now)
    query = query_check(current, required=required, optional=optional, tiers=tiers, profiles=profiles,
                        languages=languages, exclude=exclude, limit=limit, available_only=available_only,
                        client=client)
    matrix = current if at is None else matrix_at(at, sorted(set(query.skill_ids.values())), now)
    total, unavailable, top = ranked(matrix, query)
    people = matrix.people
    candidates = []
    met = optional_met(matrix, top, query)
    over = over_qualification(matrix, top, query)
    familiarity = client_familiarity(matrix, top, query)
    for rank, row in enumerate(top.tolist(), start=1):
        candidate = Candidate(
            staff_id=people.staff_ids[row], employee_id=people.employee_ids[row], tier=people.tier[row],
            profile=people.profile[row], display_name=people.display_name[row],
            levels={code: level for code, skill_id in query.skill_ids.items()
                    if (level := int(matrix.level(skill_id)[row])) > 0},
            optional_met=int(met[rank - 1]), over_qualification=int(over[rank - 1]),
            last_assigned_at=matrix.last_assigned_at(row), rank=rank,
            available=bool(matrix.available[row]), open_tickets=int(matrix.open_tickets[row]),
            client_familiarity=int(familiarity[rank - 1]),
        )
        if with_reasons:
            candidate.skills, candidate.qualified_until = reasons(matrix, row, query)
        candidates.append(candidate)
    return Qualification(as_of=matrix.at, total_qualified=total, candidates=candidates,
                         source="matrix" if at is None else "ledger", unavailable_qualified=unavailable,
                         client=client_referent(matrix, query))
