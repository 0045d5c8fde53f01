from django.conf import settings
from django.core.management.base import BaseCommand

from ltc.bench import profile


class Command(BaseCommand):
    help = (
        "CPU per request of an API path through the WSGI handler (as gunicorn calls it), as a "
        "rep of the generated company, with a cProfile of the same requests."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default="/api/v1/leads/?page_size=50")
        parser.add_argument("--requests", type=int, default=300)
        parser.add_argument("--warmup", type=int, default=30)
        parser.add_argument("--top", type=int, default=40, help="Profile lines to print")

    def handle(self, *args, path, requests, warmup, top, **options):
        from django.core.wsgi import get_wsgi_application

        from ltc.bench.paths import Bench
        from ltc.security.tokens import issue_user_token

        settings.DEBUG = False
        rep = Bench(iterations=1).rep
        _token, key = issue_user_token(user=rep, name="bench-profile")
        result = profile.profile(
            get_wsgi_application(), path, key, requests=requests, warmup=warmup, top=top
        )
        self.stdout.write(result["profile"])
        self.stdout.write(
            f"{path} as {rep.username}: {result['cpu_ms_per_request']} ms CPU and "
            f"{result['wall_ms_per_request']} ms per request ({result['bytes']:,} bytes), "
            f"{requests} requests."
        )
