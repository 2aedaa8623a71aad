"""import_skill_levels writes in bulk (skills.services.evidence_record_many). Its result must be
the one `evidence_record` gives row by row (the import as it was before, kept here as the
reference): same evidences, cells, change-log rows and events, on SQLite (Python path) and on
PostgreSQL (SQL paths); only the order of the change-log numbers may differ."""
import json
import random
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from academy.models import Event, Staff
from skills.imports import IMPORT_REFERENCE, LEVEL_COLUMNS, LEVEL_REQUIRED, parse_valid_until, read_csv
from skills.imports import skill_levels_import
from skills.models import Evidence, Skill, SkillChange, SkillLevel
from skills.services import evidence_record, evidence_record_many
from tests.factories import SkillFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def import_row_by_row(text, *, actor, source_name):
    """The write loop of import_skill_levels before the bulk path: one evidence_record per row."""
    _header, rows = read_csv(text, required=LEVEL_REQUIRED, optional=LEVEL_COLUMNS)
    for line, row in rows:
        staff, skill = Staff.objects.get(employee_id=row["employee_id"]), Skill.objects.get(code=row["skill_code"])
        level, source = int(row["level"]), (row.get("source") or "import").lower()
        valid_until = parse_valid_until(row.get("valid_until", ""))
        if level == 0 or Evidence.objects.filter(staff=staff, skill=skill, level=level, source=source,
                                                 valid_until=valid_until, revoked_at=None).exists():
            continue
        evidence_record(staff=staff, skill=skill, level=level, source=source, recorded_by=actor,
                        valid_until=valid_until, note=row.get("note", ""), reference_type=IMPORT_REFERENCE,
                        reference_id=f"{source_name}:{line}"[:80], reason="import")


def snapshot():
    evidences = sorted(Evidence.objects.values_list(
        "staff_id", "skill_id", "level", "source", "valid_until", "recorded_by_id", "reference_type",
        "reference_id", "note", "revoked_at"), key=repr)
    cells = sorted((st, sk, level, until, tuple(sources), declared, declared_until)
                   for st, sk, level, until, sources, declared, declared_until in SkillLevel.objects.values_list(
                       "staff_id", "skill_id", "level", "valid_until", "sources", "declared_level", "declared_until"))
    changes = list(SkillChange.objects.values_list("seq", "staff__employee_id", "skill__code", "old_level",
                                                   "new_level", "valid_until", "reason"))
    events = list(Event.objects.filter(type="skill_level.changed").values_list("position", "seq", "data"))
    by_seq = {seq: (employee_id, code) for seq, employee_id, code, *_rest in changes}
    for _position, seq, data in events:  # each event is its change-log row
        assert by_seq[seq] == (data["employee_id"], data["skill"])
    return {
        "evidences": evidences, "cells": cells,
        "changes": sorted(repr(change[1:]) for change in changes),
        "seqs": sorted(change[0] for change in changes),
        "positions": sorted(position for position, _seq, _data in events),
        "events": sorted(json.dumps(data, sort_keys=True) for _position, _seq, data in events),
    }


@pytest.fixture
def ledger():
    """People and skills with a history: higher levels already held, identical evidences,
    declared (`self`) levels, validities, a revocation, and a stale cell the file does not touch."""
    rng = random.Random(5)
    people = [StaffFactory(employee_id=f"B{n:03d}") for n in range(8)]
    skills = [SkillFactory(code=f"BK.S{n}") for n in range(5)]
    now = timezone.now()
    for _ in range(25):
        evidence = evidence_record(
            staff=rng.choice(people), skill=rng.choice(skills), level=rng.randint(1, 4),
            source=rng.choice(["manager", "import", "exam", "self", "course"]),
            valid_until=rng.choice([None, now + timedelta(days=rng.randint(1, 400))]))
        if rng.random() < 0.1:
            from skills.services import evidence_revoke
            evidence_revoke(evidence=evidence, reason="erreur")
    # A cell left stale (its evidence expired, the sweep has not run): the import must not touch it.
    stale = Evidence.objects.create(staff=people[0], skill=skills[4], level=3, source="exam",
                                    observed_at=now - timedelta(days=10), valid_until=now - timedelta(days=1))
    SkillLevel.objects.update_or_create(staff=people[0], skill=skills[4], defaults={
        "level": 3, "valid_until": stale.valid_until, "sources": ["exam"]})
    lines = ["employee_id,skill_code,level,valid_until,source,note"]
    for person in people:
        for skill in skills[:4]:
            if rng.random() < 0.7:
                until = rng.choice(["", "", (timezone.localdate() + timedelta(days=rng.randint(1, 500))).isoformat(),
                                    "2031-05-04T10:30:00+02:00"])
                source = rng.choice(["", "", "manager", "certification", "course"])
                lines.append(f"{person.employee_id},{skill.code},{rng.randint(0, 4)},{until},{source},note {rng.randint(1, 9)}")
    # One row identical to an evidence already held: unchanged.
    held = evidence_record(staff=people[7], skill=skills[3], level=2, source="manager")
    lines = [line for line in lines if not line.startswith(f"{held.staff.employee_id},{held.skill.code},")]
    lines.append(f"{held.staff.employee_id},{held.skill.code},{held.level},,manager,")
    return "\n".join(lines) + "\n"


def test_the_bulk_import_writes_what_evidence_record_row_by_row_writes(ledger):
    actor = UserFactory()
    with transaction.atomic():
        import_row_by_row(ledger, actor=actor, source_name="matrice.csv")
        expected = snapshot()
        transaction.set_rollback(True)
    before = snapshot()
    report = skill_levels_import(data=ledger, actor=actor, source_name="matrice.csv")
    assert report.ok and report.written and report.unchanged >= 1
    got = snapshot()
    assert got == expected
    assert len(got["evidences"]) - len(before["evidences"]) == report.created
    assert len(got["changes"]) > len(before["changes"])
    # The stale cell is left for the expiry sweep, as evidence_record would leave it.
    assert SkillLevel.objects.get(staff__employee_id="B000", skill__code="BK.S4").level == 3
    # Idempotent: the same file again changes nothing.
    again = skill_levels_import(data=ledger, actor=actor, source_name="matrice.csv")
    assert (again.created, again.written) == (0, False)
    assert snapshot() == got


def test_an_evidence_whose_validity_ends_before_the_write_is_refused_not_written():
    staff, skill = StaffFactory(), SkillFactory()
    gone = Evidence(staff=staff, skill=skill, level=2, source="import", observed_at=None,
                    valid_until=timezone.now() - timedelta(seconds=1))
    _report, refused = evidence_record_many([gone], reason="import")
    assert refused == [gone] and not Evidence.objects.exists() and not SkillLevel.objects.exists()
    with pytest.raises(ValueError):
        evidence_record_many([Evidence(staff=staff, skill=skill, level=1, source="import"),
                              Evidence(staff=staff, skill=skill, level=2, source="import")], reason="import")
