"""Start-up checks of the security app: what must be true of the installed libraries."""

from django.core.checks import Error, register


@register()
def openpyxl_parses_with_defusedxml(app_configs, **kwargs):
    """Uploaded .xlsx files are XML: openpyxl must parse them with defusedxml (it does whenever
    defusedxml is importable), or an entity bomb in an upload would be expanded."""
    from openpyxl.xml import DEFUSEDXML

    if DEFUSEDXML:
        return []
    return [
        Error(
            "openpyxl does not parse with defusedxml.",
            hint="Install defusedxml (requirements) and do not set OPENPYXL_DEFUSEDXML=False.",
            id="ltc.security.E001",
        )
    ]
