"""A small model field for "pick several of these choices" that works the same on SQLite and
PostgreSQL and stays filterable with one `__contains` lookup (no JSON containment, no ArrayField).
"""
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChoiceListField(models.CharField):
    """Stores a list of choice values as "N1,N2". The choice values must not be substrings of
    one another (true of tiers and profiles), so `field__contains="N1"` is an exact filter.
    An empty list means "everyone"."""

    description = _("Liste de choix")

    def __init__(self, *args, choice_list=(), **kwargs):
        self.choice_list = list(choice_list)
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["choice_list"] = self.choice_list
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return self._split(value)

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return [str(v) for v in value if v]
        return self._split(value)

    def get_prep_value(self, value):
        if isinstance(value, list | tuple):
            return ",".join(str(v) for v in value if v)
        return value or ""

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def validate(self, value, model_instance):
        allowed = {str(k) for k, _label in self.choice_list}
        unknown = [v for v in (value or []) if v not in allowed]
        if unknown:
            raise ValidationError(_("Valeur inconnue : %(values)s"), params={"values": ", ".join(unknown)})

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            choices=self.choice_list, required=not self.blank, label=self.verbose_name,
            help_text=self.help_text, widget=forms.CheckboxSelectMultiple,
        )

    @staticmethod
    def _split(value):
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return value
        return [v for v in str(value).split(",") if v]
