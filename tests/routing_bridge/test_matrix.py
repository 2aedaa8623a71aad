"""The matrix each process keeps (routing_bridge.matrix) against the ledger: after any history of
writes, revocations, feedback (with a client or not), staff changes, a client's referent and
backups, availability reports and time passing (exact expiry instants included, of evidences, of
reports and of a client ticket's 180 days),
`qualified` now (the copy, caught up one change at a time) answers exactly what the policy
evaluated over the ledger at the same instant answers, reasons and `qualified_until` included."""
from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from academy.clients import client_create, client_update
from routing_bridge import matrix as matrix_module
from routing_bridge.availability import Report, availability_report
from routing_bridge.models import Availability, TicketFeedback
from routing_bridge.qualification import Requirement as R
from routing_bridge.qualification import PRACTICE_WINDOW, staff_qualified
from skills.models import Evidence
from skills.services import evidence_record, evidence_revoke
from tests.factories import SkillFactory, StaffFactory, UserFactory

CODES = ["K.A", "K.B", "K.C"]
QUESTIONS = [
    {"required": [R("K.A", 2)], "optional": [R("K.B", 1)]},
    {"required": [R("K.B", 1), R("K.C", 3)]},
    {"required": [R("K.C", 0)], "tiers": ["N1", "N2"]},
    {"required": [R("K.A", 1)], "available_only": False},
    {"required": [R("K.C", 0)], "client": "C"},
    {"required": [R("K.A", 1)], "optional": [R("K.B", 2)], "client": "C", "available_only": False},
]

operation = st.one_of(
    st.tuples(st.just("record"), st.integers(0, 3), st.sampled_from(CODES), st.integers(1, 4),
              st.sampled_from(["course", "exam", "certification", "manager", "self"]),
              st.one_of(st.none(), st.integers(1, 50))),
    st.tuples(st.just("revoke"), st.integers(0, 30)),
    st.tuples(st.just("wait"), st.integers(1, 40)),
    st.tuples(st.just("to_expiry"), st.integers(0, 30), st.sampled_from([-1, 0, 1])),
    st.tuples(st.just("feedback"), st.integers(0, 3)),
    # a ticket of the client C: who, resolved or escalated, how many hours ago
    st.tuples(st.just("client_feedback"), st.integers(0, 3), st.sampled_from(["resolved", "escalated"]),
              st.integers(0, 48)),
    st.tuples(st.just("referent"), st.integers(0, 3), st.lists(st.integers(0, 3), max_size=2, unique=True)),
    st.tuples(st.just("days"), st.integers(1, 200)),
    st.tuples(st.just("tier"), st.integers(0, 3), st.sampled_from(["N1", "N2", "N3"])),
    st.tuples(st.just("active"), st.integers(0, 3), st.booleans()),
    # a report: who, available, open tickets, until in hours from now (None: no end; ≤ 0: already past)
    st.tuples(st.just("availability"), st.integers(0, 3), st.booleans(), st.integers(0, 3),
              st.one_of(st.none(), st.integers(-2, 30))),
)


def _answer(result):
    return (result.total_qualified, result.unavailable_qualified, [
        (c.employee_id, c.rank, c.levels, c.optional_met, c.over_qualification, c.available, c.open_tickets,
         c.last_assigned_at, c.skills, c.qualified_until, c.client_familiarity) for c in result.candidates],
        result.client)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_the_copy_caught_up_change_by_change_answers_as_the_ledger(db, operations):
    clock = {"now": timezone.now().replace(microsecond=0)}
    with transaction.atomic(), mock.patch("django.utils.timezone.now", side_effect=lambda: clock["now"]):
        skills = {code: SkillFactory(code=code) for code in CODES}
        people = [StaffFactory(user=UserFactory(username=f"u{i}"), employee_id=f"P{i}", tier="N1")
                  for i in range(4)]
        client = client_create(code="C", name="Client C", referent=people[0])
        staff_qualified(**QUESTIONS[0])  # the copy is built here; what follows is caught up
        recorded = []
        for op in operations:
            kind = op[0]
            if kind == "record" and people[op[1]].active:  # the ledger refuses inactive people
                _kind, who, code, level, source, hours = op
                until = clock["now"] + timedelta(hours=hours) if hours else None
                recorded.append(evidence_record(staff=people[who], skill=skills[code], level=level, source=source,
                                                valid_until=until))
            elif kind == "revoke" and recorded:
                evidence_revoke(evidence=recorded[op[1] % len(recorded)], reason="test")
            elif kind == "wait":
                clock["now"] += timedelta(hours=op[1])
            elif kind == "to_expiry":
                untils = [e.valid_until for e in Evidence.objects.all()]
                untils += [a.until for a in Availability.objects.all()]
                untils += [f.occurred_at + PRACTICE_WINDOW for f in TicketFeedback.objects.filter(client=client)]
                ends = sorted(u for u in untils if u and u + timedelta(microseconds=1) > clock["now"])
                if ends:
                    target = ends[op[1] % len(ends)] + timedelta(microseconds=op[2])
                    clock["now"] = max(clock["now"], target)
            elif kind == "feedback":
                TicketFeedback.objects.create(ticket_id=f"T{TicketFeedback.objects.count()}",
                                              category="x", staff=people[op[1]], outcome="resolved",
                                              occurred_at=clock["now"])
            elif kind == "client_feedback":
                _kind, who, outcome, hours = op
                TicketFeedback.objects.create(ticket_id=f"T{TicketFeedback.objects.count()}", category="x",
                                              staff=people[who], outcome=outcome, client=client,
                                              occurred_at=clock["now"] - timedelta(hours=hours))
            elif kind == "referent":
                _kind, who, backups = op
                client_update(client=client, name=client.name, referent=people[who],
                              backups=[people[i] for i in backups if i != who])
            elif kind == "days":
                clock["now"] += timedelta(days=op[1])
            elif kind == "tier":
                people[op[1]].tier = op[2]
                people[op[1]].save(update_fields=["tier"])
            elif kind == "active":
                people[op[1]].active = op[2]
                people[op[1]].save(update_fields=["active"])
            elif kind == "availability":
                _kind, who, available, open_tickets, hours = op
                until = None if hours is None else clock["now"] + timedelta(hours=hours)
                availability_report(reports=[Report(f"P{who}", available, open_tickets, until)])
            for question in QUESTIONS:
                now = staff_qualified(**question, limit=200)
                assert now.source == "matrix"
                ledger = staff_qualified(**question, limit=200, at=now.as_of)
                assert _answer(now) == _answer(ledger), (op, question)
        transaction.set_rollback(True)


def test_a_change_made_by_another_process_is_seen_at_the_next_question(db):
    """Another process's write is in the database only: the copy of this process sees it through
    the ledger's numbering at its next question, without being reset."""
    gpo = SkillFactory(code="AD.GPO")
    someone = StaffFactory(employee_id="A1", tier="N1")
    assert staff_qualified(required=[R("AD.GPO", 2)]).total_qualified == 0
    Evidence.objects.create(staff=someone, skill=gpo, level=3, source="manager")  # bypasses the services
    assert staff_qualified(required=[R("AD.GPO", 2)]).total_qualified == 1
    Evidence.objects.filter(staff=someone).update(revoked_at=timezone.now())
    assert staff_qualified(required=[R("AD.GPO", 2)]).total_qualified == 0


def test_a_rolled_back_write_is_forgotten(db):
    gpo = SkillFactory(code="AD.GPO")
    someone = StaffFactory(employee_id="A1", tier="N1")
    with transaction.atomic():
        evidence_record(staff=someone, skill=gpo, level=3, source="manager")
        assert staff_qualified(required=[R("AD.GPO", 2)]).total_qualified == 1
        transaction.set_rollback(True)
    assert staff_qualified(required=[R("AD.GPO", 2)]).total_qualified == 0


def test_deleted_evidences_and_renamed_people_are_followed(db):
    gpo = SkillFactory(code="AD.GPO")
    someone = StaffFactory(employee_id="A1", tier="N1", user=UserFactory(first_name="Ada", last_name="L"))
    evidence_record(staff=someone, skill=gpo, level=3, source="manager")
    assert [c.display_name for c in staff_qualified(required=[R("AD.GPO", 2)]).candidates] == ["Ada L"]
    someone.user.first_name = "Grace"
    someone.user.save()
    assert [c.display_name for c in staff_qualified(required=[R("AD.GPO", 2)]).candidates] == ["Grace L"]
    Evidence.objects.filter(staff=someone).delete()
    assert staff_qualified(required=[R("AD.GPO", 2)]).total_qualified == 0


def test_many_changes_at_once_build_the_copy_again(db, monkeypatch):
    gpo = SkillFactory(code="AD.GPO")
    people = [StaffFactory(employee_id=f"A{i}", tier="N1") for i in range(4)]
    assert staff_qualified(required=[R("AD.GPO", 2)]).total_qualified == 0
    monkeypatch.setattr(matrix_module, "MAX_CATCH_UP", 2)
    for someone in people:
        evidence_record(staff=someone, skill=gpo, level=2, source="manager")
    built = []
    real_build = matrix_module._Mirror.build
    monkeypatch.setattr(matrix_module._Mirror, "build", lambda self, now: built.append(now) or real_build(self, now))
    assert staff_qualified(required=[R("AD.GPO", 2)]).total_qualified == 4
    assert len(built) == 1


@pytest.mark.django_db(transaction=True)
def test_with_postgresql_listening_a_question_reads_nothing_until_a_write_is_committed(settings, monkeypatch):
    """PostgreSQL: between changes, `qualified` reads nothing from the database; a committed write
    (here by the ledger's service, in autocommit) is heard and read at the next question."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    settings.BRIDGE_MATRIX_LISTEN = True
    matrix_module.matrix_reset()
    reads = []
    real_rows = matrix_module.sql_rows
    monkeypatch.setattr(matrix_module, "sql_rows", lambda *args, **kwargs: reads.append(args[0]) or
                        real_rows(*args, **kwargs))
    try:
        gpo = SkillFactory(code="AD.GPO")
        someone = StaffFactory(employee_id="A1", tier="N1")
        staff_qualified(required=[R("AD.GPO", 2)])
        listener = next(iter(matrix_module._listeners.values()))
        _wait(lambda: listener.listening)
        staff_qualified(required=[R("AD.GPO", 2)])  # reads what happened before the listener was up
        reads.clear()
        assert staff_qualified(required=[R("AD.GPO", 2)]).total_qualified == 0
        assert reads == []
        evidence_record(staff=someone, skill=gpo, level=3, source="manager")
        _wait(lambda: listener.changed.is_set())
        assert staff_qualified(required=[R("AD.GPO", 2)]).total_qualified == 1
        assert len(reads) == 1
        reads.clear()
        assert staff_qualified(required=[R("AD.GPO", 2)]).total_qualified == 1
        assert reads == []
    finally:
        matrix_module.matrix_listeners_stop()
        matrix_module.matrix_reset()


def _wait(condition, seconds=5.0):
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the listener did not hear in time"
        time.sleep(0.01)


def test_every_table_the_copy_follows_keeps_its_triggers_after_the_migrations(db):
    """SQLite drops a table's triggers when a migration rebuilds it (the feedback table was, to add
    its client): every migrate installs them again (routing_bridge.apps.triggers_reinstall)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        sql = "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'"
    else:
        sql = "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        tables = {row[0] for row in cursor.fetchall()}
    assert {"academy_staff", "auth_user", "routing_bridge_ticketfeedback", "skills_skill", "skills_proficiencylevel",
            "skills_evidence", "routing_bridge_availability", "academy_client", "academy_client_backups"} <= tables
