"""The knowledge base's site pages: the page tree served at /connaissances/ (Wagtail's own serving
is for the catalogue's site, under /formations/) and the search page. Each view turns a request
into a selector call."""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.models import Page

from academy.clients import client_by_code
from knowledge.models import DocumentKind, KnowledgeIndexPage
from knowledge.selectors import SearchFilters, procedures_search, search_facets

SEARCH_PAGE_SIZE = 20


def serve(request, path: str = ""):
    """Serve the knowledge page at `path` below the index, as Wagtail's `serve` view does
    (its before_serve_page hooks, then the page's own `serve`). 404 for an unknown page, or one
    that is not live or below a page that is not live."""
    index_page = KnowledgeIndexPage.objects.first()
    if index_page is None or not index_page.live:
        raise Http404
    components = [part for part in path.split("/") if part]
    if components:
        url_path = index_page.url_path + "".join(f"{part}/" for part in components)
        page = Page.objects.filter(url_path=url_path, path__startswith=index_page.path).specific().first()
        if page is None or not page.live or page.get_ancestors().filter(
                depth__gt=index_page.depth, live=False).exists():
            raise Http404
    else:
        page = index_page
    for hook in hooks.get_hooks("before_serve_page"):
        result = hook(page, request, [], {})
        if isinstance(result, HttpResponse):
            return result
    return page.serve(request)


def _search_filters(params) -> tuple[SearchFilters, list[str]]:
    """The search page's filters from its query string. Unknown values are dropped with a note
    for the page, never an error."""
    notes = []
    filters = SearchFilters(q=params.get("q", "").strip()[:200], category=params.get("category", "").strip()[:255],
                            skill=params.get("skill", "").strip()[:40], domain=params.get("domain", "").strip()[:20])
    filters.due = params.get("due") == "1"
    kind = params.get("kind", "")
    filters.kind = kind if kind in DocumentKind.values else ""
    solution = params.get("solution", "")
    filters.solution = int(solution) if solution.isdigit() else None
    code = params.get("client", "").strip()[:40]
    if code:
        filters.client = client_by_code(code)
        if filters.client is None:
            notes.append(_("Client inconnu : « %(code)s » (filtre ignoré).") % {"code": code})
    return filters, notes


@login_required
def search(request):
    """/connaissances/recherche/: procedures and standards by text (French) and filters, for signed-in
    staff; paginated."""
    filters, notes = _search_filters(request.GET)
    searched = any([filters.q, filters.category, filters.skill, filters.domain, filters.kind, filters.solution,
                    filters.client, filters.due])
    documents = procedures_search(filters) if searched else []
    page = Paginator(documents, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "knowledge/search.html", {
        "filters": filters, "notes": notes, "searched": searched, "page": page, "total": len(documents),
        "facets": search_facets(), "querystring": query.urlencode(), "kinds": DocumentKind.choices,
        "client_code": filters.client.code if filters.client else "",
    })
