"""What every app's Wagtail admin is built on, so that the admin keeps the site's rules.

Wagtail scopes only a viewset's listing with `get_queryset(request)`: its edit, inspect, delete,
history and usage views read any row by id, and a model's chooser (`snippets/choose/...`) lists
every row to anyone who may open the admin, without checking a single permission. Here:

- `SnippetViewSet` (use it instead of Wagtail's) applies `get_queryset(request)` — the rows the
  user may see, read with the selector the site uses — to every Wagtail view of one object (404
  outside it), and gives the model a chooser that needs some permission on the model and lists
  the same rows.
- `ReadOnlyPolicy`: rows written only by the project's code (logs): nobody adds, changes or
  deletes them in the admin.
- `AdminReadOnlyPolicy`: rows whose every write goes through a service (its checks, its audit
  entry, its side effects): admins read them in the admin and change them on the site's pages,
  which call the services; nobody else sees them there."""
import functools

from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views import chooser
from wagtail.snippets.views import snippets

from academy.roles import ACADEMIE_ADMIN, user_is_admin

ANY_ACTION = ["add", "change", "delete", "view"]


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Rows written by the project's code, never edited by hand: viewing follows the model's
    permissions, adding, changing and deleting are refused to everyone (superusers too)."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class AdminReadOnlyPolicy(ReadOnlyPolicy):
    """Rows written through services: only admins (academie_admin, superusers) view them in the
    admin, whatever model permissions a group holds; the writes happen on the site's pages."""

    def user_has_permission(self, user, action):
        return action == "view" and user_is_admin(user)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and user_is_admin(user)

    def users_with_any_permission(self, actions):
        users = get_user_model().objects.filter(is_active=True)
        if "view" not in actions:
            return users.none()
        return users.filter(Q(is_superuser=True) | Q(groups__name=ACADEMIE_ADMIN)).distinct()


def visible_rows(model, request):
    """The rows of `model` the request's user may see in the admin: its viewset's
    `get_queryset(request)`, or every row when the viewset does not scope them."""
    viewset = getattr(model, "snippet_viewset", None)
    queryset = viewset.get_queryset(request) if viewset is not None else None
    return model._default_manager.all() if queryset is None else queryset


def _in_rows(rows, pks) -> bool:
    try:
        return rows.filter(pk__in=[unquote(str(pk)) for pk in pks]).count() == len(set(pks))
    except (ValueError, TypeError, ValidationError):  # not a valid id of this model
        return False


def _scoped(view, model, *, require_permission: bool):
    """`view` answering 404 for an object outside `visible_rows` (and, for a chooser, 403 to a
    user with no permission at all on the model)."""
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if require_permission and not model.snippet_viewset.permission_policy.user_has_any_permission(
                request.user, ANY_ACTION):
            raise PermissionDenied
        if "pk" in kwargs:
            pks = [kwargs["pk"]]
        else:  # the chooser's "chosen-multiple" view takes ?id=...&id=...
            pks = request.GET.getlist("id") if require_permission else []
        if pks and not _in_rows(visible_rows(model, request), pks):
            raise Http404
        return view(request, *args, **kwargs)
    return wrapper


class _VisibleRowsMixin:
    def get_object_list(self):
        return visible_rows(self.model_class, self.request)


class ChooseView(_VisibleRowsMixin, chooser.ChooseView):
    pass


class ChooseResultsView(_VisibleRowsMixin, chooser.ChooseResultsView):
    pass


class SnippetChooserViewSet(chooser.SnippetChooserViewSet):
    choose_view_class = ChooseView
    choose_results_view_class = ChooseResultsView

    def get_urlpatterns(self):
        patterns = super().get_urlpatterns()
        for pattern in patterns:
            pattern.callback = _scoped(pattern.callback, self.model, require_permission=True)
        return patterns


class SnippetViewSet(snippets.SnippetViewSet):
    chooser_viewset_class = SnippetChooserViewSet

    def get_urlpatterns(self):
        """Wagtail's own views, each limited to `get_queryset(request)`. A view a subclass adds
        checks its own object."""
        patterns = super().get_urlpatterns()
        for pattern in patterns:
            pattern.callback = _scoped(pattern.callback, self.model, require_permission=False)
        return patterns
