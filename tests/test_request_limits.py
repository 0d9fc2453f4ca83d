"""Requests are bounded before they are read (docs/security.md, R21; issue #18, item 3).

Through the test client (with the declared length spoofed), and through real servers over a raw
socket: Django's live server and gunicorn started with the project's gunicorn.conf.py.
"""

import http.client
import importlib.util
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, FakePayload, encode_multipart
from django.urls import reverse

from chronology.models import Entry
from common.middleware import HeadWithoutBodyMiddleware

ROOT = Path(__file__).resolve().parent.parent
HUGE = 300 * 1024 * 1024


class CountingInput:
    """A request body that records how much of it the server read."""

    def __init__(self, payload: bytes):
        self.stream = FakePayload(payload)
        self.read_bytes = 0

    def read(self, size=-1):
        data = self.stream.read(size) if size is not None and size >= 0 else self.stream.read()
        self.read_bytes += len(data)
        return data

    def readline(self, size=-1):
        data = self.stream.readline(size)
        self.read_bytes += len(data)
        return data


def _multipart(fields: dict) -> bytes:
    return encode_multipart(BOUNDARY, fields)


# --- Through the test client -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_huge_declared_sign_in_post_is_refused_before_its_body_is_read(client):
    body = CountingInput(_multipart({"username": "someone", "password": "x" * 1000}))
    response = client.generic(
        "POST",
        reverse("login"),
        CONTENT_TYPE=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(HUGE),
        **{"wsgi.input": body},
    )
    assert response.status_code == 413
    assert "Too large to send" in response.content.decode()
    assert "the limit is 1.0 MB" in response.content.decode()
    assert body.read_bytes == 0


@pytest.mark.django_db
@pytest.mark.parametrize("declared", ["lots", "-5", "12 34"])
def test_a_malformed_length_is_a_bad_request(client, declared):
    response = client.generic(
        "POST",
        reverse("login"),
        data=b"username=a&password=b",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=declared,
    )
    assert response.status_code == 400
    assert "The request gave a length that is not a whole number of bytes." in response.content.decode()


@pytest.mark.django_db
def test_the_import_page_alone_accepts_a_body_the_size_of_its_file_cap(client, case, member):
    """The larger limit belongs to the import page's URL name, not to a path prefix: the chronology's
    new-entry page under the same case address keeps the small limit."""
    client.force_login(member)
    two_megabytes = b"date,notes\n" + b"01/02/2026,seen\n" * (2 * 1024 * 1024 // 16)
    payload = _multipart({"file": SimpleUploadedFile("export.csv", two_megabytes)})
    assert settings.REQUEST_MAX_BYTES < len(payload) < settings.CHRONOLOGY_IMPORT_MAX_BYTES

    def post(name):
        return client.generic(
            "POST", reverse(name, args=[case.reference]), data=payload, content_type=MULTIPART_CONTENT
        )

    assert post("chronology:entry_new").status_code == 413
    accepted = post("chronology:import")  # read, and refused by the import's own checks with its message
    assert accepted.status_code == 400
    assert "missing column" in accepted.content.decode()
    # Over the import's own limit (the cap plus room for the form) it is refused unread as well.
    body = CountingInput(payload)
    huge = client.generic(
        "POST",
        reverse("chronology:import", args=[case.reference]),
        CONTENT_TYPE=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(HUGE),
        **{"wsgi.input": body},
    )
    assert huge.status_code == 413 and body.read_bytes == 0
    assert "The file is too large: the limit is 5.0 MB" in huge.content.decode()


@pytest.mark.django_db
@override_settings(
    CHRONOLOGY_IMPORT_MAX_BYTES=50_000, REQUEST_MAX_BYTES=8 * 1024 * 1024, FILE_UPLOAD_MAX_MEMORY_SIZE=10_000
)
def test_the_upload_handler_stops_reading_once_the_file_cap_has_arrived(client, case, member):
    """A 4 MB file inside an accepted length (the envelope allowance is large here): reading stops
    soon after the 50 KB cap instead of spooling the whole file to a temporary file."""
    client.force_login(member)
    payload = _multipart({"file": SimpleUploadedFile("big.csv", b"x" * (4 * 1024 * 1024))})
    body = CountingInput(payload)
    response = client.generic(
        "POST",
        reverse("chronology:import", args=[case.reference]),
        CONTENT_TYPE=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(len(payload)),
        **{"wsgi.input": body},
    )
    assert response.status_code == 413, response.content.decode()[-3000:]
    assert "The file is too large: the limit is 48 KB" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert body.read_bytes < 50_000 + 2 * 64 * 1024  # the cap and at most a chunk or two more
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_too_many_fields_is_a_bad_request_with_a_message(client):
    data = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.post(reverse("login"), data=data, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "more fields than any page here has" in response.content.decode()


def test_head_answers_keep_the_length_and_lose_the_body():
    middleware = HeadWithoutBodyMiddleware(lambda request: HttpResponse("<p>the page</p>"))
    head = middleware(RequestFactory().head("/"))
    assert head.content == b""
    assert head["Content-Length"] == str(len("<p>the page</p>"))
    get = middleware(RequestFactory().get("/"))
    assert get.content == b"<p>the page</p>"


# --- The gunicorn configuration --------------------------------------------------------------------


def test_gunicorn_conf_sets_the_request_limits_and_timeouts():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert conf.limit_request_line == 4094
    assert conf.limit_request_fields == 50
    assert conf.limit_request_field_size == 8190
    assert (conf.timeout, conf.graceful_timeout, conf.keepalive) == (30, 30, 5)
    assert conf.workers == 2 and conf.threads == 4
    assert "-c gunicorn.conf.py" in (ROOT / "Procfile").read_text()
    check = subprocess.run(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "--check-config",
            "neglect_portal.wsgi",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr


# --- Through real servers ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn_server(django_db_setup, django_db_blocker):
    """The project's gunicorn.conf.py serving the test database on a free port (one worker)."""
    port = _free_port()
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "PORT": str(port),
        "WEB_WORKERS": "1",
        "DJANGO_SETTINGS_MODULE": "neglect_portal.settings.test",
    }
    if database["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        )
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "neglect_portal.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(params=["django live server", "gunicorn"])
def server_port(request):
    if request.param == "gunicorn":
        return request.getfixturevalue("gunicorn_server")
    live_server = request.getfixturevalue("live_server")
    return int(live_server.url.rsplit(":", 1)[1])


def _exchange(port: int, head: bytes, chunks, timeout: float = 15):
    """Send the request head, then the body chunk by chunk until the server answers (it may answer
    before the body is sent: that is what is tested). Returns (status, body, bytes of body sent)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sent = 0
    try:
        sock.sendall(head)
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0]:
                break  # the answer has arrived
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            sent += len(chunk)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read().decode(), sent
    finally:
        sock.close()


@pytest.mark.django_db(transaction=True)
def test_a_real_server_answers_413_before_a_huge_body_is_sent(server_port):
    # With a CSRF cookie, as a browser that has seen the sign-in page sends: without one the CSRF check
    # would refuse before reading the body, and hide the problem.
    head = (
        f"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {MULTIPART_CONTENT}\r\n"
        f"Cookie: csrftoken={'a' * 32}\r\nContent-Length: {HUGE}\r\n\r\n"
    ).encode()
    status, body, sent = _exchange(server_port, head, [b"--" + BOUNDARY.encode() + b"\r\n"])
    assert status == 413
    assert "Too large to send" in body
    assert sent < 100  # 300 MB were announced; a few bytes were sent


@pytest.mark.django_db(transaction=True)
def test_a_real_server_refuses_a_chunked_body_past_the_cap_without_reading_it(server_port):
    head = (
        f"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {MULTIPART_CONTENT}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    piece = 64 * 1024
    chunk = f"{piece:x}\r\n".encode() + b"x" * piece + b"\r\n"
    total = settings.CHRONOLOGY_IMPORT_MAX_BYTES + 1024 * 1024
    status, body, sent = _exchange(server_port, head, [chunk] * (total // piece))
    assert status == 411
    assert "did not say how large it was" in body
    assert sent < total


@pytest.mark.django_db(transaction=True)
def test_gunicorn_head_answer_has_the_get_length_and_no_body(gunicorn_server):
    def raw(method: str) -> tuple[dict, bytes]:
        with socket.create_connection(("127.0.0.1", gunicorn_server), timeout=15) as sock:
            sock.sendall(f"{method} /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
        return {k.lower(): v for k, v in headers.items()}, body

    get_headers, get_body = raw("GET")
    head_headers, head_body = raw("HEAD")
    assert len(get_body) > 1000 and get_headers["content-length"] == str(len(get_body))
    assert head_body == b""
    assert head_headers["content-length"] == get_headers["content-length"]
