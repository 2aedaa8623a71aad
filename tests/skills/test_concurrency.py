"""On PostgreSQL, writers in parallel (each thread has its own connection) keep the change log
gap-free and strictly increasing in commit order."""
import threading

import pytest
from django.db import connection

from skills.models import SkillChange, SkillLevel
from skills.services import evidence_record
from tests.factories import SkillFactory, StaffFactory
from tests.services import skip_unless_postgresql

pytestmark = pytest.mark.services


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_the_same_time_keep_the_change_log_gap_free_and_increasing():
    skip_unless_postgresql()
    people = [StaffFactory() for _ in range(4)]
    skills = [SkillFactory() for _ in range(5)]
    barrier = threading.Barrier(2)
    errors = []

    def writer(offset):
        try:
            barrier.wait()
            for staff in people:
                for index, skill in enumerate(skills):
                    # Both writers touch the same cells with rising levels: contention on purpose.
                    evidence_record(staff=staff, skill=skill, level=1 + (index + offset) % 4, source="exam")
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    seqs_by_insertion = list(SkillChange.objects.order_by("id").values_list("seq", flat=True))
    assert seqs_by_insertion == list(range(1, len(seqs_by_insertion) + 1))
    assert len(seqs_by_insertion) >= len(people) * len(skills)
    # And every cell equals the best level recorded for it.
    assert set(SkillLevel.objects.values_list("level", flat=True)) <= {1, 2, 3, 4}
    for cell in SkillLevel.objects.all():
        last = SkillChange.objects.filter(staff_id=cell.staff_id, skill_id=cell.skill_id).order_by("-seq").first()
        assert last.new_level == cell.level
