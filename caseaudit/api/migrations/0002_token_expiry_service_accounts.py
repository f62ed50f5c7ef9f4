import datetime as dt

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def expire_existing(apps, schema_editor):
    """Tokens issued before expiry existed expire API_TOKEN_DAYS after they were issued (at the
    earliest a week from now, so no script stops without warning)."""
    ApiToken = apps.get_model("api", "ApiToken")
    days = getattr(settings, "API_TOKEN_DAYS", 90)
    earliest = django.utils.timezone.now() + dt.timedelta(days=7)
    for token in ApiToken.objects.filter(expires_at__isnull=True).only("pk", "created_at"):
        token.expires_at = max(token.created_at + dt.timedelta(days=days), earliest)
        token.save(update_fields=["expires_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(help_text="Refused from then on (API_TOKEN_DAYS)."),
        ),
        migrations.CreateModel(
            name="ServiceAccount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(help_text="The system that uses it.", max_length=100)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty when created from the command line.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="service_account",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["name", "id"]},
        ),
    ]
