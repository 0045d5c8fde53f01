from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.encoding import force_str

from ltc.core.errors import DomainError, InvalidInput


def flash_refusal(request, exc: DomainError) -> None:
    """Show a refused action with every missing item, the same list the API answers."""
    text = force_str(exc.detail)
    if exc.missing:
        text += " " + "; ".join(force_str(m.label) for m in exc.missing)
    messages.error(request, text)


def add_form_error(exc: DomainError, form, aliases: dict[str, str] | None = None) -> bool:
    """A service's wrong input goes next to the form's field it names (``aliases``: the
    service's name → the form's, where they differ), the form keeping what was typed. True when
    it did; False for anything else (a refusal the page shows with every missing item)."""
    if not isinstance(exc, InvalidInput):
        return False
    field = (aliases or {}).get(exc.field, exc.field)
    if field not in form.fields:
        return False
    form.add_error(field, str(exc.detail))
    return True


@login_required
def home(request):
    """The workbench: what needs the user's attention now. Each chain app contributes panels."""
    from ltc.core.workbench import panels_for

    now = timezone.now()
    context = {"panels": panels_for(request.user), "now": now, "soon": now + timedelta(days=1)}
    return render(request, "home.html", context)


def safe_next(request) -> str | None:
    """The ``next`` the form posted, if it stays on this site."""
    from ltc.security.redirects import safe_next_url

    return safe_next_url(request, request.POST.get("next"))


def flash_form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


def run_post(request, back: str, run, success: str, form=None, back_on_invalid: bool = False):
    """Run one service call from a POST: form errors and refusals become flash messages listing
    every missing item; then back to the page (or to the ``next`` the form named). A string
    returned by ``run`` replaces the success message."""
    data = {}
    if form is not None:
        if not form.is_valid():
            flash_form_errors(request, form)
            return redirect((safe_next(request) if back_on_invalid else None) or back)
        data = form.cleaned_data
    try:
        result = run(data)
    except DomainError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, result if isinstance(result, str) else success)
    return redirect(safe_next(request) or back)
