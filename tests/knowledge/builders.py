"""Builders for the knowledge base's page tree, through Wagtail's tree API as an editor would (so
URLs, search indexing and the publication signals behave as in production)."""
from datetime import timedelta

from django.utils import timezone
from wagtail.models import Site

from academy.sites import default_site_fields
from knowledge.models import DocumentCategory, ProcedurePage, SolutionPage, StandardDeviation, StandardPage
from knowledge.models import StandardSetting
from knowledge.services import knowledge_base_ensure


def kb_create():
    """The index (with its workflow and permissions) and a default site, as the demo builds them."""
    if not Site.objects.exists():
        from wagtail.models import Page

        Site.objects.create(root_page=Page.get_first_root_node(), **default_site_fields())
    return knowledge_base_ensure()


def solution_create(*, index, title="Exchange Online", slug=None, domain, skills=(), vendor="Microsoft"):
    solution = SolutionPage(title=title, slug=slug or title.lower().replace(" ", "-"), vendor=vendor, product=title,
                            domain=domain, summary=f"Résumé de {title}.")
    solution.skills = list(skills)
    index.add_child(instance=solution)
    solution.save_revision().publish()
    solution.refresh_from_db()
    return solution


def _links(page, *, categories, skills, client, review_in_days, owner):
    page.categories = [DocumentCategory(category=category) for category in categories]
    page.skills = list(skills)
    page.client = client
    page.owner = owner
    page.review_due_on = timezone.localdate() + timedelta(days=review_in_days)


def procedure_create(*, solution, title, categories=(), skills=(), client=None, review_in_days=180, owner=None,
                     live=True, purpose="Objet de la procédure.", steps=None, tier="N1"):
    page = ProcedurePage(title=title, purpose=purpose, tier=tier, steps=steps or [
        ("step", {"title": "Ouvrir la console", "body": "", "command": "Connect-ExchangeOnline", "language": "powershell"})],
        verification="<p>Le service répond.</p>", rollback="<p>Rien à annuler.</p>")
    _links(page, categories=categories, skills=skills, client=client, review_in_days=review_in_days, owner=owner)
    page.live = False
    solution.add_child(instance=page)
    if live:
        page.save_revision().publish()
        page.refresh_from_db()
    return page


def standard_create(*, solution, title, categories=(), skills=(), client=None, review_in_days=365, owner=None,
                    settings=(("AuditEnabled", "$true"),), deviations=(), purpose="Objet du standard."):
    page = StandardPage(title=title, purpose=purpose,
                        checks=[("check", {"text": "Audit actif", "details": "", "command": "Get-OrganizationConfig",
                                           "language": "powershell"})])
    page.settings = [StandardSetting(parameter=p, value=v, why="Parce que.", reference="https://learn.microsoft.com/")
                     for p, v in settings]
    page.deviations = [StandardDeviation(client=c, parameter=p, value=v, reason=r) for c, p, v, r in deviations]
    _links(page, categories=categories, skills=skills, client=client, review_in_days=review_in_days, owner=owner)
    page.live = False
    solution.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page
