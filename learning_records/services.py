"""Learning-records service: builds an xAPI 1.0.3 statement for a learning event, validates it
with Ralph's pydantic models, stores it and queues its forwarding after commit.

Forwarding to external LRSs lives in learning_records.forwarding.
"""
import logging
import secrets
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from pydantic import ValidationError
from ralph.models.xapi.base.statements import BaseXapiStatement

from academy.services import audit_log
from academy.tasks import task_kick
from learning_records import profile
from learning_records.forwarding import forwarding_configured
from learning_records.models import ApiClient, Statement, StatementSequence
from learning_records.vocabulary import Activity, Result

logger = logging.getLogger(__name__)

STATEMENT_COUNTER = "xapi.statement"


class StatementInvalid(ValueError):
    """A statement the service built does not validate: a bug in the service or its caller."""

    def __init__(self, message: str, statement: dict):
        super().__init__(message)
        self.statement = statement


def iso8601_duration(value: timedelta) -> str:
    """ISO 8601 duration as xAPI wants it, e.g. PT1H2M3.5S (P2DT1H for days)."""
    if value < timedelta(0):
        raise ValueError("a duration cannot be negative")
    total = Decimal(value.days * 86400 + value.seconds) + Decimal(value.microseconds) / Decimal(1_000_000)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "P"
    if days:
        out += f"{int(days)}D"
    out += "T"
    if hours:
        out += f"{int(hours)}H"
    if minutes:
        out += f"{int(minutes)}M"
    seconds_text = format(seconds.normalize(), "f") if seconds else "0"
    if seconds or out.endswith("T"):
        out += f"{seconds_text}S"
    return out


def _language_map(value: dict[str, str]) -> dict[str, str]:
    return {lang: text for lang, text in (value or {}).items() if text}


def _number(value):
    number = float(value)
    return int(number) if number.is_integer() else number


def activity_json(activity: Activity) -> dict:
    """The xAPI Activity object for a project activity."""
    definition: dict = {"type": profile.activity_type_iri(activity.kind)}
    name = _language_map(activity.name)
    if name:
        definition["name"] = name
    description = _language_map(activity.description)
    if description:
        definition["description"] = description
    extensions = {}
    for key, value in (activity.extra or {}).items():
        if key in profile.INTERACTION_KEYS:
            definition[key] = value
        elif key == "moreInfo":
            definition["moreInfo"] = value
        else:
            extensions[profile.extension_iri(key)] = value
    if extensions:
        definition["extensions"] = extensions
    return {"objectType": "Activity", "id": profile.activity_iri(activity.kind, activity.key), "definition": definition}


def _result_json(verb: str, result: Result | None) -> dict | None:
    """The xAPI result. The verb implies some of it (completed ⇒ completion, passed ⇒ success,
    failed ⇒ no success); a Result that contradicts its verb is a caller bug (ValueError)."""
    result = result or Result()
    implied = {
        "completed": {"completion": True},
        "passed": {"success": True, "completion": True},
        "failed": {"success": False, "completion": True},
    }.get(verb, {})
    out: dict = {}
    score: dict = {}
    for key, value in (("raw", result.score_raw), ("min", result.score_min), ("max", result.score_max)):
        if value is not None:
            score[key] = _number(value)
    scaled = result.score_scaled
    if scaled is None and None not in (result.score_raw, result.score_min, result.score_max) \
            and result.score_max > result.score_min:
        scaled = (result.score_raw - result.score_min) / (result.score_max - result.score_min)
    if scaled is not None:
        score["scaled"] = round(float(scaled), 4)
    if score:
        out["score"] = score
    for key in ("success", "completion"):
        given = getattr(result, key)
        if key in implied and given is not None and given != implied[key]:
            raise ValueError(f"verb {verb!r} implies {key}={implied[key]}, the result says {given}")
        value = given if given is not None else implied.get(key)
        if value is not None:
            out[key] = value
    if result.response is not None and result.response != "":
        out["response"] = result.response
    if result.duration is not None:
        out["duration"] = iso8601_duration(result.duration)
    return out or None


def _timestamp(value: datetime | None) -> datetime:
    value = value or timezone.now()
    if timezone.is_naive(value):
        raise ValueError("timestamp must be timezone-aware")
    return value.astimezone(timezone.get_fixed_timezone(0))


def statement_build(*, statement_id: uuid.UUID, staff, verb: str, activity: Activity,
                    registration: uuid.UUID | None = None, parent: Activity | None = None,
                    grouping: tuple[Activity, ...] = (), result: Result | None = None,
                    timestamp: datetime | None = None, language: str = "fr") -> dict:
    """The JSON of the statement for one learning event (see docs/xapi.md). Pure: no I/O."""
    context: dict = {
        "platform": profile.PLATFORM,
        "language": language,
        "contextActivities": {
            "category": [{"objectType": "Activity", "id": profile.profile_iri(),
                          "definition": {"type": profile.PROFILE_ACTIVITY_TYPE}}],
        },
        "extensions": {
            profile.extension_iri("tier"): staff.tier,
            profile.extension_iri("profile"): staff.profile,
        },
    }
    if registration is not None:
        context["registration"] = str(registration)
    if parent is not None:
        context["contextActivities"]["parent"] = [activity_json(parent)]
    if grouping:
        context["contextActivities"]["grouping"] = [activity_json(item) for item in grouping]
    statement = {
        "id": str(statement_id),
        "actor": {"objectType": "Agent",
                  "account": {"homePage": profile.site_url(), "name": staff.employee_id}},
        "verb": {"id": profile.verb_iri(verb), "display": profile.VERB_DISPLAY[verb]},
        "object": activity_json(activity),
        "context": context,
        "timestamp": _timestamp(timestamp).isoformat(),
        "version": profile.XAPI_VERSION,
    }
    result_json = _result_json(verb, result)
    if result_json:
        statement["result"] = result_json
    return statement


def statement_validate(statement: dict) -> None:
    """Validate with Ralph's xAPI models. Raises StatementInvalid (after logging it: it is a bug,
    the statement is neither stored nor sent)."""
    try:
        BaseXapiStatement.model_validate(statement)
    except ValidationError as exc:
        logger.error("invalid xAPI statement %s not stored: %s", statement.get("id"), exc)
        raise StatementInvalid(f"invalid xAPI statement: {exc}", statement) from exc


def _related_ids(statement: dict) -> str:
    ids = [statement["object"]["id"]]
    for activities in statement.get("context", {}).get("contextActivities", {}).values():
        ids.extend(item["id"] for item in activities)
    return "\n" + "\n".join(ids) + "\n"


def statement_position_next() -> int:
    """The next statement position. Must run inside a transaction: the sequence row stays
    locked until it ends, which serialises recorders and keeps positions in commit order (the
    same guarantee as academy.services.counter_next, in one statement instead of five)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("statement_position_next must run inside transaction.atomic()")
    table = connection.ops.quote_name(StatementSequence._meta.db_table)
    sql = f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value"
    with connection.cursor() as cursor:
        cursor.execute(sql, [STATEMENT_COUNTER])
        row = cursor.fetchone()
        if row is None:
            StatementSequence.objects.get_or_create(name=STATEMENT_COUNTER)
            cursor.execute(sql, [STATEMENT_COUNTER])
            row = cursor.fetchone()
    return row[0]


def statement_store(*, statement: dict, staff) -> Statement:
    """Validate and append a built statement to the store in the current transaction; queue
    forwarding after commit. Raises StatementInvalid for an invalid statement."""
    statement_validate(statement)
    with transaction.atomic(savepoint=False):
        stored = Statement.objects.create(
            id=uuid.UUID(statement["id"]),
            position=statement_position_next(),
            verb=statement["verb"]["id"],
            actor_name=statement["actor"]["account"]["name"],
            staff=staff,
            activity_id=statement["object"]["id"],
            related_activity_ids=_related_ids(statement),
            registration=uuid.UUID(registration) if (registration := statement.get("context", {}).get(
                "registration")) else None,
            timestamp=datetime.fromisoformat(statement["timestamp"]),
            data=statement,
        )
    _forwarding_kick()
    return stored


def _forwarding_kick() -> None:
    """One forwarding pass after the commit of a transaction that stored statements, however
    many it stored, when an LRS is configured; a broker outage is logged, never raised."""
    task_kick("xapi.forward", when=forwarding_configured)


def statement_record_for_event(*, staff, verb: str, activity: Activity, registration: uuid.UUID | None,
                               parent: Activity | None, grouping: tuple[Activity, ...], result: Result | None,
                               timestamp: datetime | None, language: str) -> Statement:
    """Build, validate and store the statement of one learning event (see
    `learning_events.learning_event_record`). Returns the stored Statement."""
    statement = statement_build(
        statement_id=uuid.uuid4(), staff=staff, verb=verb, activity=activity, registration=registration,
        parent=parent, grouping=tuple(grouping or ()), result=result, timestamp=timestamp, language=language,
    )
    return statement_store(statement=statement, staff=staff)


def api_client_create(*, name: str, username: str, by=None) -> tuple[ApiClient, str]:
    """Create a Basic-auth reader of /xapi/statements. Returns the client and its secret, which
    is shown once and never stored in clear. Raises ValueError when the username is taken."""
    username = username.strip()
    if not username or ":" in username:
        raise ValueError("l'identifiant ne peut être vide ni contenir « : »")
    if ApiClient.objects.filter(username=username).exists():
        raise ValueError(f"l'identifiant {username!r} est déjà pris")
    secret = secrets.token_urlsafe(32)
    client = ApiClient(name=name, username=username)
    client.set_secret(secret)
    client.save()
    audit_log(actor=by, action="xapi.api_client.create", target=client, data={"username": username})
    return client, secret
