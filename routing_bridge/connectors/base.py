"""The interface every ticketing system module implements (see routing_bridge.connectors)."""
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime


class TicketSystemError(Exception):
    """The ticket system could not be reached or answered with an error worth retrying (network,
    timeout, 5xx, 429). The sync backs off and tries again later; nothing is skipped."""


class TicketSystemRefused(TicketSystemError):
    """The ticket system refused one request for good (4xx: a deleted ticket, a missing right, an
    unknown user). The sync records it on that ticket and goes on with the next."""


@dataclass
class Change:
    """One change of a ticket, in the system's order (`id` strictly increasing: the cursor).

    kind: "created", "queue", "owner" or "status"; `old`/`new`: queue names, owner logins (None:
    nobody) or statuses; `by`: the login of who made it; `ours`: made by the connector's account."""

    id: int
    ticket_id: str
    kind: str
    at: datetime
    old: str | None = None
    new: str | None = None
    by: str = ""
    ours: bool = False


@dataclass
class Ticket:
    """A ticket as the sync reads it: `owner` is a login or None (nobody); `fields` the custom
    fields by name (single values); `requestor_organization` when the system knows it."""

    id: str
    subject: str
    queue: str
    status: str
    owner: str | None
    priority: int | None = None
    fields: dict = field(default_factory=dict)
    requestor_organization: str = ""
    url: str = ""


class TicketSystem(ABC):
    """What a ticketing system module implements. Every method raises TicketSystemError when the
    system is unreachable or failing, TicketSystemRefused when a request is refused for good."""

    @abstractmethod
    def latest_change(self) -> int:
        """The id of the latest change: where a new connector starts (0 when there is none)."""

    @abstractmethod
    def changes_since(self, cursor: int, *, limit: int = 100) -> tuple[list[Change], int]:
        """(the changes after `cursor` that the sync acts on, oldest first; the id of the last
        change read). At most `limit` changes are read; those the sync never acts on (e-mails,
        replies, comments) are skipped, and their ids still move the second value on."""

    @abstractmethod
    def ticket(self, ticket_id: str) -> Ticket:
        """The ticket as it is now."""

    @abstractmethod
    def assign(self, ticket_id: str, login: str) -> None:
        """Make `login` the ticket's owner."""

    @abstractmethod
    def comment(self, ticket_id: str, text: str) -> None:
        """Add an internal comment (never a reply to the requestor)."""

    @abstractmethod
    def has_comment(self, ticket_id: str, marker: str) -> bool:
        """Whether an internal comment of the ticket contains `marker` (retries never post twice)."""

    @abstractmethod
    def open_tickets_by_owner(self, queues: list[str]) -> dict[str, int]:
        """{owner login: number of their active tickets in `queues`}; owners with none are absent."""

    @abstractmethod
    def user_email(self, login: str) -> str:
        """The e-mail address of the user `login` ("" when they have none)."""

    @abstractmethod
    def login_for_email(self, email: str) -> str | None:
        """The login of the user with this e-mail address, or None."""

