"""The xAPI store moved from `academy/xapi` to its own app, `learning_records`, keeping its label
(`xapi`): a database that held statements before the move keeps them, migrated to the latest
state, and the app reads them."""
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE_LAST = ("xapi", "0002_statement_sequence")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_statements_stored_before_the_move_are_kept_and_read_by_learning_records(learner):
    executor = _migrate([BEFORE_LAST])
    historical = executor.loader.project_state([BEFORE_LAST]).apps
    OldStatement = historical.get_model("xapi", "Statement")
    statement_id = uuid.uuid4()
    OldStatement.objects.create(
        id=statement_id, position=1, verb="http://adlnet.gov/expapi/verbs/completed", actor_name="E10001",
        staff_id=learner.pk, activity_id="https://academie.example/xapi/activities/course/7",
        timestamp=timezone.now(), data={"id": str(statement_id), "verb": {"id": "completed"}},
    )

    leaves = [node for node in MigrationExecutor(connection).loader.graph.leaf_nodes() if node[0] == "xapi"]
    _migrate(leaves)

    from learning_records.apps import LearningRecordsConfig
    from learning_records.models import Statement

    stored = Statement.objects.get(pk=statement_id)
    assert (stored.actor_name, stored.staff_id, stored.data["id"]) == ("E10001", learner.pk, str(statement_id))
    assert LearningRecordsConfig.name == "learning_records" and Statement._meta.app_label == "xapi"
    assert Statement._meta.db_table == "xapi_statement"
