"""Custom Wagtail admin screens for the organisation: the staff and clients CSV imports, the
deactivate / reactivate confirmations and the login locks. Thin: forms in, services do the work."""
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from academy import login_throttle
from academy.clients import COLUMNS as CLIENT_COLUMNS
from academy.clients import MAX_BYTES as CLIENT_MAX_BYTES
from academy.clients import clients_import
from academy.import_views import ImportView, Outcome
from academy.models import Staff
from academy.roles import user_is_admin
from academy.selectors import clients_referred_by
from academy.services import staff_deactivate, staff_reactivate
from academy.staff_import import COLUMNS, MAX_BYTES, staff_import


def user_may_import(user) -> bool:
    return user.has_perm("academy.add_staff") and user.has_perm("academy.change_staff")


class StaffImportView(ImportView):
    """The staff import on the kit's upload → preview → confirm page."""

    title = gettext_lazy("Importer des collaborateurs")
    columns = ",".join(COLUMNS)
    help_text = gettext_lazy(
        "Le profil accepte aussi technicien, administrateur, ingénieur, architecte, chef de projet technique ; "
        "les langues sont séparées par « ; » (ex. fr;en) ; une équipe absente est créée ; un responsable peut "
        "apparaître n'importe où dans le fichier.")
    max_bytes = MAX_BYTES

    def allowed(self, user) -> bool:
        return user_may_import(user)

    def run(self, content: bytes, *, partial: bool, actor, filename: str, **options):
        return staff_import(content=content, actor=actor, partial=partial, filename=filename)

    def describe(self, report) -> Outcome:
        return Outcome(summary=report.summary(), errors=[str(e) for e in sorted(report.errors, key=lambda e: e.line)],
                       warnings=[str(w) for w in report.warnings], ok=report.ok, written=report.written)


staff_import_view = StaffImportView.as_view()


class ClientsImportView(ImportView):
    """The clients import on the kit's upload → preview → confirm page."""

    title = gettext_lazy("Importer des clients")
    header_icon = "site"
    columns = ",".join(CLIENT_COLUMNS)
    help_text = gettext_lazy(
        "Les matricules des suppléants sont séparés par « ; » (la colonne peut être vide) ; active vaut true ou "
        "false (true si vide) ; le référent et les suppléants doivent être des collaborateurs existants.")
    max_bytes = CLIENT_MAX_BYTES

    def allowed(self, user) -> bool:
        return user.has_perm("academy.add_client") and user.has_perm("academy.change_client")

    def run(self, content: bytes, *, partial: bool, actor, filename: str, **options):
        return clients_import(content=content, by=actor, partial=partial)

    def describe(self, report) -> Outcome:
        return Outcome(summary=report.summary(), errors=[str(e) for e in sorted(report.errors, key=lambda e: e.line)],
                       ok=report.ok, written=report.written)


clients_import_view = ClientsImportView.as_view()


def _clients_warning(clients) -> str:
    return _("Ces clients ont besoin d'un nouveau référent : %(clients)s.") % {
        "clients": ", ".join(str(client) for client in clients)}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Motif"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=1000)


def _confirm(request, pk: int, *, deactivate: bool):
    if not request.user.has_perm("academy.change_staff"):
        raise PermissionDenied
    staff = get_object_or_404(Staff.objects.select_related("user", "team"), pk=pk)
    form = ReasonForm(request.POST or None)
    referred = clients_referred_by(staff=staff) if deactivate else []
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        if deactivate:
            staff_deactivate(staff=staff, by=request.user, reason=reason)
            messages.success(request, _("%(name)s est désactivé : son historique est conservé.") % {"name": staff})
            if referred:
                messages.warning(request, _clients_warning(referred))
        else:
            staff_reactivate(staff=staff, by=request.user, reason=reason)
            messages.success(request, _("%(name)s est réactivé.") % {"name": staff})
        return redirect("wagtailsnippets_academy_staff:list")
    title = _("Désactiver un collaborateur") if deactivate else _("Réactiver un collaborateur")
    return TemplateResponse(request, "academy/admin/staff_confirm.html", {
        "form": form, "staff": staff, "deactivate": deactivate, "page_title": title,
        "header_icon": "user", "clients_warning": _clients_warning(referred) if referred else "",
    })


def staff_deactivate_view(request, pk: int):
    return _confirm(request, pk, deactivate=True)


def staff_reactivate_view(request, pk: int):
    return _confirm(request, pk, deactivate=False)


class LockReleaseForm(forms.Form):
    kind = forms.ChoiceField(choices=[("account", "account"), ("address", "address")])
    value = forms.CharField(max_length=255)


def login_locks_view(request):
    """GET: the accounts and addresses the password-guessing throttle locks now. POST (kind,
    value): lift one lock. Administrators only."""
    if not user_is_admin(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = LockReleaseForm(request.POST)
        if form.is_valid():
            kind, value = form.cleaned_data["kind"], form.cleaned_data["value"]
            if login_throttle.lock_release(kind=kind, value=value, by=request.user):
                messages.success(request, _("« %(value)s » est débloqué.") % {"value": value})
            else:
                messages.warning(request, _("« %(value)s » n'était pas bloqué.") % {"value": value})
        else:
            messages.error(request, _("Demande de déblocage invalide."))
        return redirect("academy_login_locks")
    return TemplateResponse(request, "academy/admin/login_locks.html", {
        "locks": login_throttle.locks_current(), "page_title": _("Connexions bloquées"), "header_icon": "lock",
        "account_limit": settings.AXES_FAILURE_LIMIT, "address_limit": settings.ACADEMIE_LOGIN_FAILURES_PER_ADDRESS,
        "minutes": login_throttle.lockout_minutes(),
    })
