"""On PostgreSQL the bulk recomputation compares cells with the ledger in SQL
(skills.policy_sql.evaluation) and writes the differences in SQL: the same cells, change log and
events as the Python path. That the SQL evaluation is the policy at any instant is
tests/skills/test_policy_sql.py's business."""
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from skills.models import Evidence, SkillLevel
from skills.services import cells_recompute_all
from tests.factories import SkillFactory, StaffFactory
from tests.services import skip_unless_postgresql

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def random_ledger(rng, people, skills, now):
    rows = []
    for _ in range(600):
        observed = now - timedelta(hours=rng.randint(-5, 200))
        until = observed + timedelta(hours=rng.randint(1, 300)) if rng.random() < 0.5 else None
        revoked = observed + timedelta(hours=rng.randint(0, 300)) if rng.random() < 0.15 else None
        rows.append(Evidence(staff=rng.choice(people), skill=rng.choice(skills), level=rng.randint(0, 4),
                             source=rng.choice(["course", "exam", "certification", "manager", "import", "practice",
                                                "self"]),
                             observed_at=observed, valid_until=until, revoked_at=revoked))
    Evidence.objects.bulk_create(rows)


def test_the_bulk_recomputation_on_postgresql_writes_cells_log_and_events_like_the_policy_says():
    skip_unless_postgresql()
    from academy.models import Event
    from skills.models import SkillChange
    from skills.policy import evaluate

    rng = random.Random(11)
    people = [StaffFactory() for _ in range(10)]
    skills = [SkillFactory() for _ in range(4)]
    now = timezone.now()
    random_ledger(rng, people, skills, now)

    def check(at):
        for person in people:
            for skill in skills:
                expected = evaluate(Evidence.objects.filter(staff=person, skill=skill), at)
                cell = SkillLevel.objects.filter(staff=person, skill=skill).first()
                got = (cell.level, cell.valid_until, cell.sources, cell.declared_level, cell.declared_until) \
                    if cell else (0, None, [], 0, None)
                assert got == (expected.level, expected.valid_until, expected.sources, expected.declared_level,
                               expected.declared_until)

    first = cells_recompute_all(now=now, batch_staff=3)
    check(now)
    assert cells_recompute_all(now=now).changes_logged == 0
    later = now + timedelta(hours=120)
    second = cells_recompute_all(now=later, batch_staff=4)
    check(later)
    changes = list(SkillChange.objects.order_by("seq"))
    assert [c.seq for c in changes] == list(range(1, first.changes_logged + second.changes_logged + 1))
    events = {e.seq: e for e in Event.objects.filter(type="skill_level.changed")}
    assert len(events) == len(changes)
    change = changes[-1]
    data = events[change.seq].data
    assert (data["employee_id"], data["skill"], data["old_level"], data["new_level"]) == (
        change.staff.employee_id, change.skill.code, change.old_level, change.new_level)
    assert data["valid_until"] == (change.valid_until.isoformat() if change.valid_until else None)
    positions = sorted(Event.objects.values_list("position", flat=True))
    assert positions == sorted(set(positions))


def test_the_recomputation_in_sql_writes_the_rows_the_python_path_writes(monkeypatch):
    """Same ledger, recomputed from empty cells then again later (updates and expiries), once
    through Python and once in SQL: the same cells, change log and events, row for row."""
    skip_unless_postgresql()
    from academy.models import Counter, Event
    from skills import services
    from skills.models import SkillChange

    rng = random.Random(5)
    people = [StaffFactory() for _ in range(9)]
    skills = [SkillFactory() for _ in range(4)]
    now = timezone.now().replace(microsecond=0)
    random_ledger(rng, people, skills, now)

    def run(in_database):
        SkillLevel.objects.all().delete()
        SkillChange.objects.all().delete()
        Event.objects.all().delete()
        for name in ["skill_change", "event"]:
            Counter.objects.update_or_create(name=name, defaults={"value": 100})
        monkeypatch.setattr(services, "_recompute_in_database", lambda: in_database)
        reports = [cells_recompute_all(now=now, batch_staff=4), cells_recompute_all(now=now, batch_staff=5),
                   cells_recompute_all(now=now + timedelta(hours=90), batch_staff=3, reason="expiry x" * 40)]
        cells = sorted((c.staff_id, c.skill_id, c.level, c.valid_until, c.sources, c.declared_level, c.declared_until,
                        c.updated_at) for c in SkillLevel.objects.all())
        changes = [(c.seq, c.staff_id, c.skill_id, c.old_level, c.new_level, c.valid_until, c.at, c.reason)
                   for c in SkillChange.objects.order_by("id")]
        events = [(e.position, e.type, e.seq, e.occurred_at, e.data) for e in Event.objects.order_by("position")]
        return [vars(r) for r in reports], cells, changes, events

    in_python, in_sql = run(False), run(True)
    assert in_python[0] == in_sql[0]  # reports
    assert in_python[1] == in_sql[1]  # cells
    assert in_python[2] == in_sql[2] and in_sql[2][0][0] == 101  # change log, numbered on from the counter
    assert in_python[3] == in_sql[3] and len(in_sql[3]) == len(in_sql[2])  # events
    assert in_sql[0][1]["changes_logged"] == 0 and in_sql[0][2]["cells_updated"] > 0
