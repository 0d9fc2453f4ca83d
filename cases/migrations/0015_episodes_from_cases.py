"""Each child of a child in need or child protection case gets the episode of need the household case stood for.

Forward, per child in the household of a statutory case: the episode starts on the referral date (the day the
referral was received, for a case opened from one; otherwise the day the case opened), or the day the child
joined if later; it closes with the case, on its day and for its reason, or on the day the child left the
household if earlier (RC7, services ceased). The source of a case opened before
episodes existed is not known (10), nor its primary need (N0): the lead records both from the child's page.
A case's assessment becomes one per child who was there for it, with its due and completed dates. Early help cases get no episode:
early help is outside the census, so their closure reasons are dropped.

Backward, the case's reason comes back from its children's episodes (the latest closed one), and an early
help case closed without one reads RC7 (services ceased), the nearest to "support ended".
"""

from django.db import migrations
from django.db.models import Max

STATUTORY = ["child_in_need", "child_protection"]
BATCH = 2000


def episodes_from_cases(apps, schema_editor):
    HouseholdMember = apps.get_model("cases", "HouseholdMember")
    CaseOpening = apps.get_model("cases", "CaseOpening")
    ChildEpisode = apps.get_model("cases", "ChildEpisode")
    ChildAssessment = apps.get_model("cases", "ChildAssessment")

    received = dict(
        CaseOpening.objects.filter(referral_received_on__isnull=False).values_list("case_id", "referral_received_on")
    )
    members = (
        HouseholdMember.objects.filter(relationship="child", case__level__in=STATUTORY)
        .values_list(
            "case_id",
            "person_id",
            "joined_on",
            "left_on",
            "case__opened_on",
            "case__closed_on",
            "case__closure_reason",
            "case__assessment_due_on",
            "case__assessment_completed_on",
            "case__lead_professional_id",
        )
        .order_by("case_id", "person_id")
    )
    episodes, assessments = [], []

    def flush():
        ChildEpisode.objects.bulk_create(episodes)
        ChildAssessment.objects.bulk_create(
            ChildAssessment(episode=episode, **fields) for episode, fields in assessments
        )
        episodes.clear()
        assessments.clear()

    for case_id, person_id, joined, left, opened, closed, reason, due, completed, lead_id in members.iterator():
        # A child there when the case opened came with its referral; one who joined later starts on joining.
        started = joined if joined > opened else received.get(case_id, opened)
        if closed is not None and started > closed:
            started = closed
        # A child who left the household before it closed (or while it is open) closed on leaving: services
        # ceased for them here (RC7), as the lead would have recorded had episodes existed.
        if left is not None and (closed is None or left < closed):
            closed, reason = max(left, started), "RC7"
        episode = ChildEpisode(
            case_id=case_id,
            child_id=person_id,
            started_on=started,
            closed_on=closed,
            closure_reason=reason if closed else "",
        )
        episodes.append(episode)
        # The household's assessment was of the children there at the time: none for a child who came later.
        if due is not None and not (completed and started > completed):
            authorised = completed if completed and completed >= started else None
            assessments.append(
                (
                    episode,
                    {
                        "started_on": started,
                        "due_on": due,
                        "authorised_on": authorised,
                        "authorised_by_id": lead_id if authorised else None,
                    },
                )
            )
        if len(episodes) >= BATCH:
            flush()
    flush()


def reasons_from_episodes(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    ChildEpisode = apps.get_model("cases", "ChildEpisode")
    ChildAssessment = apps.get_model("cases", "ChildAssessment")
    ChildDeath = apps.get_model("cases", "ChildDeath")
    Section47Enquiry = apps.get_model("cases", "Section47Enquiry")

    latest = ChildEpisode.objects.filter(closed_on__isnull=False).values("case_id").annotate(last=Max("closed_on"))
    for row in latest.iterator():
        reason = (
            ChildEpisode.objects.filter(case_id=row["case_id"], closed_on=row["last"])
            .order_by("-pk")
            .values_list("closure_reason", flat=True)
            .first()
        )
        Case.objects.filter(pk=row["case_id"], status="closed").update(closure_reason=reason)
    Case.objects.filter(status="closed", closure_reason="").update(closure_reason="RC7")
    ChildDeath.objects.all().delete()
    Section47Enquiry.objects.all().delete()
    ChildAssessment.objects.all().delete()
    ChildEpisode.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0014_child_statutory_record")]

    operations = [migrations.RunPython(episodes_from_cases, reasons_from_episodes)]
