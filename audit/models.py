"""AuditEvent: one append-only row per read, write, refusal or sign-in event.

Rows keep IDs, not copies of case content. Foreign keys carry no database constraint so that
a read can be recorded on the separate audit connection before the request's own transaction
commits, and so that the trail outlives anything it points at.
"""

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a row that may only ever be added."""


class AppendOnlyModel(models.Model):
    """Rows that may be added, never changed or removed. The model refuses here; the database
    refuses too (audit/append_only.py triggers), so raw SQL and queryset updates are stopped as well."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name} rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name} rows cannot be deleted.")


class AuditEvent(AppendOnlyModel):
    class Action(models.TextChoices):
        """Every action the trail records: `<subject>.<what happened>`, the subject singular (access, account,
        admin, auth, case and what belongs to a case, caseload, chronology, gcp2, referral, settings). Code writes these
        constants, never a string of its own."""

        ACCESS_DENIED = "access.denied", "Refused: the case does not exist for them"
        ACCESS_REFUSED_WRITE = "access.refused_write", "Refused: may read but not change"
        ACCESS_REFUSED_MERGE = "access.refused_merge", "Refused: may not mark records as the same person"
        # Changes in the admin that widen or narrow what someone can open (docs/security.md, R23, R27).
        ACCOUNT_ACCESS_CHANGED = "account.access_changed", "Changed someone's roles, agency, team or status"
        ACCOUNT_ROLE_CHANGED = "account.role.changed", "Changed what a role may do"
        ACCOUNT_TEAM_MANAGER_CHANGED = "account.team.manager_changed", "Changed a team's manager"
        ADMIN_READ = "admin.read", "Opened a page of the admin site"
        ACCESS_REFUSED_EXPORT_LIMIT = "access.refused_export_limit", "Refused: too many exports in an hour"
        AUTH_LOCKED_OUT = "auth.locked_out", "Locked out after failed sign-ins"
        AUTH_LOGIN = "auth.login", "Signed in"
        AUTH_LOGIN_FAILED = "auth.login_failed", "Sign-in failed"
        AUTH_LOGIN_SLOWED = "auth.login_slowed", "Sign-in refused for a few seconds after many failures"
        AUTH_LOGOUT = "auth.logout", "Signed out"
        AUTH_MFA_BACKUP_CODE_USED = "auth.mfa.backup_code_used", "Used a backup code"
        AUTH_MFA_BACKUP_CODES_ISSUED = "auth.mfa.backup_codes_issued", "New backup codes issued"
        AUTH_MFA_ENROLLED = "auth.mfa.enrolled", "Two-factor sign-in set up"
        AUTH_MFA_FAILED = "auth.mfa.failed", "Two-factor code refused"
        AUTH_MFA_VERIFIED = "auth.mfa.verified", "Two-factor code accepted"
        AUTH_MFA_RESET = "auth.mfa.reset", "Reset someone's two-factor sign-in"
        AUTH_STEP_UP_CONFIRMED = "auth.step_up.confirmed", "Confirmed who they are again"
        AUTH_STEP_UP_FAILED = "auth.step_up.failed", "Refused: could not confirm who they are"
        CASE_VIEWED = "case.viewed", "Viewed a case page"
        CASE_HISTORY_VIEWED = "case.history_viewed", "Read an earlier case's entries through a later case"
        CASE_ACCESSED = "case.accessed", "Sent a change to a case page"
        CASE_CREATED = "case.created", "Opened a case"
        CASE_UPDATED = "case.updated", "Changed a case's details"
        CASE_CLOSED = "case.closed", "Closed a case"
        CASE_CHILD_RECORD_CHANGED = "case.child_record.changed", "Changed a child's episode, assessment or enquiry"
        CASE_CHILD_EPISODE_CLOSED = "case.child_record.closed", "Closed a child's episode of need"
        CASE_CHILD_DEATH_RECORDED = "case.child_record.death", "Recorded a child's death"
        CASE_CHILD_PLAN_CHANGED = "case.child_plan.changed", "Ended a child's plan or changed its category"
        CASE_REOPENED = "case.reopened", "Reopened a closed case"
        CASE_SAVE_CONFLICT = "case.save_conflict", "Change not saved: someone else saved first"
        CASE_SEARCHED = "case.searched", "Searched for cases"
        CASE_ACCESS_GRANTED = "case.access_granted", "Gave temporary access"
        CASE_HOUSEHOLD_ADDED = "case.household.added", "Added someone to a household"
        CASE_HOUSEHOLD_LINKED = "case.household.linked", "Linked someone already known to a household"
        CASE_HOUSEHOLD_LEFT = "case.household.left", "Recorded that someone left a household"
        CASE_ADDRESS_ADDED = "case.address.added", "Added an address to a household's history"
        CASE_ADDRESS_ENDED = "case.address.ended", "Ended an address in a household's history"
        CASE_PERSON_CORRECTED = "case.person.corrected", "Corrected a person's details"
        CASE_PERSON_MERGED = "case.person.merged", "Marked two records as the same person"
        CASE_PERSON_UNMERGED = "case.person.unmerged", "Undid marking two records as the same person"
        CASE_PEOPLE_SEARCHED = "case.people_searched", "Searched for people already known"
        CASE_LEAD_CHANGED = "case.lead.changed", "Changed the lead professional"
        CASE_TEAM_ADDED = "case.team.added", "Added someone to a case team"
        CASE_TEAM_ENDED = "case.team.ended", "Removed someone from a case team"
        CASE_PLAN_CREATED = "case.plan.created", "Started a plan"
        CASE_PLAN_UPDATED = "case.plan.updated", "Changed a plan"
        CASE_PLAN_SAVE_CONFLICT = "case.plan.save_conflict", "Plan not saved: someone else saved first"
        CASE_PLAN_OUTCOME_ADDED = "case.plan.outcome_added", "Added an outcome to a plan"
        CASE_PLAN_ACTION_ADDED = "case.plan.action_added", "Added a plan action"
        CASE_PLAN_ACTION_UPDATED = "case.plan.action_updated", "Updated a plan action"
        CASE_MEETING_SCHEDULED = "case.meeting.scheduled", "Scheduled a meeting"
        CASE_MEETING_HELD = "case.meeting.held", "Recorded a meeting"
        CASE_FLAG_ACKNOWLEDGED = "case.flag.acknowledged", "Acknowledged a flag"
        CASE_ESCALATION_RAISED = "case.escalation.raised", "Raised an escalation"
        CASE_ESCALATION_RESPONDED = "case.escalation.responded", "Answered an escalation"
        CASE_ESCALATION_RESOLVED = "case.escalation.resolved", "Resolved an escalation"
        CASE_ESCALATION_MOVED_UP = "case.escalation.moved_up", "Moved an escalation up the ladder"
        CASELOAD_EXPORTED = "caseload.exported", "Downloaded the caseload"
        CENSUS_RETURN_EXPORTED = "census.return.exported", "Made the children in need census return"
        CENSUS_CHECK_REQUESTED = "census.check.requested", "Asked for the census readiness checks to run"
        CENSUS_VIEWED = "census.viewed", "Viewed a census page"
        CENSUS_DENIED = "census.denied", "Refused: a census page they may not see"
        CASELOAD_REALLOCATED = "caseload.reallocated", "Moved a worker's whole caseload to other leads"
        CHRONOLOGY_ENTRY_CREATED = "chronology.entry.created", "Added a chronology entry"
        CHRONOLOGY_ENTRY_AMENDED = "chronology.entry.amended", "Corrected a chronology entry"
        CHRONOLOGY_CORRECTION_REFUSED = (
            "chronology.entry.correction_refused",
            "Refused: may not correct another person's entry",
        )
        CHRONOLOGY_CORRECTION_CONFLICT = (
            "chronology.entry.correction_conflict",
            "Correction not saved: someone else corrected the entry first",
        )
        CHRONOLOGY_OTHER_VIEW_ADDED = "chronology.entry.other_view_added", "Added another view of a chronology entry"
        CHRONOLOGY_SAME_EVENT_LINKED = "chronology.same_event_linked", "Linked chronology entries as one event"
        CHRONOLOGY_APPOINTMENT_CREATED = "chronology.appointment.created", "Added an appointment"
        CHRONOLOGY_APPOINTMENT_OUTCOME_RECORDED = (
            "chronology.appointment.outcome_recorded",
            ("Recorded an appointment's outcome"),
        )
        CHRONOLOGY_APPOINTMENT_OUTCOME_CORRECTED = (
            "chronology.appointment.outcome_corrected",
            "Corrected an appointment's outcome",
        )
        CHRONOLOGY_OUTCOME_CORRECTION_REFUSED = (
            "chronology.appointment.outcome_correction_refused",
            "Refused: may not correct an outcome another person recorded",
        )
        CHRONOLOGY_OUTCOME_CORRECTION_CONFLICT = (
            "chronology.appointment.outcome_correction_conflict",
            "Outcome correction not saved: someone else corrected it first",
        )
        CHRONOLOGY_EXPORTED = "chronology.exported", "Printed or downloaded a chronology"
        CHRONOLOGY_IMPORT_COMPLETED = "chronology.import.completed", "Imported a partner's chronology"
        GCP2_ASSESSMENT_STARTED = "gcp2.assessment.started", "Started a GCP2"
        GCP2_ASSESSMENT_SAVED = "gcp2.assessment.saved", "Saved a GCP2 draft"
        GCP2_ASSESSMENT_COMPLETED = "gcp2.assessment.completed", "Completed a GCP2"
        GCP2_ASSESSMENT_CORRECTION_STARTED = "gcp2.assessment.correction_started", "Started a GCP2 correction"
        GCP2_ASSESSMENT_SAVE_CONFLICT = "gcp2.assessment.save_conflict", "GCP2 not saved: someone else saved first"
        GCP2_ASSESSMENT_PRINTED = "gcp2.assessment.printed", "Printed a GCP2"
        GCP2_COMPARISON_PRINTED = "gcp2.comparison.printed", "Printed a GCP2 comparison"
        GCP2_LICENCE_REFUSED = "gcp2.licence_refused", "Refused: no current GCP2 licence"
        REFERRAL_CREATED = "referral.created", "Made a referral"
        REFERRAL_VIEWED = "referral.viewed", "Viewed a referral or the MASH inbox"
        REFERRAL_DENIED = "referral.denied", "Refused: the referral does not exist for them"
        REFERRAL_CHECK_RECORDED = "referral.check_recorded", "Recorded a check with a partner agency"
        REFERRAL_DECIDED = "referral.decided", "Decided a referral"
        REFERRAL_PERSON_LINKED = "referral.person_linked", "Linked a child or adult of a referral to a known person"
        SETTINGS_TIMESCALE_CHANGED = "settings.timescale.changed", "Changed a timescale"
        SETTINGS_CLOSURE_DAY_SAVED = "settings.closure_day.saved", "Saved a local closure day"
        SETTINGS_CLOSURE_DAY_DELETED = "settings.closure_day.deleted", "Deleted a local closure day"
        SETTINGS_MONITORING_CHANGED = "settings.monitoring.changed", "Changed the monitoring thresholds"
        SETTINGS_ESCALATION_STAGE_CHANGED = "settings.escalation_stage.changed", "Changed an escalation stage"
        SETTINGS_CHRONOLOGY_CHANGED = "settings.chronology.changed", "Changed the chronology settings"
        SETTINGS_REFERRALS_CHANGED = "settings.referrals.changed", "Changed the referral settings"

    # Names rows were written with before the vocabulary had one prefix style; they keep their name in the
    # database (the trail is append-only) and display as the action they always meant.
    FORMER_ACTIONS = {
        "cases.caseload.exported": Action.CASELOAD_EXPORTED,
        "cases.searched": Action.CASE_SEARCHED,
        "cases.flag.acknowledged": Action.CASE_FLAG_ACKNOWLEDGED,
        "cases.escalation.raised": Action.CASE_ESCALATION_RAISED,
        "cases.escalation.responded": Action.CASE_ESCALATION_RESPONDED,
        "cases.escalation.resolved": Action.CASE_ESCALATION_RESOLVED,
        "cases.escalation.moved_up": Action.CASE_ESCALATION_MOVED_UP,
        "cases.timescale.changed": Action.SETTINGS_TIMESCALE_CHANGED,
        "cases.closure_day.saved": Action.SETTINGS_CLOSURE_DAY_SAVED,
        "cases.closure_day.deleted": Action.SETTINGS_CLOSURE_DAY_DELETED,
        "cases.monitoring_settings.changed": Action.SETTINGS_MONITORING_CHANGED,
        "cases.escalation_stage.changed": Action.SETTINGS_ESCALATION_STAGE_CHANGED,
    }

    class Outcome(models.TextChoices):
        OK = "ok", "Allowed"
        DENIED = "denied", "Refused"
        FAILED = "failed", "Failed"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    # Snapshot at the time of the event: agencies and roles change, the trail must not.
    actor_agency_id = models.BigIntegerField(null=True)
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=60)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    # For refusals the case may not exist at all: keep what was asked for.
    requested_case = models.CharField(max_length=64, blank=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True)
    session_hash = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["case", "action", "-at"], name="audit_case_action_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} ({self.outcome})"

    @classmethod
    def names_of(cls, action: str) -> list[str]:
        """The name an action is written with now and any it was written with before, for filtering."""
        return [action, *(former for former, current in cls.FORMER_ACTIONS.items() if current == action)]

    @property
    def action_label(self) -> str:
        """The action in words, whichever of its names the row was written with."""
        action = self.FORMER_ACTIONS.get(self.action, self.action)
        return self.Action(action).label if action in self.Action.values else self.action
