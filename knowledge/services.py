"""Writes of the knowledge base: setting it up (the index page, the experts' workflow and page
permissions), the version that lists follow, a reading recorded as a learning event, and the
owners' review reminders."""
from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from wagtail.models import GroupApprovalTask, GroupPagePermission, Page, Workflow, WorkflowPage, WorkflowTask

from academy.roles import CONTENT_EDITOR, KNOWLEDGE_EXPERT
from academy.selectors import staff_for_user
from academy.services import notification_send
from knowledge.models import DocumentRead, KnowledgeDocumentPage, KnowledgeIndexPage, KnowledgeVersion
from knowledge.selectors import catalogue_forget
from learning_records.learning_events import Activity, learning_event_record

WORKFLOW_NAME = "Validation par un expert"
INDEX_INTRO = ("<p>Les procédures et les standards de configuration de chaque solution que nous "
               "maintenons, écrits et validés par les experts N2/N3, pour résoudre au premier contact.</p>")
# Editors write and submit; experts also publish (and so validate the workflow's task).
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page")
EXPERT_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
REVIEW_REMINDER_DAYS = 30


def knowledge_version_bump(**kwargs) -> None:
    """Tell every process that the lists of documents may have changed (knowledge.selectors.catalogue):
    this one drops its copy now and again after commit, the others see the new version within
    `VERSION_CHECK_SECONDS`. Connected to Wagtail's publication, unpublication, move and deletion of
    knowledge pages."""
    catalogue_forget()
    transaction.on_commit(catalogue_forget)
    if not KnowledgeVersion.objects.filter(pk=1).update(value=F("value") + 1):
        try:
            with transaction.atomic():
                KnowledgeVersion.objects.create(pk=1, value=1)
        except IntegrityError:  # created meanwhile by another writer
            KnowledgeVersion.objects.filter(pk=1).update(value=F("value") + 1)


@transaction.atomic
def knowledge_base_ensure(*, stdout=None) -> KnowledgeIndexPage:
    """The knowledge base's index page (created and published as a child of the tree's root if
    needed), its "Validation par un expert" workflow (one approval task for the experts' group) and
    its page permissions: content editors add and edit, experts also publish. Idempotent."""
    index_page = KnowledgeIndexPage.objects.first()
    if index_page is None:
        root = Page.get_first_root_node()
        slug = "connaissances"
        if root.get_children().filter(slug=slug).exists():
            slug = "base-de-connaissances"
        index_page = KnowledgeIndexPage(title="Base de connaissances", slug=slug, intro=INDEX_INTRO)
        root.add_child(instance=index_page)
        index_page.save_revision().publish()
        if stdout:
            stdout.write("knowledge: base de connaissances créée")
    experts, _created = Group.objects.get_or_create(name=KNOWLEDGE_EXPERT)
    editors, _created = Group.objects.get_or_create(name=CONTENT_EDITOR)
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=WORKFLOW_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=WORKFLOW_NAME)
    task.groups.add(experts)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task.task_ptr, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=index_page, defaults={"workflow": workflow})
    for group, codenames in ((editors, EDITOR_PAGE_PERMISSIONS), (experts, EXPERT_PAGE_PERMISSIONS)):
        for codename in codenames:
            permission = Permission.objects.filter(content_type__app_label="wagtailcore", codename=codename).first()
            if permission is not None:
                GroupPagePermission.objects.get_or_create(group=group, page=index_page, permission=permission)
    return index_page


def _activity(document: KnowledgeDocumentPage) -> Activity:
    return Activity(kind=document.kind or "procedure", key=str(document.pk), name={"fr": document.title},
                    description={"fr": document.purpose[:500]} if document.purpose else {})


def document_read_record(*, user, document: KnowledgeDocumentPage, today: date | None = None) -> bool:
    """Record that `user` read `document`: an xAPI `experienced` statement (forwarded after commit),
    once per person, document and day. Returns whether a statement was recorded: False for a user
    without a staff record or a document already read that day."""
    staff = staff_for_user(user)
    if staff is None:
        return False
    day = today or timezone.localdate()
    with transaction.atomic():
        _read, created = DocumentRead.objects.get_or_create(staff=staff, document_id=document.pk, day=day)
        if created:
            learning_event_record(staff=staff, verb="experienced", activity=_activity(document))
    return created


def review_reminders_send(*, today: date | None = None, days_before: int = REVIEW_REMINDER_DAYS) -> int:
    """Remind the owner of every live document whose review date is within `days_before` days (or
    past): one notification per document and review date (a new date, a new reminder). Returns
    how many were sent."""
    today = today or timezone.localdate()
    documents = (KnowledgeDocumentPage.objects.live().filter(review_due_on__lte=today + timedelta(days=days_before),
                                                             owner__isnull=False, owner__is_active=True)
                 .select_related("owner"))
    sent = 0
    for document in documents:
        due = document.review_due_on
        if due < today:
            title = _("À revoir : « %(title)s » a dépassé sa date de relecture (%(date)s)")
        else:
            title = _("À relire avant le %(date)s : « %(title)s »")
        title = title % {"title": document.title, "date": date_format(due, "DATE_FORMAT")}
        body = _("Vous êtes le propriétaire de ce document. Relisez-le, corrigez ce qui a changé, "
                 "reportez la date de relecture puis soumettez-le à validation.")
        notification = notification_send(
            recipient=document.owner, kind="knowledge.review", title=title, body=body,
            url=f"/admin/pages/{document.pk}/edit/", dedupe_key=f"knowledge-review:{document.pk}:{due.isoformat()}")
        sent += notification is not None
    return sent
