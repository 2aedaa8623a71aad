"""Reads of the knowledge base: which documents serve a ticket, the search, and what each page shows.

Every list of documents (the `route` answer, `GET procedures`, the dispatcher's page, the search
page, a course's documents) is read from one in-process copy of the live documents, `catalogue()`,
rebuilt when `KnowledgeVersion` moves (every publication, unpublication, move or deletion of a
knowledge page bumps it), which each process checks at most once a second: `route` pays nothing
for it most of the time, one primary-key read otherwise.

Who sees a client's documents: a document restricted to a client is listed only when the question
names that client (a ticket of that client, a search filtered on it), never otherwise; any signed-in
staff member may open it from such a list (docs/knowledge.md, "Clients")."""
from __future__ import annotations

import heapq
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from wagtail.search.query import Or, PlainText

from academy.categories import category_keys, category_normalize
from academy.models import Client
from courses.models import CoursePage
from courses.selectors import search_terms_variants
from knowledge.extensions import extensions
from knowledge.models import (
    DocumentCategory, KnowledgeDocumentPage, KnowledgeIndexPage, KnowledgeVersion, SolutionPage, StandardDeviation,
    knowledge_path, review_is_due,
)
from skills.models import Domain, Skill

logger = logging.getLogger(__name__)

ROUTE_LIMIT = 20  # documents in a `route` answer and on the dispatcher's page
SEARCH_LIMIT = 200  # documents in a `GET procedures` answer
SEARCH_HITS = 1000  # full-text hits read from the search backend when other filters narrow them


# --- The copy of the live documents -------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """A live document as every list shows it."""

    id: int
    kind: str
    title: str
    purpose: str
    solution_id: int
    solution: str
    domain: str
    path: str  # the URL path on the site
    updated_at: datetime | None
    review_due_on: date | None
    client_id: int | None
    categories: tuple[str, ...]
    category_keys: frozenset[str]
    skills: tuple[str, ...]
    deviation_client_ids: frozenset[int]
    tier: str = ""

    @property
    def review_due(self) -> bool:
        """Past its review date: "à revoir" wherever it is shown."""
        return review_is_due(self.review_due_on)

    @property
    def url(self) -> str:
        """The absolute URL (what a router hands to a technician)."""
        return settings.ACADEMIE_SITE_URL.rstrip("/") + self.path

    def serves_client(self, client_id: int | None) -> bool:
        """Written for that client: restricted to it, or a standard with a deviation for it."""
        return client_id is not None and (self.client_id == client_id or client_id in self.deviation_client_ids)

    def visible_for(self, client_id: int | None) -> bool:
        """General documents always; a client's own only when the question names that client."""
        return self.client_id is None or self.client_id == client_id


@dataclass
class Catalogue:
    version: int
    documents: dict[int, Document] = field(default_factory=dict)
    by_category_key: dict[str, set[int]] = field(default_factory=dict)
    by_skill: dict[str, set[int]] = field(default_factory=dict)


_catalogue: Catalogue | None = None
_catalogue_checked_at = 0.0
_catalogue_lock = threading.Lock()
# How long a process trusts its copy before reading KnowledgeVersion again. The process that
# publishes drops its copy at once (catalogue_forget); the others see a publication within this.
VERSION_CHECK_SECONDS = 1.0


def knowledge_version() -> int:
    return KnowledgeVersion.objects.filter(pk=1).values_list("value", flat=True).first() or 0


def catalogue() -> Catalogue:
    """The live documents, from the process's copy: trusted for VERSION_CHECK_SECONDS, then kept as
    long as `KnowledgeVersion` has not moved (one query), else read again (a handful of queries)."""
    global _catalogue, _catalogue_checked_at
    current = _catalogue
    if current is not None and time.monotonic() - _catalogue_checked_at < VERSION_CHECK_SECONDS:
        return current
    version = knowledge_version()
    with _catalogue_lock:
        if _catalogue is None or _catalogue.version != version:
            _catalogue = _catalogue_read(version)
        _catalogue_checked_at = time.monotonic()
        return _catalogue


def _catalogue_read(version: int) -> Catalogue:
    pages = list(KnowledgeDocumentPage.objects.live().order_by("path").values(
        "id", "kind", "title", "purpose", "path", "url_path", "last_published_at", "review_due_on",
        "client_id", "procedurepage__tier"))
    steplen = KnowledgeDocumentPage.steplen
    solutions = {s["path"]: s for s in SolutionPage.objects.live().values("id", "path", "title", "domain__code")}
    categories: dict[int, list[str]] = {}
    for page_id, category in DocumentCategory.objects.order_by("sort_order", "pk").values_list("page_id", "category"):
        categories.setdefault(page_id, []).append(category)
    skills: dict[int, list[str]] = {}
    through = KnowledgeDocumentPage.skills.through
    for page_id, code in through.objects.order_by("skill__code").values_list("knowledgedocumentpage_id", "skill__code"):
        skills.setdefault(page_id, []).append(code)
    deviations: dict[int, set[int]] = {}
    for page_id, client_id in StandardDeviation.objects.values_list("page_id", "client_id"):
        deviations.setdefault(page_id, set()).add(client_id)
    found = Catalogue(version=version)
    for row in pages:
        solution = solutions.get(row["path"][:-steplen])
        if solution is None:  # under an unpublished solution: not reachable
            continue
        cats = tuple(categories.get(row["id"], ()))
        document = Document(
            id=row["id"], kind=row["kind"], title=row["title"], purpose=row["purpose"],
            solution_id=solution["id"], solution=solution["title"], domain=solution["domain__code"] or "",
            path=knowledge_path(row["url_path"]),
            updated_at=row["last_published_at"], review_due_on=row["review_due_on"], client_id=row["client_id"],
            categories=cats, category_keys=frozenset(category.casefold() for category in cats),
            skills=tuple(skills.get(row["id"], ())), deviation_client_ids=frozenset(deviations.get(row["id"], ())),
            tier=row["procedurepage__tier"] or "",
        )
        found.documents[document.id] = document
        for key in document.category_keys:
            found.by_category_key.setdefault(key, set()).add(document.id)
        for code in document.skills:
            found.by_skill.setdefault(code, set()).add(document.id)
    return found


def catalogue_forget() -> None:
    """Drop the process's copy: the next list reads the documents again."""
    global _catalogue
    _catalogue = None


# --- Which documents serve a ticket -------------------------------------------------------------


def procedures_for_ticket(*, category: str, skill_codes: list[str] | tuple[str, ...] = (),
                          client: Client | None = None, limit: int = ROUTE_LIMIT) -> list[Document]:
    """The live documents for a ticket of `category` needing `skill_codes`, most specific first.

    A document serves the ticket when it is linked to the ticket's category or to one of its
    ancestors ("Messagerie" serves "Messagerie > Boîte aux lettres", as category rules do), or,
    failing that, to one of the required skills. A document restricted to a client serves only
    that client's tickets. Order:
      1. documents matched by category before those matched by skills only;
      2. among those matched by category, the nearest category first (the exact category, then its
         parent, and so on);
      3. documents written for the ticket's client (restricted to it, or a standard with a
         deviation for it) before general ones;
      4. title, then id.
    At most `limit` documents."""
    found = catalogue()
    client_id = client.pk if client is not None else None
    depth: dict[int, int] = {}
    for level, key in enumerate(category_keys(category)):
        for document_id in found.by_category_key.get(key, ()):
            depth.setdefault(document_id, level)
    by_skill = {document_id for code in skill_codes for document_id in found.by_skill.get(code, ())}

    def order(document: Document):
        matched = depth.get(document.id)
        return (matched is None, matched or 0, not document.serves_client(client_id), document.title.casefold(),
                document.id)

    by_category = sorted((found.documents[i] for i in depth if found.documents[i].visible_for(client_id)), key=order)
    if len(by_category) >= limit:
        return by_category[:limit]
    # Skills only fill the places left: a skill may have hundreds of documents.
    by_skill_only = (found.documents[i] for i in by_skill if i not in depth and found.documents[i].visible_for(client_id))
    return by_category + heapq.nsmallest(limit - len(by_category), by_skill_only, key=order)


# --- Search ---------------------------------------------------------------------------------------


class UnknownFilter(ValueError):
    """A filter names something that does not exist: `field` is the filter, `value` what was given."""

    def __init__(self, field: str, value: str):
        super().__init__(f"{field}: {value}")
        self.field, self.value = field, value


@dataclass
class SearchFilters:
    q: str = ""
    category: str = ""
    skill: str = ""
    client: Client | None = None
    solution: int | None = None
    domain: str = ""
    kind: str = ""
    due: bool = False  # only documents past their review date


def search_ids(query: str, *, limit: int = SEARCH_HITS) -> list[int]:
    """Ids of live documents matching `query` in French, best first. On PostgreSQL the text is
    stemmed and unaccented (the `french_unaccent` configuration, docs/knowledge.md); other
    databases also try the light plural reduction of the catalogue (courses.selectors)."""
    query = (query or "").strip()[:200]
    if not query:
        return []
    search_query = PlainText(query)
    if connection.vendor != "postgresql":
        variant = search_terms_variants(query)
        if variant and variant != query:
            search_query = Or([PlainText(query), PlainText(variant)])
    try:
        pages = KnowledgeDocumentPage.objects.live().defer_streamfields().only("id").search(search_query)[:limit]
        return list(dict.fromkeys(page.pk for page in pages))
    except Exception:  # a query the backend cannot parse must not break the search page or the API
        logger.warning("knowledge search failed for %r", query, exc_info=True)
        return []


def procedures_search(filters: SearchFilters, *, limit: int | None = None) -> list[Document]:
    """Live documents matching every filter given: the text `q` (French, best match first), the
    ticket `category` (its documents and its ancestors', as `procedures_for_ticket`, nearest first),
    a `skill` code, a `solution` page id, a `domain` code, a `kind`, `due` (past their review date).
    A client's own documents are listed only when `client` names it (and first then); without `q`
    nor `category`, by solution then title. With `q` alone, among its SEARCH_LIMIT best matches."""
    found = catalogue()
    client_id = filters.client.pk if filters.client is not None else None
    documents = [d for d in found.documents.values() if d.visible_for(client_id)]
    if filters.skill:
        documents = [d for d in documents if filters.skill in d.skills]
    if filters.solution:
        documents = [d for d in documents if d.solution_id == filters.solution]
    if filters.domain:
        documents = [d for d in documents if d.domain == filters.domain]
    if filters.kind:
        documents = [d for d in documents if d.kind == filters.kind]
    if filters.due:
        documents = [d for d in documents if d.review_due]
    rank: dict[int, int] = {}
    if filters.q.strip():
        # The text alone: its SEARCH_LIMIT best matches (reading more costs about 0.03 ms a hit);
        # with other filters, enough hits for them to keep SEARCH_LIMIT.
        narrowed = any([filters.category, filters.skill, filters.solution, filters.domain, filters.kind, filters.due])
        hits = search_ids(filters.q, limit=SEARCH_HITS if narrowed else SEARCH_LIMIT)
        rank = {document_id: i for i, document_id in enumerate(hits)}
        documents = [d for d in documents if d.id in rank]
    depth: dict[int, int] = {}
    if category_normalize(filters.category):
        for level, key in enumerate(category_keys(filters.category)):
            for document_id in found.by_category_key.get(key, ()):
                depth.setdefault(document_id, level)
        documents = [d for d in documents if d.id in depth]

    def order(document: Document):
        return (depth.get(document.id, 0), not document.serves_client(client_id), rank.get(document.id, 0),
                "" if rank or depth else document.solution.casefold(), document.title.casefold(), document.id)

    documents.sort(key=order)
    return documents if limit is None else documents[:limit]


def search_facets() -> dict:
    """The choices of the search page's filters: solutions, domains, skills and clients that have
    live documents, and the categories documents are linked to."""
    found = catalogue()
    documents = found.documents.values()
    solution_ids = {d.solution_id for d in documents}
    skill_codes = set(found.by_skill)
    client_ids = {d.client_id for d in documents if d.client_id} | {
        i for d in documents for i in d.deviation_client_ids}
    return {
        "solutions": list(SolutionPage.objects.filter(pk__in=solution_ids).order_by("title").values_list("pk", "title")),
        "domains": list(Domain.objects.filter(code__in={d.domain for d in documents}).order_by("name_fr")),
        "skills": list(Skill.objects.filter(code__in=skill_codes).order_by("code")),
        "clients": list(Client.objects.filter(pk__in=client_ids).order_by("name")),
        "categories": sorted({c for d in documents for c in d.categories}, key=str.casefold),
    }


# --- What the pages show ------------------------------------------------------------------------


def documents_usage(document_ids) -> dict[int, dict[str, int]]:
    """{document id: {"resolved": n, "escalated": m}} from the apps that record ticket outcomes
    (knowledge.extensions); 0 and 0 for a document no ticket used."""
    ids = list(document_ids)
    usage = extensions.document_usage(document_ids=ids)
    return {i: {"resolved": usage.get(i, {}).get("resolved", 0), "escalated": usage.get(i, {}).get("escalated", 0)}
            for i in ids}


def documents_of_skills(*, skill_codes, limit: int = 30) -> list[Document]:
    """General live documents linked to any of `skill_codes` (a course's skills), by solution
    then title."""
    found = catalogue()
    ids = {i for code in skill_codes for i in found.by_skill.get(code, ())}
    documents = [found.documents[i] for i in ids if found.documents[i].client_id is None]
    return sorted(documents, key=lambda d: (d.solution.casefold(), d.title.casefold(), d.id))[:limit]


def course_documents(*, course: CoursePage) -> list[Document]:
    """The documents of the skills a course teaches (shown on the course page)."""
    return documents_of_skills(skill_codes=list(course.skills_taught.values_list("skill__code", flat=True)))


def index_context(*, index_page: KnowledgeIndexPage, user) -> dict:
    """The index: live solutions by domain, each with its number of general documents."""
    found = catalogue()
    counts: dict[int, int] = {}
    for document in found.documents.values():
        if document.client_id is None:
            counts[document.solution_id] = counts.get(document.solution_id, 0) + 1
    solutions = list(SolutionPage.objects.child_of(index_page).live().select_related("domain").order_by(
        "domain__name_fr", "title"))
    groups: dict = {}
    for solution in solutions:
        solution.document_count = counts.get(solution.pk, 0)
        groups.setdefault(solution.domain, []).append(solution)
    return {"domains": list(groups.items()), "facets": search_facets(), "review_due_count": sum(
        1 for d in found.documents.values() if d.review_due)}


def solution_context(*, solution: SolutionPage, user) -> dict:
    """A solution page: its general documents by kind (a client's own are listed on searches that
    name the client), its skills and links."""
    found = catalogue()
    documents = sorted((d for d in found.documents.values() if d.solution_id == solution.pk and d.client_id is None),
                       key=lambda d: d.title.casefold())
    client_documents = sum(1 for d in found.documents.values() if d.solution_id == solution.pk and d.client_id)
    return {
        "procedures": [d for d in documents if d.kind == "procedure"],
        "standards": [d for d in documents if d.kind == "standard"],
        "client_document_count": client_documents,
        "skills": list(solution.skills.order_by("code")),
        "links": list(solution.doc_links.all()),
    }


def document_context(*, document: KnowledgeDocumentPage, request) -> dict:
    """A procedure or a standard: its solution, skills, categories, client, the deviations (the one
    of the client named by `?client=` first), how often tickets used it, and whether it is due."""
    solution = document.get_parent().specific
    deviations = []
    if hasattr(document, "deviations"):
        deviations = list(document.deviations.select_related("client").order_by("client__name", "sort_order"))
    asked = request.GET.get("client", "")[:40]
    if asked:
        deviations.sort(key=lambda d: d.client.code != asked)
    usage = documents_usage([document.pk])[document.pk]
    return {
        "solution": solution,
        "document_skills": list(document.skills.order_by("code")),
        "document_categories": [c.category for c in document.categories.all()],
        "deviations": deviations,
        "asked_client": asked,
        "usage": usage,
        "review_due": document.review_due,
    }


def documents_due_for_review(*, within_days: int = 0, today: date | None = None):
    """Live documents whose review date is before `today + within_days`, the earliest first."""
    today = today or timezone.localdate()
    return (KnowledgeDocumentPage.objects.live().filter(review_due_on__lt=today + timedelta(days=within_days))
            .order_by("review_due_on", "title"))
