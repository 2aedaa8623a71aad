"""Template filters of the skills app."""
from django import template

from skills.models import EvidenceSource

register = template.Library()


@register.filter
def evidence_source_label(value: str) -> str:
    """The translated label of an evidence source code ("exam" -> "Examen réussi"); an unknown code
    is shown as it is."""
    try:
        return EvidenceSource(value).label
    except ValueError:
        return value
