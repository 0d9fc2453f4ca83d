"""Workflows that write account-level data: two-factor enrolment, backup codes and their reset, and the
audit of changes to what a person can open (their roles, agency, team, status; a team's manager; a role's
capabilities), which the admin calls around its saves (docs/security.md, R23, R27)."""

import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.models import BackupCode, Role, Team, User
from audit import services as audit
from audit.models import AuditEvent

BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def _hash_code(user: User, code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").lower()
    return salted_hmac("accounts.backup-code", f"{user.pk}:{normalised}").hexdigest()


def totp_new_key() -> str:
    """A new authenticator secret (hex), kept in the session until a first code confirms it."""
    return random_hex(20)


def totp_device_unsaved(*, user: User, key: str) -> TOTPDevice:
    """The authenticator `key` would become, not saved: for drawing its QR code."""
    return TOTPDevice(user=user, key=key, name="Authenticator app", confirmed=True)


@transaction.atomic
def totp_device_confirm(*, user: User, key: str, token: str, request=None) -> list[str] | None:
    """Enrol the authenticator with secret `key` if `token` is its current code: it replaces any
    earlier device. Returns new backup codes, or None if the code is wrong (nothing is written)."""
    device = totp_device_unsaved(user=user, key=key)
    # Checked here rather than with device.verify_token, which saves the device even when the code is wrong.
    check = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not token.isdigit() or not check.verify(int(token), device.tolerance):
        return None
    device.last_t = check.t()  # this code is spent: it cannot also sign in
    TOTPDevice.objects.filter(user=user).delete()
    device.save()
    audit.record(actor=user, action=AuditEvent.Action.AUTH_MFA_ENROLLED, request=request)
    return backup_codes_replace(user=user, request=request)


@transaction.atomic
def backup_codes_replace(*, user: User, request=None) -> list[str]:
    """Issue a fresh set of backup codes; earlier ones stop working. Shown once, stored hashed."""
    BackupCode.objects.filter(user=user).delete()
    codes = [
        "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(10)) for _ in range(settings.MFA_BACKUP_CODE_COUNT)
    ]
    BackupCode.objects.bulk_create(BackupCode(user=user, code_hash=_hash_code(user, c)) for c in codes)
    audit.record(actor=user, action=AuditEvent.Action.AUTH_MFA_BACKUP_CODES_ISSUED, request=request)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def backup_code_use(*, user: User, code: str, request=None) -> bool:
    """Spend one backup code. Compare-and-set on used_at: the same code never works twice."""
    spent = BackupCode.objects.filter(user=user, code_hash=_hash_code(user, code), used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if spent:
        audit.record(actor=user, action=AuditEvent.Action.AUTH_MFA_BACKUP_CODE_USED, request=request)
    return bool(spent)


# --- Changes that grant or remove access ------------------------------------------------------------
# Each is recorded with before and after values: IDs, keys and the names of agencies, teams and roles, and
# people by user ID only (no names or email addresses in the trail).


def _named(obj) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


def user_access_snapshot(user_id: int) -> dict:
    """What decides what this person can open, as saved in the database now (not as an unsaved form has
    it): their roles, agency, team and the account's status flags."""
    user = User.objects.select_related("agency", "team").get(pk=user_id)
    return {
        "roles": [{"key": r.key, "name": r.name} for r in user.roles.order_by("key")],
        "agency": _named(user.agency),
        "team": _named(user.team),
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        # Django's own permissions decide which admin pages a staff member may use.
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "user_permissions": sorted(user.user_permissions.values_list("codename", flat=True)),
    }


def _changes(before: dict, after: dict) -> dict:
    changed = [key for key in after if before.get(key) != after[key]]
    return {
        "changed": changed,
        "before": {key: before.get(key) for key in changed},
        "after": {key: after[key] for key in changed},
    }


def _record_changes(*, by: User, action: str, target, about: dict, before: dict, after: dict, request):
    """One audit row with what changed, before and after (`before` empty: the record is new); nothing when
    nothing in `after` changed."""
    change = _changes(before, after)
    if not change["changed"]:
        return None
    return audit.record(
        actor=by, action=action, target=target, request=request, data={**about, "created": not before, **change}
    )


def user_access_record(*, by: User, user: User, before: dict, request=None):
    """Audit a saved change to a person's access against `before` (their `user_access_snapshot` taken
    before the change; empty for a new account). Nothing is written when nothing that matters changed."""
    return _record_changes(
        by=by,
        action=AuditEvent.Action.ACCOUNT_ACCESS_CHANGED,
        target=user,
        about={"user_id": user.pk},
        before=before,
        after=user_access_snapshot(user.pk),
        request=request,
    )


def team_snapshot(team_id: int) -> dict:
    """The team's manager (by user ID) and agency as saved now: its manager sees every case its members lead."""
    team = Team.objects.select_related("agency").get(pk=team_id)
    return {"manager": None if team.manager_id is None else {"id": team.manager_id}, "agency": _named(team.agency)}


def team_manager_record(*, by: User, team: Team, before: dict, request=None):
    """Audit a saved change of a team's manager (or a new team with one) against `before`."""
    after = team_snapshot(team.pk)
    if before.get("manager") == after["manager"]:
        return None
    return audit.record(
        actor=by,
        action=AuditEvent.Action.ACCOUNT_TEAM_MANAGER_CHANGED,
        target=team,
        request=request,
        data={"team": {"id": team.pk, "name": team.name}, "created": not before, **_changes(before, after)},
    )


def role_snapshot(role_id: int) -> dict:
    """The capabilities a role grants, by key, as saved now."""
    return {"capabilities": sorted(Role.objects.get(pk=role_id).capabilities.values_list("key", flat=True))}


def role_record(*, by: User, role: Role, before: dict, request=None):
    """Audit a saved change to what a role grants (everyone holding it gains or loses it at once)."""
    return _record_changes(
        by=by,
        action=AuditEvent.Action.ACCOUNT_ROLE_CHANGED,
        target=role,
        about={"role": {"key": role.key, "name": role.name}},
        before=before,
        after=role_snapshot(role.pk),
        request=request,
    )


@transaction.atomic
def mfa_reset(*, by: User, user: User, request=None) -> None:
    """Remove a person's authenticator and backup codes (a lost phone): at their next sign-in they set up
    two-factor sign-in again. Audited with the counts before and after."""
    devices, _ = TOTPDevice.objects.filter(user=user).delete()
    codes, _ = BackupCode.objects.filter(user=user).delete()
    audit.record(
        actor=by,
        action=AuditEvent.Action.AUTH_MFA_RESET,
        target=user,
        request=request,
        data={
            "user_id": user.pk,
            "before": {"authenticators": devices, "backup_codes": codes},
            "after": {"authenticators": 0, "backup_codes": 0},
        },
    )
