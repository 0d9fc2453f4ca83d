"""A section 47 enquiry carries a version, so two people adding its finding cannot overwrite each other."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0016_case_closure_reason_removed'),
    ]

    operations = [
        migrations.AddField(
            model_name='section47enquiry',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
    ]
