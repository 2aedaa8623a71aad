"""Date filters shared by the site's templates (the formats themselves: academy/formats)."""
from django import template

from academy.formats import last_valid_day

register = template.Library()


@register.filter
def last_day(until):
    """`{{ cell.valid_until|last_day|date:"DATE_FORMAT" }}`: the last day a validity end covers."""
    return last_valid_day(until)
