"""The user's language: chosen with the switch in the header (anonymous or signed in), kept on
the user (``User.language``) so it follows them to another browser and to their e-mails."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def _cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_POST
def set_language(request):
    """Django's switch (cookie and redirect to ``next``), plus the user's saved preference."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language in LANGUAGE_CODES and user.language != language:
        get_user_model().objects.filter(pk=user.pk).update(language=language)
    return response


class UserLanguageMiddleware:
    """After the authentication middleware: a signed-in user whose browser has not chosen a
    language (no cookie yet) and who saved another language than the default gets it, and the
    cookie is set for the next pages. With the default saved (every account starts with it),
    the browser's Accept-Language still decides, as for anyone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = None
        # A call with an Authorization header is an API client (ERP, OA, a script), not a
        # browser: no language cookie for it, and no session user read for nothing (the token's
        # user is known only inside DRF; Accept-Language decides, as for any API call).
        user = None if "HTTP_AUTHORIZATION" in request.META else getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.language in LANGUAGE_CODES
            and user.language != settings.LANGUAGE_CODE
        ):
            chosen = user.language
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        if chosen and settings.LANGUAGE_COOKIE_NAME not in response.cookies:  # not the switch
            _cookie(response, chosen)
        return response


@receiver(user_logged_in)
def keep_the_language_chosen_before_login(sender, request, user, **kwargs):
    """A language picked on the login page is the user's choice: remember it."""
    if request is None:
        return
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if language in LANGUAGE_CODES and user.language != language:
        get_user_model().objects.filter(pk=user.pk).update(language=language)
        user.language = language
