"""GET /xapi/statements: the statement store read with the xAPI 1.0.3 Statements resource
semantics (https://github.com/adlnet/xAPI-Spec/blob/1.0.3/xAPI-Communication.md#213-get-statements).

The view only turns the request into a `StatementFilter` and calls the selectors; every answer
(errors included) carries X-Experience-API-Version."""
import base64
import binascii
import json
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.contrib.auth import authenticate
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import TypeAdapter, ValidationError
from ralph.models.xapi.base.agents import BaseXapiAgent
from ralph.models.xapi.base.common import IRI

from academy import login_throttle
from academy.json_input import JsonInputError, json_parse
from learning_records import profile
from learning_records.models import ApiClient, Statement
from learning_records.selectors import StatementFilter, statements_filter, statements_visible_to

MAX_LIMIT = 500
FILTER_PARAMS = {"agent", "verb", "activity", "registration", "related_activities", "related_agents", "since",
                 "until", "limit", "ascending", "cursor"}
ALWAYS_ALLOWED = {"format", "attachments"}
SINGLE_PARAMS = {"statementId", "voidedStatementId"}
FORMATS = ("exact", "ids", "canonical")


class BadParameter(Exception):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def _xapi_response(payload, status: int = 200, **headers) -> JsonResponse:
    response = JsonResponse(payload, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    response["X-Experience-API-Version"] = profile.XAPI_VERSION
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(status: int, message: str, parameter: str | None = None, **headers) -> JsonResponse:
    payload = {"detail": message}
    if parameter:
        payload["parameter"] = parameter
    return _xapi_response(payload, status=status, **headers)


def _basic_credentials(request) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    username, _sep, password = decoded.partition(":")
    return username, password


def _reader(request):
    """Who is asking: ("client", ApiClient), ("user", User), or None when not authenticated (or
    when the password-guessing throttle refuses: request.axes_locked_out is then set).
    Basic credentials are checked against the API clients, then against user accounts."""
    credentials = _basic_credentials(request)
    if credentials is not None:
        username, password = credentials
        client = ApiClient.objects.filter(username=username, active=True).first()
        if client is not None:
            if not login_throttle.password_check_allowed(request, username):
                request.axes_locked_out = True
                return None
            if client.check_secret(password):
                ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
                return "client", client
            login_throttle.password_check_failed(request, username)
            return None
        user = authenticate(request, username=username, password=password) if username else None
        return ("user", user) if user is not None and user.is_active else None
    if request.user.is_authenticated:
        return "user", request.user
    return None


def _bool(params, name: str) -> bool:
    value = params.get(name)
    if value is None:
        return False
    if value not in ("true", "false"):
        raise BadParameter(name, _("« %(name)s » doit valoir true ou false.") % {"name": name})
    return value == "true"


def _uuid(params, name: str) -> uuid.UUID | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise BadParameter(name, _("« %(name)s » n'est pas un UUID valide.") % {"name": name}) from None


def _iri(params, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        IRI.model_validate(value)
    except (ValidationError, ValueError):
        raise BadParameter(name, _("« %(name)s » n'est pas un IRI absolu valide.") % {"name": name}) from None
    return value


def _timestamp(params, name: str) -> datetime | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError:
        raise BadParameter(name, _("« %(name)s » doit être un horodatage ISO 8601, ex. 2026-11-28T09:30:00Z.")
                           % {"name": name}) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _limit(params) -> int:
    value = params.get("limit")
    if value is None:
        return MAX_LIMIT
    if not value.isdigit():
        raise BadParameter("limit", _("« limit » doit être un entier positif ou nul."))
    number = int(value)
    return MAX_LIMIT if number == 0 else min(number, MAX_LIMIT)


def _agent(params) -> dict:
    value = params.get("agent")
    if value is None:
        return {}
    try:
        data = json_parse(value)
    except JsonInputError:
        raise BadParameter("agent", _("« agent » doit être un objet JSON (Agent xAPI).")) from None
    if not isinstance(data, dict):
        raise BadParameter("agent", _("« agent » doit être un objet JSON (Agent xAPI)."))
    identifiers = [key for key in ("account", "mbox", "mbox_sha1sum", "openid") if key in data]
    if len(identifiers) != 1:
        raise BadParameter("agent", _("« agent » doit porter exactement un identifiant (account, mbox, "
                                      "mbox_sha1sum ou openid)."))
    if identifiers == ["mbox"]:
        mbox = data["mbox"]
        if not isinstance(mbox, str) or not mbox.startswith("mailto:") or "@" not in mbox:
            raise BadParameter("agent", _("« mbox » doit être de la forme mailto:adresse@domaine."))
        return {"agent_email": mbox[len("mailto:"):]}
    try:
        TypeAdapter(BaseXapiAgent).validate_python(data)
    except ValidationError:
        raise BadParameter("agent", _("« agent » n'est pas un Agent xAPI valide.")) from None
    if "account" in data:
        return {"agent_account": (data["account"]["homePage"], data["account"]["name"])}
    # The Académie's actors are accounts; an openid or mbox_sha1sum never matches one.
    return {"agent_account": ("urn:none", "")}


def statement_filter_from_params(params) -> tuple[StatementFilter | None, uuid.UUID | None, int, str]:
    """Parse the query string. Returns (filter, single statement id, limit, format); raises
    BadParameter with a message naming the parameter."""
    known = FILTER_PARAMS | ALWAYS_ALLOWED | SINGLE_PARAMS
    for name in params:
        if name not in known:
            raise BadParameter(name, _("Paramètre inconnu : « %(name)s ».") % {"name": name})
        if len(params.getlist(name)) > 1:
            raise BadParameter(name, _("Le paramètre « %(name)s » est répété.") % {"name": name})
    fmt = params.get("format", "exact")
    if fmt not in FORMATS:
        raise BadParameter("format", _("« format » doit valoir ids, exact ou canonical."))
    _bool(params, "attachments")
    single = [name for name in SINGLE_PARAMS if name in params]
    if single:
        others = [name for name in params if name in FILTER_PARAMS]
        if len(single) > 1 or others:
            raise BadParameter(single[0], _("« %(name)s » ne se combine qu'avec format et attachments.")
                               % {"name": single[0]})
        return None, _uuid(params, single[0]), 1, fmt
    cursor = params.get("cursor")
    if cursor is not None and not cursor.isdigit():
        raise BadParameter("cursor", _("« cursor » n'est pas un curseur valide ; suivez le lien « more »."))
    _bool(params, "related_agents")
    since, until = _timestamp(params, "since"), _timestamp(params, "until")
    if since and until and since >= until:
        raise BadParameter("since", _("« since » doit précéder « until »."))
    query = StatementFilter(
        verb=_iri(params, "verb"), activity=_iri(params, "activity"),
        related_activities=_bool(params, "related_activities"), registration=_uuid(params, "registration"),
        since=since, until=until, ascending=_bool(params, "ascending"),
        after_position=int(cursor) if cursor is not None else None, **_agent(params),
    )
    return query, None, _limit(params), fmt


def _pick_language(language_map: dict, preferred: list[str]) -> dict:
    for lang in preferred + list(language_map):
        if lang in language_map:
            return {lang: language_map[lang]}
    return language_map


def _activity_formatted(activity: dict, fmt: str, languages: list[str]) -> dict:
    if fmt == "ids":
        return {"objectType": "Activity", "id": activity["id"]}
    if fmt == "canonical" and "definition" in activity:
        definition = dict(activity["definition"])
        for key in ("name", "description"):
            if key in definition:
                definition[key] = _pick_language(definition[key], languages)
        return {**activity, "definition": definition}
    return activity


def statement_formatted(statement: Statement, fmt: str, languages: list[str]) -> dict:
    """The statement as served: `exact` as recorded; `ids` with only identifiers; `canonical`
    with one language per language map (the reader's first accepted language)."""
    data = statement.as_xapi()
    data["authority"] = profile.authority_agent()
    if fmt == "exact":
        return data
    data["object"] = _activity_formatted(data["object"], fmt, languages)
    if fmt == "ids":
        data["verb"] = {"id": data["verb"]["id"]}
        data["authority"] = {"objectType": "Agent", "account": data["authority"]["account"]}
    else:
        data["verb"] = {**data["verb"], "display": _pick_language(data["verb"]["display"], languages)}
    context = data.get("context")
    if context and "contextActivities" in context:
        context = dict(context)
        context["contextActivities"] = {
            key: [_activity_formatted(item, fmt, languages) for item in items]
            for key, items in context["contextActivities"].items()
        }
        data["context"] = context
    return data


def _accepted_languages(request) -> list[str]:
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    return [part.split(";")[0].strip() for part in header.split(",") if part.strip()] + ["fr", "en"]


def statements(request):
    """GET /xapi/statements — a StatementResult {statements, more}, or one statement for
    statementId. 400 for malformed parameters, 401 without credentials, 429 while the
    password-guessing throttle locks the account or the address, 404 for an unknown or invisible
    statementId."""
    if request.method not in ("GET", "HEAD"):
        return _error(405, _("Seule la lecture (GET) est prise en charge."), Allow="GET, HEAD")
    reader = _reader(request)
    if reader is None and getattr(request, "axes_locked_out", False):
        return _error(429, login_throttle.lockout_message(), Retry_After=str(login_throttle.lockout_minutes() * 60))
    if reader is None:
        return _error(401, _("Authentification requise (session ou HTTP Basic)."),
                      WWW_Authenticate='Basic realm="Académie xAPI", charset="UTF-8"')
    kind, who = reader
    visible = Statement.objects.all() if kind == "client" else statements_visible_to(who)
    try:
        query, statement_id, limit, fmt = statement_filter_from_params(request.GET)
    except BadParameter as exc:
        return _error(400, exc.message, exc.parameter)
    consistent = timezone.now().astimezone(UTC).isoformat()
    languages = _accepted_languages(request)
    if statement_id is not None:
        if "voidedStatementId" in request.GET:
            # The store never voids: there is no voided statement to return.
            return _error(404, _("Aucune déclaration annulée ne porte cet identifiant."))
        statement = visible.filter(pk=statement_id).first()
        if statement is None:
            return _error(404, _("Aucune déclaration visible ne porte cet identifiant."))
        return _xapi_response(statement_formatted(statement, fmt, languages),
                              X_Experience_API_Consistent_Through=consistent)
    rows, more = statements_filter(statements=visible, query=query, site_url=profile.site_url(), limit=limit)
    more_url = ""
    if more:
        params = {name: value for name, value in request.GET.items() if name != "cursor"}
        params["cursor"] = str(rows[-1].position)
        more_url = f"{request.path}?{urlencode(params)}"
    return _xapi_response({"statements": [statement_formatted(row, fmt, languages) for row in rows],
                           "more": more_url}, X_Experience_API_Consistent_Through=consistent)
