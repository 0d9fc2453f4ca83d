"""Moving models to their apps touched no data: a database at the last migration before the move, with
flags, an escalation and their notifications in it, comes out of the move with every row, the outbox rows
filled in from their flag or escalation, and the content types (so permissions) moved rather than made anew."""

import uuid
from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("cases", "0007_covering_indexes_for_dashboards"), ("accounts", "0004_notification_preference")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_rows_and_content_types_survive_the_move():
    old = _migrate(BEFORE)
    Agency, User = old.get_model("accounts", "Agency"), old.get_model("accounts", "User")
    Case, Flag = old.get_model("cases", "Case"), old.get_model("cases", "Flag")
    Stage, Escalation = old.get_model("cases", "EscalationStage"), old.get_model("cases", "Escalation")
    Notification, ContentType = old.get_model("cases", "Notification"), old.get_model("contenttypes", "ContentType")
    ContentType.objects.get_or_create(app_label="cases", model="flag")

    agency = Agency.objects.create(name="Migration Test Agency", kind="social_care")
    lead = User.objects.create(username=f"migration-{uuid.uuid4().hex[:6]}", agency=agency)
    case = Case.objects.create(
        reference="NP-2026-99999",
        level="child_protection",
        opened_on=date(2026, 1, 5),
        lead_professional=lead,
        lead_agency=agency,
    )
    flag = Flag.objects.create(case=case, rule="no_contact", subject="case", owner=lead, explanation="Why.")
    stage = Stage.objects.get_or_create(
        order=2, defaults={"name": "Manager to manager", "responder": "team_manager", "respond_within_working_days": 5}
    )[0]
    escalation = Escalation.objects.create(
        case=case,
        source="manual",
        subject="manual",
        concern="Stuck.",
        stage=stage,
        stage_started_on=date(2026, 1, 26),
        stage_due_on=date(2026, 2, 2),
        raised_by=lead,
    )
    Notification.objects.create(recipient=lead, flag=flag)
    Notification.objects.create(recipient=lead, escalation=escalation, stage_order=2, status="sent")

    new = _migrate(_leaf_nodes())
    NewNotification = new.get_model("notifications", "Notification")
    rows = {n.kind: n for n in NewNotification.objects.filter(recipient_id=lead.pk)}
    assert set(rows) == {"flag", "escalation"}
    assert (rows["flag"].subject_type, rows["flag"].subject_id, rows["flag"].case_id) == (
        "monitoring.flag",
        flag.pk,
        case.pk,
    )
    assert rows["flag"].summary == "No recent contact recorded"
    assert rows["flag"].link == "/cases/NP-2026-99999/flags/" and rows["flag"].status == "pending"
    assert (rows["escalation"].subject_id, rows["escalation"].step, rows["escalation"].status) == (
        escalation.pk,
        2,
        "sent",
    )
    assert new.get_model("monitoring", "Flag").objects.get(pk=flag.pk).explanation == "Why."
    assert new.get_model("monitoring", "Escalation").objects.get(pk=escalation.pk).concern == "Stuck."
    types = new.get_model("contenttypes", "ContentType").objects
    assert types.filter(app_label="monitoring", model="flag").exists()
    assert not types.filter(app_label="cases", model="flag").exists()


def _leaf_nodes():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
