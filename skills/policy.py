"""The level policy of DESIGN.md as pure functions, shared by cells, `at` queries and tests.

An evidence counts at instant t when: observed_at <= t, not revoked at t
(revoked_at is None or t < revoked_at), valid_until is None or t < valid_until, and its source
is not `self`. The effective level is the maximum level over the evidences that count; 0 when
none does.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

SELF = "self"


class EvidenceLike(Protocol):
    level: int
    source: str
    observed_at: datetime
    valid_until: datetime | None
    revoked_at: datetime | None


def evidence_counts_at(evidence: EvidenceLike, at: datetime, *, include_self: bool = False) -> bool:
    """Does this evidence hold its level at instant `at`? (`t == valid_until` is expired.)"""
    if evidence.source == SELF and not include_self:
        return False
    if evidence.observed_at > at:
        return False
    if evidence.revoked_at is not None and evidence.revoked_at <= at:
        return False
    if evidence.valid_until is not None and at >= evidence.valid_until:
        return False
    return True


@dataclass(frozen=True)
class Evaluation:
    level: int
    # When the level will next drop, if nothing else changes (None: never by itself).
    valid_until: datetime | None
    # The evidences at `level` that hold it up (empty when level is 0).
    holding: tuple
    declared_level: int
    # When the declared level will next drop (None: never by itself, or nothing declared).
    declared_until: datetime | None = None

    @property
    def sources(self) -> list[str]:
        return sorted({e.source for e in self.holding})


def _drop_instant(holding, at: datetime) -> datetime | None:
    """When a level held by `holding` drops: once every one of them has stopped counting. A
    revocation in the future is not expected (revocations are recorded at the moment they
    happen), but count it."""
    ends = []
    for e in holding:
        candidates = [x for x in (e.valid_until, e.revoked_at) if x is not None and x > at]
        ends.append(min(candidates) if candidates else None)
    return None if not ends or any(end is None for end in ends) else max(ends)


def qualified_until(evidences: Iterable[EvidenceLike], at: datetime, min_level: int) -> datetime | None:
    """When the effective level falls below `min_level` if nothing new is recorded (None: never,
    or `min_level` is 0). The evidences counting at `at` with a level of `min_level` or more keep
    it up, each until it stops counting: the drop instant of those evidences."""
    if min_level <= 0:
        return None
    return _drop_instant([e for e in evidences if e.level >= min_level and evidence_counts_at(e, at)], at)


def next_change(evidences: Iterable[EvidenceLike], at: datetime) -> datetime | None:
    """The next instant after `at` at which an evidence starts or stops counting (None: none will):
    the effective level cannot change before it unless the ledger changes."""
    instants = [x for e in evidences for x in (e.observed_at, e.valid_until, e.revoked_at)
                if x is not None and x > at]
    return min(instants, default=None)


def evaluate(evidences: Iterable[EvidenceLike], at: datetime) -> Evaluation:
    """Evaluate the policy for one (staff, skill) at `at`."""
    counting = []
    declared_by = []
    for evidence in evidences:
        if evidence_counts_at(evidence, at):
            counting.append(evidence)
        elif evidence.source == SELF and evidence_counts_at(evidence, at, include_self=True):
            declared_by.append(evidence)
    declared = max((e.level for e in declared_by), default=0)
    declared_until = _drop_instant([e for e in declared_by if e.level == declared], at) if declared else None
    level = max((e.level for e in counting), default=0)
    if level == 0:
        return Evaluation(0, None, (), declared, declared_until)
    holding = tuple(e for e in counting if e.level == level)
    return Evaluation(level, _drop_instant(holding, at), holding, declared, declared_until)
