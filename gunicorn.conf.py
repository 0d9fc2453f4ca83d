"""gunicorn settings for the web process (the Procfile runs `gunicorn -c gunicorn.conf.py`).

gunicorn has no limit on the size of a request body: Django bounds it (common/middleware.py,
docs/security.md R21). Here are the limits gunicorn does own, on the request line and headers, and the
timeouts that stop a slow or stuck client from holding a worker. Numbers can be changed from the
environment without editing this file.
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Our own reverse proxy talks to gunicorn on the loopback address; nothing else should reach it.
bind = f"127.0.0.1:{_int('PORT', 8000)}"
# Two processes with four threads each suit the two-core host; raise WEB_WORKERS on a larger one.
workers = _int("WEB_WORKERS", 2)
threads = _int("WEB_THREADS", 4)
accesslog = "-"

# The longest address the portal builds (a filtered chronology or caseload) is well under 1 KB; 4094
# bytes (gunicorn's largest default) leaves room and refuses the megabyte-long lines used to probe parsers.
limit_request_line = 4094
# A browser sends about 15 headers through the proxy; 50 is generous and stops header flooding.
limit_request_fields = 50
# The largest header is the cookie (session and CSRF, about 150 bytes); 8190 bytes also fits long
# Accept-Language and user-agent strings.
limit_request_field_size = 8190

# A worker silent for this long is killed and restarted. The slowest page (a long chronology's PDF)
# takes a few seconds; 30 s bounds a stuck request without cutting off real ones.
timeout = _int("WEB_TIMEOUT", 30)
# On restart or deploy, requests in progress get this long to finish.
graceful_timeout = _int("WEB_GRACEFUL_TIMEOUT", 30)
# Seconds an idle connection from the proxy is kept open: long enough to reuse it for the page's
# next request, short enough that idle connections do not tie up the threads.
keepalive = _int("WEB_KEEPALIVE", 5)
