"""Celery tasks of the organisation app, and the one way the project queues a task after a
commit (`task_kick`)."""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from celery import current_app, shared_task
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


@shared_task(name="academy.ping")
def ping_task(value: str) -> str:
    """A round-trip probe: returns what it was given. Used by the worker health test."""
    return f"pong:{value}"


PERIODIC_TASKS: dict = {}


@dataclass(eq=False)
class _AfterCommit:
    """A callback registered by `on_commit_once`: equal to another one with the same `call`
    until it has run (a test's captured callbacks stay in the connection's list once run)."""

    call: Callable[[], None]
    done: bool = field(default=False)

    def __call__(self) -> None:
        self.done = True
        self.call()


def on_commit_once(call: Callable[[], None], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Run `call` after the current transaction commits (at once outside one), once however
    many times the transaction asks for it: a callback equal to `call` already waiting at this
    savepoint level or an outer one stands for it. Three thousand statements written in one
    transaction queue one forwarding pass, not three thousand."""
    connection = connections[using]
    if connection.in_atomic_block:
        current = set(connection.savepoint_ids)
        # Django keeps the waiting callbacks as (savepoint ids, callback, robust); one registered
        # in a savepoint that is still open may be rolled back alone, so it does not count.
        for savepoints, waiting, _robust in connection.run_on_commit:
            if isinstance(waiting, _AfterCommit) and not waiting.done and waiting.call == call \
                    and savepoints <= current:
                return
    transaction.on_commit(_AfterCommit(call), using=using)


@dataclass(frozen=True)
class _Kick:
    task: object  # a Celery task, or the name it is registered under
    kwargs: tuple[tuple[str, object], ...]
    when: Callable[[], bool] | None

    def __call__(self) -> None:
        name = self.task if isinstance(self.task, str) else getattr(self.task, "name", repr(self.task))
        try:
            if self.when is None or self.when():
                task = current_app.tasks[self.task] if isinstance(self.task, str) else self.task
                task.delay(**dict(self.kwargs))
        except (BrokerError, OSError) as exc:
            logger.warning("could not queue %s (%s: %s); its periodic task will catch up",
                           name, type(exc).__name__, exc)
        except Exception:  # noqa: BLE001 - the data is saved: the request must still succeed
            logger.exception("could not queue %s; its periodic task will catch up", name)


def task_kick(task, *, when: Callable[[], bool] | None = None, **kwargs) -> None:
    """Queue `task.delay(**kwargs)` (`task` a Celery task or its registered name: a service kicks
    its app's tasks by name, since the tasks module imports the services) once the current transaction commits (at once outside one),
    once per transaction for the same task and arguments, and only if `when()` (checked after
    the commit) is true. Never raises: the data is saved by then, so a broker outage must not
    fail the user's request; it is logged, and the task's periodic catch-up does the work."""
    on_commit_once(_Kick(task, tuple(sorted(kwargs.items())), when))
