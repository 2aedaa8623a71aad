"""JSON received from outside (request bodies, query parameters, uploaded files), read one way
everywhere: whatever the input, the caller gets the data or a `JsonInputError` to answer with a
4xx, never an exception that ends as a 500."""
import json

from django.utils.translation import gettext as _


class JsonInputError(ValueError):
    """JSON that cannot be used. `line` and `column` locate a syntax error (None otherwise)."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class NulCharacter(JsonInputError):
    """PostgreSQL cannot store NUL in text: refuse it up front rather than fail in the database."""


def _has_nul(value) -> bool:
    # A loop, not recursion: the parser accepts nesting deeper than a recursive walk survives.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def json_parse(data: str | bytes):
    """The value of the JSON document `data` (UTF-8 when bytes). Raises `JsonInputError` when it
    is not UTF-8 or not JSON, or is nested too deeply for the parser (Python's `json` raises
    RecursionError then); `NulCharacter`, a `JsonInputError`, when a string or key holds NUL."""
    try:
        value = json.loads(data)
    except json.JSONDecodeError as exc:
        raise JsonInputError(_("JSON invalide (%(msg)s).") % {"msg": exc.msg}, line=exc.lineno,
                             column=exc.colno) from None
    except UnicodeDecodeError:
        raise JsonInputError(_("Le JSON doit être encodé en UTF-8.")) from None
    except RecursionError:
        raise JsonInputError(_("JSON trop imbriqué.")) from None
    if _has_nul(value):
        raise NulCharacter(_("Le caractère NUL (\\u0000) n'est accepté dans aucun champ."))
    return value
