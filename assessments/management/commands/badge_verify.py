"""python manage.py badge_verify FILE|URL|PATH [--jwks FILE|URL] — check a signed Open Badge
(VC-JWT) as a verifier does; see assessments.badge_signing.badge_verify and docs/assessments.md."""
import json
import sys
from pathlib import Path
from urllib.parse import urlparse

import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.urls import Resolver404, resolve

from assessments.badge_signing import badge_verify, published_jwks
from assessments.certificates import open_badge_jwt
from assessments.models import Award
from assessments.selectors import award_for_badge

TIMEOUT = 10  # seconds, for a badge or a key set fetched over HTTP


class Command(BaseCommand):
    help = ("Vérifie un Open Badge signé (VC-JWT) : sa signature avec les clés publiées par l'Académie, "
            "son émetteur, ses dates de validité et, pour un badge de ce site, sa révocation. "
            "Code de sortie 0 si le badge est valide, 1 sinon.")

    def add_arguments(self, parser):
        parser.add_argument("badge", help="fichier contenant le JWT, - pour l'entrée standard, URL http(s) du "
                                          "badge, ou chemin sur ce site (/certificats/<code>/badge.jwt)")
        parser.add_argument("--jwks", help="jeu de clés publiques (fichier ou URL http(s)) à utiliser au lieu "
                                           "des clés que ce site publie")

    def handle(self, *args, badge: str, jwks: str | None, **options):
        token = self._token(badge)
        keys = self._jwks(jwks) if jwks else self._site_jwks()
        result = badge_verify(token=token, jwks=keys)
        for check in result.checks:
            mark = "✓" if check.ok else "✗"
            line = f"{mark} {check.label} : {check.detail}"
            self.stdout.write(self.style.SUCCESS(line) if check.ok else self.style.ERROR(line))
        if result.ok:
            revoked = self._revoked_at(result.payload)
            if revoked:
                self.stdout.write(self.style.ERROR(f"✗ Révocation : révoqué le {revoked:%Y-%m-%d}."))
                raise CommandError("Badge NON valide : la certification a été révoquée.", returncode=1)
            name = result.payload.get("name") or ""
            self.stdout.write(self.style.SUCCESS(f"Badge valide : « {name} », émis par {result.payload['iss']}."))
            return
        raise CommandError("Badge NON valide : ne vous y fiez pas.", returncode=1)

    # Where the token and the keys come from --------------------------------------------------------

    def _token(self, source: str) -> str:
        if source == "-":
            return sys.stdin.read()
        if source.startswith(("http://", "https://")):
            return self._fetch(source, what="le badge")
        path = Path(source)
        if path.is_file():
            try:
                return path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"Lecture impossible de {source} : {exc}") from None
        if source.startswith("/"):
            return self._token_of_site_path(source)
        raise CommandError(f"Fichier introuvable : {source}")

    def _token_of_site_path(self, url_path: str) -> str:
        """The badge this site serves at `url_path` (/certificats/<code>/badge.jwt), built here."""
        try:
            match = resolve(urlparse(url_path).path)
        except Resolver404:
            match = None
        if match is None or match.view_name != "assessments:badge_jwt":
            raise CommandError(f"Ni un fichier ni l'adresse d'un badge signé de ce site : {url_path} "
                               "(attendu : /certificats/<code>/badge.jwt).")
        award = award_for_badge(code=match.kwargs["code"])
        if award is None:
            raise CommandError(f"Aucun certificat ne porte le code {match.kwargs['code']}.")
        if award.revoked_at is not None:
            raise CommandError(f"Badge NON valide : la certification {award.code} a été révoquée "
                               f"le {award.revoked_at:%Y-%m-%d}.", returncode=1)
        return open_badge_jwt(award=award)

    def _site_jwks(self) -> dict:
        try:
            return published_jwks()
        except ImproperlyConfigured as exc:
            raise CommandError(f"Clés de l'Académie indisponibles : {exc}") from None

    def _jwks(self, source: str) -> dict:
        if source.startswith(("http://", "https://")):
            text = self._fetch(source, what="les clés")
        else:
            try:
                text = Path(source).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"Lecture impossible du jeu de clés {source} : {exc}") from None
        try:
            keys = json.loads(text)
        except ValueError:
            keys = None
        if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
            raise CommandError(f"{source} n'est pas un jeu de clés JWK (un objet JSON avec « keys »).")
        return keys

    def _fetch(self, url: str, *, what: str) -> str:
        try:
            response = requests.get(url, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise CommandError(f"Impossible de télécharger {what} ({url}) : {exc.__class__.__name__}.") from None
        if response.status_code == 410:
            raise CommandError(f"Badge NON valide : le site répond que la certification a été révoquée ({url}).",
                               returncode=1)
        if response.status_code != 200:
            raise CommandError(f"Impossible de télécharger {what} ({url}) : HTTP {response.status_code}.")
        return response.text

    def _revoked_at(self, payload: dict):
        """When the badge is one of this site's and its award has been revoked, the revocation date."""
        try:
            match = resolve(urlparse(payload.get("jti") or "").path)
        except Resolver404:
            return None
        if match.view_name != "assessments:badge":
            return None
        award = Award.objects.filter(code=match.kwargs["code"]).only("revoked_at").first()
        return award.revoked_at if award is not None else None
