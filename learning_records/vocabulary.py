"""What a learning event is made of, in project terms: the verbs, the kinds of activity, an
activity and a result. `learning_events.learning_event_record` takes them; the profile
(`profile.py`, docs/xapi.md) maps them to xAPI IRIs."""
from dataclasses import dataclass, field
from datetime import timedelta

# Verbs callers may use; the xAPI profile (docs/xapi.md) maps each to a vocabulary IRI.
VERBS = ("launched", "experienced", "completed", "answered", "passed", "failed", "earned")
# Activity kinds; the profile maps each to an activity type IRI.
ACTIVITY_KINDS = ("course", "module", "lesson", "assessment", "question", "certification", "domain", "path",
                  "procedure", "standard")


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
