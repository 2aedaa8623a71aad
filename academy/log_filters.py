"""Logging filters named by the LOGGING setting (academy/settings/base.py)."""
import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """Django logs a refused request (a 403 from PermissionDenied, a 400 from a suspicious one)
    with the exception's traceback. A refusal is an answer, not a fault: keep its one line
    (status and path) and drop the traceback; a 500, or a record without a status, keeps it."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
