from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchConfig(AppConfig):
    """Scale data (``generate_data``) and the benchmark (``bench``); reads every app, none reads
    it."""

    name = "ltc.bench"
    label = "bench"
    verbose_name = _("Benchmarks")
