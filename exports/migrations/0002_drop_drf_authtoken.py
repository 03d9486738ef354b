"""DRF's authtoken app is replaced by django-rest-knox (exports/tokens.py): its table kept the
tokens in plain text and they never expired. Drop it rather than leave live secrets behind."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("exports", "0001_initial")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
    ]
