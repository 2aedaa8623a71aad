"""Signed Open Badges (VC-JWT, EdDSA): Léa's badge verifies offline with the keys the Académie
publishes, using PyJWT alone; it says what the JSON badge says; a tampered badge, a badge signed
by someone else's key, an expired or a revoked one are refused, line by line, by
`manage.py badge_verify`; a badge signed before a key rotation still verifies while the old key is
listed; the generated development key is private (0600), made once and reused; the private key is
never published or logged."""
import base64
import io
import json
import logging
import math
import os
import subprocess
import sys
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from assessments import badge_signing
from assessments.services import award_revoke
from tests.assessments.factories import workstation_award

pytestmark = pytest.mark.django_db

ISSUER = "http://testserver/"
JWT_CLAIMS = {"iss", "jti", "nbf", "exp", "sub"}


@pytest.fixture(autouse=True)
def key_dir(settings, tmp_path):
    """Each test starts with no configured key and its own var directory (where the development key
    is generated), and forgets the keys loaded by the previous test."""
    settings.VAR_DIR = tmp_path
    settings.ACADEMIE_BADGE_SIGNING_KEY = None
    settings.ACADEMIE_BADGE_SIGNING_KEY_FILE = None
    settings.ACADEMIE_BADGE_PREVIOUS_PUBLIC_KEYS = ""
    badge_signing._cache.clear()
    yield tmp_path
    badge_signing._cache.clear()


@pytest.fixture
def award(learner):
    return workstation_award(learner)


def private_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def signed_badge(award) -> str:
    response = Client().get(reverse("assessments:badge_jwt", args=[award.code]))
    assert response.status_code == 200, response.content
    return response.content.decode()


def published_keys() -> dict:
    response = Client().get(reverse("assessments:badge_keys"))
    assert response.status_code == 200
    return response.json()


def verify_independently(token: str, jwks: dict) -> dict:
    """What any verifier does with PyJWT alone: the key named by the header's kid in the published
    JWK Set, an EdDSA signature, the issuer, and the dates."""
    kid = jwt.get_unverified_header(token)["kid"]
    [key] = [k for k in jwt.PyJWKSet.from_dict(jwks).keys if k.key_id == kid]
    return jwt.decode(token, key.key, algorithms=["EdDSA"], issuer=ISSUER)


def badge_verify(source: str, *extra: str) -> tuple[int, str]:
    """Run `manage.py badge_verify` in this process: (exit code, what it printed)."""
    out = io.StringIO()
    try:
        call_command("badge_verify", source, *extra, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + f"\n{exc}"
    return 0, out.getvalue()


def badge_file(tmp_path, token: str, name="badge.jwt") -> str:
    path = tmp_path / name
    path.write_text(token)
    return str(path)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


# The signed badge ---------------------------------------------------------------------------------

def test_the_signed_badge_verifies_with_the_published_keys_using_pyjwt_alone(award):
    response = Client().get(reverse("assessments:badge_jwt", args=[award.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    token = response.content.decode()

    header = jwt.get_unverified_header(token)
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": header["kid"]}  # Open Badges 3.0 §8.2.2
    keys = published_keys()
    assert header["kid"] in [key["kid"] for key in keys["keys"]]
    payload = verify_independently(token, keys)
    assert payload["credentialSubject"]["achievement"]["name"] == "Certification Poste de travail N1"


def test_its_payload_is_the_json_credential_with_the_claims_derived_from_it(award):
    credential = Client().get(reverse("assessments:badge", args=[award.code])).json()
    payload = verify_independently(signed_badge(award), published_keys())

    assert {name: value for name, value in payload.items() if name not in JWT_CLAIMS} == credential
    assert payload["iss"] == credential["issuer"]["id"] == ISSUER
    assert payload["jti"] == credential["id"]
    assert payload["nbf"] == math.floor(award.valid_from.timestamp())
    assert payload["exp"] == math.floor(award.valid_until.timestamp())
    assert "sub" not in payload  # Léa is identified by a hashed e-mail address, not a credentialSubject.id
    assert "lea.martin@example.test" not in json.dumps(payload)


def test_the_issuer_profile_names_the_key_that_signs(award):
    credential = Client().get(reverse("assessments:badge", args=[award.code])).json()
    kid = jwt.get_unverified_header(signed_badge(award))["kid"]

    assert credential["issuer"]["assertionMethod"] == [kid]
    keys_url, thumbprint = kid.split("#")
    assert keys_url == "http://testserver" + reverse("assessments:badge_keys")
    [jwk] = published_keys()["keys"]
    assert thumbprint == badge_signing.jwk_thumbprint(jwk)


def test_the_key_thumbprint_follows_rfc_7638():
    # RFC 8037, appendix A.3: the thumbprint of the example Ed25519 public key.
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert badge_signing.jwk_thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


# The verifier command -----------------------------------------------------------------------------

def test_the_command_says_a_genuine_badge_is_valid(award, key_dir):
    code, output = badge_verify(badge_file(key_dir, signed_badge(award)))

    assert code == 0, output
    assert "✓ Signature : EdDSA valide." in output
    assert f"✓ Émetteur : {ISSUER}" in output
    assert "Badge valide : « Certification Poste de travail N1 »" in output


def test_the_command_fetches_a_badge_by_its_path_on_the_site(award):
    code, output = badge_verify(reverse("assessments:badge_jwt", args=[award.code]))
    assert code == 0, output
    assert "Badge valide" in output

    code, output = badge_verify(reverse("assessments:badge", args=[award.code]))
    assert code == 1 and "Ni un fichier ni l'adresse d'un badge signé" in output


def test_changing_one_character_of_the_payload_breaks_the_signature(award, key_dir):
    header, payload, signature = signed_badge(award).split(".")
    credential = segment(payload)
    credential["name"] = credential["name"].replace("N1", "N3")  # one character: the level
    tampered = ".".join([header, b64url(json.dumps(credential).encode()), signature])

    with pytest.raises(jwt.InvalidSignatureError):
        verify_independently(tampered, published_keys())
    code, output = badge_verify(badge_file(key_dir, tampered))
    assert code == 1
    assert "✗ Signature : invalide : le badge a été modifié après sa signature" in output
    assert "Badge NON valide" in output and "Badge valide" not in output


def test_a_flipped_character_in_the_token_is_refused_cleanly(award, key_dir):
    header, payload, signature = signed_badge(award).split(".")
    middle = len(payload) // 2
    flipped = payload[:middle] + ("A" if payload[middle] != "A" else "B") + payload[middle + 1:]

    code, output = badge_verify(badge_file(key_dir, ".".join([header, flipped, signature])))
    assert code == 1
    assert "✗ Signature" in output and "Badge NON valide" in output


def test_a_badge_signed_with_another_key_is_refused(award, key_dir):
    genuine = signed_badge(award)
    header = jwt.get_unverified_header(genuine)
    payload = jwt.decode(genuine, options={"verify_signature": False})
    forger = Ed25519PrivateKey.generate()

    # Claiming our key: the signature does not hold.
    forged = jwt.encode(payload, forger, algorithm="EdDSA", headers={"kid": header["kid"], "typ": "JWT"})
    with pytest.raises(jwt.InvalidSignatureError):
        verify_independently(forged, published_keys())
    code, output = badge_verify(badge_file(key_dir, forged))
    assert code == 1 and "✗ Signature : invalide" in output

    # Naming its own key: that key is not one the Académie publishes.
    foreign_kid = "https://ailleurs.example/cles.json#" + badge_signing.jwk_thumbprint(
        badge_signing._public_jwk(forger.public_key()))
    foreign = jwt.encode(payload, forger, algorithm="EdDSA", headers={"kid": foreign_kid, "typ": "JWT"})
    code, output = badge_verify(badge_file(key_dir, foreign, "foreign.jwt"))
    assert code == 1
    assert f"✗ Clé : la clé {foreign_kid} n'est pas publiée par l'émetteur" in output


def test_the_command_exits_non_zero_without_a_traceback(award, key_dir):
    header, payload, signature = signed_badge(award).split(".")
    credential = segment(payload)
    credential["validUntil"] = "2099-12-31T23:59:59Z"
    path = badge_file(key_dir, ".".join([header, b64url(json.dumps(credential).encode()), signature]))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "academy.settings.test", "ACADEMIE_VAR_DIR": str(key_dir)}
    env.pop("DATABASE_URL", None)  # a file needs no database: the keys are the generated ones of key_dir

    result = subprocess.run([sys.executable, "manage.py", "badge_verify", path], cwd=django_settings.BASE_DIR,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "✗ Signature : invalide" in result.stdout
    assert "Badge NON valide" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_token_that_is_no_jwt_is_refused_in_one_line(key_dir):
    code, output = badge_verify(badge_file(key_dir, "ceci n'est pas un badge"))
    assert code == 1
    assert "✗ Format : ce n'est pas un JWT compact" in output


def test_an_expired_badge_is_authentic_but_not_valid(award, key_dir, clock):
    path = badge_file(key_dir, signed_badge(award))
    clock.set(award.valid_until + timedelta(seconds=1))

    code, output = badge_verify(path)
    assert code == 1
    assert "✓ Signature : EdDSA valide." in output
    expired = datetime.fromtimestamp(math.floor(award.valid_until.timestamp()), dt_timezone.utc)
    assert f"✗ Validité : expiré le {expired:%Y-%m-%d %H:%M:%S} UTC." in output


def test_a_revoked_badge_is_refused_by_the_command(award, key_dir, admin_user):
    path = badge_file(key_dir, signed_badge(award))  # downloaded before the revocation
    award_revoke(award=award, by=admin_user, reason="Erreur")

    code, output = badge_verify(path)
    assert code == 1
    assert "✓ Signature : EdDSA valide." in output
    assert "✗ Révocation : révoqué le" in output

    code, output = badge_verify(reverse("assessments:badge_jwt", args=[award.code]))
    assert code == 1 and "a été révoquée" in output


# Keys: rotation, the generated development key, secrecy ------------------------------------------

def test_a_badge_signed_with_a_previous_key_still_verifies_while_that_key_is_listed(award, key_dir, settings):
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    settings.ACADEMIE_BADGE_SIGNING_KEY = private_pem(old)
    old_badge = badge_file(key_dir, signed_badge(award), "old.jwt")

    # Rotation: a new signing key, the old public key not listed yet.
    settings.ACADEMIE_BADGE_SIGNING_KEY = private_pem(new)
    code, output = badge_verify(old_badge)
    assert code == 1 and "✗ Clé" in output

    # The old public key listed: the old badge verifies again, and new badges carry the new key.
    settings.ACADEMIE_BADGE_PREVIOUS_PUBLIC_KEYS = public_pem(old)
    keys = published_keys()
    assert len(keys["keys"]) == 2
    assert keys["keys"][0]["kid"] == jwt.get_unverified_header(signed_badge(award))["kid"]  # the current one first
    code, output = badge_verify(old_badge)
    assert code == 0, output
    assert verify_independently(open(old_badge).read(), keys)["jti"].endswith(f"/{award.code}/badge.json")
    assert jwt.get_unverified_header(open(old_badge).read())["kid"] != keys["keys"][0]["kid"]


def test_the_development_key_is_created_once_with_mode_0600_and_reused(award, key_dir):
    key_file = key_dir / "badge-signing-key.pem"
    assert not key_file.exists()

    first = jwt.get_unverified_header(signed_badge(award))["kid"]
    assert key_file.exists()
    assert key_file.stat().st_mode & 0o777 == 0o600
    content, modified = key_file.read_bytes(), key_file.stat().st_mtime_ns

    badge_signing._cache.clear()  # as after a restart: the key is read again from the file
    assert jwt.get_unverified_header(signed_badge(award))["kid"] == first
    assert key_file.read_bytes() == content and key_file.stat().st_mtime_ns == modified
    assert [p.name for p in key_dir.iterdir()] == ["badge-signing-key.pem"]  # no temporary file left


def test_a_configured_key_file_is_used_and_nothing_is_generated(award, key_dir, settings):
    key = Ed25519PrivateKey.generate()
    (key_dir / "configured.pem").write_text(private_pem(key))
    settings.ACADEMIE_BADGE_SIGNING_KEY_FILE = str(key_dir / "configured.pem")

    [jwk] = published_keys()["keys"]
    assert jwk["x"] == badge_signing._public_jwk(key.public_key())["x"]
    assert not (key_dir / "badge-signing-key.pem").exists()


def test_the_private_key_is_never_published_nor_logged(award, key_dir, caplog):
    caplog.set_level(logging.DEBUG)
    badge = signed_badge(award)  # first use: the key is generated and the generation logged
    keys_text = Client().get(reverse("assessments:badge_keys")).content.decode()
    badge_verify(badge_file(key_dir, badge))

    key = serialization.load_pem_private_key((key_dir / "badge-signing-key.pem").read_bytes(), password=None)
    private_d = b64url(key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                         serialization.NoEncryption()))
    pem_body = "".join(private_pem(key).splitlines()[1:-1])
    assert all("d" not in jwk for jwk in json.loads(keys_text)["keys"])
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "generated a new Ed25519 signing key" in logged  # the logs were captured
    for secret in (private_d, pem_body, pem_body[:40]):
        assert secret not in keys_text and secret not in badge and secret not in logged


# Public URLs and links ----------------------------------------------------------------------------

def test_the_signed_badge_and_the_keys_answer_anonymous_visitors_like_the_json_badge(award, admin_user):
    anonymous = Client()
    for name in ("assessments:badge", "assessments:badge_jwt"):
        assert anonymous.get(reverse(name, args=[award.code])).status_code == 200
        assert anonymous.get(reverse(name, args=["ABCD-EFGH-JKLM"])).status_code == 404
    keys = anonymous.get(reverse("assessments:badge_keys"))
    assert keys.status_code == 200 and keys["Content-Type"] == "application/jwk-set+json"

    award_revoke(award=award, by=admin_user, reason="Erreur")
    json_badge = anonymous.get(reverse("assessments:badge", args=[award.code]))
    jwt_badge = anonymous.get(reverse("assessments:badge_jwt", args=[award.code]))
    assert json_badge.status_code == jwt_badge.status_code == 410
    assert json_badge.json() == jwt_badge.json() == {"error": "Cette certification a été révoquée.", "code": "revoked"}


def test_the_signed_badge_is_linked_where_the_json_badge_is(award, learner, admin_user):
    client = Client()
    client.force_login(learner.user)
    jwt_url = reverse("assessments:badge_jwt", args=[award.code])
    assert jwt_url in client.get(reverse("assessments:my_certifications")).content.decode()
    verification = Client().get(reverse("assessments:verify", args=[award.code])).content.decode()
    assert jwt_url in verification and reverse("assessments:badge", args=[award.code]) in verification
    assert "Open Badge signé (JWT)" in verification
    english = Client()
    english.cookies["django_language"] = "en"
    assert "Signed Open Badge (JWT)" in english.get(reverse("assessments:verify", args=[award.code])).content.decode()

    award_revoke(award=award, by=admin_user, reason="Erreur")
    assert jwt_url not in Client().get(reverse("assessments:verify", args=[award.code])).content.decode()
