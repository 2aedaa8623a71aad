"""Forms: the plain-HTML answer form (no JavaScript needed), revocation, question import."""
from django import forms
from django.utils.translation import gettext_lazy as _

from assessments import grading


def response_from_post(row, data) -> dict | None:
    """The raw response to one attempt question read from a form POST (see the field names in
    templates/assessments/includes/question_fields.html)."""
    name = f"q{row.question_id}"
    spec = row.spec
    qtype = spec["type"]
    if qtype == "single":
        return {"choice": data.get(name, "")}
    if qtype == "multiple":
        return {"choices": data.getlist(name)}
    if qtype == "true_false":
        return {"value": data.get(name, "")}
    if qtype == "numeric":
        return {"value": data.get(name, "")}
    if qtype == "short_text":
        return {"text": data.get(name, "")}
    if qtype == "ordering":
        # The ranks as typed: grading.response_clean turns a complete set into the order and
        # keeps an incomplete one as a draft.
        ranks = {item["key"]: (data.get(f"{name}-{item['key']}") or "").strip() for item in spec["items"]}
        return {"ranks": {key: rank for key, rank in ranks.items() if rank}} if any(ranks.values()) else None
    if qtype == "matching":
        return {"pairs": {item["key"]: data.get(f"{name}-{item['key']}", "") for item in spec["left"]}}
    return None


def responses_from_post(rows, data) -> tuple[dict, dict, dict]:
    """(raw responses by question id, cleaned responses for redisplay, errors by question id)."""
    raw, cleaned, errors = {}, {}, {}
    for row in rows:
        response = response_from_post(row, data)
        raw[row.question_id] = response
        try:
            cleaned[row.question_id] = grading.response_clean(row.spec, response)
        except grading.ResponseError as exc:
            errors[row.question_id] = str(exc)
    return raw, cleaned, errors


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Motif de la révocation"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=1000)


class QuestionImportForm(forms.Form):
    """The question file, all or nothing (the import kit's page shows a preview first)."""

    MAX_BYTES = 5 * 1024 * 1024
    file = forms.FileField(label=_("Fichier JSON de questions"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("Fichier trop gros (5 Mo au plus)."))
        return upload
