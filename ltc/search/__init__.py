"""Global search: each app contributes a ``search.py`` with a provider; this package imports
none of them by name (``autodiscover_modules``, as the admin does), keeping the cross-cutting
code upstream of the chain."""
