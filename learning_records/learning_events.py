"""The one call every learning event goes through (courses, assessments, certifications).

Callers describe *what happened* in project terms; the learning-records service turns it into a
valid xAPI 1.0.3 statement, stores it and queues its forwarding. Callers never build statements.
"""
import uuid
from datetime import datetime

from learning_records.services import statement_record_for_event
from learning_records.vocabulary import ACTIVITY_KINDS, VERBS, Activity, Result

__all__ = ["ACTIVITY_KINDS", "VERBS", "Activity", "Result", "learning_event_record"]


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
    if verb not in VERBS:
        raise ValueError(f"unknown xAPI verb {verb!r}")
    if activity.kind not in ACTIVITY_KINDS:
        raise ValueError(f"unknown activity kind {activity.kind!r}")
    return statement_record_for_event(
        staff=staff, verb=verb, activity=activity, registration=registration, parent=parent,
        grouping=grouping, result=result, timestamp=timestamp, language=language,
    )
