"""Polling a ticketing system: every change processed exactly once, RT never overwritten by hand's
back, the bridge never blocked by a system that is down.

`connector_sync(connector_id=…)` takes a short lease on the connector (one worker at a time), then:
1. writes to the ticket system what earlier routings decided and did not write yet (a crash or an
   outage between the decision and the write): the owner, only if the ticket is still unowned, and
   the comment, only if it is not there yet (its marker);
2. reads the changes after the cursor, oldest first, and for each one, in one database
   transaction, records its effects (a RoutedTicket keyed by the change, feedback) and moves the
   cursor past it; then writes to the ticket system:
   - a new ticket in a followed queue (or moved into one), with no owner: routed (`ticket_route`
     with its category, type and client, present people only), given to the first candidate and
     commented; nobody qualified, or not routable: left unowned, commented, dispatchers notified;
   - a ticket moved to the escalation queue: `escalated` feedback for its owner, then routed again
     with `escalate_from` = that owner and given to the first candidate if the owner has not
     changed meanwhile;
   - resolved: `resolved` feedback for the owner; an owner changed by a person from one person to
     another: `reassigned` feedback for the former owner; with the client and procedure fields;
   - the connector's own changes are never read back;
3. reports each owner's open tickets in the followed queues as their `open_tickets`, keeping the
   presence (`available`, `until`) that applies (reported by anyone), and after each assignment
   counts the new ticket at once so the next ticket of the same poll ranks with it.

An unreachable, slow or failing system (TicketSystemError) ends the poll: the cursor stays at the
last change fully recorded, the failure is kept on the connector with a growing delay before the
next poll (30 s doubled up to one hour). A refusal about one ticket (TicketSystemRefused) is kept
on that ticket and the poll goes on.
"""
import logging
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.clients import client_by_code
from academy.models import Staff
from academy.roles import DISPATCHER
from academy.services import notification_send
from routing_bridge.availability import Report, availability_report
from routing_bridge.connectors import Change, Ticket, TicketSystem, TicketSystemError, TicketSystemRefused, ticket_system
from routing_bridge.connectors.comments import comment_marker, comment_text, route_procedures
from routing_bridge.errors import BridgeError
from routing_bridge.models import (
    Availability, Connector, RoutedTicket, TicketFeedback, TicketType, category_normalize, report_applies,
)
from routing_bridge.routing import ticket_route
from routing_bridge.services import feedback_record

logger = logging.getLogger(__name__)

SYNC_DEFAULTS = {
    "PAGE": 100,  # changes read per request
    "LEASE": 600,  # seconds a worker holds a connector
    "FIRST_DELAY": 30,  # seconds before polling a failing system again, doubled each time...
    "MAX_DELAY": 3600,  # ...up to one hour
    "CANDIDATES": 5,  # candidates named in the comment
}
RESOLVED = "resolved"


def sync_settings() -> dict:
    conf = dict(SYNC_DEFAULTS)
    conf.update(getattr(settings, "ROUTING_BRIDGE_CONNECTORS", {}) or {})
    return conf


def retry_delay(failures: int) -> int:
    """Seconds before the next poll after `failures` failed polls in a row: 30, 60, 120… capped."""
    conf = sync_settings()
    return int(min(conf["FIRST_DELAY"] * 2 ** max(failures - 1, 0), conf["MAX_DELAY"]))


@dataclass
class SyncResult:
    changes: int = 0
    routed: int = 0
    assigned: int = 0
    feedback: int = 0
    written: int = 0
    skipped: bool = False
    error: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def connectors_due(now=None):
    """Active connectors of usable router clients that are not waiting after a failure."""
    now = now or timezone.now()
    return Connector.objects.filter(active=True, router__active=True, router__revoked_at=None).filter(
        Q(backoff_until__isnull=True) | Q(backoff_until__lte=now))


def connector_sync(*, connector_id: int, max_routed: int | None = None, now=None) -> SyncResult:
    """One poll of one connector (see the module). `max_routed` stops after routing that many
    tickets (the rest waits for the next poll). Never raises: a failure is recorded on the
    connector and returned in `error`."""
    connector = Connector.objects.select_related("router").filter(pk=connector_id).first()
    if connector is None or not connector.active:
        return SyncResult(skipped=True)
    if not _lease(connector, timezone.now()):
        return SyncResult(skipped=True)
    result = SyncResult()
    try:
        system = ticket_system(connector)
        _Poll(connector, system, result, max_routed).run()
    except TicketSystemError as exc:
        result.error = str(exc)
    except Exception as exc:  # a bug must not turn into a poll every few seconds: back off too
        logger.exception("connector %s: poll failed", connector.pk)
        result.error = _("Erreur interne : %(error)s") % {"error": exc.__class__.__name__}
    finally:
        _finish(connector, result.error, timezone.now())
    return result


def _lease(connector: Connector, now) -> bool:
    until = now + timedelta(seconds=sync_settings()["LEASE"])
    return bool(Connector.objects.filter(pk=connector.pk)
                .filter(Q(syncing_until__isnull=True) | Q(syncing_until__lt=now)).update(syncing_until=until))


def _finish(connector: Connector, error: str, now) -> None:
    if error:
        failures = connector.failures + 1
        Connector.objects.filter(pk=connector.pk).update(
            syncing_until=None, last_poll_at=now, failures=failures, last_error=error, last_error_at=now,
            backoff_until=now + timedelta(seconds=retry_delay(failures)))
    else:
        Connector.objects.filter(pk=connector.pk).update(
            syncing_until=None, last_poll_at=now, last_success_at=now, failures=0, backoff_until=None)


def ticket_type_of(value: str) -> str | None:
    """The contract's ticket type for a field value: a type (`incident`…) or its French label
    (`Problème`…), any case; None when empty (incident); the value itself when unknown (route
    then says it is unknown)."""
    text = (value or "").strip()
    if not text:
        return None
    for choice in TicketType:
        if text.casefold() in (choice.value, str(choice.label).casefold()):
            return choice.value
    return text


def dispatchers():
    return get_user_model().objects.filter(is_active=True, groups__name=DISPATCHER).distinct()


class _Poll:
    """One poll: the connector, its system and what this poll has learnt of logins and staff."""

    def __init__(self, connector: Connector, system: TicketSystem, result: SyncResult, max_routed: int | None):
        self.connector, self.system, self.result, self.max_routed = connector, system, result, max_routed
        self._staff: dict[str, Staff | None] = {}
        self._logins: dict[int, str | None] = {}

    # --- Users ------------------------------------------------------------------------------------

    def staff_for(self, login: str | None) -> Staff | None:
        """The staff member behind a ticket-system login (by username or e-mail), or None."""
        if not login:
            return None
        if login not in self._staff:
            people = Staff.objects.select_related("user")
            if self.connector.user_match == Connector.UserMatch.EMAIL:
                email = self.system.user_email(login)
                found = people.filter(user__email__iexact=email).first() if email else None
            else:
                found = people.filter(user__username=login).first()
            self._staff[login] = found
        return self._staff[login]

    def login_for(self, staff_id: int) -> str | None:
        """The ticket-system login of a staff member, or None when they have none."""
        if staff_id not in self._logins:
            staff = Staff.objects.select_related("user").get(pk=staff_id)
            if self.connector.user_match == Connector.UserMatch.EMAIL:
                self._logins[staff_id] = self.system.login_for_email(staff.user.email) if staff.user.email else None
            else:
                self._logins[staff_id] = staff.user.username
        return self._logins[staff_id]

    # --- The poll ---------------------------------------------------------------------------------

    def run(self) -> None:
        connector, conf = self.connector, sync_settings()
        if connector.cursor is None:
            self._advance(self.system.latest_change())
        for routed in RoutedTicket.objects.filter(connector=connector, applied_at=None).order_by("pk"):
            self.write(routed, None)
        while self.max_routed is None or self.result.routed < self.max_routed:
            changes, last = self.system.changes_since(connector.cursor, limit=conf["PAGE"])
            if last <= connector.cursor:
                break
            stopped = False
            for change in changes:
                if self.max_routed is not None and self.result.routed >= self.max_routed:
                    stopped = True
                    break
                self.process(change)
            if stopped:
                break
            self._advance(last)  # the changes of the page that needed nothing
        self.open_tickets_report()

    def _advance(self, cursor: int) -> None:
        Connector.objects.filter(pk=self.connector.pk).update(cursor=cursor)
        self.connector.cursor = cursor

    def process(self, change: Change) -> None:
        """Record one change's effects with the cursor's move past it, then write to the system."""
        self.result.changes += 1
        logger.debug("connector %s: change %s", self.connector.pk, change)
        ticket = None
        if not change.ours and change.kind in ("created", "queue", "owner", "status"):
            try:
                ticket = self.system.ticket(change.ticket_id)
            except TicketSystemRefused:  # deleted or out of the account's sight: nothing to do
                ticket = None
        decision = self.decide(change, ticket) if ticket is not None else None
        with transaction.atomic():
            routed = decision() if decision else None
            Connector.objects.filter(pk=self.connector.pk).update(cursor=change.id)
        self.connector.cursor = change.id
        if routed is not None:
            self.write(routed, ticket)

    def decide(self, change: Change, ticket: Ticket):
        """What `change` calls for, as a function run inside the transaction that moves the
        cursor (it returns the RoutedTicket to write, if any); None when it calls for nothing."""
        followed = self.connector.followed_queues
        if ticket.queue not in followed:
            return None
        escalation_queue = self.connector.escalation_queue
        if change.kind == "queue" and escalation_queue and change.new == escalation_queue \
                and change.old != escalation_queue:
            return self._escalation(change, ticket)
        if change.kind in ("created", "queue"):
            already = RoutedTicket.objects.filter(connector=self.connector, ticket_id=ticket.id).exists()
            if ticket.owner is None and not already:
                return self._routing(change, ticket, escalator=None)
            return None
        if change.kind == "owner" and change.old and change.new and change.old != change.new:
            former = self.staff_for(change.old)
            return (lambda: self._outcome(ticket, former, TicketFeedback.Outcome.REASSIGNED, change)) if former else None
        if change.kind == "status" and change.new == RESOLVED and change.old != RESOLVED:
            owner = self.staff_for(ticket.owner)
            return (lambda: self._outcome(ticket, owner, TicketFeedback.Outcome.RESOLVED, change)) if owner else None
        return None

    # --- Effects ----------------------------------------------------------------------------------

    def _client_code(self, ticket: Ticket) -> str:
        source = self.connector.client_source
        if source == Connector.ClientSource.QUEUE:
            return ticket.queue
        if source == Connector.ClientSource.ORGANIZATION:
            return ticket.requestor_organization
        return ticket.fields.get(self.connector.client_field, "")

    def _outcome(self, ticket: Ticket, staff: Staff, outcome: str, change: Change) -> None:
        """Feedback for `staff` on the ticket, and the outcome on its latest routing."""
        category = category_normalize(ticket.fields.get(self.connector.category_field, ""))
        procedure = ticket.fields.get(self.connector.procedure_field, "") if self.connector.procedure_field else ""
        if category:
            _feedback, created = feedback_record(
                ticket_id=f"{self.connector.pk}:{ticket.id}", category=category, staff=staff, outcome=outcome,
                occurred_at=min(change.at, timezone.now()), router=self.connector.router,
                client=client_by_code(self._client_code(ticket)), **feedback_procedure(procedure))
            self.result.feedback += int(created)
        latest = RoutedTicket.objects.filter(connector=self.connector, ticket_id=ticket.id).order_by("-pk").first()
        if latest is not None and latest.assignee_id == staff.pk:
            RoutedTicket.objects.filter(pk=latest.pk).update(outcome=outcome, outcome_at=change.at,
                                                             procedure=procedure[:255])
        return None

    def _escalation(self, change: Change, ticket: Ticket):
        escalator = self.staff_for(ticket.owner)

        def record():
            if escalator is not None:
                self._outcome(ticket, escalator, TicketFeedback.Outcome.ESCALATED, change)
            return route()

        route = self._routing(change, ticket, escalator=escalator, escalator_login=ticket.owner or "")
        return record

    def _routing(self, change: Change, ticket: Ticket, *, escalator: Staff | None, escalator_login: str = ""):
        """Route the ticket now (reads only), find the logins (may ask the system), and return
        the function that records the decision."""
        connector = self.connector
        category = category_normalize(ticket.fields.get(connector.category_field, ""))
        ticket_type = ticket_type_of(ticket.fields.get(connector.type_field, "")) if connector.type_field else None
        code = self._client_code(ticket).strip()
        client = client_by_code(code)
        routed = RoutedTicket(
            connector=connector, key=f"{change.kind}:{change.id}", ticket_id=ticket.id, subject=ticket.subject[:255],
            queue=ticket.queue, category=category, ticket_type=ticket_type or "", client_code=code[:40],
            priority=ticket.priority, escalated_from=escalator, escalated_from_login=escalator_login or "",
            routed_at=timezone.now(), details={"notes": []})
        if escalator_login:
            routed.details["escalated_by"] = f"{escalator.display_name} ({escalator.tier})" if escalator \
                else escalator_login
        if code and client is None:
            routed.details["notes"].append(_("Client « %(code)s » inconnu de l'Académie : routé sans client.")
                                           % {"code": code})
        answer = None
        if not category:
            routed.status = RoutedTicket.Status.UNROUTABLE
            routed.error = _("le champ « %(field)s » (catégorie) est vide.") % {"field": connector.category_field}
        else:
            try:
                answer = ticket_route(category=category, ticket_type=ticket_type,
                                      escalate_from=escalator.employee_id if escalator else None,
                                      client=client.code if client else None,
                                      limit=sync_settings()["CANDIDATES"])
            except BridgeError as exc:
                routed.status = RoutedTicket.Status.UNROUTABLE
                routed.error = exc.detail
        if answer is not None:
            self._fill(routed, answer)
        self.result.routed += 1
        return lambda: self._record(routed)

    def _fill(self, routed: RoutedTicket, answer) -> None:
        result = answer.result
        routed.ticket_type = answer.ticket_type
        routed.total_qualified = result.total_qualified
        routed.candidates = [{
            "staff_id": c.staff_id, "employee_id": c.employee_id, "display_name": c.display_name, "tier": c.tier,
            "rank": c.rank, "open_tickets": c.open_tickets,
            "familiarity": c.client_familiarity_name,
            "skills": [{"skill": s["skill"], "level": s["level"], "min_level": s["min_level"],
                        "valid_until": s["valid_until"].isoformat() if s.get("valid_until") else None}
                       for s in c.skills],
        } for c in result.candidates]
        rule = answer.rule
        routed.details["rule"] = str(getattr(rule, "category", "") or routed.category)
        routed.details["escalation"] = answer.escalation
        routed.details["procedures"] = route_procedures(answer)
        if result.client is not None:
            routed.details["referent"] = {
                "client": result.client.code, "display_name": result.client.referent_display_name,
                "qualified": result.client.referent_qualified, "available": result.client.referent_available}
        for candidate in routed.candidates:  # the first who has an account in the system
            login = self.login_for(candidate["staff_id"])
            if login:
                routed.assignee_id, routed.assignee_login, routed.rank = candidate["staff_id"], login, candidate["rank"]
                break
            routed.details["notes"].append(_("%(who)s n'a pas de compte dans le système de tickets.")
                                           % {"who": candidate["display_name"]})
        if routed.assignee_id is None:
            routed.status = RoutedTicket.Status.UNQUALIFIED

    def _record(self, routed: RoutedTicket) -> RoutedTicket:
        routed.save()
        if routed.status in (RoutedTicket.Status.UNQUALIFIED, RoutedTicket.Status.UNROUTABLE):
            self._notify(routed)
        return routed

    def _notify(self, routed: RoutedTicket) -> None:
        title = _("Ticket %(id)s sans propriétaire (%(connector)s)") % {"id": routed.ticket_id,
                                                                       "connector": self.connector.name}
        body = routed.error or _("Personne n'est qualifié et disponible pour « %(category)s ».") % {
            "category": routed.category}
        for user in dispatchers():
            notification_send(recipient=user, kind="connector.unassigned", title=title, body=body,
                              url=f"/qui-est-qualifie/connecteurs/{self.connector.pk}/",
                              dedupe_key=f"connector:{self.connector.pk}:{routed.key}")

    def write(self, routed: RoutedTicket, ticket: Ticket | None) -> None:
        """Write a recorded routing to the system: the owner, only onto a ticket still unowned
        (or still held by whoever escalated it), then the comment, once."""
        routed.attempts += 1
        try:
            if routed.status == RoutedTicket.Status.PENDING:
                if ticket is None or routed.attempts > 1:
                    ticket = self.system.ticket(routed.ticket_id)
                if ticket.owner == routed.assignee_login:
                    routed.status = RoutedTicket.Status.ASSIGNED  # written before an interruption
                elif ticket.owner is None or (routed.escalated_from_login and ticket.owner == routed.escalated_from_login):
                    self.system.assign(routed.ticket_id, routed.assignee_login)
                    routed.status = RoutedTicket.Status.ASSIGNED
                    self.result.assigned += 1
                    self.open_ticket_counted(routed.assignee_id)
                else:
                    routed.status = RoutedTicket.Status.OWNER_KEPT
                    routed.owner_found = ticket.owner[:120]
            if not routed.comment_posted:
                text = comment_text(routed)
                if routed.attempts == 1 or not self.system.has_comment(routed.ticket_id, comment_marker(routed)):
                    self.system.comment(routed.ticket_id, text)
                routed.comment, routed.comment_posted = text, True
            routed.applied_at = timezone.now()
        except TicketSystemRefused as exc:
            routed.error, routed.applied_at = str(exc)[:2000], timezone.now()
            if routed.status == RoutedTicket.Status.PENDING:
                routed.status = RoutedTicket.Status.FAILED
                self._notify(routed)
        finally:
            routed.save(update_fields=["attempts", "status", "owner_found", "comment", "comment_posted", "applied_at",
                                       "error"])
        self.result.written += 1

    # --- Open tickets -----------------------------------------------------------------------------

    def open_ticket_counted(self, staff_id: int) -> None:
        """One more open ticket for the person just assigned, at once (the next ticket of this poll
        ranks with it); the count read from the system at the end of the poll replaces it."""
        staff = Staff.objects.get(pk=staff_id)
        current = Availability.objects.filter(staff=staff).first()
        count = current.open_tickets + 1 if current and report_applies(current.until, timezone.now()) else 1
        open_tickets_report(router=self.connector.router, counts={staff.employee_id: count})

    def open_tickets_report(self) -> None:
        counts: dict[str, int] = {}
        for login, count in self.system.open_tickets_by_owner(self.connector.followed_queues).items():
            staff = self.staff_for(login)
            if staff is not None:
                counts[staff.employee_id] = counts.get(staff.employee_id, 0) + count
        # Those this router counted before and who hold none now.
        for employee_id in Availability.objects.filter(reported_by=self.connector.router, open_tickets__gt=0) \
                .values_list("staff__employee_id", flat=True):
            counts.setdefault(employee_id, 0)
        open_tickets_report(router=self.connector.router, counts=counts)


def feedback_procedure(value: str) -> dict:
    """What `feedback_record` is told of the knowledge-base document a ticket's field names: its
    id, or its exact title (letter case aside) when one live document alone has it; nothing when
    the field is empty or names no document (the value stays on the RoutedTicket)."""
    from knowledge.models import KnowledgeDocumentPage

    value = (value or "").strip()
    if not value:
        return {}
    documents = KnowledgeDocumentPage.objects.live()
    if value.isdigit():
        found = list(documents.filter(pk=int(value)).values_list("pk", flat=True)[:1])
    else:
        found = list(documents.filter(title__iexact=value).values_list("pk", flat=True)[:2])
    return {"procedure_id": found[0]} if len(found) == 1 else {}


def open_tickets_report(*, router, counts: dict[str, int], now=None) -> int:
    """Report `counts` ({employee id: open tickets}) as each person's open tickets, keeping the
    presence of the report that applies to them (`available`, `until`, whoever reported it), or
    available with no end when none applies. Unchanged counts are not written again. Returns how
    many reports were written."""
    now = now or timezone.now()
    current = {a.staff.employee_id: a for a in
               Availability.objects.select_related("staff").filter(staff__employee_id__in=list(counts))}
    reports = []
    for employee_id, count in counts.items():
        report = current.get(employee_id)
        applies = report is not None and report_applies(report.until, now)
        if applies and report.open_tickets == count:
            continue
        if not applies and count == 0:
            continue  # no report applies: already available with 0 open tickets
        reports.append(Report(employee_id=employee_id, available=report.available if applies else True,
                              open_tickets=count, until=report.until if applies else None))
    if reports:
        availability_report(reports=reports, by=router, now=now)
    return len(reports)
