"""What the bridge's rules raise when they cannot answer: domain errors that know nothing of HTTP.
The API (`routing_bridge.api`) decides what each class means over HTTP; the pages show `detail`.

Every error keeps `detail` (a sentence for the person or the router that asked), `fields` (the
inputs that are wrong, each with why) and `extra` (what a caller can act on, such as the closest
known categories)."""


class BridgeError(Exception):
    """A question the bridge cannot answer; `detail` says why, `fields` names what is wrong."""

    def __init__(self, detail: str, *, fields: dict | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or {}
        self.extra = extra or {}


class InvalidQuery(BridgeError):
    """The question itself is wrong: unknown skills, a level outside the scale, a limit out of
    range, an empty category, an unreadable cursor, a person who does not exist."""


class NotFound(BridgeError):
    """The question is well formed but names something the bridge does not know."""


class UnknownCategory(NotFound):
    """No active rule governs the category nor any of its parents; `extra` carries the category
    asked and the closest known ones (`suggestions`)."""
