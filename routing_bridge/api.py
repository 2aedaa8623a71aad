"""The routing bridge API, version 1.1 (../shared/contracts/bridge-api.md). One function per
operation; the rules live in the modules it calls (qualification, category_rules, snapshot, changes,
services), whose errors (routing_bridge.errors) are given their HTTP status here."""
import base64
import binascii
import json
import logging
import re
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer
from pydantic import BaseModel, BeforeValidator, StrictBool, StrictInt, TypeAdapter, WithJsonSchema, field_validator
from pydantic import ValidationError as PydanticValidationError

from academy.clients import client_by_code, client_record, clients_all
from academy.json_input import NulCharacter, json_parse
from academy.models import Staff
from knowledge.models import KnowledgeDocumentPage
from knowledge.selectors import SEARCH_LIMIT, Document, SearchFilters, procedures_search
from routing_bridge import access, qualification, services
from routing_bridge.availability import Report, UnknownStaff, availability_list, availability_report, staff_ids_of
from routing_bridge.routing import ticket_route
from routing_bridge.changes import changes_since
from routing_bridge.errors import BridgeError, InvalidQuery, NotFound
from routing_bridge.openapi_docs import BridgeDocs
from routing_bridge.snapshot import staff_record, staff_snapshot_page_json, taxonomy_read
from skills.models import Skill

logger = logging.getLogger(__name__)

TierName = Literal["N1", "N2", "N3"]
ProfileName = Literal["technician", "administrator", "engineer", "architect", "project_lead"]


# --- Errors -------------------------------------------------------------------------------------


class ScopeMissing(Exception):
    def __init__(self, scope: str):
        self.scope = scope


class RateLimited(Exception):
    def __init__(self, wait: int):
        self.wait = wait


class UnsupportedMediaType(Exception):
    pass


class JsonParser(Parser):
    """Bodies must be JSON: another content type is a 415, not a guess."""

    def parse_body(self, request: HttpRequest):
        if request.content_type != "application/json":
            raise UnsupportedMediaType(request.content_type)
        return json_parse(request.body)


class _Encoder(NinjaJSONEncoder):
    """ninja's encoder, with the datetimes (most values of a `qualified` answer that JSON cannot
    write itself) formatted before its chain of type checks, as Django's encoder formats them."""

    def default(self, o):
        if type(o) is datetime:
            return _datetime_text(o, o.tzinfo)
        return super().default(o)


@lru_cache(maxsize=65536)
def _datetime_text(value: datetime, tzinfo) -> str:
    """A datetime as Django's encoder writes it. Kept: the reasons of an answer are the same
    instants again and again (the matrix keeps them per pair). `tzinfo` is part of the key, as
    equal instants in two time zones are written differently."""
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class JsonRenderer(JSONRenderer):
    """ninja's JSON rendering, byte for byte (a test compares them), at less cost per datetime."""

    encoder_class = _Encoder
    _encode = _Encoder().encode

    def render(self, request, data, *, response_status):
        return self._encode(data)


api = NinjaAPI(
    title="Académie — pont de routage",
    version="1",
    description=(
        "API des routeurs de tickets : taxonomie, matrice de compétences (instantané et journal des "
        "changements), qui est qualifié, routage par catégorie, retours de tickets, disponibilité et "
        "charge. Contrat : "
        "`Authorization: Bearer <jeton>`; chaque réponse 4xx est un JSON avec `detail`."
    ),
    urls_namespace="routing_bridge:bridge_api",
    parser=JsonParser(),
    renderer=JsonRenderer(),
    docs=BridgeDocs(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request, status: int, detail: str, **extra) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    errors = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", [])]
        if len(loc) > 1 and loc[0] in ("body", "query") and loc[1] in ("payload", "filters"):
            loc = [loc[0]] + loc[2:]  # the Python parameter name means nothing to a client
        errors.append({"field": ".".join(loc), "loc": loc, "message": error.get("msg", "")})
    fields = ", ".join(e["field"] for e in errors)
    return _error(request, 422, _("Requête invalide : %(fields)s") % {"fields": fields}, errors=errors)


# What the rules' errors mean over HTTP; an error of another class is a 400.
BRIDGE_ERROR_STATUS = {NotFound: 404, InvalidQuery: 400}


@api.exception_handler(BridgeError)
def _bridge_error(request, exc: BridgeError):
    status = next((s for cls, s in BRIDGE_ERROR_STATUS.items() if isinstance(exc, cls)), 400)
    errors = [{"field": k, "loc": k.split("."), "message": str(v)} for k, v in exc.fields.items()]
    return _error(request, status, exc.detail, errors=errors, **exc.extra)


@api.exception_handler(ScopeMissing)
def _scope_missing(request, exc: ScopeMissing):
    return _error(request, 403, _("Ce jeton n'a pas le droit « %(scope)s ».") % {"scope": exc.scope},
                  required_scope=exc.scope)


@api.exception_handler(RateLimited)
def _rate_limited(request, exc: RateLimited):
    response = _error(request, 429, _("Trop de requêtes : réessayez dans %(wait)s s.") % {"wait": exc.wait})
    response["Retry-After"] = str(exc.wait)
    return response


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    response = _error(request, 401,
                      _("Jeton absent, inconnu ou révoqué : envoyez « Authorization: Bearer <jeton> »."))
    response["WWW-Authenticate"] = 'Bearer realm="academie"'
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    cause = exc.__cause__
    if isinstance(cause, UnsupportedMediaType):
        return _error(request, 415, _("Type de contenu non pris en charge : « %(type)s ». Envoyez application/json.")
                      % {"type": cause})
    if isinstance(cause, NulCharacter):
        return _error(request, 400, _("Le caractère NUL (\\u0000) n'est accepté dans aucun champ."))
    if exc.status_code == 400 and isinstance(cause, (ValueError, UnicodeDecodeError)):
        return _error(request, 400, _("Corps de requête illisible : JSON invalide."))
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request, exc: DjangoValidationError):
    if hasattr(exc, "message_dict"):
        errors = [{"field": f"body.{k}", "loc": ["body", k], "message": " ".join(v)}
                  for k, v in exc.message_dict.items()]
    else:
        errors = [{"field": "body", "loc": ["body"], "message": m} for m in exc.messages]
    return _error(request, 400, " ".join(e["message"] for e in errors), errors=errors)


# --- Authentication, scopes, rate limit -----------------------------------------------------------


class ClientToken(HttpBearer):
    """Bearer token of a router client holding `scope`, within its rate limit (routing_bridge.access:
    one round trip to the shared cache for a client seen before)."""

    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope

    def authenticate(self, request, token):
        admission = access.client_admit(token.strip())
        if admission is None:
            return None
        client = admission.client
        if admission.count > client.rate_limit_per_minute:
            raise RateLimited(admission.wait)
        if "\x00" in request.path or any("\x00" in v for _k, values in request.GET.lists() for v in values):
            raise InvalidQuery(_("Le caractère NUL (\\u0000) n'est accepté dans aucun paramètre."))
        if self.scope not in client.scopes:
            raise ScopeMissing(self.scope)
        return client


# --- Schemas ------------------------------------------------------------------------------------


class ErrorItem(Schema):
    field: str
    loc: list[str]
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = []


class ScaleLevel(Schema):
    level: int
    label: str
    label_en: str = ""


class TaxonomySkill(Schema):
    code: str
    name: str
    name_en: str = ""


class TaxonomyDomain(Schema):
    code: str
    name: str
    name_en: str = ""
    skills: list[TaxonomySkill]


class TaxonomyOut(Schema):
    scale: list[ScaleLevel]
    domains: list[TaxonomyDomain]


class StaffSkill(Schema):
    code: str
    level: int
    valid_until: datetime | None
    sources: list[str]


class StaffOut(Schema):
    employee_id: str
    username: str
    display_name: str
    team: str | None
    profile: str
    tier: str
    languages: list[str]
    active: bool
    skills: list[StaffSkill]


class StaffPage(Schema):
    version: int = Field(description="Séquence du journal des changements avec laquelle la page est cohérente")
    items: list[StaffOut]
    next: str | None = Field(description="Curseur de la page suivante (null : dernière page)")


class ChangeOut(Schema):
    seq: int
    employee_id: str
    skill: str
    old_level: int
    new_level: int
    valid_until: datetime | None
    at: datetime
    reason: str


class ChangesOut(Schema):
    items: list[ChangeOut]
    next_since: int


# Inputs are read as the contract types them, not as pydantic's lax mode would: in a JSON body an
# integer is a JSON number without a fraction (not `true`, not "2") and an instant is an ISO 8601
# date-time string (not 0, not "1700000000", not a bare date); in a query string an integer is
# digits only and a boolean is true or false.
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_datetime_text(value):
    if not isinstance(value, str) or not _ISO_DATETIME.match(value):
        raise ValueError(_("date et heure ISO 8601 attendues, par exemple 2026-12-01T09:00:00Z"))
    return value


def _text_or_integer(value):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(_("texte ou nombre entier attendu"))
    return value


def _query_digits(value):
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        raise ValueError(_("nombre entier attendu (chiffres seulement)"))
    return value


def _query_boolean(value):
    if value not in ("true", "false"):
        raise ValueError(_("true ou false attendu"))
    return value == "true"


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime_text)]
TextOrInt = Annotated[str | int, BeforeValidator(_text_or_integer)]
QueryInt = Annotated[int, BeforeValidator(_query_digits)]
QueryBool = Annotated[bool, BeforeValidator(_query_boolean)]


class RequirementIn(Schema):
    skill: str = Field(min_length=1, max_length=40)
    min_level: StrictInt = Field(ge=0, le=100)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


class FiltersIn(Schema):
    tiers: list[TierName] | None = None
    profiles: list[ProfileName] | None = None
    languages: list[str] | None = Field(default=None, max_length=20)
    exclude: list[str] | None = Field(default=None, max_length=1000)
    at: IsoDateTime | None = Field(default=None, description="Instant évalué (défaut : maintenant)")
    limit: StrictInt = Field(default=10, ge=1, le=200)
    available_only: StrictBool = Field(default=True, description=(
        "Écarter les personnes signalées indisponibles maintenant (comptées dans unavailable_qualified)"))
    client: str | None = Field(default=None, min_length=1, max_length=40, description=(
        "Code du client du ticket : qui le connaît passe devant, et la réponse nomme son référent (version 1.1)"))

    @field_validator("at")
    @classmethod
    def _at_aware(cls, value):
        value = _aware(value)
        if value is not None and not (1900 <= value.year <= 9000):
            raise ValueError(_("date hors limites"))
        return value


class QualifiedIn(FiltersIn):
    required: list[RequirementIn] = Field(max_length=50)
    optional: list[RequirementIn] = Field(default=[], max_length=50)


class EvidenceOut(Schema):
    source: str
    level: int
    observed_at: datetime
    valid_until: datetime | None


class CandidateSkill(Schema):
    skill: str
    level: int
    min_level: int
    valid_until: datetime | None = Field(description="Quand ce niveau tombera si rien de nouveau n'est enregistré")
    qualified_until: datetime | None = Field(description="Quand le niveau passera sous le minimum (null : jamais)")
    evidence: list[EvidenceOut]


class CandidateOut(Schema):
    employee_id: str
    display_name: str
    tier: str
    profile: str
    rank: int
    skills: list[CandidateSkill]
    optional_met: int
    over_qualification: int
    available: bool = Field(description="Disponible maintenant (toujours vrai sauf avec available_only à false)")
    open_tickets: int = Field(description="Tickets ouverts signalés maintenant (0 sans signalement)")
    client_familiarity: Literal["referent", "backup", "practice"] | None = Field(description=(
        "Ce qui lie la personne au client de la question : son référent, un suppléant, ou un ticket de ce "
        "client résolu dans les 180 jours (null sans client ou sinon)"))
    last_assigned_at: datetime | None
    qualified_until: datetime | None


class ReferentOut(Schema):
    employee_id: str | None
    display_name: str
    qualified: bool = Field(description="Le référent a les compétences requises à l'instant (compétences seules)")
    available: bool = Field(description="Le référent est disponible maintenant")


class ClientAnswerOut(Schema):
    code: str
    name: str
    referent: ReferentOut


class QualifiedOut(Schema):
    as_of: datetime
    total_qualified: int
    unavailable_qualified: int = Field(description=(
        "Qualifiés selon tous les filtres sauf la disponibilité, écartés car signalés indisponibles"))
    client: ClientAnswerOut | None = Field(default=None, description="Présent quand la question nomme un client")
    candidates: list[CandidateOut]


TicketTypeName = Literal["incident", "problem", "change", "request"]


class TicketIn(Schema):
    id: str = Field(min_length=1, max_length=120)
    category: str = Field(min_length=1, max_length=255)
    priority: TextOrInt | None = None
    title: str | None = Field(default=None, max_length=500)
    # Any text is read here and checked by the route (ticket_type_check): the contract makes an
    # unknown type a 400, where a value outside a schema's choices is a 422.
    type: str | None = Field(default=None, description="incident (défaut), problem, change ou request",
                             json_schema_extra={"enum": ["incident", "problem", "change", "request"]})


class EscalateFromIn(Schema):
    employee_id: str = Field(min_length=1, max_length=32)


class RouteIn(FiltersIn):
    ticket: TicketIn
    escalate_from: EscalateFromIn | None = Field(
        default=None, description="Ticket escaladé par cette personne : seuls les niveaux au-dessus du sien, elle exclue")


class RuleOut(Schema):
    category: str
    required: list[RequirementIn]
    optional: list[RequirementIn]
    tiers: list[str]
    ticket_type: TicketTypeName | None = Field(description="Le type de la règle appliquée (null : tout type)")


class ProcedureOut(Schema):
    id: int
    kind: Literal["procedure", "standard"]
    title: str
    solution: str
    url: str
    updated_at: datetime | None
    review_due: bool = Field(description="Date de relecture dépassée : à revoir")


class ProcedureItemOut(ProcedureOut):
    categories: list[str]
    skills: list[str]


class ProceduresOut(Schema):
    items: list[ProcedureItemOut]


class RouteOut(QualifiedOut):
    ticket_id: str
    rule: RuleOut
    ticket_type: TicketTypeName
    procedures: list[ProcedureOut] = Field(description=(
        "Documents de la base de connaissances pour la catégorie et les compétences requises, du plus précis au "
        "plus général"))
    escalation: Literal["no_higher_tier"] | None = Field(
        default=None, description="Présent quand le ticket est escaladé et qu'aucun niveau supérieur n'est possible")


class FeedbackIn(Schema):
    ticket_id: str = Field(min_length=1, max_length=120)
    category: str = Field(min_length=1, max_length=255)
    employee_id: str = Field(min_length=1, max_length=32)
    outcome: Literal["resolved", "escalated", "reassigned"]
    occurred_at: IsoDateTime
    client: str | None = Field(default=None, min_length=1, max_length=40,
                               description="Code du client dont c'est le ticket (version 1.1)")
    procedure_id: StrictInt | None = Field(default=None, ge=1, le=2**62, description=(
        "La procédure ou le standard de la base de connaissances suivi (`id` de `procedures`)"))

    @field_validator("occurred_at")
    @classmethod
    def _occurred_aware(cls, value):
        value = _aware(value)
        if not (1900 <= value.year <= 9000):
            raise ValueError(_("date hors limites"))
        return value


class FeedbackOut(Schema):
    id: int
    status: Literal["accepted", "duplicate"]


class AvailabilityItemIn(BaseModel):
    """One report (a plain pydantic model: a batch is validated in one call, see `_availability_items`)."""

    employee_id: str = Field(min_length=1, max_length=32)
    available: StrictBool
    open_tickets: StrictInt = Field(default=0, ge=0, le=100_000)
    until: IsoDateTime | None = Field(default=None, description="Fin du signalement (null : sans fin)")

    @field_validator("until")
    @classmethod
    def _until_aware(cls, value):
        value = _aware(value)
        if value is not None and not (1900 <= value.year <= 9000):
            raise ValueError(_("date hors limites"))
        return value


MAX_AVAILABILITY_ITEMS = 10_000


class AvailabilityIn(Schema):
    # Each item is checked by the operation, so that a bad batch is a 400 naming every wrong item
    # and every unknown person at once (contract 1.1); the schema documents what an item is.
    items: list[Annotated[Any, WithJsonSchema(AvailabilityItemIn.model_json_schema())]] = Field(
        max_length=MAX_AVAILABILITY_ITEMS)


class AvailabilityPutOut(Schema):
    updated: int


class AvailabilityItemOut(Schema):
    employee_id: str
    available: bool
    open_tickets: int
    until: datetime | None
    reported_at: datetime | None


class AvailabilityOut(Schema):
    items: list[AvailabilityItemOut]
    next: str | None = Field(description="Curseur de la page suivante (null : dernière page, ou employee_id donné)")


class PersonOut(Schema):
    employee_id: str
    display_name: str


class ClientOut(Schema):
    code: str
    name: str
    active: bool
    referent: PersonOut
    backups: list[PersonOut]


class ClientsOut(Schema):
    items: list[ClientOut]


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 415: ErrorOut, 422: ErrorOut,
          429: ErrorOut}


# --- Operations ---------------------------------------------------------------------------------


@api.get("/taxonomy", response={200: TaxonomyOut, **ERRORS}, auth=ClientToken("taxonomy:read"),
         summary="Échelle et taxonomie des compétences", operation_id="taxonomy")
def taxonomy(request):
    return taxonomy_read()


@api.get("/clients", response={200: ClientsOut, **ERRORS}, auth=ClientToken("taxonomy:read"),
         summary="Clients et leurs référents", operation_id="clients")
def clients(request):
    return {"items": [client_record(client) for client in clients_all()]}


def _cursor_decode(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json_parse(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
        after = data["after"]
        if not isinstance(after, str):
            raise ValueError
        return after
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise InvalidQuery(_("Curseur invalide : reprenez au début ou utilisez la valeur `next` reçue."),
                           fields={"query.cursor": cursor}) from None


def _cursor_encode(after: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode("utf-8")).decode("ascii").rstrip("=")


class StaffQuery(Schema):
    cursor: str | None = Field(default=None, max_length=500)
    limit: QueryInt = Field(default=100, ge=1, le=200)
    team: str | None = Field(default=None, max_length=120)
    tier: TierName | None = None
    active: QueryBool | None = None


@api.get("/staff", response={200: StaffPage, **ERRORS}, auth=ClientToken("matrix:read"),
         summary="Instantané de la matrice, page par page", operation_id="staff_list")
def staff_list(request, filters: Query[StaffQuery]):
    after = _cursor_decode(filters.cursor)
    # Rendered as JSON text rather than validated item by item: a page holds thousands of cells.
    # The fuzzing tests check it still matches StaffPage. On PostgreSQL the database writes the
    # items in one piece; only the envelope is written here.
    page = staff_snapshot_page_json(after=after, limit=filters.limit, team=filters.team, tier=filters.tier,
                                    active=filters.active)
    body = (
        '{"version":%d,"items":[%s],"next":%s}'
        % (page["version"], page["items_json"],
           json.dumps(_cursor_encode(page["last"])) if page["last"] else "null")
    )
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@api.get("/staff/{employee_id}", response={200: StaffOut, **ERRORS}, auth=ClientToken("matrix:read"),
         summary="Un collaborateur", operation_id="staff_detail")
def staff_detail(request, employee_id: str):
    record = staff_record(employee_id=employee_id)
    if record is None:
        return 404, {"detail": _("Collaborateur inconnu : %(employee_id)s") % {"employee_id": employee_id}}
    return record


class ChangesQuery(Schema):
    since: QueryInt = Field(default=0, ge=0, le=2**62)
    limit: QueryInt = Field(default=100, ge=1, le=200)


@api.get("/changes", response={200: ChangesOut, **ERRORS}, auth=ClientToken("matrix:read"),
         summary="Changements de niveau depuis une séquence", operation_id="changes")
def changes(request, filters: Query[ChangesQuery]):
    return changes_since(since=filters.since, limit=filters.limit)


def _qualification_out(result: qualification.Qualification) -> dict:
    """The body of QualifiedOut exactly as ninja would dump it after validation (same keys, same
    order, nothing else), so that it can be rendered without validating every nested item:
    `qualified` is the bridge's hot path. A test compares both renderings."""
    body = {
        "as_of": result.as_of,
        "total_qualified": result.total_qualified,
        "unavailable_qualified": result.unavailable_qualified,
    }
    if result.client is not None:  # absent otherwise: a version-1 answer only gains fields
        referent = result.client
        body["client"] = {"code": referent.code, "name": referent.name, "referent": {
            "employee_id": referent.referent_employee_id, "display_name": referent.referent_display_name,
            "qualified": referent.referent_qualified, "available": referent.referent_available}}
    body["candidates"] = [
            {"employee_id": c.employee_id, "display_name": c.display_name, "tier": c.tier, "profile": c.profile,
             "rank": c.rank,
             "skills": [
                 {"skill": s["skill"], "level": s["level"], "min_level": s["min_level"],
                  "valid_until": s["valid_until"], "qualified_until": s["qualified_until"],
                  "evidence": [{"source": e["source"], "level": e["level"], "observed_at": e["observed_at"],
                                "valid_until": e["valid_until"]} for e in s["evidence"]]}
                 for s in c.skills
             ],
             "optional_met": c.optional_met, "over_qualification": c.over_qualification,
             "available": c.available, "open_tickets": c.open_tickets,
             "client_familiarity": c.client_familiarity_name,
             "last_assigned_at": c.last_assigned_at, "qualified_until": c.qualified_until}
            for c in result.candidates
        ]
    return body


def _render(request, body: dict) -> HttpResponse:
    """A 200 rendered as ninja renders a validated response (same renderer, same content type)."""
    return api.create_response(request, body, status=200)


def _filters(payload: FiltersIn) -> dict:
    return {"tiers": payload.tiers, "profiles": payload.profiles, "languages": payload.languages,
            "exclude": payload.exclude, "at": payload.at, "limit": payload.limit,
            "available_only": payload.available_only, "client": payload.client}


@api.post("/qualified", response={200: QualifiedOut, **ERRORS}, auth=ClientToken("qualified:query"),
          summary="Qui est qualifié, classé", operation_id="qualified")
def qualified(request, payload: QualifiedIn):
    result = qualification.staff_qualified(
        required=[qualification.Requirement(r.skill, r.min_level) for r in payload.required],
        optional=[qualification.Requirement(r.skill, r.min_level) for r in payload.optional],
        **_filters(payload),
    )
    return _render(request, _qualification_out(result))


def _client_named(code: str | None, field: str):
    """The client of `code` (None when no code is given). Raises InvalidQuery naming `field` for an
    unknown code."""
    if code is None:
        return None
    client = client_by_code(code)
    if client is None:
        raise InvalidQuery(_("Client inconnu : %(client)s") % {"client": code}, fields={field: code})
    return client


def _procedure_out(document: Document) -> dict:
    """A knowledge-base document as `route` gives it (contract 1.1)."""
    return {"id": document.id, "kind": document.kind, "title": document.title, "solution": document.solution,
            "url": document.url, "updated_at": document.updated_at, "review_due": document.review_due}


@api.post("/route", response={200: RouteOut, **ERRORS}, auth=ClientToken("qualified:query"),
          summary="Routage d'un ticket par sa catégorie", operation_id="route")
def route(request, payload: RouteIn):
    routed = ticket_route(
        category=payload.ticket.category, ticket_type=payload.ticket.type,
        escalate_from=None if payload.escalate_from is None else payload.escalate_from.employee_id,
        **_filters(payload))
    rule = routed.rule
    out = _qualification_out(routed.result)
    out["ticket_id"] = payload.ticket.id
    out["rule"] = {
        "category": rule.category,
        "required": [{"skill": r.skill, "min_level": r.min_level} for r in rule.required],
        "optional": [{"skill": r.skill, "min_level": r.min_level} for r in rule.optional],
        "tiers": rule.tiers,
        "ticket_type": rule.ticket_type or None,
    }
    out["ticket_type"] = routed.ticket_type
    out["procedures"] = [_procedure_out(document) for document in routed.procedures]
    if routed.escalation is not None:  # absent otherwise: a version-1 answer only gains fields
        out["escalation"] = routed.escalation
    return _render(request, out)


@api.post("/feedback", response={202: FeedbackOut, **ERRORS}, auth=ClientToken("feedback:write"),
          summary="Issue d'un ticket", operation_id="feedback")
def feedback(request, payload: FeedbackIn):
    staff = Staff.objects.filter(employee_id=payload.employee_id).first()
    if staff is None:
        raise InvalidQuery(_("Collaborateur inconnu : %(employee_id)s") % {"employee_id": payload.employee_id},
                           fields={"body.employee_id": payload.employee_id})
    client = _client_named(payload.client, "body.client")
    if payload.procedure_id is not None and not KnowledgeDocumentPage.objects.filter(pk=payload.procedure_id).exists():
        raise InvalidQuery(_("Procédure inconnue : %(id)s") % {"id": payload.procedure_id},
                           fields={"body.procedure_id": payload.procedure_id})
    record, created = services.feedback_record(
        router=request.auth, client=client, ticket_id=payload.ticket_id, category=payload.category, staff=staff,
        outcome=payload.outcome, occurred_at=payload.occurred_at, procedure_id=payload.procedure_id,
    )
    return 202, {"id": record.pk, "status": "accepted" if created else "duplicate"}


_AVAILABILITY_ITEMS = TypeAdapter(list[AvailabilityItemIn])


def _availability_items(items: list) -> list[Report]:
    """The items of a `PUT availability`, checked as AvailabilityItemIn in one call. Raises
    InvalidQuery naming every wrong field of every item and every unknown person
    (body.items.N.field)."""
    try:
        valid = _AVAILABILITY_ITEMS.validate_python(items)
    except PydanticValidationError as exc:
        fields = {}
        for error in exc.errors():
            fields.setdefault(".".join(["body", "items", *(str(part) for part in error["loc"])]), error["msg"])
        wrong = {int(path.split(".")[2]) for path in fields}
        named = {i: item["employee_id"] for i, item in enumerate(items)
                 if i not in wrong and isinstance(item, dict) and isinstance(item.get("employee_id"), str)}
        known = staff_ids_of(named.values())
        for i, employee_id in named.items():
            if employee_id not in known:
                fields[f"body.items.{i}.employee_id"] = _unknown(employee_id)
        raise InvalidQuery(_("Signalements invalides : %(fields)s") % {"fields": ", ".join(fields)},
                           fields=dict(sorted(fields.items(), key=lambda kv: int(kv[0].split(".")[2])))) from None
    return [Report(employee_id=v.employee_id, available=v.available, open_tickets=v.open_tickets, until=v.until)
            for v in valid]


def _unknown(employee_id: str) -> str:
    return _("Collaborateur inconnu : %(employee_id)s") % {"employee_id": employee_id}


@api.put("/availability", response={200: AvailabilityPutOut, **ERRORS}, auth=ClientToken("availability:write"),
         summary="Signaler la disponibilité et la charge", operation_id="availability_put")
def availability_put(request, payload: AvailabilityIn):
    reports = _availability_items(payload.items)
    try:
        updated = availability_report(reports=reports, by=request.auth)
    except UnknownStaff as exc:
        fields = {f"body.items.{i}.employee_id": _unknown(e) for i, e in exc.positions.items()}
        raise InvalidQuery(exc.detail, fields=fields, extra=exc.extra) from None
    return {"updated": updated}


class AvailabilityQuery(Schema):
    employee_id: list[str] | None = Field(default=None, max_length=200)
    cursor: str | None = Field(default=None, max_length=500)
    limit: QueryInt = Field(default=100, ge=1, le=1000)


@api.get("/availability", response={200: AvailabilityOut, **ERRORS}, auth=ClientToken("matrix:read"),
         summary="Disponibilité et charge, maintenant", operation_id="availability_get")
def availability_get(request, filters: Query[AvailabilityQuery]):
    try:
        items, last = availability_list(employee_ids=filters.employee_id, after=_cursor_decode(filters.cursor),
                                        limit=filters.limit)
    except UnknownStaff as exc:
        raise InvalidQuery(exc.detail, fields={"query.employee_id": ", ".join(exc.extra["unknown_employee_ids"])},
                           extra=exc.extra) from None
    return {"items": items, "next": _cursor_encode(last) if last else None}


class ProceduresQuery(Schema):
    category: str | None = Field(default=None, max_length=255)
    skill: str | None = Field(default=None, max_length=40)
    q: str | None = Field(default=None, max_length=200)
    client: str | None = Field(default=None, max_length=40)


@api.get("/procedures", response={200: ProceduresOut, **ERRORS}, auth=ClientToken("taxonomy:read"),
         summary="Procédures et standards de configuration", operation_id="procedures")
def procedures(request, filters: Query[ProceduresQuery]):
    """Published procedures and standards (contract 1.1, "Knowledge base"), filtered; at most
    SEARCH_LIMIT, in the order of knowledge.selectors.procedures_search."""
    client = _client_named(filters.client or None, "query.client")
    skill = (filters.skill or "").strip()
    if skill and not Skill.objects.filter(code=skill).exists():
        raise InvalidQuery(_("Compétence inconnue : %(code)s") % {"code": skill}, fields={"query.skill": skill},
                           extra={"unknown_skills": [skill]})
    documents = procedures_search(SearchFilters(q=filters.q or "", category=filters.category or "", skill=skill,
                                                client=client), limit=SEARCH_LIMIT)
    return {"items": [{**_procedure_out(document), "categories": list(document.categories),
                       "skills": list(document.skills)} for document in documents]}
