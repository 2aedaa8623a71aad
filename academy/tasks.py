from celery import shared_task


@shared_task(name="academy.ping")
def ping_task(value: str) -> str:
    """A round-trip probe: returns what it was given. Used by the worker health test."""
    return f"pong:{value}"


PERIODIC_TASKS: dict = {}
