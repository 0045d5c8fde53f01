from django.db import migrations


def create_policy(apps, schema_editor):
    policy = apps.get_model("contracts", "CommercialPolicy")
    if not policy.objects.exists():
        policy.objects.create()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]

    operations = [migrations.RunPython(create_policy, migrations.RunPython.noop)]
