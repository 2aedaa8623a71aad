"""Demo data of the knowledge base: the index, its experts' workflow and permissions
(knowledge.services.knowledge_base_ensure), then the solutions, procedures and standards of
knowledge/demo_content.py, published, owned by the `expert` demo account. Idempotent: pages are
found by slug and never overwritten (an editor may have changed them)."""
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from academy.models import Client
from knowledge.demo_content import SOLUTIONS
from knowledge.models import DocumentCategory, ProcedurePage, SolutionLink, SolutionPage, StandardDeviation
from knowledge.models import StandardPage, StandardSetting
from knowledge.services import knowledge_base_ensure
from skills.models import Domain, Skill

OWNER_USERNAMES = ("expert", "editeur")
STEP_TITLE_MAX = 200


def _paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>" if text else ""


def _step(text: str, command: str) -> tuple[str, dict]:
    title, body = (text, "") if len(text) <= STEP_TITLE_MAX else (text[:STEP_TITLE_MAX - 1] + "…", _paragraph(text))
    return ("step", {"title": title, "body": body, "command": command or "", "language": "powershell"})


def _check(text: str, command: str) -> tuple[str, dict]:
    return ("check", {"text": text[:300], "details": "", "command": command or "", "language": "powershell"})


def _links(page, data: dict, skills: dict, clients: dict) -> bool:
    """Skills, categories and client of a document from its data; False when it names an unknown client."""
    client_code = data.get("client")
    if client_code and client_code not in clients:
        return False
    page.client = clients.get(client_code) if client_code else None
    page.skills = [skills[code] for code in data.get("skills", []) if code in skills]
    page.categories = [DocumentCategory(category=category) for category in data.get("categories", [])]
    page.review_due_on = timezone.localdate() + timedelta(days=data.get("review_days", 365))
    return True


def _publish(parent, page, owner):
    page.owner = owner
    parent.add_child(instance=page)
    page.save_revision(user=owner).publish(user=owner)
    return page


@transaction.atomic
def seed(*, stdout) -> None:
    index_page = knowledge_base_ensure(stdout=stdout)
    users = get_user_model().objects
    owner = next((u for u in (users.filter(username=n).first() for n in OWNER_USERNAMES) if u), None)
    domains = {d.code: d for d in Domain.objects.all()}
    skills = {s.code: s for s in Skill.objects.all()}
    clients = {c.code: c for c in Client.objects.all()}
    created = {"solutions": 0, "procedures": 0, "standards": 0}
    for data in SOLUTIONS:
        solution = SolutionPage.objects.child_of(index_page).filter(slug=data["slug"]).first()
        if solution is None:
            domain = domains.get(data["domain"])
            if domain is None:
                stdout.write(f"knowledge: domaine inconnu {data['domain']!r}, solution {data['slug']} ignorée")
                continue
            solution = SolutionPage(
                title=data["title"], slug=data["slug"], vendor=data["vendor"], product=data["product"],
                versions=data.get("versions", ""), domain=domain, summary=data.get("summary", ""),
                skills=[skills[code] for code in data.get("skills", []) if code in skills],
                doc_links=[SolutionLink(title=title, url=url) for title, url in data.get("doc_links", [])])
            _publish(index_page, solution, owner)
            created["solutions"] += 1
        existing = set(solution.get_children().values_list("slug", flat=True))
        for item in data.get("procedures", []):
            if item["slug"] in existing:
                continue
            page = ProcedurePage(
                title=item["title"], slug=item["slug"], purpose=item["purpose"],
                prerequisites="\n".join(item.get("prerequisites", [])),
                steps=[_step(step["text"], step.get("command", "")) for step in item["steps"]],
                verification=_paragraph(item.get("verification", "")), rollback=_paragraph(item.get("rollback", "")),
                tier=item.get("tier", "N1"), duration_minutes=item.get("duration_minutes", 15))
            if not _links(page, item, skills, clients):
                stdout.write(f"knowledge: client inconnu {item['client']!r}, procédure {item['slug']} ignorée")
                continue
            _publish(solution, page, owner)
            created["procedures"] += 1
        for item in data.get("standards", []):
            if item["slug"] in existing:
                continue
            page = StandardPage(
                title=item["title"], slug=item["slug"], purpose=item["purpose"],
                checks=[_check(check["text"], check.get("command", "")) for check in item.get("checks", [])],
                settings=[StandardSetting(parameter=s["parameter"], value=s["value"], why=s.get("why", ""),
                                          reference=s.get("reference", "")) for s in item.get("settings", [])],
                deviations=[StandardDeviation(client=clients[d["client"]], parameter=d["parameter"], value=d["value"],
                                              reason=d["reason"])
                            for d in item.get("deviations", []) if d["client"] in clients])
            if not _links(page, item, skills, clients):
                stdout.write(f"knowledge: client inconnu {item['client']!r}, standard {item['slug']} ignoré")
                continue
            _publish(solution, page, owner)
            created["standards"] += 1
    stdout.write(f"knowledge: {created['solutions']} solutions, {created['procedures']} procédures, "
                 f"{created['standards']} standards créés")
