"""Writes of the routing bridge: router clients, category rules (and their CSV import), ticket
feedback and the practice evidence it gives. Webhook delivery lives in `webhooks.py`."""
import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from academy import imports as kit
from academy.exports import csv_writer
from academy.models import Client, Event, Staff, Tier
from academy.services import audit_log
from academy.tasks import task_kick
from routing_bridge.category_rules import category_rule_for
from routing_bridge.models import (
    SCOPES, CategoryRequirement, CategoryRule, RouterClient, TicketFeedback, TicketType, category_key,
    category_normalize,
)
from skills.models import Evidence, Skill
from skills.services import evidence_record

TOKEN_BYTES = 32
TOKEN_PREFIX_LENGTH = 8


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class ClientCreated:
    client: RouterClient
    token: str
    webhook_secret: str = ""


def router_client_create(*, name: str, scopes: list[str], webhook_url: str = "", created_by=None,
                         rate_limit_per_minute: int | None = None) -> ClientCreated:
    """Create a client and return it with its token (and webhook secret when it has a URL): the
    only moment they can be read. Raises ValidationError for an unknown scope, a taken name or a
    bad URL. Webhooks start with the next event: the past is for `GET changes`."""
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        raise ValidationError({"scopes": _("Droits inconnus : %(scopes)s (connus : %(known)s)")
                               % {"scopes": ", ".join(unknown), "known": ", ".join(SCOPES)}})
    token = "acd_" + secrets.token_urlsafe(TOKEN_BYTES)
    secret = secrets.token_urlsafe(32) if webhook_url else ""
    client = RouterClient(
        name=name.strip(), scopes=sorted(set(scopes), key=SCOPES.index), webhook_url=webhook_url.strip(),
        webhook_secret=secret, token_prefix=token[:TOKEN_PREFIX_LENGTH], token_hash=token_hash(token),
        created_by=created_by if getattr(created_by, "pk", None) else None,
    )
    if rate_limit_per_minute is not None:
        client.rate_limit_per_minute = rate_limit_per_minute
    client.full_clean()
    with transaction.atomic():
        client.event_cursor = Event.objects.aggregate(m=Max("position"))["m"] or 0
        client.save()
        audit_log(actor=created_by, action="router_client.create", target=client,
                  data={"name": client.name, "scopes": client.scopes, "webhook_url": client.webhook_url})
    return ClientCreated(client=client, token=token, webhook_secret=secret)


def router_client_authenticate(*, token: str) -> RouterClient | None:
    """The usable client holding this token, or None (unknown, revoked or deactivated)."""
    if not token:
        return None
    # Raw: on every request, and compiling the ORM query cost more than running it.
    table = connection.ops.quote_name(RouterClient._meta.db_table)
    found = list(RouterClient.objects.raw(f"SELECT * FROM {table} WHERE token_hash = %s", [token_hash(token)]))
    client = found[0] if found else None
    if client is None or not client.is_usable:
        return None
    router_client_used(client=client)
    return client


def router_client_used(*, client: RouterClient) -> None:
    """Note that `client` made a request now: `last_used_at` is written once a minute at most,
    not on every request."""
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at > timedelta(seconds=60):
        RouterClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now


def router_client_revoke(*, client: RouterClient, by=None, reason: str = "") -> RouterClient:
    """Revoke a client: its token stops working at once and no more webhooks are sent. Idempotent."""
    with transaction.atomic():
        client = RouterClient.objects.select_for_update().get(pk=client.pk)
        if client.revoked_at is not None:
            return client
        client.revoked_at = timezone.now()
        client.revoked_by = by if getattr(by, "pk", None) else None
        client.active = False
        client.save(update_fields=["revoked_at", "revoked_by", "active"])
        audit_log(actor=by, action="router_client.revoke", target=client, reason=reason)
    return client


def router_client_webhook_enable(*, client: RouterClient, by=None) -> str:
    """Called after a webhook URL is given to a client that had none: create its secret and start
    its webhooks with the next event. Returns the new secret ('' when it already had one)."""
    if not client.webhook_url or client.webhook_secret:
        return ""
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        cursor = Event.objects.aggregate(m=Max("position"))["m"] or 0
        RouterClient.objects.filter(pk=client.pk).update(webhook_secret=secret, event_cursor=cursor)
        audit_log(actor=by, action="router_client.webhook_enable", target=client,
                  data={"webhook_url": client.webhook_url})
    client.webhook_secret, client.event_cursor = secret, cursor
    return secret


def router_client_rotate_token(*, client: RouterClient, by=None) -> str:
    """Give a client a new token (the old one stops working) and return it."""
    token = "acd_" + secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        client.token_hash, client.token_prefix = token_hash(token), token[:TOKEN_PREFIX_LENGTH]
        # Saved, not updated: the processes that keep the old token's client hear of it (routing_bridge.access).
        client.save(update_fields=["token_hash", "token_prefix"])
        audit_log(actor=by, action="router_client.rotate_token", target=client)
    return token


# --- Category rules -------------------------------------------------------------------------

CATEGORY_CSV_HEADER = ["category", "required", "optional", "tiers", "ticket_type", "description"]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_requirements(text: str, *, skills: dict, line: int, column: str, errors: list[str]) -> list[tuple]:
    """'AD.GPO:2;M365.EXO:1' -> [(skill, 2), (skill, 1)], errors appended with the line number."""
    result = []
    for chunk in [c.strip() for c in (text or "").split(";") if c.strip()]:
        code, _sep, level = chunk.partition(":")
        code = code.strip()
        skill = skills.get(code)
        if skill is None:
            errors.append(_("ligne %(line)s : %(column)s : compétence inconnue « %(code)s »")
                          % {"line": line, "column": column, "code": code})
            continue
        try:
            min_level = int(level.strip() or 2)
        except ValueError:
            errors.append(_("ligne %(line)s : %(column)s : niveau « %(level)s » invalide pour %(code)s")
                          % {"line": line, "column": column, "level": level, "code": code})
            continue
        if not 1 <= min_level <= 4:
            errors.append(_("ligne %(line)s : %(column)s : le niveau de %(code)s doit être entre 1 et 4")
                          % {"line": line, "column": column, "code": code})
            continue
        result.append((skill, min_level))
    return result


def _ticket_type_cell(text: str) -> str | None:
    """The `ticket_type` cell: "" (any type) or one of the contract's types, read without regard
    to case; None when it is none of them."""
    value = (text or "").strip().lower()
    return value if value in ("", *TicketType.values) else None


def category_rules_import(*, content: str | bytes, by=None, partial: bool = False) -> ImportReport:
    """Import category rules from CSV (`category,required,optional,tiers,ticket_type,description`;
    `required`/`optional` as `CODE:LEVEL;CODE:LEVEL`, `tiers` as `N1;N2`, `ticket_type` empty for
    any type; a file without the `ticket_type` column holds rules for any type). A category has
    one rule per type plus one for any type. Validates the whole file first: with any error
    nothing is imported, unless `partial`, which imports the valid rows. Importing the same file
    twice changes nothing the second time."""
    report = ImportReport()
    try:
        text = kit.decode(content, columns=CATEGORY_CSV_HEADER)
        records = list(kit.rows(text, delimiter=kit.sniff_delimiter(text, known=CATEGORY_CSV_HEADER)))
    except kit.ImportFileError as exc:
        report.errors.append(str(exc))
        return report
    header = [h.strip() for h in records[0][1]]
    missing = [h for h in ("category", "required") if h not in header]
    if missing:
        report.errors.append(_("ligne 1 : colonnes manquantes : %(cols)s") % {"cols": ", ".join(missing)})
        return report
    skills = {s.code: s for s in Skill.objects.all()}
    rows = []
    seen = {}
    for line, values in records[1:]:
        row = {name: value.strip() for name, value in zip(header, values) if name}
        row_errors: list[str] = []
        category = category_normalize(row.get("category", ""))
        ticket_type = _ticket_type_cell(row.get("ticket_type", ""))
        if ticket_type is None:
            row_errors.append(_("ligne %(line)s : ticket_type : type de ticket inconnu « %(type)s » "
                                "(incident, problem, change, request, ou vide pour tout type)")
                              % {"line": line, "type": row.get("ticket_type", "")})
        if not category:
            row_errors.append(_("ligne %(line)s : catégorie vide") % {"line": line})
        elif ticket_type is not None and (category_key(category), ticket_type) in seen:
            first = seen[(category_key(category), ticket_type)]
            if ticket_type:
                row_errors.append(_("ligne %(line)s : catégorie « %(cat)s », type %(type)s, déjà vue ligne %(first)s")
                                  % {"line": line, "cat": category, "type": ticket_type, "first": first})
            else:
                row_errors.append(_("ligne %(line)s : catégorie « %(cat)s » déjà vue ligne %(first)s")
                                  % {"line": line, "cat": category, "first": first})
        elif ticket_type is not None:
            seen[(category_key(category), ticket_type)] = line
        required = _parse_requirements(row.get("required", ""), skills=skills, line=line, column="required",
                                       errors=row_errors)
        optional = _parse_requirements(row.get("optional", ""), skills=skills, line=line, column="optional",
                                       errors=row_errors)
        codes = [s.code for s, _lvl in required + optional]
        duplicated = sorted({c for c in codes if codes.count(c) > 1})
        if duplicated:
            row_errors.append(_("ligne %(line)s : compétence citée deux fois : %(codes)s")
                              % {"line": line, "codes": ", ".join(duplicated)})
        tiers = [t.strip().upper() for t in row.get("tiers", "").replace(",", ";").split(";") if t.strip()]
        bad_tiers = [t for t in tiers if t not in Tier.values]
        if bad_tiers:
            row_errors.append(_("ligne %(line)s : niveaux de support inconnus : %(tiers)s")
                              % {"line": line, "tiers": ", ".join(bad_tiers)})
        if row_errors:
            report.errors.extend(row_errors)
            continue
        rows.append((category, ticket_type, required, optional, sorted(set(tiers)), row.get("description", "")))
    if report.errors and not partial:
        return report
    with transaction.atomic():
        for category, ticket_type, required, optional, tiers, description in rows:
            outcome = category_rule_save(category=category, ticket_type=ticket_type, required=required,
                                         optional=optional, tiers=tiers, description=description)
            setattr(report, outcome, getattr(report, outcome) + 1)
        if rows:
            audit_log(actor=by, action="category_rules.import",
                      data={"created": report.created, "updated": report.updated, "errors": len(report.errors)})
    return report


def category_rule_save(*, category: str, required: list[tuple], optional: list[tuple] = (),
                       tiers: list[str] = (), description: str = "", ticket_type: str = "") -> str:
    """Create or update the rule of `category` for `ticket_type` ("": any type); returns
    'created', 'updated' or 'unchanged'."""
    wanted = sorted([(s.pk, lvl, False) for s, lvl in required] + [(s.pk, lvl, True) for s, lvl in optional])
    rule = CategoryRule.objects.filter(key=category_key(category), ticket_type=ticket_type).first()
    if rule is not None:
        current = sorted(rule.requirements.values_list("skill_id", "min_level", "optional"))
        if (current == wanted and sorted(rule.tiers) == sorted(tiers) and rule.description == description
                and rule.category == category_normalize(category) and rule.active):
            return "unchanged"
        outcome = "updated"
    else:
        rule = CategoryRule(category=category, ticket_type=ticket_type)
        outcome = "created"
    rule.category = category
    rule.tiers = list(tiers)
    rule.description = description
    rule.active = True
    rule.save()
    rule.requirements.all().delete()
    CategoryRequirement.objects.bulk_create([
        CategoryRequirement(rule=rule, skill_id=skill_id, min_level=lvl, optional=opt, sort_order=i)
        for i, (skill_id, lvl, opt) in enumerate(
            [(s.pk, lvl, False) for s, lvl in required] + [(s.pk, lvl, True) for s, lvl in optional])
    ])
    return outcome


def category_rules_export() -> str:
    """All active rules as CSV in the import format, a category's rule for any type first."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(CATEGORY_CSV_HEADER)
    for rule in CategoryRule.objects.filter(active=True).prefetch_related("requirements__skill"):
        reqs = list(rule.requirements.all())
        writer.writerow([
            rule.category,
            ";".join(f"{r.skill.code}:{r.min_level}" for r in reqs if not r.optional),
            ";".join(f"{r.skill.code}:{r.min_level}" for r in reqs if r.optional),
            ";".join(rule.tiers),
            rule.ticket_type,
            rule.description,
        ])
    return out.getvalue()


# --- Feedback and practice evidence ------------------------------------------------------------

PRACTICE_DEFAULTS = {
    # At least MIN_TICKETS tickets of a category resolved without escalation within WINDOW_DAYS...
    "MIN_TICKETS": 5,
    "WINDOW_DAYS": 180,
    # ...give the category's minimum level of each required skill, valid VALID_DAYS,
    "VALID_DAYS": 365,
    # never above MAX_LEVEL (practice alone never makes an expert).
    "MAX_LEVEL": 3,
    # A practice evidence still valid for more than VALID_DAYS - RENEW_AFTER_DAYS is not renewed.
    "RENEW_AFTER_DAYS": 30,
    "ENABLED": True,
}


def practice_policy() -> dict:
    """The practice evidence policy: PRACTICE_DEFAULTS overridden by settings.ROUTING_BRIDGE_PRACTICE."""
    policy = dict(PRACTICE_DEFAULTS)
    policy.update(getattr(settings, "ROUTING_BRIDGE_PRACTICE", {}) or {})
    return policy


def feedback_record(*, ticket_id: str, category: str, staff: Staff, outcome: str, occurred_at: datetime,
                    router: RouterClient | None = None, client: Client | None = None,
                    procedure_id: int | None = None) -> tuple[TicketFeedback, bool]:
    """Store a ticket outcome reported by `router`, for the client company `client` (None: not
    said), naming the knowledge-base document followed (`procedure_id`, None: not said); returns
    (feedback, created). The same report sent twice is stored once: a second
    report with the same ticket, person, outcome and instant is a duplicate whatever its client.
    Practice evidence is derived after commit by `feedback_process_task`."""
    if outcome not in TicketFeedback.Outcome.values:
        raise ValidationError({"outcome": _("Issue inconnue : %(o)s") % {"o": outcome}})
    if occurred_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("La date du ticket est dans le futur.")})
    category = category_normalize(category)
    try:
        with transaction.atomic():
            feedback = TicketFeedback.objects.create(
                router=router, client=client, ticket_id=ticket_id, category=category,
                category_key=category_key(category), procedure_id=procedure_id,
                staff=staff, tier=staff.tier, outcome=outcome, occurred_at=occurred_at,
            )
    except IntegrityError:
        feedback = TicketFeedback.objects.get(ticket_id=ticket_id, staff=staff, outcome=outcome,
                                              occurred_at=occurred_at)
        return feedback, False
    # On a broker outage the sweep processes it (routing_bridge.tasks.feedback_sweep_task).
    task_kick("routing_bridge.feedback_process", feedback_id=feedback.pk)
    return feedback, True


def practice_evidence_apply(*, feedback: TicketFeedback, now: datetime | None = None) -> list:
    """Apply the practice policy to the person and category of `feedback`: when they resolved at
    least MIN_TICKETS tickets of the category (or its sub-categories, with the same rule) without
    escalating them within WINDOW_DAYS, record `practice` evidence at the rule's minimum level
    (capped at MAX_LEVEL) for each required skill, valid VALID_DAYS. Returns the evidences recorded."""
    policy = practice_policy()
    now = now or timezone.now()
    TicketFeedback.objects.filter(pk=feedback.pk, processed_at=None).update(processed_at=now)
    if not policy["ENABLED"] or feedback.outcome != TicketFeedback.Outcome.RESOLVED:
        return []
    staff = feedback.staff
    if not staff.active:
        return []
    # Feedback carries no ticket type: the rule of an incident (the default type) is the one practised.
    rule = category_rule_for(category=feedback.category)
    if rule is None:
        return []
    since = now - timedelta(days=policy["WINDOW_DAYS"])
    # Tickets of categories governed by this same rule (itself or sub-categories without their own rule).
    keys = {
        key for key in TicketFeedback.objects.filter(staff=staff, occurred_at__gte=since)
        .values_list("category_key", flat=True).distinct()
        if (r := category_rule_for(category=key)) is not None and r.pk == rule.pk
    }
    handled = TicketFeedback.objects.filter(staff=staff, category_key__in=keys, occurred_at__gte=since,
                                            occurred_at__lte=now)
    escalated = set(handled.exclude(outcome=TicketFeedback.Outcome.RESOLVED).values_list("ticket_id", flat=True))
    resolved = set(handled.filter(outcome=TicketFeedback.Outcome.RESOLVED).values_list("ticket_id", flat=True))
    count = len(resolved - escalated)
    if count < policy["MIN_TICKETS"]:
        return []
    recorded = []
    renew_before = now + timedelta(days=policy["VALID_DAYS"] - policy["RENEW_AFTER_DAYS"])
    for requirement in rule.requirements.filter(optional=False).select_related("skill"):
        level = min(requirement.min_level, policy["MAX_LEVEL"])
        if level <= 0 or not requirement.skill.active:
            continue
        fresh = Evidence.objects.filter(
            staff=staff, skill=requirement.skill, source="practice", level__gte=level, revoked_at=None,
            valid_until__gt=renew_before,
        ).exists()
        if fresh:
            continue
        recorded.append(evidence_record(
            staff=staff, skill=requirement.skill, level=level, source="practice", observed_at=now,
            valid_until=now + timedelta(days=policy["VALID_DAYS"]),
            reference_type="routing_bridge.categoryrule", reference_id=str(rule.pk),
            note=_("%(n)s tickets « %(cat)s » résolus sans escalade en %(days)s jours")
            % {"n": count, "cat": rule.category, "days": policy["WINDOW_DAYS"]},
            reason=f"practice:{rule.category}"[:200],
        ))
    return recorded
