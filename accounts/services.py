"""Workflows that write account-level data: two-factor enrolment and backup codes."""

import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.models import BackupCode, User
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
