from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.models import Tier
from skills.models import Domain, Skill


def _level_choices(minimum: int = 1):
    from skills.selectors import scale_labels

    return [(level, f"{level} — {label}") for level, label in sorted(scale_labels().items()) if level >= minimum]


class SkillChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} — {obj.name}"


def _end_of_day(day):
    """A date means "valid through that day": it stops counting at the next midnight, local time."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)) if day else None


class SelfAssessmentForm(forms.Form):
    skill = SkillChoiceField(label=_("Compétence"), queryset=Skill.objects.none())
    level = forms.TypedChoiceField(label=_("Niveau que je pense avoir"), coerce=int, choices=())
    comment = forms.CharField(label=_("Ce qui le montre (facultatif)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill"].queryset = Skill.objects.filter(active=True).select_related("domain").order_by("code")
        self.fields["level"].choices = _level_choices()


class EvidenceForm(forms.Form):
    """A lead records a level directly (a `manager` evidence)."""

    skill = SkillChoiceField(label=_("Compétence"), queryset=Skill.objects.none())
    level = forms.TypedChoiceField(label=_("Niveau constaté"), coerce=int, choices=())
    valid_until = forms.DateField(label=_("Valable jusqu'au (inclus, facultatif)"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Motif"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill"].queryset = Skill.objects.filter(active=True).select_related("domain").order_by("code")
        self.fields["level"].choices = _level_choices()

    def clean_valid_until(self):
        day = self.cleaned_data.get("valid_until")
        if day and day < timezone.localdate():
            raise forms.ValidationError(_("Cette date est déjà passée."))
        return _end_of_day(day)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Valider")), ("reject", _("Refuser"))],
                                 widget=forms.RadioSelect, label=_("Décision"))
    level = forms.TypedChoiceField(label=_("Niveau validé"), coerce=int, choices=(), required=False,
                                   empty_value=None)
    valid_until = forms.DateField(label=_("Valable jusqu'au (facultatif)"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    comment = forms.CharField(label=_("Commentaire"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", _("le niveau déclaré"))] + _level_choices()

    def clean_valid_until(self):
        day = self.cleaned_data.get("valid_until")
        if day and day < timezone.localdate():
            raise forms.ValidationError(_("Cette date est déjà passée."))
        return _end_of_day(day)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Expliquez le refus en quelques mots."))
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Motif de la révocation"), max_length=2000)


class MatrixFilterForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Équipe"), queryset=None, required=False, empty_label=_("Toutes"))
    domain = forms.ModelChoiceField(label=_("Domaine"), queryset=Domain.objects.all(), required=False,
                                    empty_label=_("Tous"))
    tier = forms.ChoiceField(label=_("Niveau de support"), required=False,
                             choices=[("", _("Tous"))] + list(Tier.choices))

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class CoverageFilterForm(MatrixFilterForm):
    min_level = forms.TypedChoiceField(
        label=_("Qualifié à partir de"), required=False, coerce=int, empty_value=None, choices=(),
        help_text=_("Par défaut : 2 pour le N1, 3 pour le N2, 4 pour le N3."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["min_level"].choices = [("", _("selon le niveau de support"))] + _level_choices()
