from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningRecordsConfig(AppConfig):
    """Learning records (xAPI): the statement store, forwarding to external LRSs, the LRS read API.
    The label stays `xapi`, the one it had inside `academy`: its tables, migrations, permissions
    and content types are unchanged by the move."""

    name = "learning_records"
    label = "xapi"
    verbose_name = _("Traces xAPI")

    def ready(self):
        # Services kick the forwarding task by its name (academy.tasks.task_kick): register it.
        from learning_records import tasks  # noqa: F401
