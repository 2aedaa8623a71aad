"""The import kit's admin page: upload → preview → confirm, one view class and one template for
every importer (`templates/academy/admin/import.html`).

Upload: the file is validated and imported in a transaction that is rolled back (a dry run): the
preview shows the line-numbered report and what the import would do, nothing is written. The file
waits on the server (`PENDING_DIR`, an hour at most) under a signed token bound to the user.
Confirm: the same file is imported for real and the report shown. An importer plugs in by
subclassing `ImportView` with `run` (its import function), `describe` (its report as summary,
errors, warnings) and `allowed` (its permission check); `form_class` may add choices (e.g. which
kind of file), passed to `run`; `extra_context` and the template's `after` block add to the page.

This module is on the ground floor: it imports nothing above `academy`.
"""
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

PENDING_DIR = Path(tempfile.gettempdir()) / "academie-imports"
PENDING_MAX_AGE = 3600  # seconds a previewed file waits for its confirmation
_SALT = "academy.import_views"


@dataclass
class Outcome:
    """An importer's report as the page shows it."""

    summary: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ok: bool = True  # no error
    written: bool = False  # something was (or, in a preview, would be) written


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Fichier CSV"),
                           help_text=gettext_lazy("UTF-8, séparateur « , », « ; » ou tabulation, avec la ligne "
                                                  "d'en-tête."))
    partial = forms.BooleanField(label=gettext_lazy("Importer les lignes valides même si d'autres sont en erreur"),
                                 required=False)

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(_("Le fichier dépasse %(size)d Mo.") % {"size": self.max_bytes // (1024 * 1024)})
        return upload


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


class _Preview(Exception):
    """Raised inside the dry run's transaction to roll it back, carrying the report."""

    def __init__(self, report):
        super().__init__()
        self.report = report


class ImportView(View):
    template_name = "academy/admin/import.html"
    title = ""
    header_icon = "upload"
    columns = ""  # the header line the page shows
    help_text = ""  # one paragraph about the format
    max_bytes = 10 * 1024 * 1024
    form_class = UploadForm
    prefix = None  # of the upload form's fields

    # --- What an importer provides ---------------------------------------------------------

    def allowed(self, user) -> bool:
        raise NotImplementedError

    def run(self, content: bytes, *, partial: bool, actor, filename: str, **options):
        """Import `content` (`options`: the upload form's other fields); returns the importer's
        report. Raises nothing for bad input."""
        raise NotImplementedError

    def describe(self, report) -> Outcome:
        raise NotImplementedError

    def extra_context(self, request) -> dict:
        return {}

    def upload_form(self, *args):
        return self.form_class(*args, max_bytes=self.max_bytes, prefix=self.prefix)

    # --- The page ----------------------------------------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        if not self.allowed(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render(request, form=self.upload_form())

    def post(self, request):
        if "token" in request.POST:
            return self.confirm(request)
        form = self.upload_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, form=form, status=400)
        # An importer whose files are all or nothing (no `partial` field) imports them whole.
        upload, partial = form.cleaned_data["file"], form.cleaned_data.get("partial", False)
        options = {name: value for name, value in form.cleaned_data.items() if name not in ("file", "partial")}
        content = upload.read()
        try:
            with transaction.atomic():
                raise _Preview(self.run(content, partial=partial, actor=request.user, filename=upload.name,
                                        **options))
        except _Preview as preview:
            outcome = self.describe(preview.report)
        confirm = None
        if outcome.written:
            confirm = ConfirmForm(initial={"token": _pending_save(content, user=request.user, name=upload.name,
                                                                  partial=partial, options=options)})
        return self.render(request, form=form, outcome=outcome, preview=True, confirm=confirm, filename=upload.name,
                           status=200 if outcome.written or outcome.ok else 422)

    def confirm(self, request):
        form = ConfirmForm(request.POST)
        pending = _pending_load(form.data.get("token", ""), user=request.user) if form.is_valid() else None
        if pending is None:
            messages.error(request, _("Cet aperçu a expiré ou a déjà été importé : déposez le fichier à nouveau."))
            return self.render(request, form=self.upload_form(), status=400)
        content, name, partial, options = pending
        outcome = self.describe(self.run(content, partial=partial, actor=request.user, filename=name, **options))
        (messages.success if outcome.ok else messages.warning if outcome.written else messages.error)(
            request, outcome.summary)
        return self.render(request, form=self.upload_form(), outcome=outcome, filename=name,
                           status=200 if outcome.ok or outcome.written else 422)

    def render(self, request, *, form, status=200, **context):
        return TemplateResponse(request, self.template_name, {
            "form": form, "columns": self.columns, "help_text": self.help_text, "page_title": self.title,
            "header_icon": self.header_icon, "can_import": True, **self.extra_context(request), **context,
        }, status=status)


def _pending_save(content: bytes, *, user, name: str, partial: bool, options: dict) -> str:
    """Keep a previewed file until it is confirmed; returns the signed token naming it."""
    PENDING_DIR.mkdir(mode=0o700, exist_ok=True)
    key = uuid.uuid4().hex
    (PENDING_DIR / key).write_bytes(content)
    return signing.dumps({"key": key, "user": user.pk, "name": name, "partial": partial, "options": options},
                         salt=_SALT)


def _pending_load(token: str, *, user) -> tuple[bytes, str, bool, dict] | None:
    """The file of a preview (and forget it: a preview is confirmed once), or None when the token
    is forged, someone else's, expired or already used."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:
        return None
    path = PENDING_DIR / data["key"]
    if data.get("user") != user.pk or not path.is_file():
        return None
    content = path.read_bytes()
    path.unlink(missing_ok=True)
    for old in PENDING_DIR.iterdir():  # previews never confirmed
        try:
            if old.stat().st_mtime < time.time() - PENDING_MAX_AGE:
                old.unlink(missing_ok=True)
        except OSError:
            pass
    return content, data["name"], bool(data["partial"]), data.get("options") or {}
