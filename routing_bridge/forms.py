from django import forms
from django.utils.translation import gettext_lazy as _

from academy.clients import client_by_code
from academy.models import Tier
from routing_bridge.category_rules import DEFAULT_TICKET_TYPE, escalation_from
from routing_bridge.errors import BridgeError
from routing_bridge.models import CategoryRule, TicketType
from skills.forms import skill_choices_by_domain
from skills.selectors import scale_labels

# A category longer than any rule's cannot name one.
CATEGORY_MAX_LENGTH = CategoryRule._meta.get_field("category").max_length
REQUIRED_ROWS = 4
OPTIONAL_ROWS = 2


class PresentOnlyInput(forms.CheckboxInput):
    """A box ticked unless the request says otherwise: the page's form sends "false" in a hidden
    field before the box, so an unticked box reads false; a link without the field (a category
    suggestion, a shared address of before) asks for present people only, as `route` does."""

    def value_from_datadict(self, data, files, name):
        if name not in data:
            return True
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return False


class QualifiedForm(forms.Form):
    """The dispatcher's question: a ticket category (with the ticket's type, its client and who
    escalated it), or skills with minimum levels; tiers; present people only or everyone."""

    category = forms.CharField(label=_("Catégorie du ticket"), required=False, max_length=CATEGORY_MAX_LENGTH,
                               error_messages={"max_length": _(
                                   "La catégorie du ticket compte %(show_value)d caractères : "
                                   "%(limit_value)d au plus.")},
                               help_text=_("Ex. « Réseau > VPN ». Laissez vide pour choisir les compétences."))
    ticket_type = forms.ChoiceField(label=_("Type de ticket"), choices=TicketType.choices, required=False,
                                    initial=DEFAULT_TICKET_TYPE,
                                    help_text=_("Une catégorie peut avoir une règle propre à chaque type."))
    client = forms.CharField(label=_("Client"), required=False, max_length=40,
                             help_text=_("Code du client, ex. BLEMOINE : son référent est indiqué, et qui connaît "
                                         "le client passe devant."))
    escalate_from = forms.CharField(label=_("Escaladé par"), required=False, max_length=32,
                                    help_text=_("Matricule de la personne qui escalade, ex. E10001 : seuls les "
                                                "niveaux au-dessus du sien sont proposés, elle exclue."))
    tiers = forms.MultipleChoiceField(label=_("Niveaux de support"), choices=Tier.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    present_only = forms.BooleanField(label=_("Présents seulement"), required=False, initial=True,
                                      widget=PresentOnlyInput,
                                      help_text=_("Écarter les personnes signalées absentes par l'outil de tickets."))
    at = forms.DateTimeField(label=_("Date et heure (facultatif, maintenant par défaut)"), required=False,
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
                             help_text=_("Pour savoir qui était ou sera qualifié à un autre moment."))

    def __init__(self, *args, skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        skill_choices = [("", _("— Choisir une compétence —"))] + skill_choices_by_domain(skills)
        # The scale as edited, in the active language (level 0 is no requirement at all).
        level_choices = [(level, f"{level} — {label}") for level, label in scale_labels().items() if level > 0]
        for prefix, rows, label in (("req", REQUIRED_ROWS, _("Compétence requise %(n)s")),
                                    ("opt", OPTIONAL_ROWS, _("Compétence facultative %(n)s"))):
            for i in range(1, rows + 1):
                self.fields[f"{prefix}{i}_skill"] = forms.ChoiceField(
                    label=label % {"n": i}, choices=skill_choices, required=False)
                self.fields[f"{prefix}{i}_level"] = forms.TypedChoiceField(
                    label=_("Niveau minimum"), choices=level_choices, coerce=int, initial=2, required=False)

    def rows(self, prefix: str, count: int):
        return [(self[f"{prefix}{i}_skill"], self[f"{prefix}{i}_level"]) for i in range(1, count + 1)]

    def required_rows(self):
        return self.rows("req", REQUIRED_ROWS)

    def optional_rows(self):
        return self.rows("opt", OPTIONAL_ROWS)

    def requirements(self, prefix: str, count: int) -> list[tuple[str, int]]:
        result = []
        for i in range(1, count + 1):
            code = self.cleaned_data.get(f"{prefix}{i}_skill")
            if code:
                result.append((code, self.cleaned_data.get(f"{prefix}{i}_level") or 2))
        return result

    def clean_ticket_type(self):
        return self.cleaned_data.get("ticket_type") or DEFAULT_TICKET_TYPE

    def clean_client(self):
        """The client's code as given (None when empty); an unknown code is an error."""
        code = (self.cleaned_data.get("client") or "").strip()
        if not code:
            return None
        if client_by_code(code) is None:
            raise forms.ValidationError(_("Client inconnu : %(client)s") % {"client": code})
        return code

    def clean_escalate_from(self):
        """The escalation (routing_bridge.category_rules.Escalation) of the person named, or None."""
        employee_id = (self.cleaned_data.get("escalate_from") or "").strip()
        if not employee_id:
            return None
        try:
            return escalation_from(employee_id=employee_id)
        except BridgeError as exc:
            raise forms.ValidationError(exc.detail) from None

    def clean(self):
        data = super().clean()
        required = self.requirements("req", REQUIRED_ROWS)
        optional = self.requirements("opt", OPTIONAL_ROWS)
        if not data.get("category") and not required and "category" not in self.errors:
            raise forms.ValidationError(_("Choisissez une catégorie ou au moins une compétence requise."))
        codes = [c for c, _lvl in required + optional]
        if len(codes) != len(set(codes)):
            raise forms.ValidationError(_("Une compétence est choisie deux fois."))
        data["required"] = required
        data["optional"] = optional
        return data
