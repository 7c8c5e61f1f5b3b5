"""The API's body size limit, applied before anything reads the body (see
``collab.common.parsers`` for the parser's own bound and the JSON depth)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from collab.common.parsers import too_large_detail
from collab.common.problems import PROBLEM_BASE, PROBLEM_CONTENT_TYPE

API_PREFIX = "/api/"


class RequestBodyLimitMiddleware:
    """Refuses an API request whose declared body is too large (413) before anything reads it,
    so that the answer is a problem document rather than Django's HTML error page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            # A multipart upload (an attachment) may be as large as the largest file accepted;
            # every other body is JSON, bounded much lower.
            upload = request.content_type == "multipart/form-data"
            limit = settings.API_MAX_UPLOAD_BYTES if upload else settings.API_MAX_BODY_BYTES
            if length > limit:
                return JsonResponse(
                    {
                        "type": PROBLEM_BASE + "request-too-large",
                        "title": "Request Entity Too Large",
                        "status": 413,
                        "detail": too_large_detail(limit),
                        "instance": request.get_full_path(),
                    },
                    status=413,
                    content_type=PROBLEM_CONTENT_TYPE,
                )
        return self.get_response(request)
