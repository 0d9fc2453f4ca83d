"""An upload handler that stops a file upload once more than the address's cap has arrived.

The middleware (common/middleware.py) refuses a declared `Content-Length` over the limit before
anything is read, and a body without a declared length; this stops files that exceed the file cap inside
an accepted length, and stays the last bound if a server ever hands Django a body of undeclared length,
so that no upload can fill the temporary disk (docs/security.md, R21).
"""

from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler

from common.middleware import body_limits


class UploadTooLarge(RequestDataTooBig):
    """More file bytes arrived than the address accepts. A RequestDataTooBig, so that
    RequestSizeLimitMiddleware answers 413 with its page."""


class CappedUploadHandler(FileUploadHandler):
    """First in settings.FILE_UPLOAD_HANDLERS: counts the bytes of every file in the request and
    refuses the request at the first chunk past the cap, before the next handler stores it."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0
        self.cap = body_limits(request).file if request is not None else 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.cap:
            raise UploadTooLarge(f"More than {self.cap} bytes of files were sent.")
        return raw_data  # passed on to the next handler, which stores it

    def file_complete(self, file_size):
        return None  # the next handler builds the file
