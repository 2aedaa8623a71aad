"""Whether the statement an LRS holds under an id is the one we sent (xAPI 1.0.3, "Statement
comparison requirements"). Pure functions, no I/O.

An LRS answers 409 (or "already exists") when a statement id is already stored; forwarding then
reads the held statement and compares. Two statements are the same when they differ only in:
- what the LRS adds: `stored`, `authority`, `version`;
- key order, and the case of what is case-insensitive: UUIDs (`id`, `context.registration`) and
  language tags (the keys of `display`, `name`, `description`);
- the way an instant is written: a timestamp is compared as a UTC instant to the millisecond
  (an LRS may write `Z` for `+00:00` and must keep at least milliseconds);
- durations beyond 0.01 s, which an LRS may truncate;
- what xAPI implies when it is left out: an `Agent` actor, an `Activity` object or context
  activity, and a context activity given as one object instead of a list of one.
"""
import re
from datetime import datetime, timezone

LRS_ASSIGNED = ("stored", "authority", "version")
LANGUAGE_MAPS = ("display", "name", "description")
_DURATION_SECONDS = re.compile(r"(\d+)\.(\d+)S$")


def _instant(value):
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    moment = moment.astimezone(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000).isoformat()


def _duration(value):
    if not isinstance(value, str):
        return value

    def truncate(match):
        fraction = match.group(2)[:2].rstrip("0")
        return f"{match.group(1)}.{fraction}S" if fraction else f"{match.group(1)}S"

    return _DURATION_SECONDS.sub(truncate, value)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def _normal(value, key: str = ""):
    if isinstance(value, list):
        return [_normal(item) for item in value]
    if not isinstance(value, dict):
        return value
    if key in LANGUAGE_MAPS and all(isinstance(text, str) for text in value.values()):
        return {_lower(tag): text for tag, text in value.items()}
    out = {name: _normal(item, name) for name, item in value.items()}
    if isinstance(out.get("result"), dict) and "duration" in out["result"]:
        out["result"]["duration"] = _duration(out["result"]["duration"])
    return out


def _activity(value):
    if isinstance(value, dict):
        value = {"objectType": "Activity", **value}
    return value


def statement_normal(statement: dict) -> dict:
    """The statement as compared: LRS-assigned fields dropped, the equivalences above applied."""
    out = _normal({key: value for key, value in statement.items() if key not in LRS_ASSIGNED})
    for key in ("id",):
        out[key] = _lower(out.get(key))
    if "timestamp" in out:
        out["timestamp"] = _instant(out["timestamp"])
    if isinstance(out.get("actor"), dict):
        out["actor"] = {"objectType": "Agent", **out["actor"]}
    if isinstance(out.get("object"), dict):
        out["object"] = _activity(out["object"])
    context = out.get("context")
    if isinstance(context, dict):
        if "registration" in context:
            context["registration"] = _lower(context["registration"])
        if isinstance(context.get("instructor"), dict):
            context["instructor"] = {"objectType": "Agent", **context["instructor"]}
        activities = context.get("contextActivities")
        if isinstance(activities, dict):
            context["contextActivities"] = {
                kind: [_activity(item) for item in (items if isinstance(items, list) else [items])]
                for kind, items in activities.items()
            }
    return out


def statement_differences(sent: dict, held: dict) -> list[str]:
    """The top-level properties in which the statement an LRS holds differs from the one sent,
    sorted; empty when they are the same statement."""
    left, right = statement_normal(sent), statement_normal(held)
    return sorted(key for key in set(left) | set(right) if left.get(key) != right.get(key))
