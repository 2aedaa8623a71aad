"""Full-text search in French: stemming and accents on PostgreSQL (the `french_unaccent`
configuration), a fallback that still finds documents elsewhere."""
import pytest
from django.db import connection

from knowledge.selectors import SearchFilters, procedures_search, search_ids


def _titles(q, **filters):
    return [d.title for d in procedures_search(SearchFilters(q=q, **filters))]


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("French stemming and accent folding are PostgreSQL's (french_unaccent); "
                    "run with DATABASE_URL=postgres://…")


def test_a_word_of_the_title_finds_its_document(kb):
    assert _titles("partagée") == ["Donner accès à une boîte aux lettres partagée"]


def test_an_empty_or_unparsable_query_finds_nothing_and_does_not_fail(kb):
    assert search_ids("") == [] and search_ids("   ") == []
    assert isinstance(search_ids('"(( & |'), list)


def test_a_clients_document_is_found_only_when_the_search_names_the_client(kb, clients):
    assert "Déverrouiller un compte chez Lemoine" not in _titles("Lemoine")
    assert "Déverrouiller un compte chez Lemoine" in _titles("Lemoine", client=clients["BLEMOINE"])


def test_another_inflection_finds_the_document(kb):
    _postgresql_only()
    # "configurer" finds the procedure whose purpose says "Configuration"; "serveur" finds "serveurs".
    assert "Tracer un message non reçu" in _titles("configurer")
    assert "Donner accès à une boîte aux lettres partagée" in _titles("serveur")


def test_accents_do_not_matter(kb):
    _postgresql_only()
    assert _titles("partagee") == _titles("partagée") == ["Donner accès à une boîte aux lettres partagée"]
    assert "Tracer un message non reçu" in _titles("recu")
    assert "Donner accès à une boîte aux lettres partagée" in _titles("BOITE ACCES")
