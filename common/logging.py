"""A logging filter that keeps an outage from filling the disk with the same traceback.

During a database outage every request fails the same way. Each failure still logs its one line, so
the count of failures is in the log (a second report of the same error for the same request is dropped),
but the traceback of a given kind (logger and exception type) is written at most once a minute; the
other lines say so. A 16 KB traceback per request for 30 s of outage was 144 MB of log (issue #19); this
makes it a few kilobytes.
"""

import logging
import threading
import time

TRACEBACK_EVERY_SECONDS = 60


class RepeatedTracebackFilter(logging.Filter):
    def __init__(self, name: str = "", every_seconds: float = TRACEBACK_EVERY_SECONDS) -> None:
        super().__init__(name)
        self.every_seconds = every_seconds
        self._last_shown: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._last_in_thread = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or record.exc_info[0] is None:
            return True
        # One failure, one line: when a middleware on the way out meets the same dead database, Django
        # logs the same error again for the same request. (RequestIdFilter runs first and sets the id.)
        request_id = getattr(record, "request_id", "-")
        this_failure = (request_id, record.name, record.exc_info[0], record.getMessage())
        if request_id != "-" and getattr(self._last_in_thread, "failure", None) == this_failure:
            return False
        self._last_in_thread.failure = this_failure
        exc_type = record.exc_info[0]
        kind = (record.name, f"{exc_type.__module__}.{exc_type.__qualname__}")
        now = time.monotonic()
        with self._lock:
            last = self._last_shown.get(kind)
            if last is not None and now - last < self.every_seconds:
                # The message stays; the traceback goes. Only the type is named: an exception's own text
                # can hold values from the request.
                record.msg = f"{record.getMessage()} [{exc_type.__qualname__}; traceback logged at most once a minute]"
                record.args = None
                record.exc_info = None
                record.exc_text = None
                return True
            self._last_shown[kind] = now
        return True
