"""On PostgreSQL `evidence_record` writes through the SQL function `skills_evidence_record`
(skills.policy_sql); elsewhere through Python (skills.policy + the ORM). Both must write the same
evidence, cell, change-log row and `skill_level.changed` event for any history: the same random
histories are replayed for two mirrored groups of people, one through each path, on the same
database, then compared row by row."""
import random
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from academy import services as academy_services
from academy.models import Event
from skills import services
from skills.models import Evidence, ProficiencyLevel, SkillChange, SkillLevel
from skills.policy import evaluate
from tests.factories import SkillFactory, StaffFactory
from tests.services import skip_unless_postgresql

pytestmark = [pytest.mark.django_db, pytest.mark.services]

SOURCES = ["course", "exam", "certification", "manager", "import", "practice", "self"]


def replay(rng, monkeypatch, groups, skills, start):
    """Apply one random history to every group (group 0 through Python, group 1 through SQL)."""
    clock = [start]
    monkeypatch.setattr(timezone, "now", lambda: clock[0])
    outcomes = [[], []]
    for step in range(260):
        clock[0] += timedelta(minutes=rng.choice([0, 1, 7, 60, 600]), microseconds=rng.choice([0, 1, 250000]))
        now = clock[0]
        who, skill = rng.randrange(len(groups[0])), rng.choice(skills)
        if rng.random() < 0.12:  # revoke an earlier evidence of the same pair (Python in both groups)
            for group in groups:
                evidence = Evidence.objects.filter(staff=group[who], skill=skill, revoked_at=None).order_by("id")\
                    .first()
                if evidence is not None:
                    services.evidence_revoke(evidence=evidence, reason=f"step {step}")
            continue
        observed = now - timedelta(minutes=rng.choice([0, 0, 5, 90, 3000]))
        until = observed + timedelta(minutes=rng.choice([1, 30, 200, 5000])) if rng.random() < 0.5 else None
        if rng.random() < 0.1 and until is not None:  # sometimes exactly an instant already known
            until = max(until, now + timedelta(minutes=1)).replace(microsecond=0)
        kwargs = dict(skill=skill, level=rng.choice([0, 1, 2, 3, 4, 4, 3, 9]), source=rng.choice(SOURCES),
                      observed_at=observed, valid_until=until, reason=rng.choice(["", "x" * 250, "import ligne 3"]),
                      reference_type="tests", reference_id=step, note=f"n{step}")
        for path, group in enumerate(groups):
            monkeypatch.setattr(services, "_record_in_database", lambda path=path: bool(path))
            try:
                with transaction.atomic():  # nested in the test's transaction, as in a request
                    evidence = services.evidence_record(staff=group[who], **kwargs)
                outcomes[path].append((evidence.level, evidence.source, evidence.observed_at, evidence.valid_until,
                                       evidence.reference_id, evidence.note, evidence.created_at))
            except ValidationError as error:
                outcomes[path].append(error.message_dict)
    return outcomes


def snapshot(group):
    index = {person.pk: n for n, person in enumerate(group)}
    employee = {person.employee_id: n for n, person in enumerate(group)}
    cells = sorted((index[c.staff_id], c.skill_id, c.level, c.valid_until, c.sources, c.declared_level,
                    c.declared_until, c.updated_at) for c in SkillLevel.objects.filter(staff__in=group))
    changes = list(SkillChange.objects.filter(staff__in=group).order_by("seq"))
    events = {e.seq: e for e in Event.objects.filter(type="skill_level.changed", seq__in=[c.seq for c in changes])}
    log = []
    for change in changes:
        event = events[change.seq]
        data = dict(event.data, employee_id=employee[event.data["employee_id"]])
        log.append(((index[change.staff_id], change.skill_id, change.old_level, change.new_level, change.valid_until,
                     change.at, change.reason), (event.occurred_at, data)))
        assert event.occurred_at == change.at
    evidences = sorted((index[e.staff_id], e.skill_id, e.level, e.source, e.observed_at, e.valid_until,
                        e.reference_type, e.reference_id, e.note, e.created_at, e.revoked_at)
                       for e in Evidence.objects.filter(staff__in=group))
    # And every cell is the policy evaluated when it was last written (between writes, time may
    # pass: expiries are the periodic task's business).
    for cell in SkillLevel.objects.filter(staff__in=group):
        expected = evaluate(Evidence.objects.filter(staff_id=cell.staff_id, skill_id=cell.skill_id), cell.updated_at)
        assert (cell.level, cell.valid_until, cell.sources, cell.declared_level, cell.declared_until) == (
            expected.level, expected.valid_until, expected.sources, expected.declared_level, expected.declared_until)
    return cells, log, evidences


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sql_function_writes_what_the_python_path_writes(monkeypatch, seed):
    skip_unless_postgresql()
    services.scale_ensure_default()
    rng = random.Random(seed)
    skills = [SkillFactory() for _ in range(3)]
    groups = [[StaffFactory() for _ in range(3)] for _path in range(2)]
    start = timezone.now()
    python_outcomes, sql_outcomes = replay(rng, monkeypatch, groups, skills, start)
    assert python_outcomes == sql_outcomes
    assert any(isinstance(o, dict) and "level" in o for o in sql_outcomes)  # 9 is outside the scale
    python_side, sql_side = snapshot(groups[0]), snapshot(groups[1])
    assert python_side[0] == sql_side[0]  # cells
    assert python_side[1] == sql_side[1] and len(sql_side[1]) > 20  # change log and events
    assert python_side[2] == sql_side[2]  # evidences
    # One change log and one outbox for both paths: gap-free, in the same order.
    seqs = list(SkillChange.objects.order_by("id").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    events = list(Event.objects.filter(type="skill_level.changed").order_by("position").values_list("seq", flat=True))
    assert events == seqs


def test_the_sql_function_follows_an_edited_scale(monkeypatch):
    skip_unless_postgresql()
    person, skill = StaffFactory(), SkillFactory()
    # No scale in the database: the default one of DESIGN.md (0 to 4).
    ProficiencyLevel.objects.all().delete()
    assert services.evidence_record(staff=person, skill=skill, level=4, source="exam").pk
    with pytest.raises(ValidationError) as error:
        services.evidence_record(staff=person, skill=skill, level=5, source="exam")
    assert "level" in error.value.message_dict
    # A scale extended to 5 in the admin is taken at once, without restarting anything.
    services.scale_ensure_default()
    ProficiencyLevel.objects.create(level=5, label_fr="Référent", label_en="Lead")
    services.evidence_record(staff=person, skill=skill, level=5, source="exam")
    assert SkillLevel.objects.get(staff=person, skill=skill).level == 5
    ProficiencyLevel.objects.filter(level__in=[4, 5]).delete()
    before = Evidence.objects.count()
    with pytest.raises(ValidationError) as error:
        services.evidence_record(staff=person, skill=skill, level=4, source="exam")
    assert "level" in error.value.message_dict and Evidence.objects.count() == before


def test_a_change_tells_the_event_listeners_after_commit(monkeypatch, django_capture_on_commit_callbacks):
    skip_unless_postgresql()
    person, skill = StaffFactory(), SkillFactory()
    calls = []
    monkeypatch.setattr(academy_services, "_event_listeners", [lambda: calls.append(1)])
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_record(staff=person, skill=skill, level=2, source="exam")
    assert calls == [1]
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_record(staff=person, skill=skill, level=1, source="exam")  # no change
    assert calls == [1]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_one_statement_writes_everything(monkeypatch):
    skip_unless_postgresql()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person, skill = StaffFactory(), SkillFactory()
    calls = []
    monkeypatch.setattr(academy_services, "_event_listeners", [lambda: calls.append(1)])
    with CaptureQueriesContext(connection) as queries:
        evidence = services.evidence_record(staff=person, skill=skill, level=3, source="certification")
    assert len(queries.captured_queries) == 1 and calls == [1]
    assert Evidence.objects.get(pk=evidence.pk).level == 3
    assert SkillLevel.objects.get(staff=person, skill=skill).level == 3
    change = SkillChange.objects.get(staff=person, skill=skill)
    assert Event.objects.get(seq=change.seq).data == {
        "employee_id": person.employee_id, "skill": skill.code, "old_level": 0, "new_level": 3,
        "valid_until": None, "reason": "evidence:certification"}
