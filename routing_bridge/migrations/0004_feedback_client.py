import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """TicketFeedback.client named the router that reported it; it is now `router`, and `client`
    names the client company whose ticket it was (contract 1.1)."""

    dependencies = [
        ("academy", "0002_client"),
        ("routing_bridge", "0003_mirror_version_triggers"),
    ]

    operations = [
        migrations.RenameField(model_name="ticketfeedback", old_name="client", new_name="router"),
        # PostgreSQL keeps the index's name (…_client_id_…) when its column is renamed, the name the
        # new `client` column's index needs: drop it and index `router` under its own name.
        migrations.AlterField(
            model_name="ticketfeedback", name="router",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to="routing_bridge.routerclient", db_index=False),
        ),
        migrations.AlterField(
            model_name="ticketfeedback", name="router",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to="routing_bridge.routerclient"),
        ),
        migrations.AddField(
            model_name="ticketfeedback",
            name="client",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="ticket_feedback", to="academy.client", verbose_name="client"),
        ),
        migrations.AddIndex(
            model_name="ticketfeedback",
            index=models.Index(fields=["client", "occurred_at"], name="routing_bri_client__887f0c_idx"),
        ),
    ]
