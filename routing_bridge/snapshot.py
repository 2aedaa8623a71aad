"""The matrix as routers read it: the taxonomy, the change-log version, and the snapshot of
the staff records page by page (contract: `GET taxonomy`, `GET staff`, `GET staff/{employee_id}`).

On PostgreSQL a page is read and written as JSON by one prepared statement (`_snapshot_sql`);
elsewhere, or for data the contract rules out, Python writes the same bytes
(`staff_record_json`; a test compares both)."""
import json
import sys
from collections import defaultdict
from functools import lru_cache

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from academy.models import Counter, Staff, display_name
from academy.services import counter_current
from routing_bridge.db import one_snapshot, sql_rows, table_name
from skills.models import CHANGE_COUNTER, Domain, ProficiencyLevel, Skill, SkillLevel


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


def _record_head(employee_id, username, first, last, team, profile, tier, languages, active) -> dict:
    """A staff record of the contract but its `skills`, in the contract's key order."""
    return {"employee_id": employee_id, "username": username, "display_name": display_name(first, last, username),
            "team": team, "profile": profile, "tier": tier, "languages": list(languages or []), "active": active}


def _staff_records(rows: list[tuple], *, raw: bool = False) -> list[dict]:
    """Staff records from rows of STAFF_RECORD_FIELDS; `skills` lists the cells above 0."""
    cells = _staff_cells([row[0] for row in rows], raw=raw)
    return [{**_record_head(*row[1:]), "skills": cells[row[0]]} for row in rows]


_encoder = DjangoJSONEncoder()


def _record_json(head: dict, skills_json: str) -> str:
    """A staff record as JSON text: `head` as json.dumps writes it, then `skills` (JSON text)."""
    return json.dumps(head, ensure_ascii=False)[:-1] + ',"skills":[' + skills_json + "]}"


def staff_record_json(record: dict) -> str:
    """A record of `staff_snapshot_page(raw=True)` as JSON text, each cell's `sources` spliced as
    read: the same bytes as PostgreSQL writes in `staff_snapshot_page_json`."""
    skills = ",".join(
        '{"code":%s,"level":%d,"valid_until":%s,"sources":%s}'
        % (json.dumps(cell["code"], ensure_ascii=False), cell["level"],
           json.dumps(_encoder.default(cell["valid_until"])) if cell["valid_until"] else "null", cell["sources"])
        for cell in record["skills"]
    )
    return _record_json({k: v for k, v in record.items() if k != "skills"}, skills)


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

    with one_snapshot():
        return read()


@lru_cache(maxsize=1)
def _sql_whitespace() -> str:
    """A PostgreSQL literal of the characters Python's str.strip() removes (str.isspace), for
    `display_name` written by the database exactly as academy.models.display_name writes it."""
    spaces = "".join(filter(str.isspace, map(chr, range(sys.maxunicode + 1))))
    return "U&'" + "".join(f"\\{ord(c):04X}" if ord(c) <= 0xFFFF else f"\\+{ord(c):06X}" for c in spaces) + "'"


@lru_cache(maxsize=16)
def _snapshot_sql(after: bool, team: bool, tier: bool, active: bool) -> str:
    """PostgreSQL: one whole snapshot page in one statement, hence one snapshot (no transaction
    needed to keep the version and the page consistent). Parameters: the filters, limit + 1,
    the change-log counter's name, limit. One row: the version, how many people matched (up to
    limit + 1), the page's items as one JSON text, the last employee_id, and whether every
    record could be written (languages not an array of strings, which the contract rules out:
    the caller falls back to Python).

    Each record is written byte for byte as `staff_record_json` writes it: the head as
    `json.dumps` writes `_record_head` (", " and ": " separators, non-ASCII kept, control
    characters \\u00xx; to_json and jsonb escape strings exactly so), then `"skills"` with
    DjangoJSONEncoder's datetimes (UTC, milliseconds only when there are some, "Z")."""
    user_table = table_name(Staff.user.field.related_model)
    until = "c.valid_until AT TIME ZONE 'UTC'"
    valid_until = (
        f"""CASE WHEN c.valid_until IS NULL THEN ',"valid_until":null,"sources":'"""
        f""" ELSE ',"valid_until":"' || to_char({until}, 'YYYY-MM-DD"T"HH24:MI:SS')"""
        f""" || CASE WHEN date_trunc('second', c.valid_until) = c.valid_until THEN ''"""
        f""" ELSE '.' || to_char({until}, 'MS') END || 'Z","sources":' END"""
    )
    cells = (
        f"""(SELECT string_agg('{{"code":' || to_json(k.code)::text || ',"level":' || c.level::text || {valid_until}"""
        f""" || COALESCE(c.sources::text, '[]') || '}}', ',' ORDER BY k.code) FROM {table_name(SkillLevel)} c"""
        f""" INNER JOIN {table_name(Skill)} k ON k.id = c.skill_id WHERE c.staff_id = p.id AND c.level > 0)"""
    )
    # academy.models.display_name: "First Last" stripped as str.strip() does, else the username.
    name = f"COALESCE(NULLIF(btrim(p.first_name || ' ' || p.last_name, {_sql_whitespace()}), ''), p.username)"
    languages = (
        """CASE WHEN jsonb_typeof(p.languages) = 'null' THEN '[]' WHEN jsonb_typeof(p.languages) = 'array'"""
        """ AND NOT jsonb_path_exists(p.languages, 'strict $[*] ? (@.type() != "string")') THEN p.languages::text END"""
    )
    record = (
        f"""'{{"employee_id": ' || to_json(p.employee_id)::text || ', "username": ' || to_json(p.username)::text"""
        f""" || ', "display_name": ' || to_json({name})::text || ', "team": ' || COALESCE(to_json(p.team)::text, 'null')"""
        f""" || ', "profile": ' || to_json(p.profile)::text || ', "tier": ' || to_json(p.tier)::text"""
        f""" || ', "languages": ' || {languages}"""
        f""" || CASE WHEN p.active THEN ', "active": true,"skills":[' ELSE ', "active": false,"skills":[' END"""
        f""" || COALESCE({cells}, '') || ']}}'"""
    )
    where = []
    if after:
        where.append("s.employee_id > %s")
    if team:
        where.append("t.name = %s")
    if tier:
        where.append("s.tier = %s")
    if active:
        where.append("s.active = %s")
    return (
        f"WITH page AS MATERIALIZED ("
        f"SELECT s.id, s.employee_id, u.username, u.first_name, u.last_name, t.name AS team, s.profile, s.tier, "
        f"s.languages, s.active FROM {table_name(Staff)} s INNER JOIN {user_table} u ON u.id = s.user_id "
        f"LEFT OUTER JOIN {table_name(Staff.team.field.related_model)} t ON t.id = s.team_id "
        f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY s.employee_id LIMIT %s) "
        f"SELECT (SELECT value FROM {table_name(Counter)} WHERE name = %s), (SELECT count(*) FROM page), "
        f"string_agg(r.record, ',' ORDER BY r.employee_id), max(r.employee_id), bool_and(r.record IS NOT NULL) "
        f"FROM (SELECT p.employee_id, {record} AS record FROM page p ORDER BY p.employee_id LIMIT %s) r"
    )


def staff_snapshot_page_json(*, after: str | None, limit: int, team: str | None = None, tier: str | None = None,
                             active: bool | None = None) -> dict:
    """`staff_snapshot_page` already rendered: {"version", "items_json": the items as JSON text,
    comma-separated (what goes between the brackets of `items`), "last"}. On PostgreSQL one
    prepared statement reads and writes the whole page (same bytes as `staff_record_json`, a
    test compares both); elsewhere, or for a page holding languages the contract rules out,
    `staff_record_json` writes each record."""
    if connection.vendor == "postgresql":
        sql = _snapshot_sql(bool(after), team is not None, tier is not None, active is not None)
        params = [p for p in (after or None, team, tier, active) if p is not None] + [limit + 1, CHANGE_COUNTER, limit]
        (version, matched, items, last, exact), = sql_rows(sql, params, prepare=True)
        if exact is not False:  # None: an empty page
            return {"version": version or 0, "items_json": items or "", "last": last if matched > limit else None}
    page = staff_snapshot_page(after=after, limit=limit, team=team, tier=tier, active=active, raw=True)
    return {"version": page["version"], "items_json": ",".join(staff_record_json(r) for r in page["items"]),
            "last": page["last"]}


def staff_record(*, employee_id: str) -> dict | None:
    rows = list(Staff.objects.filter(employee_id=employee_id).values_list(*STAFF_RECORD_FIELDS))
    return _staff_records(rows)[0] if rows else None
