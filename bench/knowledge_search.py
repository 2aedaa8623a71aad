"""Benchmark of the knowledge base's search on PostgreSQL: 5,000 documents.

    .venv/bin/python bench/knowledge_search.py [--solutions 100] [--per-solution 50] [--requests 200]
                                               [--keep] [--db academie_bench_knowledge]

Creates its own database (dropped at the end unless --keep), migrates it, builds the page tree with
Wagtail's tree API (as editors would, search indexing included), then measures, in the same run:
  1. the full-text search (`knowledge.selectors.search_ids`, French stemming and accents through
     Wagtail's database backend): p50, p95 over French queries in other inflections;
  2. `GET procedures?q=` through Django's test client (authentication, filters, rendering): p50, p95;
  3. the reference: a plain `ILIKE '%word%'` scan of the same documents' titles and purposes
     (no stemming, no accents), p50, p95;
  4. what a `route` pays for its documents (`procedures_for_ticket` on the process's copy): p50, p95.
Prints the figures; copy them into docs/benchmarks.md with the date.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = ["configurer connecteur", "serveurs", "partagee", "certificat expire", "redemarrages services",
           "regles pare-feu", "boites aux lettres", "strategie groupe", "sauvegardes", "vpn utilisateurs"]
WORDS = ["configuration du connecteur", "serveur", "boîte partagée", "certificat expiré", "redémarrage du service",
         "règle de pare-feu", "boîte aux lettres", "stratégie de groupe", "sauvegarde", "VPN utilisateur"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--solutions", type=int, default=100)
    parser.add_argument("--per-solution", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", default="academie_bench_knowledge")
    parser.add_argument("--host", default=os.environ.get("BENCH_PGHOST", "127.0.0.1"))
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    return parser.parse_args()


def _admin_connect(args):
    import psycopg

    return psycopg.connect(f"postgresql://postgres@{args.host}:5432/postgres", autocommit=True)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def timed(function, n: int) -> list[float]:
    samples = []
    for i in range(n):
        started = time.perf_counter()
        function(i)
        samples.append(time.perf_counter() - started)
    return samples


def main():
    args = parse_args()
    os.environ["DATABASE_URL"] = f"postgres://postgres@{args.host}:5432/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "academy.settings.test")
    with _admin_connect(args) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
        conn.execute(f'CREATE DATABASE "{args.db}"')
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from knowledge.models import KnowledgeDocumentPage
    from knowledge.selectors import catalogue, procedures_for_ticket, search_ids
    from routing_bridge.services import router_client_create
    from skills.models import Domain, Skill
    from tests.factories import scale_create
    from tests.knowledge.builders import kb_create, procedure_create, solution_create

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        scale_create()
        domain = Domain.objects.create(code="M365", name_fr="Microsoft 365")
        skills = [Skill.objects.create(code=f"M365.S{k}", name_fr=f"Compétence {k}", domain=domain) for k in range(10)]
        index = kb_create()
        for s in range(args.solutions):
            solution = solution_create(index=index, title=f"Solution {s:03d}", slug=f"solution-{s:03d}", domain=domain)
            for d in range(args.per_solution):
                word = WORDS[(s + d) % len(WORDS)]
                procedure_create(solution=solution, title=f"Procédure {s}-{d} : {word}",
                                 purpose=f"Vérifier la {word} sur le poste {d} avant de modifier la configuration.",
                                 categories=[f"Catégorie {s % 10} > Sous-catégorie {d % 5}"], skills=[skills[d % 10]])
        n = KnowledgeDocumentPage.objects.live().count()
        print(f"built {n} documents in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        hits = {q: len(search_ids(q)) for q in QUERIES}
        print("hits per query:", hits)
        search = timed(lambda i: search_ids(QUERIES[i % len(QUERIES)]), args.requests)

        def ilike(i):
            word = QUERIES[i % len(QUERIES)].split()[0]
            list(KnowledgeDocumentPage.objects.live().filter(title__icontains=word).values_list("id", flat=True)[:1000])
            list(KnowledgeDocumentPage.objects.live().filter(purpose__icontains=word).values_list("id", flat=True)[:1000])

        reference = timed(ilike, args.requests)
        token = router_client_create(name="bench", scopes=["taxonomy:read"]).token
        http = Client()
        api = timed(lambda i: http.get("/api/bridge/v1/procedures", {"q": QUERIES[i % len(QUERIES)]},
                                       HTTP_AUTHORIZATION=f"Bearer {token}"), args.requests)
        catalogue()
        route = timed(lambda i: procedures_for_ticket(category=f"Catégorie {i % 10} > Sous-catégorie {i % 5} > X",
                                                      skill_codes=[f"M365.S{i % 10}"]), args.requests)
        print(f"search_ids (French full text)       {percentiles(search)}")
        print(f"GET procedures?q= (HTTP, test client) {percentiles(api)}")
        print(f"reference: ILIKE scan title+purpose  {percentiles(reference)}")
        print(f"route's documents (procedures_for_ticket, process copy) {percentiles(route)}")
    finally:
        if not args.keep:
            connection.close()
            with _admin_connect(args) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.db}"')


if __name__ == "__main__":
    main()
