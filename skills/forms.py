from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.models import Tier
from skills.models import Domain, Skill
from skills.selectors import scale_labels, skills_active


def _level_choices(minimum: int = 1):
    return [(level, f"{level} — {label}") for level, label in sorted(scale_labels().items()) if level >= minimum]


def skill_label(skill) -> str:
    """How a skill is offered in a list: its name first, the code after it."""
    return f"{skill.name} ({skill.code})"


def skill_choices_by_domain(skills, *, value=lambda skill: skill.code) -> list:
    """Choices grouped by domain (rendered as <optgroup>), for `skills` ordered by domain
    (skills.selectors.skills_active): [(domain name, [(value, label), ...]), ...]."""
    groups = []
    for skill in skills:
        if not groups or groups[-1][0] != skill.domain_id:
            groups.append((skill.domain_id, skill.domain.name, []))
        groups[-1][2].append((value(skill), skill_label(skill)))
    return [(name, choices) for _id, name, choices in groups]


class _SkillsByDomainIterator(forms.models.ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from skill_choices_by_domain(self.queryset, value=lambda skill: self.choice(skill)[0])

    def __len__(self):
        return self.queryset.count() + (1 if self.field.empty_label is not None else 0)


class SkillChoiceField(forms.ModelChoiceField):
    """A skill chosen in a list grouped by domain, with a French empty choice."""

    iterator = _SkillsByDomainIterator

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("— Choisir une compétence —"))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return skill_label(obj)


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
        self.fields["skill"].queryset = skills_active()
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
        self.fields["skill"].queryset = skills_active()
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
