"""On PostgreSQL the bulk recomputation compares cells with the ledger in SQL; it must agree with
skills.policy.evaluate (the Python path) on any ledger, including expiries, revocations (past and
future), `self` evidences and level-0 evidences."""
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from skills.models import Evidence, SkillLevel
from skills.services import _diffs_python, _diffs_sql, cells_recompute_all
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


def test_the_sql_comparison_agrees_with_the_policy_on_random_ledgers():
    skip_unless_postgresql()
    rng = random.Random(7)
    people = [StaffFactory() for _ in range(12)]
    skills = [SkillFactory() for _ in range(5)]
    now = timezone.now()
    random_ledger(rng, people, skills, now)
    low, high = min(p.id for p in people), max(p.id for p in people)
    assert _diffs_sql(low, high, now) == _diffs_python(low, high, now)
    cells_recompute_all(now=now)
    assert _diffs_sql(low, high, now) == [] == _diffs_python(low, high, now)
    # Some cells go stale (time passes, one is corrupted): both see the same differences.
    SkillLevel.objects.filter(pk=SkillLevel.objects.order_by("pk").first().pk).update(level=4, sources=["x"])
    later = now + timedelta(hours=100)
    assert _diffs_sql(low, high, later) == _diffs_python(low, high, later)
    assert _diffs_sql(low, high, later)
