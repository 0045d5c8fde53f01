"""The attachments panel (htmx: list and upload in place), the download and the delete.

Every view first finds the record the file belongs to through its model's ``visible_to``: a
record the user does not see answers 404, and so do its files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ltc.core.errors import DomainError
from ltc.core.views import flash_refusal, safe_next

from . import services
from .forms import UploadForm
from .models import Attachment
from .registry import page_of
from .selectors import panel_context


def _panel_url(label: str, object_id: int) -> str:
    return reverse("attachments:panel", args=[label, object_id])


def _render_panel(request, subject, *, error: str = "", status: int = 200):
    context = panel_context(request.user, subject)
    context["error"] = error
    if request.htmx:
        return render(request, "attachments/_panel.html", context, status=status)
    context["title"] = _("Files of %(record)s") % {"record": subject}
    context["back"] = page_of(subject)
    return render(request, "attachments/page.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def panel(request, label: str, object_id: int):
    subject = services.subject_for(request.user, label, object_id)
    if request.method == "GET":
        return _render_panel(request, subject)
    form = UploadForm(request.POST, request.FILES)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    try:
        services.upload_attachment(
            subject=subject,
            upload=request.FILES.get("file"),
            by=request.user,
            kind=data.get("kind") or "",
            note=data.get("note") or "",
        )
    except DomainError as exc:
        if request.htmx:
            return _render_panel(request, subject, error=str(exc))
        flash_refusal(request, exc)
    else:
        if request.htmx:
            return _render_panel(request, subject)
        messages.success(request, _("The file was uploaded."))
    return redirect(safe_next(request) or _panel_url(label, object_id))


def _visible_attachment(request, pk: int) -> tuple[Attachment, object]:
    attachment = get_object_or_404(
        Attachment.objects.select_related("content_type", "uploaded_by"), pk=pk
    )
    return attachment, services.subject_of(request.user, attachment)


@login_required
def download(request, pk: int):
    attachment, _subject = _visible_attachment(request, pk)
    if attachment.deleted_at is not None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def delete(request, pk: int):
    attachment, subject = _visible_attachment(request, pk)
    try:
        services.delete_attachment(attachment=attachment, by=request.user)
    except DomainError as exc:
        if request.htmx:
            return _render_panel(request, subject, error=str(exc))
        flash_refusal(request, exc)
    else:
        if request.htmx:
            return _render_panel(request, subject)
        messages.success(request, _("The file was deleted."))
    label = attachment.content_type.model_class()._meta.label_lower
    return redirect(safe_next(request) or _panel_url(label, attachment.object_id))
