"""A Redis cache that a Redis outage cannot break: a miss instead of an error.

The portal caches only what it can recompute (working-day calendars, chronology summaries), so when the
cache server is down every read is a miss, every write is dropped, and pages are a little slower but
work (issue #19, item 3). One warning a minute says so; the error itself is not raised to the page.
Configured with ``CACHE_URL=redis://…`` (neglect_portal/settings/base.py); without it Django's
in-process memory cache is used.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY_SECONDS = 60


class TolerantRedisCache(RedisCache):
    """Django's Redis cache, answering as an empty cache while the server cannot be reached."""

    _last_warned = 0.0
    _warn_lock = threading.Lock()

    def _unreachable(self, operation: str) -> None:
        now = time.monotonic()
        with self._warn_lock:
            if now - TolerantRedisCache._last_warned < WARN_EVERY_SECONDS:
                return
            TolerantRedisCache._last_warned = now
        logger.warning("cache server unreachable; %s answered as a miss (warned at most once a minute)", operation)

    def _tolerant(self, operation: str, fallback, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except _UNREACHABLE:
            self._unreachable(operation)
            return fallback

    def get(self, key, default=None, version=None):
        return self._tolerant("get", default, super().get, key, default, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._tolerant("add", False, super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._tolerant("set", None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._tolerant("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._tolerant("delete", False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._tolerant("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._tolerant("has_key", False, super().has_key, key, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._tolerant("set_many", list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._tolerant("delete_many", None, super().delete_many, keys, version)

    def clear(self):
        return self._tolerant("clear", False, super().clear)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except _UNREACHABLE:
            self._unreachable("incr")
            raise ValueError(f"Key {key!r} not found (the cache server is unreachable)") from None
