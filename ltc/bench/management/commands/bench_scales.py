from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ltc.bench import scales


class Command(BaseCommand):
    help = (
        "Put bench runs of several sizes (their JSON files) side by side: each hot path's median "
        "and ratio to its floor per size, its growth, and whether the page and record paths "
        "stayed flat; writes var/bench/scales.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("runs", nargs="+", help="bench JSON files (manage.py bench --json)")
        parser.add_argument("--out", default=None, help="Where the table goes")

    def handle(self, *args, runs, out, **options):
        missing = [path for path in runs if not Path(path).is_file()]
        if missing:
            raise CommandError(f"No bench JSON at {', '.join(missing)}")
        loaded = scales.load([Path(path) for path in runs])
        target = Path(out) if out else Path(settings.VAR_DIR) / "bench" / "scales.md"
        scales.write(loaded, target)
        self.stdout.write(target.read_text())
        self.stdout.write(f"Wrote {target}.")
