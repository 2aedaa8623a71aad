"""Forms of the lead-facing path pages. They check shapes only; rules (permissions, due dates in
the past, prerequisites) are enforced by courses.paths.services and reported back on the form."""
from django import forms
from django.utils.translation import gettext_lazy as _

from academy.models import Profile, Tier
from assessments.models import Certification, Exam
from courses.models import CoursePage
from courses.paths.models import MAX_DUE_DAYS, DueMode, StepKind, TrainingPath
from skills.models import RoleProfile


class PathForm(forms.ModelForm):
    class Meta:
        model = TrainingPath
        fields = ["name", "description", "role_profile", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role_profile"].queryset = RoleProfile.objects.filter(active=True).order_by("name")
        self.fields["role_profile"].empty_label = _("— aucun —")


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type d'étape"), choices=StepKind.choices)
    course = forms.ModelChoiceField(label=_("Formation"), queryset=None, required=False,
                                    empty_label=_("— choisir une formation —"))
    exam = forms.ModelChoiceField(label=_("Examen"), queryset=None, required=False,
                                  empty_label=_("— choisir un examen —"))
    certification = forms.ModelChoiceField(label=_("Certification"), queryset=None, required=False,
                                           empty_label=_("— choisir une certification —"))
    required = forms.BooleanField(label=_("Obligatoire"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        self.fields["exam"].queryset = Exam.objects.filter(active=True).order_by("title")
        self.fields["certification"].queryset = Certification.objects.filter(active=True).order_by("code")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind and not data.get(kind):
            self.add_error(kind, _("Choisissez la cible de cette étape."))
        return data


class DueFields(forms.Form):
    due_mode = forms.ChoiceField(label=_("Échéance"), choices=DueMode.choices, initial=DueMode.RELATIVE,
                                 widget=forms.RadioSelect)
    due_on = forms.DateField(label=_("Date d'échéance"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    due_days = forms.IntegerField(label=_("Jours après l'affectation"), required=False, min_value=1,
                                  max_value=MAX_DUE_DAYS, initial=30)

    def clean(self):
        data = super().clean()
        if data.get("due_mode") == DueMode.ABSOLUTE and not data.get("due_on"):
            self.add_error("due_on", _("Indiquez la date d'échéance."))
        if data.get("due_mode") == DueMode.RELATIVE and not data.get("due_days"):
            self.add_error("due_days", _("Indiquez le nombre de jours."))
        return data


class AssignForm(DueFields):
    """Assign to one person, a whole team, or a rule. People and teams are offered from those the
    lead leads; any other value reaches the service, which answers 403."""

    TARGETS = [("person", _("Une personne")), ("team", _("Toute une équipe")),
               ("rule", _("Une règle (profil et niveau)"))]

    target = forms.ChoiceField(label=_("Assigner à"), choices=TARGETS, initial="person", widget=forms.RadioSelect)
    staff = forms.CharField(label=_("Collaborateur"), required=False, max_length=32)
    team = forms.IntegerField(label=_("Équipe"), required=False, min_value=1)
    profile = forms.ChoiceField(label=_("Profil"), required=False, choices=[("", _("— tous —"))] + Profile.choices)
    tier = forms.ChoiceField(label=_("Niveau de support"), required=False, choices=[("", _("— tous —"))] + Tier.choices)

    def __init__(self, *args, people=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = list(people)
        self.teams = list(teams)
        self.fields["staff"].widget = forms.Select(choices=[("", _("— choisir —"))] + [
            (s.employee_id, f"{s.display_name} ({s.employee_id}) — {s.team or ''}") for s in self.people])
        self.fields["team"].widget = forms.Select(choices=[("", _("— choisir —"))] + [
            (t.pk, t.name) for t in self.teams])

    def clean(self):
        data = super().clean()
        target = data.get("target")
        if target == "person" and not data.get("staff"):
            self.add_error("staff", _("Choisissez la personne."))
        if target == "team" and not data.get("team"):
            self.add_error("team", _("Choisissez l'équipe."))
        if target == "rule" and not (data.get("profile") or data.get("tier")):
            self.add_error("profile", _("Une règle porte sur un profil, un niveau, ou les deux."))
        return data


class GapCloseForm(forms.Form):
    path = forms.IntegerField(min_value=1)
    skill = forms.CharField(max_length=40)
    level = forms.IntegerField(min_value=1, max_value=4)
    due_days = forms.IntegerField(label=_("Jours pour le terminer"), required=False, min_value=1,
                                  max_value=MAX_DUE_DAYS, initial=30)
    people = forms.CharField(max_length=20000, help_text=_("Matricules séparés par des virgules."))

    def clean_people(self):
        ids = [value.strip() for value in self.cleaned_data["people"].split(",") if value.strip()]
        if not ids:
            raise forms.ValidationError(_("Personne à qui assigner ce parcours."))
        return ids
