"""Who hears of a recovery batch, and what: the portable sweep's notices (services); the
PostgreSQL sweep builds the same ones in its statement (sweeps_pg)."""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse

from .notices import DIGEST_TITLES


def recovery_notices(rows, managers: dict, owners: dict, local_text) -> list[tuple]:
    """``(recipient, kind, params, url)`` for the batch's ``rows`` of (lead id, former owner,
    deadline, title): one per recipient and kind, the lead itself when it is the recipient's
    only one, else a digest of them."""
    heard: dict[tuple, list] = defaultdict(list)
    for row in sorted(rows):
        owner_id = row[1]
        heard[(owner_id, "lead_recovered")].append(row)
        for manager in managers.get(owner_id, []):
            heard[(manager, "lead_recovered_team")].append(row)
    notices = []
    for (recipient, kind), leads in sorted(heard.items()):
        if len(leads) == 1:
            lead_id, owner_id, due, title = leads[0]
            params = {"title": title, "due": local_text(due), "owner": owners.get(owner_id, "")}
            notices.append((recipient, kind, params, f"/leads/{lead_id}/"))
            continue
        titles = ", ".join(title for _id, _owner, _due, title in leads[:DIGEST_TITLES])
        params = {
            "count": len(leads),
            "titles": titles + (", …" if len(leads) > DIGEST_TITLES else ""),
            "owners": ", ".join(sorted({owners.get(row[1], "") for row in leads})),
        }
        notices.append((recipient, f"{kind}_digest", params, reverse("leads:pool")))
    return notices
