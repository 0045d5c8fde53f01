from django.core.management.base import BaseCommand, CommandError

from ltc.bench.generator import Generator


class Command(BaseCommand):
    help = (
        "Fill the database with a believable company at scale (1,000,000 leads at --scale 1). "
        "Restartable: a run that stopped resumes with the tables it had not finished; --reset "
        "empties the generated tables first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=1_000_000)
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Size of everything else: 1 = 100,000 opportunities, 20,000 contracts, …",
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--reset", action="store_true", help="Empty the generated tables first")

    def handle(self, *args, leads, scale, seed, reset, **options):
        if leads < 10 or scale <= 0:
            raise CommandError("--leads must be at least 10 and --scale positive.")
        gen = Generator(leads=leads, scale=scale, seed=seed, out=self.stderr)
        try:
            result = gen.run(reset=reset)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(result["rows"].values())
        self.stdout.write(
            f"Generated {rows:,} rows in {result['seconds']} s "
            f"({result['rows_per_second']:,} rows/s)."
        )
