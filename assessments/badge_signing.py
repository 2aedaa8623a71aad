"""The Open Badges 3.0 credentials signed as VC-JWT (Open Badges 3.0 §8.2, "JSON Web Token Proof
Format"), with the issuer's Ed25519 key (EdDSA), and the public keys that verify them.

- `signing_key()`: the private key, from `ACADEMIE_BADGE_SIGNING_KEY` (PEM text) or
  `ACADEMIE_BADGE_SIGNING_KEY_FILE`; without either (development, demo, tests), generated once in
  `VAR_DIR` with mode 0600 and reused. Production (`ACADEMIE_BADGE_KEY_REQUIRED`) refuses to start
  without one (`signing_key_check`, called by the app's `ready()`: a system check would not stop
  gunicorn or the worker, which run none).
- `published_jwks()`: the JWK Set served at `assessments:badge_keys`: the current public key, then
  the previous ones (`ACADEMIE_BADGE_PREVIOUS_PUBLIC_KEYS`), so that badges signed before a
  rotation still verify. Never a private key.
- `credential_sign(credential=)`: the compact JWS of a credential.
- `badge_verify(token=)`: the checks a verifier makes, one line each, for `manage.py badge_verify`.

The private key is never logged, served or put in an error message: messages name the setting.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from datetime import timezone as dt_timezone
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone
from jwt.algorithms import OKPAlgorithm
from jwt.utils import base64url_encode

logger = logging.getLogger(__name__)

ALGORITHM = "EdDSA"
# Open Badges 3.0 §8.2.2: `typ`, when present, "MUST be set to JWT"; no other header than alg,
# kid, jwk and typ is allowed.
TOKEN_TYPE = "JWT"
# Served with the media type VC-JOSE-COSE registers for a credential secured as a JWT.
MEDIA_TYPE = "application/vc+jwt"
JWKS_MEDIA_TYPE = "application/jwk-set+json"
GENERATED_KEY_NAME = "badge-signing-key.pem"
JWT_CLAIMS = ("iss", "jti", "sub", "nbf", "exp")

_PUBLIC_PEM = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.S)
_cache: dict = {}


# Keys -------------------------------------------------------------------------------------------

def _private_key_from_pem(data: bytes, *, source: str) -> Ed25519PrivateKey:
    """Parse an unencrypted PEM private key; raise ImproperlyConfigured naming `source` (never the
    key) when it is not one or not Ed25519."""
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise ImproperlyConfigured(f"{source} is not an unencrypted PEM private key "
                                   "(create one with: openssl genpkey -algorithm ed25519).") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{source} must be an Ed25519 key (EdDSA), not {type(key).__name__}.")
    return key


def _read_key_file(path: str | os.PathLike, *, source: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"{source}: cannot read {path} ({exc.strerror}).") from None


def _public_keys_from_pem(text: str, *, source: str) -> list[Ed25519PublicKey]:
    keys = []
    for number, block in enumerate(_PUBLIC_PEM.findall(text or ""), start=1):
        try:
            key = serialization.load_pem_public_key(block.encode())
        except ValueError:
            raise ImproperlyConfigured(f"{source}: key {number} is not a PEM public key.") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ImproperlyConfigured(f"{source}: key {number} must be an Ed25519 public key.")
        keys.append(key)
    if (text or "").strip() and not keys:
        raise ImproperlyConfigured(f"{source} holds no PEM public key (-----BEGIN PUBLIC KEY-----).")
    return keys


def _pem_text(value: str | list | tuple | None) -> str:
    """The previous public keys' setting as one text: PEM text, or a list of PEM texts."""
    return "\n".join(value) if isinstance(value, (list, tuple)) else (value or "")


def _configured_key(*, pem: str | None, path: str | None) -> Ed25519PrivateKey | None:
    """The private key the settings give (PEM text first, else the file), or None when they give
    none. Raises ImproperlyConfigured, naming the setting, when it is unusable."""
    if pem:
        return _private_key_from_pem(pem.encode(), source="ACADEMIE_BADGE_SIGNING_KEY")
    if path:
        source = "ACADEMIE_BADGE_SIGNING_KEY_FILE"
        return _private_key_from_pem(_read_key_file(path, source=source), source=source)
    return None


def signing_key_check(*, pem: str | None, path: str | None, previous: str | list | None = None) -> None:
    """For production settings: raise ImproperlyConfigured unless a signing key is configured and
    readable, and every previous public key parses. Development generates a key instead."""
    if _configured_key(pem=pem, path=path) is None:
        raise ImproperlyConfigured(
            "ACADEMIE_BADGE_SIGNING_KEY or ACADEMIE_BADGE_SIGNING_KEY_FILE is required in production: the "
            "Ed25519 private key (PEM) that signs the Open Badges (openssl genpkey -algorithm ed25519).")
    _public_keys_from_pem(_pem_text(previous), source="ACADEMIE_BADGE_PREVIOUS_PUBLIC_KEYS")


def _generated_key(path: Path) -> Ed25519PrivateKey:
    """The key in `path`, created there first (mode 0600) when absent. Written to a private
    temporary file and linked into place, so that two processes starting together agree on one key
    and no process ever reads a half-written file."""
    source = f"the generated badge signing key {path}"
    if path.exists():
        return _private_key_from_pem(_read_key_file(path, source=source), source=source)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".badge-key-")  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:  # another process was first: use its key
            return _private_key_from_pem(_read_key_file(path, source=source), source=source)
    finally:
        os.unlink(temporary)
    logger.info("Open Badges: generated a new Ed25519 signing key in %s (kid %s); "
                "production sets ACADEMIE_BADGE_SIGNING_KEY or ACADEMIE_BADGE_SIGNING_KEY_FILE",
                path, key_id(key.public_key()))
    return key


def signing_key() -> Ed25519PrivateKey:
    """The private key that signs the badges (see the module docstring for where it comes from).
    Raises ImproperlyConfigured, naming the setting, when the configured key is unusable."""
    pem = getattr(settings, "ACADEMIE_BADGE_SIGNING_KEY", None)
    path = getattr(settings, "ACADEMIE_BADGE_SIGNING_KEY_FILE", None)
    generated = Path(settings.VAR_DIR) / GENERATED_KEY_NAME
    cache_key = ("private", pem, str(path) if path else None, None if (pem or path) else str(generated))
    if cache_key not in _cache:
        key = _configured_key(pem=pem, path=path) or _generated_key(generated)
        _cache.clear()  # settings changed (tests, a reload): forget the other keys
        _cache[cache_key] = key
    return _cache[cache_key]


def previous_public_keys() -> list[Ed25519PublicKey]:
    """The public keys of earlier signing keys still published (`ACADEMIE_BADGE_PREVIOUS_PUBLIC_KEYS`)."""
    return _public_keys_from_pem(_pem_text(getattr(settings, "ACADEMIE_BADGE_PREVIOUS_PUBLIC_KEYS", "")),
                                 source="ACADEMIE_BADGE_PREVIOUS_PUBLIC_KEYS")


def _public_jwk(public_key: Ed25519PublicKey) -> dict:
    jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
    return {"kty": jwk["kty"], "crv": jwk["crv"], "x": jwk["x"]}


def jwk_thumbprint(jwk: dict) -> str:
    """The RFC 7638 thumbprint (SHA-256, base64url) of an OKP public JWK: its required members
    `crv`, `kty`, `x` in that order, without spaces."""
    members = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"),
                         sort_keys=True)
    return base64url_encode(hashlib.sha256(members.encode()).digest()).decode("ascii")


def keys_url() -> str:
    return settings.ACADEMIE_SITE_URL + reverse("assessments:badge_keys")


def key_id(public_key: Ed25519PublicKey) -> str:
    """The `kid` of a public key: a URL that dereferences to it (Open Badges 3.0 §8.2.2 wants a
    URI): the JWK Set's address, with the key's RFC 7638 thumbprint as fragment."""
    return f"{keys_url()}#{jwk_thumbprint(_public_jwk(public_key))}"


def published_jwks() -> dict:
    """The JWK Set of the issuer: the current key first, then the previous ones, each with its
    `kid`, `alg` and `use`; public members only."""
    keys, seen = [], set()
    for public_key in [signing_key().public_key(), *previous_public_keys()]:
        jwk = _public_jwk(public_key)
        if jwk["x"] in seen:
            continue
        seen.add(jwk["x"])
        keys.append({**jwk, "kid": key_id(public_key), "alg": ALGORITHM, "use": "sig"})
    return {"keys": keys}


def current_key_id() -> str:
    return key_id(signing_key().public_key())


# Signing ----------------------------------------------------------------------------------------

def _numeric_date(value: str) -> int:
    """A credential's date-time (`2026-01-31T09:00:00.123Z`) as a JWT NumericDate: whole seconds."""
    return math.floor(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def jwt_claims(credential: dict) -> dict:
    """The registered claims Open Badges 3.0 §8.2.3 derives from the credential: `iss` (issuer.id),
    `jti` (id), `nbf` (validFrom), `exp` (validUntil) and `sub` (credentialSubject.id, only when
    the subject has one: ours are identified by a hashed e-mail address instead)."""
    issuer = credential["issuer"]
    claims = {"iss": issuer["id"] if isinstance(issuer, dict) else issuer, "jti": credential["id"],
              "nbf": _numeric_date(credential["validFrom"])}
    if credential.get("validUntil"):
        claims["exp"] = _numeric_date(credential["validUntil"])
    subject_id = (credential.get("credentialSubject") or {}).get("id")
    if subject_id:
        claims["sub"] = subject_id
    return claims


def credential_sign(*, credential: dict) -> str:
    """The credential as a compact JWS: the JWT payload is the credential itself with the claims of
    `jwt_claims`, signed with EdDSA by the current key, whose `kid` is in the header."""
    key = signing_key()
    payload = {**credential, **jwt_claims(credential)}
    return jwt.encode(payload, key, algorithm=ALGORITHM,
                      headers={"kid": key_id(key.public_key()), "typ": TOKEN_TYPE})


# Verifying --------------------------------------------------------------------------------------

@dataclass
class Check:
    ok: bool
    label: str
    detail: str


@dataclass
class Verification:
    """What `badge_verify` found: one `Check` per step, in order; `ok` when all passed. `payload` is
    the credential when the signature held, else None."""
    checks: list[Check] = field(default_factory=list)
    payload: dict | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    def add(self, ok: bool, label: str, detail: str) -> bool:
        self.checks.append(Check(ok, label, detail))
        return ok


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, dt_timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def badge_verify(*, token: str, jwks: dict | None = None, issuer: str | None = None,
                 now: datetime | None = None) -> Verification:
    """Check a VC-JWT badge as a verifier does (Open Badges 3.0 §8.2.4): the token's form, its
    header, a key of `jwks` (default: the keys this site publishes) matching the `kid`, the EdDSA
    signature, the issuer (default: this site), the claims against the credential, and the
    validity period at `now`. Stops at the first failure that makes the next steps meaningless.
    Never raises for a bad token."""
    result = Verification()
    token = (token or "").strip()
    issuer = issuer or settings.ACADEMIE_SITE_URL + "/"
    moment = math.floor((now or timezone.now()).timestamp())

    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        result.add(False, "Format", "ce n'est pas un JWT compact (trois parties séparées par des points).")
        return result
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        result.add(False, "Format", "l'en-tête du JWT est illisible.")
        return result
    result.add(True, "Format", "JWT compact (JWS).")

    if header.get("alg") != ALGORITHM:
        result.add(False, "Algorithme", f"« {header.get('alg')} » au lieu de {ALGORITHM} (Ed25519).")
        return result
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        result.add(False, "Clé", "l'en-tête ne désigne aucune clé (kid absent).")
        return result
    published = jwks if jwks is not None else published_jwks()
    thumbprint = kid.rsplit("#", 1)[-1]
    matches = [jwk for jwk in published.get("keys", [])
               if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("x")
               and (jwk.get("kid") == kid or jwk_thumbprint(jwk) == thumbprint)]
    if not matches:
        result.add(False, "Clé", f"la clé {kid} n'est pas publiée par l'émetteur : badge étranger ou clé retirée.")
        return result
    result.add(True, "Clé", f"publiée par l'émetteur ({thumbprint}).")

    try:
        public_key = jwt.PyJWK.from_dict({**matches[0], "alg": ALGORITHM}).key
        payload = jwt.decode(token, public_key, algorithms=[ALGORITHM],
                             options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                                      "verify_iss": False, "verify_aud": False, "verify_sub": False,
                                      "verify_jti": False})
    except jwt.InvalidSignatureError:
        result.add(False, "Signature", "invalide : le badge a été modifié après sa signature, "
                                       "ou signé par une autre clé.")
        return result
    except jwt.PyJWTError:
        result.add(False, "Signature", "impossible à vérifier : le contenu du JWT est illisible "
                                       "(modifié ou tronqué).")
        return result
    result.payload = payload
    result.add(True, "Signature", "EdDSA valide.")

    credential_issuer = payload.get("issuer")
    issuer_id = credential_issuer.get("id") if isinstance(credential_issuer, dict) else credential_issuer
    if payload.get("iss") != issuer or issuer_id != issuer:
        result.add(False, "Émetteur", f"« {payload.get('iss')} » au lieu de {issuer}.")
    else:
        result.add(True, "Émetteur", f"{issuer}")

    types = payload.get("type") or []
    if "OpenBadgeCredential" not in types and "AchievementCredential" not in types:
        result.add(False, "Type", "ce n'est pas un OpenBadgeCredential.")
    try:
        expected = jwt_claims(payload)
    except (KeyError, TypeError, ValueError, AttributeError):
        result.add(False, "Contenu", "le justificatif n'a pas les champs id, issuer et validFrom.")
        return result
    mismatched = [name for name in JWT_CLAIMS if payload.get(name) != expected.get(name)]
    if mismatched:
        result.add(False, "Contenu", "les revendications " + ", ".join(mismatched)
                   + " ne correspondent pas au justificatif.")
    else:
        result.add(True, "Contenu", f"{payload.get('jti')}")

    nbf, exp = payload.get("nbf"), payload.get("exp")
    if not isinstance(nbf, (int, float)):
        result.add(False, "Validité", "aucune date de début (nbf).")
    elif moment < nbf:
        result.add(False, "Validité", f"pas encore valable : à partir du {_when(nbf)}.")
    elif isinstance(exp, (int, float)) and moment >= exp:
        result.add(False, "Validité", f"expiré le {_when(exp)}.")
    else:
        until = f"jusqu'au {_when(exp)}" if isinstance(exp, (int, float)) else "sans date de fin"
        result.add(True, "Validité", f"du {_when(nbf)} {until}.")
    return result
