"""Qualification and ranking (DESIGN.md, "Qualification and ranking"), with `at`, and a
brute-force oracle on random small matrices."""
from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from academy.clients import client_create
from academy.models import TIER_ORDER
from routing_bridge.errors import InvalidQuery
from routing_bridge.models import TicketFeedback
from routing_bridge import qualification
from routing_bridge.qualification import Requirement, staff_qualified
from skills.models import Evidence, SkillLevel
from skills.services import evidence_record, evidence_revoke
from tests.factories import SkillFactory, StaffFactory, UserFactory

R = Requirement


def person(employee_id, tier="N1", **kwargs):
    return StaffFactory(employee_id=employee_id, tier=tier, user=UserFactory(username=employee_id.lower()), **kwargs)


def ids(result):
    return [c.employee_id for c in result.candidates]


@pytest.fixture
def gpo(db):
    return SkillFactory(code="AD.GPO")


@pytest.fixture
def vpn(db):
    return SkillFactory(code="NET.VPN")


def test_the_lowest_tier_comes_first(gpo):
    for emp, tier in (("A3", "N3"), ("B1", "N1"), ("C2", "N2")):
        evidence_record(staff=person(emp, tier), skill=gpo, level=2, source="manager")
    assert ids(staff_qualified(required=[R("AD.GPO", 2)])) == ["B1", "C2", "A3"]


def test_within_a_tier_more_optional_skills_met_rank_higher(gpo, vpn):
    a, b = person("A"), person("B")
    evidence_record(staff=a, skill=gpo, level=2, source="manager")
    evidence_record(staff=b, skill=gpo, level=2, source="manager")
    evidence_record(staff=b, skill=vpn, level=2, source="manager")
    result = staff_qualified(required=[R("AD.GPO", 2)], optional=[R("NET.VPN", 2)])
    assert ids(result) == ["B", "A"]
    assert [c.optional_met for c in result.candidates] == [1, 0]


def test_the_smallest_over_qualification_keeps_experts_free(gpo):
    expert, practitioner = person("A"), person("B")
    evidence_record(staff=expert, skill=gpo, level=4, source="certification")
    evidence_record(staff=practitioner, skill=gpo, level=2, source="exam")
    result = staff_qualified(required=[R("AD.GPO", 2)])
    assert ids(result) == ["B", "A"]
    assert [c.over_qualification for c in result.candidates] == [0, 2]


def test_the_least_recently_assigned_comes_first_and_never_assigned_before_all(gpo):
    now = timezone.now()
    people = [person(e) for e in ("A", "B", "C")]
    for p in people:
        evidence_record(staff=p, skill=gpo, level=2, source="manager")
    TicketFeedback.objects.create(ticket_id="1", category="x", staff=people[0], outcome="resolved",
                                  occurred_at=now - timedelta(hours=1))
    TicketFeedback.objects.create(ticket_id="2", category="x", staff=people[1], outcome="resolved",
                                  occurred_at=now - timedelta(days=3))
    result = staff_qualified(required=[R("AD.GPO", 2)])
    assert ids(result) == ["C", "B", "A"]
    assert result.candidates[0].last_assigned_at is None


def test_ties_are_broken_by_employee_id(gpo):
    for emp in ("E3", "E1", "E2"):
        evidence_record(staff=person(emp), skill=gpo, level=2, source="manager")
    assert ids(staff_qualified(required=[R("AD.GPO", 2)])) == ["E1", "E2", "E3"]


def test_self_assessment_never_qualifies(gpo):
    evidence_record(staff=person("A"), skill=gpo, level=4, source="self")
    assert staff_qualified(required=[R("AD.GPO", 1)]).total_qualified == 0


def test_inactive_staff_are_never_proposed(gpo):
    a = person("A")
    evidence_record(staff=a, skill=gpo, level=3, source="manager")
    a.active = False
    a.save()
    assert staff_qualified(required=[R("AD.GPO", 1)]).total_qualified == 0


def test_filters_on_profiles_languages_and_exclusions(gpo):
    fr = person("FR", languages=["fr"])
    both = person("BOTH", languages=["fr", "en"], profile="administrator")
    for p in (fr, both):
        evidence_record(staff=p, skill=gpo, level=2, source="manager")
    assert ids(staff_qualified(required=[R("AD.GPO", 2)], languages=["en", "fr"])) == ["BOTH"]
    assert ids(staff_qualified(required=[R("AD.GPO", 2)], profiles=["technician"])) == ["FR"]
    assert ids(staff_qualified(required=[R("AD.GPO", 2)], exclude=["FR"])) == ["BOTH"]


def test_total_counts_everyone_before_the_limit(gpo):
    for i in range(5):
        evidence_record(staff=person(f"E{i}"), skill=gpo, level=2, source="manager")
    result = staff_qualified(required=[R("AD.GPO", 2)], limit=2)
    assert result.total_qualified == 5 and len(result.candidates) == 2
    assert [c.rank for c in result.candidates] == [1, 2]


def test_each_candidate_comes_with_level_until_when_and_the_evidence_holding_it(gpo):
    a = person("A")
    until = timezone.now() + timedelta(days=30)
    cert = evidence_record(staff=a, skill=gpo, level=3, source="certification", valid_until=until)
    evidence_record(staff=a, skill=gpo, level=2, source="course")
    reasons = staff_qualified(required=[R("AD.GPO", 2)]).candidates[0].skills
    assert reasons[0]["level"] == 3 and reasons[0]["min_level"] == 2
    assert reasons[0]["valid_until"] == until
    # The course keeps level 2 after the certification ends: qualified with no end.
    assert reasons[0]["qualified_until"] is None
    assert [(e["id"], e["source"]) for e in reasons[0]["evidence"]] == [(cert.pk, "certification")]


def test_qualified_until_is_when_the_level_falls_below_the_minimum(gpo):
    a = person("A")
    until = timezone.now() + timedelta(days=30)
    evidence_record(staff=a, skill=gpo, level=3, source="certification", valid_until=until)
    result = staff_qualified(required=[R("AD.GPO", 3)])
    assert result.candidates[0].qualified_until == until


def test_at_in_the_past_and_future_follows_the_ledger_around_an_expiry(gpo):
    a = person("A")
    now = timezone.now()
    until = now + timedelta(days=10)
    evidence_record(staff=a, skill=gpo, level=3, source="certification", valid_until=until)
    q = [R("AD.GPO", 3)]
    assert staff_qualified(required=q, at=until - timedelta(seconds=1)).total_qualified == 1
    assert staff_qualified(required=q, at=until).total_qualified == 0  # valid_until itself is expired
    assert staff_qualified(required=q, at=now - timedelta(days=1)).total_qualified == 0  # not yet observed
    assert staff_qualified(required=q, at=until - timedelta(seconds=1)).source == "ledger"


def test_at_before_a_revocation_still_sees_the_level(gpo):
    a = person("A")
    evidence = evidence_record(staff=a, skill=gpo, level=2, source="manager")
    before = timezone.now()
    evidence_revoke(evidence=evidence, reason="erreur de saisie")
    assert staff_qualified(required=[R("AD.GPO", 2)], at=before).total_qualified == 1
    assert staff_qualified(required=[R("AD.GPO", 2)]).total_qualified == 0


def test_now_drops_a_level_at_its_exact_expiry_though_the_sweep_has_not_run(gpo):
    a = person("A")
    until = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    evidence_record(staff=a, skill=gpo, level=3, source="certification", valid_until=until)
    fresh = staff_qualified(required=[R("AD.GPO", 3)])
    assert (fresh.source, fresh.total_qualified) == ("matrix", 1)
    with mock.patch("django.utils.timezone.now", return_value=until - timedelta(microseconds=1)):
        assert staff_qualified(required=[R("AD.GPO", 3)]).total_qualified == 1
    with mock.patch("django.utils.timezone.now", return_value=until):
        expired = staff_qualified(required=[R("AD.GPO", 3)])
    assert (expired.source, expired.total_qualified) == ("matrix", 0)
    assert SkillLevel.objects.get(staff=a, skill=gpo).level == 3  # the sweep has not run


def test_a_made_up_ranking_key_is_one_function_and_both_now_and_at_follow_it(gpo, monkeypatch):
    """docs/architecture.md: adding a ranking key is a line in `ranking_keys`. Here a made-up
    first key, "the most over-qualified first", reverses the usual order for now and for `at`."""
    expert, practitioner = person("A"), person("B")
    evidence_record(staff=expert, skill=gpo, level=4, source="certification")
    evidence_record(staff=practitioner, skill=gpo, level=2, source="exam")
    usual = [c.employee_id for c in staff_qualified(required=[R("AD.GPO", 2)]).candidates]
    assert usual == ["B", "A"]
    plain = qualification.ranking_keys

    def experts_first(matrix, rows, query):
        return [-qualification.over_qualification(matrix, rows, query), *plain(matrix, rows, query)]

    monkeypatch.setattr(qualification, "ranking_keys", experts_first)
    now = staff_qualified(required=[R("AD.GPO", 2)])
    at = staff_qualified(required=[R("AD.GPO", 2)], at=now.as_of)
    assert [c.employee_id for c in now.candidates] == [c.employee_id for c in at.candidates] == ["A", "B"]


def test_it_rejects_unknown_skills_levels_outside_the_scale_and_a_limit_above_200(gpo):
    with pytest.raises(InvalidQuery, match="NOPE"):
        staff_qualified(required=[R("NOPE", 2)])
    with pytest.raises(InvalidQuery, match="échelle"):
        staff_qualified(required=[R("AD.GPO", 5)])
    with pytest.raises(InvalidQuery, match="200"):
        staff_qualified(required=[R("AD.GPO", 2)], limit=201)


# --- Oracle ----------------------------------------------------------------------------------------

SOURCES = ["course", "exam", "certification", "manager", "import", "practice", "self"]
HOUR = timedelta(hours=1)


def oracle_level(evidences, t):
    """DESIGN.md's level policy, written again from the text."""
    levels = [
        e["level"] for e in evidences
        if e["source"] != "self" and e["observed_at"] <= t
        and (e["revoked_at"] is None or t < e["revoked_at"])
        and (e["valid_until"] is None or t < e["valid_until"])
    ]
    return max(levels, default=0)


WINDOW = timedelta(days=180)


def oracle_familiarity(s, feedback, client, t):
    """Contract 1.1's client familiarity, written again from the text."""
    if client is None:
        return 0
    if s["id"] == client["referent"]:
        return 3
    if s["id"] in client["backups"]:
        return 2
    if any(f["staff"] == s["id"] and f["client"] and f["outcome"] == "resolved" and t - WINDOW < f["at"] <= t
           for f in feedback):
        return 1
    return 0


def oracle(staff, evidences, feedback, *, required, optional, tiers, t, client=None):
    rows = []
    for s in staff:
        if not s["active"] or (tiers and s["tier"] not in tiers):
            continue
        level = {code: oracle_level([e for e in evidences if e["staff"] == s["id"] and e["skill"] == code], t)
                 for code in {r[0] for r in required + optional}}
        if all(level[code] >= m for code, m in required):
            met = sum(1 for code, m in optional if level[code] >= m)
            over = sum(level[code] - m for code, m in required)
            times = [f["at"] for f in feedback if f["staff"] == s["id"] and f["at"] <= t]
            last = max(times) if times else None
            familiarity = oracle_familiarity(s, feedback, client, t)
            rows.append(((TIER_ORDER[s["tier"]], -familiarity, -met, over,
                          (0, "") if last is None else (1, last.isoformat()), s["id"]), s["id"], met, over))
    rows.sort()
    return [(emp, met, over) for _key, emp, met, over in rows]


CODES = ["K.A", "K.B", "K.C"]

staff_st = st.lists(
    st.tuples(st.sampled_from(["N1", "N2", "N3"]), st.sampled_from([True, True, True, False])),
    min_size=1, max_size=5,
)
evidence_st = st.lists(
    st.fixed_dictionaries({
        "staff": st.integers(0, 4),
        "skill": st.sampled_from(CODES),
        "level": st.integers(0, 4),
        "source": st.sampled_from(SOURCES),
        "observed": st.integers(-200, -1),  # hours before the base instant
        "duration": st.one_of(st.none(), st.integers(1, 300)),
        "revoked": st.one_of(st.none(), st.integers(1, 300)),
    }),
    max_size=14,
)
requirements_st = st.lists(st.tuples(st.sampled_from(CODES), st.integers(0, 4)), min_size=1, max_size=3,
                           unique_by=lambda r: r[0])


def _build(staff_spec, evidence_spec, feedback_spec, base, backups=()):
    staff, evidences, feedback, objects = [], [], [], []
    skills = {code: SkillFactory(code=code) for code in CODES}
    for i, (tier, active) in enumerate(staff_spec):
        obj = person(f"S{i}", tier)
        if not active:
            obj.active = False
            obj.save()
        objects.append(obj)
        staff.append({"id": f"S{i}", "tier": tier, "active": active})
    for spec in evidence_spec:
        if spec["staff"] >= len(objects):
            continue
        observed = base + spec["observed"] * HOUR
        valid_until = observed + spec["duration"] * HOUR if spec["duration"] else None
        revoked = observed + spec["revoked"] * HOUR if spec["revoked"] else None
        if revoked is not None and revoked > base:
            revoked = None  # revocations are recorded when they happen, never ahead
        Evidence.objects.create(staff=objects[spec["staff"]], skill=skills[spec["skill"]], level=spec["level"],
                                source=spec["source"], observed_at=observed, valid_until=valid_until,
                                revoked_at=revoked)
        evidences.append({"staff": f"S{spec['staff']}", "skill": spec["skill"], "level": spec["level"],
                          "source": spec["source"], "observed_at": observed, "valid_until": valid_until,
                          "revoked_at": revoked})
    # The client: S0 its referent, the backups asked among the others.
    company = client_create(code="C", name="Client C", referent=objects[0],
                            backups=[objects[i] for i in backups if 0 < i < len(objects)])
    client = {"referent": "S0", "backups": {f"S{i}" for i in backups if 0 < i < len(objects)}}
    for staff_index, hours, for_client, outcome in feedback_spec:
        if staff_index < len(objects):
            at = base - hours * HOUR
            TicketFeedback.objects.create(ticket_id=f"T{staff_index}-{hours}", category="x",
                                          staff=objects[staff_index], outcome=outcome, occurred_at=at,
                                          client=company if for_client else None)
            feedback.append({"staff": f"S{staff_index}", "at": at, "client": for_client, "outcome": outcome})
    return staff, evidences, feedback, objects, skills, client


def _answer(candidate):
    return (candidate.employee_id, candidate.rank, candidate.levels, candidate.optional_met,
            candidate.over_qualification, candidate.last_assigned_at, candidate.skills, candidate.qualified_until,
            candidate.client_familiarity)


def _boundaries(evidences, feedback, base):
    """Instants where the answer may change, and one second either side."""
    instants = {base, base - 50 * HOUR}
    for e in evidences:
        for x in (e["observed_at"], e["valid_until"], e["revoked_at"]):
            if x is not None:
                instants.update({x, x - timedelta(seconds=1), x + timedelta(seconds=1)})
    for f in feedback:  # a ticket resolved for the client starts and stops counting
        for x in (f["at"], f["at"] + WINDOW):
            if x <= base:
                instants.update({x, x - timedelta(microseconds=1), x + timedelta(microseconds=1)})
    return sorted(instants)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(staff_spec=staff_st, evidence_spec=evidence_st, required=requirements_st,
       optional=st.lists(st.tuples(st.sampled_from(CODES), st.integers(1, 4)), max_size=1),
       tiers=st.one_of(st.none(), st.lists(st.sampled_from(["N1", "N2", "N3"]), min_size=1, unique=True)),
       feedback_spec=st.lists(st.tuples(st.integers(0, 4),
                                        # hours before the base instant: lately, or about 180 days ago
                                        st.one_of(st.integers(0, 300), st.integers(180 * 24 - 3, 180 * 24 + 3)),
                                        st.booleans(), st.sampled_from(["resolved", "resolved", "escalated"])),
                              max_size=6, unique_by=lambda f: (f[0], f[1])),
       backups=st.lists(st.integers(1, 4), max_size=2, unique=True), ask_client=st.booleans(),
       pick=st.integers(0, 10_000))
def test_qualification_matches_a_brute_force_oracle(db, staff_spec, evidence_spec, required, optional, tiers,
                                                    feedback_spec, backups, ask_client, pick):
    optional = [o for o in optional if o[0] not in {r[0] for r in required}]
    base = timezone.now().replace(microsecond=0) - timedelta(minutes=1)
    with transaction.atomic():
        staff, evidences, feedback, objects, skills, client = _build(staff_spec, evidence_spec, feedback_spec, base,
                                                                     backups)
        instants = _boundaries(evidences, feedback, base)
        t = instants[pick % len(instants)]
        reqs = [R(code, m) for code, m in required]
        opts = [R(code, m) for code, m in optional]
        code, client = ("C", client) if ask_client else (None, None)
        result = staff_qualified(required=reqs, optional=opts, tiers=tiers, at=t, limit=200, client=code)
        expected = oracle(staff, evidences, feedback, required=required, optional=optional, tiers=tiers, t=t,
                          client=client)
        assert [(c.employee_id, c.optional_met, c.over_qualification) for c in result.candidates] == expected
        # Everyone active, so that familiarity and the last assignments decide most of the order.
        anyone = [(required[0][0], 0)]
        everyone = staff_qualified(required=[R(*anyone[0])], tiers=tiers, at=t, limit=200, client=code)
        assert [(c.employee_id, c.optional_met, c.over_qualification) for c in everyone.candidates] == oracle(
            staff, evidences, feedback, required=anyone, optional=[], tiers=tiers, t=t, client=client)
        if client is not None:
            familiarity = {s["id"]: oracle_familiarity(s, feedback, client, t) for s in staff}
            assert [c.client_familiarity for c in everyone.candidates] == [familiarity[c.employee_id]
                                                                           for c in everyone.candidates]
        if client is not None:
            familiarity = {s["id"]: oracle_familiarity(s, feedback, client, t) for s in staff}
            assert [c.client_familiarity for c in result.candidates] == [familiarity[c.employee_id]
                                                                         for c in result.candidates]
            referent_levels = {code: oracle_level([e for e in evidences if e["staff"] == "S0" and e["skill"] == code],
                                                  t) for code, _m in required}
            assert result.client.referent_employee_id == "S0"
            assert result.client.referent_qualified == all(referent_levels[code] >= m for code, m in required)
        assert result.total_qualified == len(expected)
        for c in result.candidates:
            for reason in c.skills:
                own = [e for e in evidences if e["staff"] == c.employee_id and e["skill"] == reason["skill"]]
                assert reason["level"] == oracle_level(own, t)

        # Now (`at` omitted), from the process's matrix, must give the answer of the ledger at the
        # same instant: same people, order, levels, reasons and qualified_until.
        now_result = staff_qualified(required=reqs, optional=opts, tiers=tiers, limit=200, client=code)
        now_expected = oracle(staff, evidences, feedback, required=required, optional=optional, tiers=tiers,
                              t=now_result.as_of, client=client)
        assert now_result.source == "matrix"
        assert [(c.employee_id, c.optional_met, c.over_qualification) for c in now_result.candidates] == now_expected
        same_instant = staff_qualified(required=reqs, optional=opts, tiers=tiers, limit=200, at=now_result.as_of,
                                       client=code)
        assert same_instant.source == "ledger"
        assert [_answer(c) for c in now_result.candidates] == [_answer(c) for c in same_instant.candidates]
        transaction.set_rollback(True)
