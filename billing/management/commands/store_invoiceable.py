"""``manage.py store_invoiceable``: rewrite ``Order.invoiceable`` of every order from the one
definition (``billing.invoiceable``), after rows were loaded without the services (a restore, a
bulk import). The services keep it otherwise; running it again changes nothing."""

from django.core.management.base import BaseCommand

from billing import invoiceable


class Command(BaseCommand):
    help = "Rewrite what is invoiceable on every order from billing's one definition."

    def handle(self, *args, **options):
        contracts = invoiceable.store_all()
        self.stdout.write(f"Invoiceable amounts stored for the orders of {contracts} contracts.")
