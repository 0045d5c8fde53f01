from django.db import migrations


def install_defaults(apps, schema_editor):
    from opportunities.defaults import install

    install(
        apps.get_model("opportunities", "Process"),
        apps.get_model("opportunities", "Stage"),
        apps.get_model("opportunities", "StageRequirement"),
        apps.get_model("opportunities", "GradingPolicy"),
    )


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0001_initial")]

    operations = [migrations.RunPython(install_defaults, migrations.RunPython.noop)]
