from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.encoding import force_str

from ltc.core.errors import DomainError


def flash_refusal(request, exc: DomainError) -> None:
    """Show a refused action with every missing item, the same list the API answers."""
    text = force_str(exc.detail)
    if exc.missing:
        text += " " + "; ".join(force_str(m.label) for m in exc.missing)
    messages.error(request, text)


@login_required
def home(request):
    """The workbench: what needs the user's attention now. Each chain app contributes panels."""
    from ltc.core.workbench import panels_for

    now = timezone.now()
    context = {"panels": panels_for(request.user), "now": now, "soon": now + timedelta(days=1)}
    return render(request, "home.html", context)
