"""`{% my_paths staff %}`: the learner's paths section, for pages of other apps (/mes-formations/)
that do not compute it themselves."""
from django import template

from courses.paths.selectors import paths_for_learner

register = template.Library()


@register.inclusion_tag("paths/_my_paths.html")
def my_paths(staff):
    return {"path_rows": paths_for_learner(staff=staff), "staff": staff}
