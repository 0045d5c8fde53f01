import pytest


@pytest.fixture(autouse=True)
def english(client, settings):
    """Assertions read the English texts (the default language is Simplified Chinese)."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
