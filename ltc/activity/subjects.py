"""The records an activity can be planned on. Each chain app registers its model here (in its
AppConfig.ready) with the URL of its page and, where completing an activity is more than logging
it, the function that applies the record's own rule (a lead's follow-up clock, a deal's visit
cadence). This app imports none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse


@dataclass(frozen=True)
class Subject:
    key: str
    model: type
    url_name: str
    # complete(obj=, user=, kind=, note=, now=) -> Activity; None: the activity is only logged.
    complete: Callable | None = None

    def url(self, object_id: int) -> str:
        return reverse(self.url_name, args=[object_id])

    def visible(self, user):
        return self.model.objects.visible_to(user)


_SUBJECTS: dict[str, Subject] = {}


def register(key: str, model: type, *, url_name: str, complete: Callable | None = None) -> None:
    _SUBJECTS[key] = Subject(key=key, model=model, url_name=url_name, complete=complete)


def by_key(key: str) -> Subject | None:
    return _SUBJECTS.get(key)


def for_model(model) -> Subject | None:
    model = getattr(model, "_meta", None) and model._meta.concrete_model
    for subject in _SUBJECTS.values():
        if subject.model is model:
            return subject
    return None


def for_content_type_id(content_type_id: int) -> Subject | None:
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    return for_model(model) if model else None


def keys() -> list[str]:
    return list(_SUBJECTS)


def visible_subjects_q(user, prefix: str = "") -> Q:
    """Planned activities on a record the user may see (one subquery per registered model)."""
    q = Q(pk__in=[])
    # One query (then the cache) for every registered model's content type.
    content_types = ContentType.objects.get_for_models(*(s.model for s in _SUBJECTS.values()))
    for subject in _SUBJECTS.values():
        content_type = content_types[subject.model]
        q |= Q(
            **{
                f"{prefix}content_type": content_type,
                f"{prefix}object_id__in": subject.visible(user).values("pk"),
            }
        )
    return q
