"""The one call every learning event goes through (courses, assessments, certifications).

Callers describe *what happened* in project terms; the learning-records service turns it into a
valid xAPI 1.0.3 statement, stores it and queues its forwarding. Callers never build statements.
"""
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Verbs callers may use; the xAPI profile (docs/xapi.md) maps each to a vocabulary IRI.
VERBS = ("launched", "experienced", "completed", "answered", "passed", "failed", "earned")
# Activity kinds; the profile maps each to an activity type IRI.
ACTIVITY_KINDS = ("course", "module", "lesson", "assessment", "question", "certification", "domain", "path")


@dataclass(frozen=True)
class Activity:
    kind: str  # one of ACTIVITY_KINDS
    key: str  # stable identifier within the kind, e.g. a page id or exam id or question id
    name: dict[str, str]  # {"fr": "...", "en": "..."}
    description: dict[str, str] = field(default_factory=dict)
    # For questions: xAPI interaction type and choices, optional.
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    score_raw: float | None = None
    score_min: float | None = None
    score_max: float | None = None
    score_scaled: float | None = None
    success: bool | None = None
    completion: bool | None = None
    duration: timedelta | None = None
    response: str | None = None


def learning_event_record(
    *,
    staff,
    verb: str,
    activity: Activity,
    registration: uuid.UUID | None = None,
    parent: Activity | None = None,
    grouping: tuple[Activity, ...] = (),
    result: Result | None = None,
    timestamp: datetime | None = None,
    language: str = "fr",
):
    """Record one learning event for `staff` (an academy.Staff) in the statement store, in the
    caller's transaction; forwarding to external LRSs is queued after commit. Returns the stored
    statement. Raises ValueError for an unknown verb or activity kind."""
    from academy.xapi.services import statement_record_for_event

    if verb not in VERBS:
        raise ValueError(f"unknown xAPI verb {verb!r}")
    if activity.kind not in ACTIVITY_KINDS:
        raise ValueError(f"unknown activity kind {activity.kind!r}")
    return statement_record_for_event(
        staff=staff, verb=verb, activity=activity, registration=registration, parent=parent,
        grouping=grouping, result=result, timestamp=timestamp, language=language,
    )
