"""The raw SQL helpers of the bridge's hot reads (qualification, route rules, the snapshot):
statements built once per shape as text with parameters, because compiling ORM querysets cost
more than PostgreSQL took to answer them (docs/benchmarks.md). Internal to routing_bridge."""
from contextlib import contextmanager
from datetime import datetime
from datetime import timezone as dt_timezone

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def table_name(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


def datetime_param(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def datetime_read(value) -> datetime | None:
    """A datetime read by a raw statement: SQLite gives text, PostgreSQL aware datetimes."""
    if value is None or isinstance(value, datetime):
        return value if value is None or timezone.is_aware(value) else timezone.make_aware(value, dt_timezone.utc)
    parsed = parse_datetime(value)
    return timezone.make_aware(parsed, dt_timezone.utc) if timezone.is_naive(parsed) else parsed


# On PostgreSQL the hot statements are prepared (psycopg, server-side parameters): planning
# them cost more than running them (EXPLAIN ANALYZE at 1,000 staff: 2.5-7 ms of planning for
# 1 ms of execution). Prepared statements live as long as the connection (CONN_MAX_AGE). The
# setting BRIDGE_PREPARED_STATEMENTS (environment variable of the same name) turns them off
# behind a pooler that cannot keep them (PgBouncer before 1.21 in transaction mode).


def sql_rows(sql: str, params: list, *, prepare: bool = False) -> list[tuple]:
    if prepare and settings.BRIDGE_PREPARED_STATEMENTS and connection.vendor == "postgresql":
        # Only PostgreSQL reaches here: the driver is not loaded on SQLite.
        import psycopg

        connection.ensure_connection()
        raw_connection = connection.connection
        if raw_connection.prepare_threshold is None:
            # Django turns psycopg's automatic preparation off (its cursors bind on the client
            # and never prepare); a threshold out of reach keeps it off for everything but the
            # statements executed here with prepare=True.
            raw_connection.prepare_threshold = 2**31
        with connection.wrap_database_errors, psycopg.Cursor(raw_connection) as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@contextmanager
def one_snapshot():
    """Reads that must see one state of the database: a REPEATABLE READ, READ ONLY transaction on
    PostgreSQL outside a transaction (inside one, its snapshot); SQLite transactions are one
    snapshot already."""
    nested = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not nested:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield
