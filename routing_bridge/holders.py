"""Who holds each skill at each level, as bit sets kept in memory by each process (PostgreSQL).

`qualified` must intersect, for each required skill, the people holding it at the minimum level
or above. In SQL that intersection walks posting lists that grow with the staff (at 50,000 people
and a third of the skills held per person, three lists of about 12,500 entries: 20 of the 25 ms
of a query, docs/benchmarks.md). Here each list is a Python integer used as a bit set (bit i: the
staff member with id i holds the skill at that level or above in the matrix cells), so the
intersection is a few machine-word ANDs per 64 people, and the ranked query then reads only the
people in it.

The sets mirror the cells through the change log (`skills.SkillChange`), which records every
change of a cell's level with a gap-free `seq` taken under the change-log lock, so that the rows
visible to a reader always form a prefix of the log:
- built once per process from the cells and the last log row, in one statement (one snapshot);
- brought up to date at each use by reading the log rows after the last one applied, checking
  that the last row applied is still the same row (same seq, id and instant): when it is not (the
  log was rewritten, truncated or rolled back, as between tests) or when too many rows follow
  (a bulk recomputation), the sets are built again.

The matrix is held too, as one byte per person per skill (the cell's level), so that the ranking
keys that depend on levels (optional skills met, over-qualification) are computed here for every
candidate, and the ranked query only reads the staff rows of the candidates (active, tier,
profile, last assignment, name). A cell whose drop instant has passed while the expiry sweep has
not refreshed it yet is "stale": its level may be too high. The catch-up statement also reads the
stale cells (an index range on `valid_until`, nearly always empty); when a candidate has one among
the skills asked, the caller answers another way (`routing_bridge.selectors`).

A change committed between the catch-up and the ranked query is seen by the latter only for the
staff rows: the answer is the matrix as of the catch-up. Writers that bypass `skills.services`
(raw SQL on the cells, as the benchmark's bulk load) are not seen until the sets are built again:
call `holders_reset()` after such a load.
"""
import sys
import threading
from operator import itemgetter
from datetime import datetime

from django.conf import settings
from django.db import connection

from skills.models import SkillChange, SkillLevel

# Beyond this many log rows to apply, building again is cheaper than applying them one by one.
MAX_CATCH_UP = 5000
# More stale cells than this (the expiry sweep is late): not worth checking one by one.
MAX_STALE = 1000


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class _HolderSets:
    """The bit sets and levels of one database, and the last change-log row they include."""

    def __init__(self):
        self.sets: dict[int, list[int]] = {}  # skill id -> [unused, holders at ≥ 1, at ≥ 2, ...]
        self.levels: dict[int, bytearray] = {}  # skill id -> level by staff id
        self.last: tuple | None = None  # (seq, id, at) of the last log row applied
        self.stale: set[tuple[int, int]] = set()  # (staff id, skill id) of the stale cells last read

    def build(self, raw) -> None:
        rows = raw(
            f"WITH last AS (SELECT seq, id, at FROM {_table(SkillChange)} ORDER BY seq DESC LIMIT 1) "
            f"SELECT NULL, NULL, NULL, (SELECT seq FROM last), (SELECT id FROM last), (SELECT at FROM last) "
            f"UNION ALL "
            f"SELECT skill_id, level, array_agg(staff_id), NULL, NULL, NULL FROM {_table(SkillLevel)} "
            f"WHERE level > 0 GROUP BY skill_id, level",
            [],
        )
        exact: dict[int, dict[int, list[int]]] = {}
        top = 0
        for skill_id, level, staff_ids, seq, pk, at in rows:
            if skill_id is None:
                self.last = (seq, pk, at) if seq is not None else None
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
                    bits = bytearray((top >> 3) + 1)
                    for staff_id in ids:
                        bits[staff_id >> 3] |= 1 << (staff_id & 7)
                        levels[staff_id] = level
                    at_or_above |= int.from_bytes(bits, "little")
                sets[level] = at_or_above
            self.sets[skill_id], self.levels[skill_id] = sets, levels

    def catch_up(self, raw, now) -> bool:
        """Apply the log rows after the last one applied and read the stale cells; False when the
        sets must be built again."""
        seq = self.last[0] if self.last else 0
        rows = raw(
            f"(SELECT seq, id, at, staff_id, skill_id, new_level FROM {_table(SkillChange)} "
            f"WHERE seq >= %s ORDER BY seq LIMIT %s) UNION ALL "
            f"(SELECT NULL, NULL, NULL, staff_id, skill_id, level FROM {_table(SkillLevel)} "
            f"WHERE valid_until <= %s AND level > 0 LIMIT %s)",
            [seq, MAX_CATCH_UP + 2, now, MAX_STALE + 1],
        )
        changes = [row for row in rows if row[0] is not None]
        stale = {(row[3], row[4]) for row in rows if row[0] is None}
        if self.last:
            if not changes or tuple(changes[0][:3]) != self.last:
                return False
            changes = changes[1:]
        if len(changes) > MAX_CATCH_UP:
            return False
        for row_seq, pk, at, staff_id, skill_id, new_level in changes:
            self.apply(staff_id, skill_id, new_level)
            self.last = (row_seq, pk, at)
        self.stale = stale if len(stale) <= MAX_STALE else None
        return True

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
        sets = self.sets.get(skill_id)
        if not sets or min_level >= len(sets):
            return 0
        return sets[min_level]

    def level(self, staff_id: int, skill_id: int) -> int:
        levels = self.levels.get(skill_id)
        return levels[staff_id] if levels is not None and staff_id < len(levels) else 0


_lock = threading.Lock()
_state: dict[tuple, _HolderSets] = {}


def holders_enabled() -> bool:
    return connection.vendor == "postgresql" and settings.BRIDGE_HOLDER_SETS


def holders_reset() -> None:
    """Forget the sets of every database: they are built again at the next use."""
    with _lock:
        _state.clear()


def holders_candidates(*, gated: list[tuple[int, int]], involved: list[int], now, raw) -> tuple | None:
    """The staff whose cells hold every (skill id, min level > 0) of `gated` now, in increasing
    id order, each with their cell levels in the skills `involved` (ids): ([staff ids], [[levels]]).
    None when one of them has a stale cell in an involved skill (their level there may be too
    high). `raw(sql, params)` runs a statement on the current connection and returns its rows."""
    database = (connection.alias, connection.settings_dict.get("NAME"), connection.settings_dict.get("HOST"))
    with _lock:
        state = _state.get(database)
        if state is None or not state.catch_up(raw, now):
            state = _HolderSets()
            state.build(raw)
            if not state.catch_up(raw, now):
                return None  # the log was rewritten in between (a test's rollback): answer another way
            _state[database] = state
        found = -1
        for skill_id, min_level in sorted(gated, key=lambda g: g[1], reverse=True):
            found &= state.holders(skill_id, min_level)
            if not found:
                return [], []
        ids = _bit_positions(found)
        if state.stale is None:
            return None
        if state.stale and any((staff_id, skill_id) in state.stale for staff_id in ids for skill_id in involved):
            return None
        columns = []
        for skill_id in involved:
            column = state.levels.setdefault(skill_id, bytearray())
            if len(column) <= ids[-1]:
                column.extend(bytes(ids[-1] + 1 - len(column)))
            picked = itemgetter(*ids)(column)  # one C call for all the candidates
            columns.append(picked if len(ids) > 1 else (picked,))
    return ids, columns


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
