"""``manage.py beat_heartbeat --max-age 120``: exit 0 when beat sent a periodic task within the
last ``max-age`` seconds, 1 otherwise (the compose file's healthcheck of the beat service)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max
from django.utils import timezone

from ltc.ops.models import PeriodicRun


class Command(BaseCommand):
    help = "Fails when beat has sent no periodic task for --max-age seconds."

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=int, default=120)

    def handle(self, *args, max_age: int, **options):
        last = PeriodicRun.objects.aggregate(last=Max("last_sent_at"))["last"]
        if last is None or timezone.now() - last > timedelta(seconds=max_age):
            raise CommandError(f"beat has sent nothing since {last or 'ever'}")
        self.stdout.write(f"beat last sent a task at {last.isoformat()}")
