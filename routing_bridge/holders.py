"""Who holds each skill at each level, as bit sets kept in memory by each process (PostgreSQL).

`qualified` must intersect, for each required skill, the people holding it at the minimum level
or above, then rank them. In SQL that intersection walks posting lists that grow with the staff
(at 50,000 people and a third of the skills held per person, three lists of about 12,500 entries:
20 of the 25 ms of a query, docs/benchmarks.md), and the ranking reads every qualified row. Here
each list is a Python integer used as a bit set (bit i: the staff member with id i holds the
skill at that level or above in the matrix cells), so the intersection is a few machine-word
ANDs per 64 people; the filters (active, tier, profile) are bit sets too, `total_qualified` a
population count, and the first ranking keys (tier, optional skills met, over-qualification)
split the result into groups by more ANDs. Only the people of the first groups, as many as
`limit` needs, are listed; the database then reads their names and last assignments.

The sets mirror the cells through the change log (`skills.SkillChange`), which records every
change of a cell's level with a gap-free `seq` taken under the change-log lock, so that the rows
visible to a reader always form a prefix of the log:
- built once per process from the cells and the last log row, in one statement (one snapshot);
- brought up to date at each use by reading the log rows after the last one applied, checking
  that the last row applied is still the same row (same seq, id and instant) and that the
  change-log counter is the last seq applied: when not (the log was rewritten, truncated or
  rolled back, as between tests, or the cells reloaded with the counter set by hand) or when too
  many rows follow (a bulk recomputation), the sets are built again.
Each person's level per skill is kept as one byte, for the levels shown with each candidate.

The staff rows the ranking uses (active, tier, profile, employee id) are copied too. A trigger
(migration routing_bridge 0002) stamps every statement writing the staff table with a new number
in the counter row `staff_version`, read by the same catch-up statement: another number, and the
copy is read again (staff change rarely; a read takes about 50 ms at 50,000 people).

A cell whose drop instant has passed while the expiry sweep has not refreshed it yet is "stale":
its level may be too high. The catch-up statement also reads the stale cells (an index range on
`valid_until`, nearly always empty); when someone qualified has one among the skills asked, the
caller answers another way (`routing_bridge.selectors`).

The answer is the matrix and staff as of the catch-up statement. Writers that bypass
`skills.services` (raw SQL on the cells, as the benchmark's bulk load) are not seen until the
sets are built again: call `holders_reset()` after such a load.
"""
import sys
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from academy.models import TIER_ORDER, Counter, Staff
from skills.models import CHANGE_COUNTER, SkillChange, SkillLevel

# Beyond this many log rows to apply, building again is cheaper than applying them one by one.
MAX_CATCH_UP = 5000
# More stale cells than this (the expiry sweep is late): not worth checking one by one.
MAX_STALE = 1000


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class _HolderSets:
    """The bit sets, levels and staff copy of one database, and what they are up to date with."""

    def __init__(self):
        self.sets: dict[int, list[int]] = {}  # skill id -> [unused, holders at ≥ 1, at ≥ 2, ...]
        self.levels: dict[int, bytearray] = {}  # skill id -> level by staff id
        self.last: tuple | None = None  # (seq, id, at) of the last log row applied
        self.counter = 0  # the change-log counter the sets account for
        self.stale: list[tuple[int, int]] | None = []  # (staff id, skill id) of the stale cells last read
        self.staff_version = _UNREAD
        self.active = 0  # bit set of the active staff
        self.tiers: dict[str, int] = {}  # tier -> bit set
        self.profiles: dict[str, int] = {}  # profile -> bit set
        self.staff: dict[int, tuple[str, str, str]] = {}  # staff id -> (employee id, tier, profile)
        self.by_employee_id: dict[str, int] = {}

    def build(self, raw) -> None:
        rows = raw(
            f"WITH last AS (SELECT seq, id, at FROM {_table(SkillChange)} ORDER BY seq DESC LIMIT 1) "
            f"SELECT NULL, NULL, NULL, (SELECT seq FROM last), (SELECT id FROM last), (SELECT at FROM last), "
            f"(SELECT value FROM {_table(Counter)} WHERE name = %s) "
            f"UNION ALL "
            f"SELECT skill_id, level, array_agg(staff_id), NULL, NULL, NULL, NULL FROM {_table(SkillLevel)} "
            f"WHERE level > 0 GROUP BY skill_id, level",
            [CHANGE_COUNTER],
        )
        exact: dict[int, dict[int, list[int]]] = {}
        top = 0
        for skill_id, level, staff_ids, seq, pk, at, counter in rows:
            if skill_id is None:
                self.last = (seq, pk, at) if seq is not None else None
                self.counter = counter or 0
                continue
            exact.setdefault(skill_id, {})[level] = staff_ids
            top = max(top, max(staff_ids))
        self.sets, self.levels = {}, {}
        for skill_id, by_level in exact.items():
            sets = [0] * (max(by_level) + 1)
            levels = bytearray(top + 1)
            at_or_above = 0
            for level in range(max(by_level), 0, -1):
                ids = by_level.get(level)
                if ids:
                    at_or_above |= _bit_set(ids, top)
                    for staff_id in ids:
                        levels[staff_id] = level
                sets[level] = at_or_above
            self.sets[skill_id], self.levels[skill_id] = sets, levels

    def catch_up(self, raw, now) -> bool:
        """Apply the log rows after the last one applied, read the stale cells and, when the
        staff table changed, the staff rows; False when the sets must be built again."""
        seq = self.last[0] if self.last else 0
        rows = raw(
            f"(SELECT 'log', seq, id, at, staff_id, skill_id, new_level FROM {_table(SkillChange)} "
            f"WHERE seq >= %s ORDER BY seq LIMIT %s) UNION ALL "
            f"(SELECT 'stale', NULL, NULL, NULL, staff_id, skill_id, level FROM {_table(SkillLevel)} "
            f"WHERE valid_until <= %s AND level > 0 LIMIT %s) UNION ALL "
            f"(SELECT name, value, NULL, NULL, NULL, NULL, NULL FROM {_table(Counter)} WHERE name IN (%s, %s))",
            [seq, MAX_CATCH_UP + 2, now, MAX_STALE + 1, STAFF_VERSION, CHANGE_COUNTER],
        )
        changes = [row[1:] for row in rows if row[0] == "log"]
        stale = [(row[4], row[5]) for row in rows if row[0] == "stale"]
        staff_version = next((row[1] for row in rows if row[0] == STAFF_VERSION), None)
        counter = next((row[1] for row in rows if row[0] == CHANGE_COUNTER), 0)
        if self.last:
            if not changes or tuple(changes[0][:3]) != self.last:
                return False
            changes = changes[1:]
        if len(changes) > MAX_CATCH_UP:
            return False
        for row_seq, pk, at, staff_id, skill_id, new_level in changes:
            self.apply(staff_id, skill_id, new_level)
            self.last = (row_seq, pk, at)
            self.counter = max(self.counter, row_seq)
        if counter != self.counter:
            # The log does not account for the change-log counter: rows were removed or the
            # cells reloaded with the counter set by hand (a restore, the benchmark's bulk load).
            return False
        self.stale = stale if len(stale) <= MAX_STALE else None
        if staff_version != self.staff_version:
            self.staff_read(raw)
            self.staff_version = staff_version
        return True

    def staff_read(self, raw) -> None:
        rows = raw(f"SELECT id, active, tier, profile, employee_id FROM {_table(Staff)}", [])
        top = max((row[0] for row in rows), default=0)
        by_tier, by_profile, active = {}, {}, []
        self.staff, self.by_employee_id = {}, {}
        for pk, is_active, tier, profile, employee_id in rows:
            by_tier.setdefault(tier, []).append(pk)
            by_profile.setdefault(profile, []).append(pk)
            if is_active:
                active.append(pk)
            self.staff[pk] = (employee_id, tier, profile)
            self.by_employee_id[employee_id] = pk
        self.active = _bit_set(active, top)
        self.tiers = {tier: _bit_set(ids, top) for tier, ids in by_tier.items()}
        self.profiles = {profile: _bit_set(ids, top) for profile, ids in by_profile.items()}

    def apply(self, staff_id: int, skill_id: int, level: int) -> None:
        sets = self.sets.setdefault(skill_id, [0])
        if len(sets) <= level:
            sets.extend([0] * (level + 1 - len(sets)))
        bit = 1 << staff_id
        for k in range(1, len(sets)):
            sets[k] = sets[k] | bit if k <= level else sets[k] & ~bit
        levels = self.levels.setdefault(skill_id, bytearray())
        if len(levels) <= staff_id:
            levels.extend(bytes(staff_id + 1 - len(levels)))
        levels[staff_id] = level

    def holders(self, skill_id: int, min_level: int) -> int:
        """The bit set of the staff whose cell is at `min_level` or above (min_level ≥ 1)."""
        sets = self.sets.get(skill_id)
        if not sets or min_level >= len(sets):
            return 0
        return sets[min_level]

    def level(self, staff_id: int, skill_id: int) -> int:
        levels = self.levels.get(skill_id)
        return levels[staff_id] if levels is not None and staff_id < len(levels) else 0


_UNREAD = object()
STAFF_VERSION = "staff_version"  # set by the trigger of migration routing_bridge 0002
_lock = threading.Lock()
_state: dict[tuple, _HolderSets] = {}


def holders_enabled() -> bool:
    return connection.vendor == "postgresql" and settings.BRIDGE_HOLDER_SETS


def holders_reset() -> None:
    """Forget the sets of every database: they are built again at the next use."""
    with _lock:
        _state.clear()


@dataclass
class HeldGroup:
    """Candidates equal on the first ranking keys (DESIGN.md): tier, optional skills met and
    over-qualification; the caller orders them by last assignment and employee id."""

    optional_met: int
    over_qualification: int
    members: list  # [(staff id, employee id, tier, profile, {skill id: level})]


def holders_ranking(*, required: list[tuple[int, int]], optional: list[tuple[int, int]], tiers: list[str],
                    profiles: list[str], exclude: list[str], limit: int, now, raw) -> tuple | None:
    """Who is qualified now by the cells for `required` [(skill id, min level)] among the active
    staff matching the filters: (total, groups), `groups` the first HeldGroups in ranking order,
    as many as needed to hold `limit` people (the last one whole: its order is the caller's).
    None when one of those qualified has a stale cell in a skill asked (the caller answers
    another way). `raw(sql, params)` runs a statement on the current connection and returns its
    rows."""
    database = (connection.alias, connection.settings_dict.get("NAME"), connection.settings_dict.get("HOST"))
    with _lock:
        state = _state.get(database)
        if state is None or not state.catch_up(raw, now):
            state = _HolderSets()
            state.build(raw)
            if not state.catch_up(raw, now):
                return None  # the log was rewritten in between (a test's rollback): answer another way
            _state[database] = state
        return _ranking(state, required=required, optional=optional, tiers=tiers, profiles=profiles,
                        exclude=exclude, limit=limit)


def _ranking(state: _HolderSets, *, required, optional, tiers, profiles, exclude, limit) -> tuple | None:
    found = state.active
    for skill_id, min_level in required:
        if min_level > 0:
            found &= state.holders(skill_id, min_level)
    if tiers:
        found &= _union(state.tiers.get(tier, 0) for tier in tiers)
    if profiles:
        found &= _union(state.profiles.get(profile, 0) for profile in profiles)
    for employee_id in exclude:
        if employee_id in state.by_employee_id:
            found &= ~(1 << state.by_employee_id[employee_id])
    if not found:
        return 0, []
    involved = {skill_id for skill_id, _min in required + optional}
    if state.stale is None or any(skill_id in involved and found >> staff_id & 1 for staff_id, skill_id in state.stale):
        return None
    total = found.bit_count()
    # The people by optional skills met (met[q]: exactly q met) and by over-qualification
    # (over[j]: exactly j above the minimums), as bit sets built skill by skill.
    met = [found]
    for skill_id, min_level in optional:
        holding = state.holders(skill_id, min_level) if min_level > 0 else -1
        met = [(met[q] & ~holding if q < len(met) else 0) | (met[q - 1] & holding if q else 0)
               for q in range(len(met) + 1)]
    over = [found]
    for skill_id, min_level in required:
        top = len(state.sets.get(skill_id, [0])) - 1
        exactly = []  # exactly[d]: level == min_level + d
        for d in range(max(0, top - min_level) + 1):
            at_least = state.holders(skill_id, min_level + d) if min_level + d > 0 else -1
            above = state.holders(skill_id, min_level + d + 1)
            exactly.append(at_least & ~above)
        over = [_union(over[j - d] & exactly[d] for d in range(len(exactly)) if 0 <= j - d < len(over))
                for j in range(len(over) + len(exactly) - 1)]
    # Tiers in rank order, then the tiers outside TIER_ORDER (ranked last, as `_rank_key` does).
    tier_sets = [state.tiers.get(tier, 0) for tier in sorted(TIER_ORDER, key=TIER_ORDER.get)]
    tier_sets.append(~_union(tier_sets))
    groups, taken = [], 0
    for tier_set in tier_sets:
        in_tier = found & tier_set
        for q in range(len(met) - 1, -1, -1):
            in_met = in_tier & met[q]
            if not in_met:
                continue
            for j, over_set in enumerate(over):
                group = in_met & over_set
                if not group:
                    continue
                members = []
                for staff_id in _bit_positions(group):
                    employee_id, tier, profile = state.staff[staff_id]
                    members.append((staff_id, employee_id, tier, profile,
                                    {skill_id: state.level(staff_id, skill_id) for skill_id in involved}))
                groups.append(HeldGroup(q, j, members))
                taken += len(members)
                if taken >= limit:
                    return total, groups
    return total, groups


def _union(sets) -> int:
    result = 0
    for bits in sets:
        result |= bits
    return result


def _bit_set(ids, top: int) -> int:
    """The bit set of `ids` (each at most `top`), built through a byte array: OR-ing one bit at a
    time into an integer would copy it once per id."""
    bits = bytearray((top >> 3) + 1)
    for staff_id in ids:
        bits[staff_id >> 3] |= 1 << (staff_id & 7)
    return int.from_bytes(bits, "little")


def _bit_positions(bits: int) -> list[int]:
    """The positions of the set bits of a non-negative integer, in increasing order."""
    if sys.byteorder != "little":  # the words below are read in the machine's order
        return [i for i in range(bits.bit_length()) if bits >> i & 1]
    words = memoryview(bits.to_bytes(((bits.bit_length() + 63) >> 6) << 3, "little")).cast("Q")
    positions = []
    append = positions.append
    # By 64-bit words: the empty ones (most of them) cost one test each.
    for index, word in enumerate(words):
        if word:
            base = index << 6
            while word:
                low = word & -word
                append(base + low.bit_length() - 1)
                word ^= low
    return positions
