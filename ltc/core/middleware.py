"""Request guards that keep bad input a 400 with a message, before it reaches a view."""

from __future__ import annotations

from django.contrib.admin.options import TO_FIELD_VAR
from django.http import HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from .text import UNSTORABLE, unstorable


class BadInputMiddleware:
    """- A parameter (query string or form) carrying a NUL byte: no field accepts one and
      PostgreSQL refuses it in any text, so the request is refused, naming the parameter.
    - The admin reads ``?_to_field=`` as a field name and, when it is empty, looks up a field
      named "" (a 500 in Django's admin): an empty one is refused as the bad request it is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self._problem(request)
        if problem is None:
            return self.get_response(request)
        name, message = problem
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, name: [message]}, status=400)
        return HttpResponseBadRequest(f"{message} ({name})", content_type="text/plain")

    def _problem(self, request) -> tuple[str, str] | None:
        sources = [request.GET]
        # The pages' forms; the API's bodies are its parsers' (ltc.core.api_defaults.JSONParser).
        if (
            request.method == "POST"
            and not request.path.startswith("/api/")
            and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            try:
                sources.append(request.POST)
            except MultiPartParserError:
                pass  # the view meets the same broken body, and answers it as it always did
        for params in sources:
            for name, values in params.lists():
                if unstorable(name) or any(unstorable(value) for value in values):
                    return name[:100].translate(UNSTORABLE), _(
                        "The value contains a NUL character, which no field accepts."
                    )
        if request.path.startswith("/admin/"):
            value = request.GET.get(TO_FIELD_VAR)
            if value is not None and not value.strip():
                return TO_FIELD_VAR, _("The admin's _to_field parameter is empty.")
        return None
