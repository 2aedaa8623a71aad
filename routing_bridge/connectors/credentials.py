"""A connector's secret (an RT password or auth token): stored encrypted with Fernet under a key
derived from SECRET_KEY, or read from an environment variable the connector names. Changing
SECRET_KEY makes stored secrets unreadable: the connector then reports it and the secret must be
entered again."""
import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.translation import gettext as _

from routing_bridge.connectors.base import TicketSystemError


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"academie.routing_bridge.connectors:" + settings.SECRET_KEY.encode("utf-8")).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def secret_encrypt(secret: str) -> str:
    """The stored form of `secret` ("" for an empty one)."""
    return _fernet().encrypt(secret.encode("utf-8")).decode("ascii") if secret else ""


def connector_secret(connector) -> str:
    """The connector's secret in clear. Raises TicketSystemError when the environment variable it
    names is unset or the stored secret cannot be read (SECRET_KEY changed)."""
    if connector.secret_env:
        value = os.environ.get(connector.secret_env)
        if value is None:
            raise TicketSystemError(_("La variable d'environnement %(name)s n'est pas définie.")
                                    % {"name": connector.secret_env})
        return value
    if not connector.secret_encrypted:
        return ""
    try:
        return _fernet().decrypt(connector.secret_encrypted.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise TicketSystemError(_("Le secret enregistré est illisible (SECRET_KEY a changé ?) : saisissez-le à "
                                  "nouveau.")) from exc
