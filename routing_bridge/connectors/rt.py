"""Request Tracker 5 through its REST 2.0 API (`/REST/2.0/`): transactions as changes, tickets,
owner, internal comments, open tickets per owner. Basic authentication (login and password) or an
RT auth token (`Authorization: token …`). Every call has a timeout; unreachable, slow, 5xx and 429
raise TicketSystemError (retried by the sync), other 4xx TicketSystemRefused."""
import json
from datetime import datetime, timezone

import requests
from django.utils.translation import gettext as _

from routing_bridge.connectors.base import Change, Ticket, TicketSystem, TicketSystemError, TicketSystemRefused
from routing_bridge.connectors.credentials import connector_secret

TIMEOUT = (5, 30)  # seconds to connect, seconds to answer
NOBODY = "Nobody"
OWNER_TYPES = {"Set", "Give", "Take", "Steal", "Untake"}  # "SetWatcher" repeats the same change
TRANSACTION_FIELDS = "Type,Field,OldValue,NewValue,ObjectId,Creator,Created"


def _instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


class RequestTracker(TicketSystem):
    def __init__(self, base_url: str, *, login: str, secret: str, token: bool = False,
                 with_organization: bool = False, session: requests.Session | None = None):
        self.root = base_url.rstrip("/")
        self.api = self.root + "/REST/2.0"
        self.login = login
        self.with_organization = with_organization
        self.session = session or requests.Session()
        if token:
            self.session.headers["Authorization"] = f"token {secret}"
        else:
            self.session.auth = (login, secret)
        self.session.headers["Accept"] = "application/json"
        self._queue_names: dict[str, str] = {}
        self._logins: dict[str, str | None] = {}

    @classmethod
    def for_connector(cls, connector) -> "RequestTracker":
        return cls(connector.base_url, login=connector.username, secret=connector_secret(connector),
                   token=connector.secret_is_token,
                   with_organization=connector.client_source == connector.ClientSource.ORGANIZATION)

    # --- HTTP -------------------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, params=None, body=None):
        url = path if path.startswith("http") else f"{self.api}/{path}"
        try:
            response = self.session.request(method, url, params=params, json=body, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise TicketSystemError(_("Request Tracker injoignable (%(url)s) : %(error)s")
                                    % {"url": self.root, "error": exc.__class__.__name__}) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TicketSystemError(_("Request Tracker a répondu %(code)s à %(method)s %(path)s.")
                                    % {"code": response.status_code, "method": method, "path": path})
        if response.status_code >= 400:
            raise TicketSystemRefused(_("Request Tracker a refusé %(method)s %(path)s (%(code)s) : %(detail)s")
                                      % {"method": method, "path": path, "code": response.status_code,
                                         "detail": response.text[:300]})
        try:
            return response.json()
        except ValueError as exc:
            raise TicketSystemError(_("Réponse illisible de Request Tracker à %(method)s %(path)s.")
                                    % {"method": method, "path": path}) from exc

    def _pages(self, method: str, path: str, *, params: dict, body=None):
        """Every item of a paged collection."""
        page = 1
        while True:
            data = self._call(method, path, params={**params, "page": page}, body=body)
            items = data.get("items") or []
            yield from items
            # RT counts the pages for superusers only; otherwise a short page is the last one.
            pages = data.get("pages")
            if (int(pages) if pages is not None else page + (len(items) >= params["per_page"])) <= page:
                return
            page += 1

    # --- Names ------------------------------------------------------------------------------------

    def _queue_name(self, queue_id) -> str:
        queue_id = str(queue_id)
        if queue_id not in self._queue_names:
            self._queue_names[queue_id] = self._call("GET", f"queue/{queue_id}")["Name"]
        return self._queue_names[queue_id]

    def _user_login(self, user_id) -> str | None:
        """The login of an RT user id (transactions name owners by id); None for Nobody."""
        user_id = str(user_id or "")
        if user_id in ("", "0"):
            return None
        if user_id not in self._logins:
            name = self._call("GET", f"user/{user_id}")["Name"]
            self._logins[user_id] = None if name == NOBODY else name
        return self._logins[user_id]

    # --- TicketSystem -----------------------------------------------------------------------------

    def latest_change(self) -> int:
        data = self._call("POST", "transactions", params={"per_page": 1, "orderby": "id", "order": "DESC"},
                          body=[{"field": "ObjectType", "value": "RT::Ticket"}])
        items = data.get("items") or []
        return int(items[0]["id"]) if items else 0

    def changes_since(self, cursor: int, *, limit: int = 100) -> tuple[list[Change], int]:
        data = self._call("POST", "transactions",
                          params={"per_page": limit, "orderby": "id", "order": "ASC", "fields": TRANSACTION_FIELDS},
                          body=[{"field": "id", "operator": ">", "value": int(cursor)},
                                {"field": "ObjectType", "value": "RT::Ticket"}])
        changes, last = [], cursor
        for item in data.get("items") or []:
            last = max(last, int(item["id"]))
            change = self._change(item)
            if change is not None:
                changes.append(change)
        return changes, last

    def _change(self, item: dict) -> Change | None:
        kind, field_name = item.get("Type"), item.get("Field")
        by = (item.get("Creator") or {}).get("id", "")
        common = {"id": int(item["id"]), "ticket_id": str(item["ObjectId"]), "at": _instant(item["Created"]),
                  "by": by, "ours": bool(self.login) and by == self.login}
        if kind == "Create":
            return Change(kind="created", **common)
        if kind == "Set" and field_name == "Queue":
            return Change(kind="queue", old=self._queue_name(item["OldValue"]),
                          new=self._queue_name(item["NewValue"]), **common)
        if kind in OWNER_TYPES and field_name == "Owner":
            return Change(kind="owner", old=self._user_login(item["OldValue"]),
                          new=self._user_login(item["NewValue"]), **common)
        if kind == "Status":
            return Change(kind="status", old=item.get("OldValue") or None, new=item.get("NewValue") or None,
                          **common)
        return None

    def ticket(self, ticket_id: str) -> Ticket:
        data = self._call("GET", f"ticket/{ticket_id}")
        owner = (data.get("Owner") or {}).get("id")
        fields = {cf["name"]: (cf.get("values") or [""])[0] for cf in data.get("CustomFields") or []}
        organization = ""
        if self.with_organization and data.get("Requestor"):
            requestor = self._call("GET", data["Requestor"][0]["_url"])
            organization = requestor.get("Organization") or ""
        try:
            priority = int(data.get("Priority"))
        except (TypeError, ValueError):
            priority = None
        return Ticket(id=str(data["id"]), subject=data.get("Subject") or "",
                      queue=self._queue_name(data["Queue"]["id"]), status=data.get("Status") or "",
                      owner=None if owner in (None, NOBODY) else owner, priority=priority, fields=fields,
                      requestor_organization=organization,
                      url=f"{self.root}/Ticket/Display.html?id={data['id']}")

    def assign(self, ticket_id: str, login: str) -> None:
        messages = self._call("PUT", f"ticket/{ticket_id}", body={"Owner": login})
        # RT answers 200 with its messages, a refusal among them ("… could not be set …").
        if not any("Owner changed" in message or "Owner set" in message for message in messages or []):
            if self._call("GET", f"ticket/{ticket_id}").get("Owner", {}).get("id") != login:
                raise TicketSystemRefused(_("Request Tracker n'a pas affecté le ticket %(id)s à %(login)s : "
                                            "%(messages)s") % {"id": ticket_id, "login": login,
                                                               "messages": " ".join(messages or [])})

    def comment(self, ticket_id: str, text: str) -> None:
        self._call("POST", f"ticket/{ticket_id}/comment", body={"Content": text, "ContentType": "text/plain"})

    def has_comment(self, ticket_id: str, marker: str) -> bool:
        for item in self._pages("GET", f"ticket/{ticket_id}/history", params={"per_page": 100, "fields": "Type"}):
            if item.get("Type") != "Comment":
                continue
            for attachment in self._pages("GET", f"transaction/{item['id']}/attachments",
                                          params={"per_page": 20, "fields": "Content"}):
                # A collection's `fields=Content` is the text itself (only /attachment/<id> is base64).
                if marker in (attachment.get("Content") or ""):
                    return True
        return False

    def open_tickets_by_owner(self, queues: list[str]) -> dict[str, int]:
        if not queues:
            return {}
        in_queues = " OR ".join(f"Queue = {json.dumps(q)}" for q in queues)
        query = f"({in_queues}) AND Owner != '{NOBODY}' AND Status = '__Active__'"
        counts: dict[str, int] = {}
        for item in self._pages("GET", "tickets", params={"query": query, "fields": "Owner", "per_page": 100}):
            login = (item.get("Owner") or {}).get("id")
            if login and login != NOBODY:
                counts[login] = counts.get(login, 0) + 1
        return counts

    def user_email(self, login: str) -> str:
        return self._call("GET", f"user/{login}").get("EmailAddress") or ""

    def login_for_email(self, email: str) -> str | None:
        data = self._call("POST", "users", params={"per_page": 2, "fields": "Name"},
                          body=[{"field": "EmailAddress", "value": email}])
        items = data.get("items") or []
        return items[0]["Name"] if len(items) == 1 else None
