"""Life cycle: an editor writes and submits, an expert validates (the "Validation par un expert"
workflow), revisions; owners are reminded before the review date, once per date."""
from datetime import timedelta

from django.utils import timezone
from wagtail.models import Workflow

from academy.models import Notification
from knowledge.models import ProcedurePage
from knowledge.services import WORKFLOW_NAME, knowledge_base_ensure, review_reminders_send
from knowledge.tasks import PERIODIC_TASKS
from tests.knowledge.builders import procedure_create


def test_editors_write_but_only_experts_publish(kb, editor, expert):
    draft = procedure_create(solution=kb["exo"], title="Brouillon", live=False)
    assert draft.permissions_for_user(editor).can_edit()
    assert not draft.permissions_for_user(editor).can_publish()
    assert draft.permissions_for_user(expert).can_publish()


def test_the_knowledge_base_uses_the_experts_workflow(kb):
    assert kb["shared"].get_workflow().name == WORKFLOW_NAME
    knowledge_base_ensure()  # idempotent
    assert Workflow.objects.filter(name=WORKFLOW_NAME).count() == 1


def test_a_submitted_procedure_goes_live_when_an_expert_approves(kb, editor, expert):
    draft = procedure_create(solution=kb["exo"], title="Configurer un connecteur", live=False)
    draft.save_revision(user=editor)
    state = draft.get_workflow().start(draft, editor)
    assert not ProcedurePage.objects.get(pk=draft.pk).live
    task_state = state.current_task_state
    assert task_state.task.specific.user_can_access_editor(draft, expert)
    assert not task_state.task.specific.get_actions(draft, editor)  # the editor cannot approve it
    task_state.task.specific.on_action(task_state, expert, "approve")
    assert ProcedurePage.objects.get(pk=draft.pk).live
    assert ProcedurePage.objects.get(pk=draft.pk).revisions.count() >= 1


def test_owners_are_reminded_once_per_review_date(kb, expert):
    today = timezone.localdate()
    # trace is past due, the others are 180 and 365 days away.
    assert review_reminders_send(today=today) == 1
    assert review_reminders_send(today=today) == 0
    notification = Notification.objects.get(recipient=expert)
    assert "Tracer un message non reçu" in notification.title
    page = kb["trace"]
    page.review_due_on = today + timedelta(days=20)
    page.save_revision().publish()
    assert review_reminders_send(today=today) == 1  # a new date, a new reminder
    assert review_reminders_send(today=today + timedelta(days=200)) == 3


def test_the_reminders_run_periodically():
    assert any(entry["task"] == "knowledge.review_reminders_send" for entry in PERIODIC_TASKS.values())
