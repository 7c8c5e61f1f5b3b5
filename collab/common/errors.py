"""Error pages: API paths answer problem documents, everything else the site's templates."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from collab.common.problems import PROBLEM_BASE, PROBLEM_CONTENT_TYPE


def _problem(request: HttpRequest, status: int, title: str, type_: str) -> JsonResponse:
    return JsonResponse(
        {
            "type": PROBLEM_BASE + type_,
            "title": title,
            "status": status,
            "detail": f"{title}.",
            "instance": request.path,
        },
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _problem(request, 404, "Not Found", "not-found")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _problem(request, 500, "Internal Server Error", "error")
    return defaults.server_error(request)
