import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ltc.bench import load, pgconf, report
from ltc.bench.paths import Bench


class Command(BaseCommand):
    help = (
        "Time LTC's hot paths on the generated data (median, p95, queries), each against its "
        "floor in hand-written SQL, and the API's throughput under gunicorn; writes "
        "var/bench/bench.json and bench.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", dest="json_path", default=None, help="Where the JSON goes")
        parser.add_argument("--iterations", type=int, default=30)
        parser.add_argument(
            "--overdue", type=int, default=100_000, help="Overdue leads the recovery sweeps"
        )
        parser.add_argument("--only", default="", help="Comma list: leads,recovery,...")
        parser.add_argument("--load-seconds", type=int, default=15)
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--no-load", action="store_true", help="Skip the gunicorn run")
        parser.add_argument(
            "--alter-system",
            action="store_true",
            help="Also ALTER SYSTEM the server-wide settings of deploy/postgresql.conf (the "
            "whole server: only on a machine of its own)",
        )

    def handle(
        self,
        *args,
        json_path,
        iterations,
        overdue,
        only,
        load_seconds,
        connections,
        no_load,
        alter_system=False,
        **options,
    ):
        # Figures of production code paths: no SQL logging, no debug pages.
        settings.DEBUG = False
        bench_dir = Path(settings.VAR_DIR) / "bench"
        out = Path(json_path) if json_path else bench_dir / "bench.json"
        data = {"environment": report.environment(), "paths": {}}
        if connection.vendor == "postgresql":
            applied = pgconf.apply(alter_system=alter_system)
            data["postgresql"] = {**pgconf.compare(), "applied": applied}
            self.stderr.write(
                f"postgresql: applied {applied or 'nothing'}; still differing from "
                f"{data['postgresql']['file']}: {data['postgresql']['differs'] or 'none'}"
            )
        try:
            bench = Bench(iterations=iterations, out=self.stderr, overdue=overdue)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        steps = {s.strip() for s in only.split(",") if s.strip()} or None
        for result in bench.run(steps):
            data["paths"][result.name] = result.as_dict()
        if not no_load and (steps is None or "throughput" in steps):
            data["throughput"] = self.throughput(bench, bench_dir, load_seconds, connections)
        data["environment"]["load_average_at_end"] = report.load_average()
        state = bench_dir / "generation.json"
        if state.exists():
            data["generation"] = json.loads(state.read_text()).get("result")
        md = report.write(data, out)
        self.stdout.write(md.read_text())
        self.stdout.write(f"Wrote {out} and {md}.")

    def throughput(self, bench, bench_dir, seconds, connections) -> dict | None:
        from ltc.security.tokens import issue_user_token

        if connection.vendor != "postgresql":
            self.stderr.write("throughput: skipped (gunicorn workers need PostgreSQL)")
            return None
        if load.load_tool() is None:
            self.stderr.write("throughput: skipped, no wrk or ab (apt-get install wrk)")
            return None
        _token, key = issue_user_token(user=bench.rep, name="bench")
        self.stderr.write(f"throughput: gunicorn, 2 workers, {connections} clients, {seconds} s")
        with load.Server(workers=2, log_dir=bench_dir) as server:
            # A short warm-up fills each worker's caches and connection pool.
            load.hammer(server.url("/api/v1/leads/"), token=key, seconds=2, connections=connections)
            api = load.hammer(
                server.url("/api/v1/leads/"),
                token=key,
                seconds=seconds,
                connections=connections,
            )
            floor = load.hammer(
                server.url("/bench-floor/leads/"),
                token=key,
                seconds=seconds,
                connections=connections,
            )
        ratio = round(floor["rps"] / api["rps"], 2) if api["rps"] else None
        result = {
            "label": "GET /api/v1/leads/ under gunicorn (2 workers), as a rep",
            **api,
            "floor": floor,
            "ratio_to_floor": ratio,
            "target": {"rps": 500},
            "met": api["rps"] >= 500 and api["non_2xx"] == 0,
        }
        self.stderr.write(
            f"  api {api['rps']:,.0f} req/s (non-2xx {api['non_2xx']}), "
            f"floor {floor['rps']:,.0f} req/s"
        )
        return result
