"""Who is calling the bridge API, and how often: the router client holding a token and its count
of requests in the current minute, in one round trip to the shared cache for a client seen before.

Each process keeps the clients it has authenticated, by token hash. A version number in the shared
cache, replaced whenever a router client is saved or deleted (`clients_changed`, connected to
RouterClient's post_save and post_delete: a change to a client goes through save()), tells whether
they are still what the database says. It is read in the same round trip that counts the request
(a Redis pipeline), so a revoked, edited or deleted client is read again from the database on its
very next request, in every process. The version is read before the database, so a change that
lands in between leaves a version that no longer matches. This needs a cache that every process
shares (BRIDGE_CLIENT_CACHE); without one the client is read from the database on every request.

The rate limit is a fixed one-minute window per client.
"""
import math
import secrets
import time
import weakref
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction

from routing_bridge.models import RouterClient
from routing_bridge.services import router_client_authenticate, router_client_used, token_hash

VERSION_KEY = "routing_bridge:clients:version"
WINDOW = 60  # seconds
KEPT_AT_MOST = 1000  # clients kept per process; beyond that the process starts afresh

# token hash -> (version it was read under, client). A client kept here is only read from.
_clients: dict[str, tuple[int, RouterClient]] = {}
# Django's Redis cache builds a new Redis client object for each command (half of a command's
# cost in Python): one per cache object here, on the same connection pool.
_redis_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class Admission:
    client: RouterClient
    count: int  # the client's requests in the current window, this one included
    wait: int  # seconds until the window ends


def client_admit(token: str) -> Admission | None:
    """The usable client holding `token` with this request counted, or None (unknown, revoked or
    deactivated: nothing is counted)."""
    now = time.time()
    window = int(now // WINDOW)
    wait = max(1, math.ceil((window + 1) * WINDOW - now))
    if not settings.BRIDGE_CLIENT_CACHE:
        client = router_client_authenticate(token=token)
        return Admission(client, _count(_rate_key(client, window)), wait) if client else None
    digest = token_hash(token)
    kept = _clients.get(digest)
    count = version = None
    if kept is not None:
        count, version = _count_and_version(_rate_key(kept[1], window))
        if version is not None and version == kept[0]:
            router_client_used(client=kept[1])
            return Admission(kept[1], count, wait)
    if version is None:
        version = _version()
    client = router_client_authenticate(token=token)
    if client is None:
        _clients.pop(digest, None)
        return None
    if len(_clients) >= KEPT_AT_MOST:
        _clients.clear()
    _clients[digest] = (version, client)
    if count is None:
        count = _count(_rate_key(client, window))
    return Admission(client, count, wait)


def clients_changed(**kwargs) -> None:
    """A router client changed: every process reads its clients again. The version is replaced
    now (this process and this transaction see the change at once) and again after the commit (a
    process that read the database in between read the old row under the first new version)."""
    _version_replace()
    transaction.on_commit(_version_replace)


def _rate_key(client: RouterClient, window: int) -> str:
    return f"routing_bridge:rate:{client.pk}:{window}"


def _version_replace() -> None:
    caches["default"].set(VERSION_KEY, secrets.randbits(62), timeout=None)


def _version() -> int:
    cache = caches["default"]
    version = cache.get(VERSION_KEY)
    if version is None:  # never set, or evicted: any new value, agreed on by whoever comes first
        cache.add(VERSION_KEY, secrets.randbits(62), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def _count(key: str) -> int:
    """Count one request under `key`; the window's first request creates the counter."""
    cache = caches["default"]
    try:
        return cache.incr(key)
    except ValueError:  # not there yet (or evicted)
        if cache.add(key, 1, timeout=WINDOW + 10):
            return 1
        return cache.incr(key)  # another process created it meanwhile


def _count_and_version(key: str) -> tuple[int, int | None]:
    """`_count(key)` and the current version (None when there is none), in one round trip to
    Redis: Django's cache API would take three (its incr() asks whether the key exists first)."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return _count(key), cache.get(VERSION_KEY)
    rate_key, version_key = cache.make_and_validate_key(key), cache.make_and_validate_key(VERSION_KEY)
    # Django's Redis cache stores integers as plain numbers (its RedisSerializer): the counter and
    # the version read here are the same values its incr(), get() and set() see.
    redis = _redis_clients.get(cache)
    if redis is None:
        redis = _redis_clients[cache] = cache._cache.get_client(rate_key, write=True)
    pipe = redis.pipeline(transaction=False)
    pipe.set(rate_key, 0, ex=WINDOW + 10, nx=True)
    pipe.incr(rate_key)
    pipe.get(version_key)
    _created, count, version = pipe.execute()
    return count, None if version is None else int(version)
