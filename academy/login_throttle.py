"""The password-guessing throttle, built on django-axes: every password check (the site's and the
admin's login forms, HTTP Basic on /xapi/statements) counts its failures per account and per
address, and refuses even the right password once either limit is reached, for
ACADEMIE_LOGIN_LOCKOUT_MINUTES after the last failure. An administrator can lift a lock earlier
(Wagtail admin, "Connexions bloquées"; or `manage.py axes_reset_username`).

Two limits rather than axes' single one: many staff sign in from one office address (a proxy,
a NAT), so an address may fail more often than one account before it is locked."""
import math
from dataclasses import dataclass
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from academy.services import audit_log


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind ACADEMIE_TRUSTED_PROXIES reverse proxies the
    address the outermost trusted proxy saw in X-Forwarded-For (never a value the client chose)."""
    proxies = settings.ACADEMIE_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per account and another per address.

    Axes compares one number with AXES_FAILURE_LIMIT (the account limit): the address's failures
    are scaled so that they reach it exactly when they reach ACADEMIE_LOGIN_FAILURES_PER_ADDRESS."""

    def get_failures(self, request, credentials=None) -> int:
        by_account, by_address = (_failures(attempts) for attempts in self.get_user_attempts(request, credentials))
        account_limit, address_limit = settings.AXES_FAILURE_LIMIT, settings.ACADEMIE_LOGIN_FAILURES_PER_ADDRESS
        return max(by_account, by_address * account_limit // address_limit)


def lockout_minutes() -> int:
    return math.ceil(get_cool_off().total_seconds() / 60)


def lockout_message() -> str:
    minutes = lockout_minutes()
    return ngettext(
        "Trop d'échecs de connexion : la connexion est bloquée pendant %(minutes)d minute. "
        "Réessayez plus tard, ou demandez à un administrateur de la débloquer.",
        "Trop d'échecs de connexion : la connexion est bloquée pendant %(minutes)d minutes. "
        "Réessayez plus tard, ou demandez à un administrateur de la débloquer.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the page shown instead of the login form's answer (429). A view that
    already answered 429 in its own format (the xAPI's JSON) keeps its answer."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    # Rendered now: the middleware runs after the template-response phase.
    response = render(request, "registration/locked_out.html", {"message": lockout_message()}, status=429)
    response["Retry-After"] = str(lockout_minutes() * 60)
    return response


def password_check_allowed(request, username: str) -> bool:
    """Whether a password may be checked for `username` from this request's address now. For the
    password checks that do not go through django.contrib.auth.authenticate (which axes watches
    itself): call it first, and `password_check_failed` after a wrong password."""
    return AxesProxyHandler.is_allowed(request, {"username": username})


def password_check_failed(request, username: str) -> None:
    """Count a wrong password for `username`; sets request.axes_locked_out when a limit is reached."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


@dataclass(frozen=True)
class Lock:
    kind: str  # "account" or "address"
    value: str
    failures: int
    until: datetime


def locks_current() -> list[Lock]:
    """The accounts and addresses locked now, most recent first."""
    since = timezone.now() - get_cool_off()
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    cool_off = get_cool_off()
    locks = []
    for kind, field, limit in (("account", "username", settings.AXES_FAILURE_LIMIT),
                               ("address", "ip_address", settings.ACADEMIE_LOGIN_FAILURES_PER_ADDRESS)):
        rows = (recent.exclude(**{f"{field}__isnull": True}).values(field)
                .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
                .filter(failures__gte=limit))
        locks.extend(Lock(kind=kind, value=row[field], failures=row["failures"], until=row["last"] + cool_off)
                     for row in rows)
    return sorted(locks, key=lambda lock: lock.until, reverse=True)


def lock_release(*, kind: str, value: str, by) -> int:
    """Lift the lock of an account (kind "account", value a username) or an address (kind
    "address"): forget its failures, and write it to the audit log. Returns how many attempt rows
    were removed (0 when it was not locked). Raises ValueError for an unknown kind."""
    if kind not in ("account", "address"):
        raise ValueError(kind)
    removed = AxesProxyHandler.reset_attempts(**({"username": value} if kind == "account" else {"ip_address": value}))
    if removed:
        audit_log(actor=by, action="login_lock.release", target=None, reason=_("déblocage par un administrateur"),
                  data={"kind": kind, "value": value})
    return removed
