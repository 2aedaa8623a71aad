"""The Académie's xAPI profile: which IRIs the project's verbs and activity kinds map to.

docs/xapi.md documents the same table for analysts; keep both in step. Every IRI here comes
from an established vocabulary (ADL, the xAPI Open Badges profile, Activity Streams, the
Tin Can registry) except the few that are specific to the Académie, which live under the
site URL (`ACADEMIE_SITE_URL/xapi/...`).
"""
from urllib.parse import quote

from django.conf import settings

XAPI_VERSION = "1.0.3"
PLATFORM = "Académie"

VERB_IRIS = {
    "launched": "http://adlnet.gov/expapi/verbs/launched",
    "experienced": "http://adlnet.gov/expapi/verbs/experienced",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    # The xAPI Open Badges profile (ADL vocabulary server): "the actor earned the object".
    "earned": "https://w3id.org/xapi/openbadges/verbs/earned",
}

VERB_DISPLAY = {
    "launched": {"fr": "a lancé", "en": "launched"},
    "experienced": {"fr": "a consulté", "en": "experienced"},
    "completed": {"fr": "a terminé", "en": "completed"},
    "answered": {"fr": "a répondu à", "en": "answered"},
    "passed": {"fr": "a réussi", "en": "passed"},
    "failed": {"fr": "a échoué à", "en": "failed"},
    "earned": {"fr": "a obtenu", "en": "earned"},
}

# Activity kinds whose type lives in the Académie's own namespace (no registry term fits).
# Knowledge-base documents (knowledge/): a procedure and a configuration standard.
_SITE_TYPES = {"path": "training-path", "procedure": "procedure", "standard": "configuration-standard"}

ACTIVITY_TYPE_IRIS = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "module": "http://adlnet.gov/expapi/activities/module",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    # Activity Streams "badge", the object type of the Open Badges xAPI recipe.
    "certification": "http://activitystrea.ms/schema/1.0/badge",
    # Tin Can registry "category": a technical domain groups courses, exams and certifications.
    "domain": "http://id.tincanapi.com/activitytype/category",
}

PROFILE_ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/profile"

# Keys of Activity.extra that belong to an xAPI interaction definition (question activities).
INTERACTION_KEYS = ("interactionType", "correctResponsesPattern", "choices", "scale", "source", "target", "steps")


def site_url() -> str:
    return settings.ACADEMIE_SITE_URL.rstrip("/")


def verb_iri(verb: str) -> str:
    return VERB_IRIS[verb]


def verb_for_iri(iri: str) -> str | None:
    """The project verb name for an IRI, or None when the profile does not use it."""
    for name, value in VERB_IRIS.items():
        if value == iri:
            return name
    return None


def activity_type_iri(kind: str) -> str:
    if kind in _SITE_TYPES:
        return f"{site_url()}/xapi/activity-types/{_SITE_TYPES[kind]}"
    return ACTIVITY_TYPE_IRIS[kind]


def activity_iri(kind: str, key: str) -> str:
    """The absolute, stable IRI of an activity: {site}/xapi/activities/{kind}/{key}."""
    return f"{site_url()}/xapi/activities/{kind}/{quote(str(key), safe='')}"


def extension_iri(name: str) -> str:
    """Extension keys that are not IRIs already are namespaced under the site."""
    if "://" in name:
        return name
    return f"{site_url()}/xapi/extensions/{quote(name, safe='')}"


def profile_iri() -> str:
    return f"{site_url()}/xapi/profile"


def authority_agent() -> dict:
    """The agent asserting the statements served by /xapi/statements: the Académie itself."""
    return {"objectType": "Agent", "name": PLATFORM, "account": {"homePage": site_url(), "name": "academie"}}
