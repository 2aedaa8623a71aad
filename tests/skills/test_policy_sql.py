"""Every twin of the level policy agrees with skills.policy on random histories, at random instants
and at the exact boundaries (an instant equal to an evidence's observed_at, valid_until or
revoked_at, and one microsecond either side): the SQL evaluation of skills.policy_sql, the cells
the bulk recomputation writes (SQL on PostgreSQL, Python elsewhere), the cells the function
`skills_evidence_record` writes, and the cells the expiry sweep brings up to date.

The histories are written straight into the ledger, so they hold what services never write but
the policy still defines: observations after the instant, revocations in the future, revocations
after expiry, level-0 and `self` evidences."""
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skills import policy_sql, services
from skills.models import Evidence, SkillLevel
from skills.policy import evaluate
from tests.factories import SkillFactory, StaffFactory
from tests.services import skip_unless_postgresql

pytestmark = [pytest.mark.django_db]

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=dt_timezone.utc)
SOURCES = ["course", "exam", "certification", "manager", "import", "practice", "self"]
TICK = timedelta(microseconds=1)
PAIRS = 4  # 2 people × 2 skills

evidence = st.builds(
    lambda pair, level, source, observed, duration, revoked: (pair, level, source, observed, duration, revoked),
    pair=st.integers(0, PAIRS - 1), level=st.integers(0, 4), source=st.sampled_from(SOURCES),
    observed=st.integers(-40, 40), duration=st.one_of(st.none(), st.integers(1, 50)),
    revoked=st.one_of(st.none(), st.integers(0, 60)))
histories = st.lists(evidence, max_size=14)
RUN = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def pairs():
    people = [StaffFactory() for _ in range(2)]
    skills = [SkillFactory() for _ in range(2)]
    return [(person, skill) for person in people for skill in skills]


def write(pairs, history) -> list[Evidence]:
    """Replace the ledger and cells of `pairs` by `history`; returns the evidences."""
    people = {person for person, _skill in pairs}
    SkillLevel.objects.filter(staff__in=people).delete()
    Evidence.objects.filter(staff__in=people).delete()
    rows = []
    for pair, level, source, observed, duration, revoked in history:
        person, skill = pairs[pair]
        observed_at = T0 + timedelta(hours=observed)
        rows.append(Evidence(
            staff=person, skill=skill, level=level, source=source, observed_at=observed_at,
            valid_until=None if duration is None else observed_at + timedelta(hours=duration),
            revoked_at=None if revoked is None else observed_at + timedelta(hours=revoked), created_at=observed_at))
    return Evidence.objects.bulk_create(rows)


def instants(data, evidences) -> list[datetime]:
    """A few instants: the boundaries of the evidences (exactly, and a microsecond either side)
    and random ones."""
    boundaries = sorted({x for e in evidences for x in (e.observed_at, e.valid_until, e.revoked_at) if x})
    chosen = []
    for _ in range(data.draw(st.integers(1, 5))):
        if boundaries and data.draw(st.booleans()):
            chosen.append(data.draw(st.sampled_from(boundaries)) + data.draw(st.sampled_from([-TICK, 0 * TICK, TICK])))
        else:
            chosen.append(T0 + timedelta(hours=data.draw(st.integers(-50, 120)), seconds=data.draw(st.integers(0, 59))))
    return chosen


def expected(pairs, at) -> dict:
    """skills.policy.evaluate at `at`, per pair, as a cell would hold it."""
    result = {}
    for person, skill in pairs:
        e = evaluate(Evidence.objects.filter(staff=person, skill=skill), at)
        result[(person.pk, skill.pk)] = (e.level, e.valid_until, e.sources, e.declared_level, e.declared_until)
    return result


def cells(pairs) -> dict:
    stored = {(c.staff_id, c.skill_id): (c.level, c.valid_until, c.sources, c.declared_level, c.declared_until)
              for c in SkillLevel.objects.filter(staff__in={person for person, _skill in pairs})}
    return {(person.pk, skill.pk): stored.get((person.pk, skill.pk), (0, None, [], 0, None))
            for person, skill in pairs}


@RUN
@given(history=histories, data=st.data())
def test_the_sql_evaluation_is_the_policy_at_any_instant(pairs, history, data):
    skip_unless_postgresql()
    evidences = write(pairs, history)
    ids = sorted({person.pk for person, _skill in pairs})
    sql = policy_sql.evaluation(which="staff_id BETWEEN %(low)s AND %(high)s", at="%(at)s")
    for at in instants(data, evidences):
        with connection.cursor() as cursor:
            cursor.execute(sql, {"low": ids[0], "high": ids[-1], "at": at})
            rows = {(st_id, sk_id): (level, until, list(sources), declared, declared_until)
                    for st_id, sk_id, level, until, sources, declared, declared_until in cursor.fetchall()}
        got = {key: rows.get(key, (0, None, [], 0, None)) for key in expected(pairs, at)}
        assert got == expected(pairs, at), at


@RUN
@given(history=histories, data=st.data())
def test_the_recomputation_writes_the_policy_at_any_instant(pairs, history, data):
    """In SQL on PostgreSQL, in Python elsewhere; at instants in any order (cells go back and
    forth), and a second run at the same instant finds nothing to change."""
    evidences = write(pairs, history)
    for at in instants(data, evidences):
        services.cells_recompute_all(now=at, batch_staff=1)
        assert cells(pairs) == expected(pairs, at), at
        assert services.cells_recompute_all(now=at).cells_checked == 0


@RUN
@given(history=histories, data=st.data())
def test_the_expiry_sweep_brings_every_cell_to_the_policy(pairs, history, data):
    """Cells evaluated at one instant, swept at later ones: every cell is then the policy at the
    later instant, whatever started or stopped counting in between. (A pair without a cell is
    not the sweep's business: services write a cell with every evidence they record.)"""
    evidences = write(pairs, history)
    first, *later = sorted(instants(data, evidences))
    services.cells_recompute_all(now=first)
    with_cells = [(person, skill) for person, skill in pairs
                  if SkillLevel.objects.filter(staff=person, skill=skill).exists()]
    for at in later:
        services.cells_expire(now=at)
        assert cells(with_cells) == expected(with_cells, at), at


@RUN
@given(history=histories, data=st.data(), level=st.integers(0, 4), source=st.sampled_from(SOURCES),
       back=st.integers(0, 30), duration=st.one_of(st.none(), st.integers(1, 50)))
def test_the_sql_function_writes_the_policy_at_any_instant(pairs, history, data, level, source, back, duration):
    """`skills_evidence_record` appends an evidence at an instant (maybe a boundary of the others)
    and writes the cell the policy gives at that instant."""
    skip_unless_postgresql()
    evidences = write(pairs, history)
    person, skill = pairs[data.draw(st.integers(0, PAIRS - 1))]
    for at in instants(data, evidences):
        observed_at = at - timedelta(hours=back)
        new = Evidence(staff=person, skill=skill, level=level, source=source, observed_at=observed_at,
                       valid_until=None if duration is None else observed_at + timedelta(hours=duration))
        services._evidence_record_in_database(new, reason="test", now=at)
        assert cells([(person, skill)]) == expected([(person, skill)], at), at


def test_the_function_follows_the_module_after_every_migrate():
    """The database runs skills.policy_sql's text, whatever text an earlier migrate installed."""
    skip_unless_postgresql()
    from django.core.management import call_command

    stale = policy_sql.FUNCTION_SQL.replace("-- The cell (", "-- An older text: the cell (")
    with connection.cursor() as cursor:
        cursor.execute(stale)
    call_command("migrate", "skills", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'skills_evidence_record'")
        assert cursor.fetchone()[0].strip() in policy_sql.FUNCTION_SQL

