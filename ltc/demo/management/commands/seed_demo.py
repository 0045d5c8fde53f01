from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy as _

from ltc.demo import data
from ltc.demo.seed import seed_demo, summary


class Command(BaseCommand):
    help = _("Create the demo organisation, users and records (idempotent: safe to run again).")

    def handle(self, *args, **options):
        result = seed_demo()
        if result.created:
            created = ", ".join(
                f"{what}: {count}" for what, count in result.created.items() if count
            )
            self.stdout.write(
                self.style.SUCCESS(_("Demo data created (%(created)s).") % {"created": created})
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(_("Demo data already in place; nothing to create."))
            )
        for what, count in summary().items():
            self.stdout.write(f"  {what:<22} {count}")
        self.stdout.write(
            _("Demo users (password %(password)s): %(users)s")
            % {"password": data.PASSWORD, "users": ", ".join(data.USERS)}
        )
