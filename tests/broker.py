"""A Celery broker that is down, for the tests of what a user sees during a broker outage."""
import socket
from contextlib import contextmanager


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


@contextmanager
def broker_down(monkeypatch):
    """Tasks go through Celery's real publishing (not eagerly), to a Redis broker on a closed
    local port: `.delay()` raises kombu's OperationalError, as in production when Redis is down."""
    from academy.celery import app

    # Under the CELERY_ namespace the settings' names win over Celery's own (academy.celery).
    monkeypatch.setitem(app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
    monkeypatch.setitem(app.conf, "CELERY_BROKER_URL", f"redis://127.0.0.1:{_closed_port()}/10")
    # The connection and producer pools are made once from the broker URL: start from none.
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
