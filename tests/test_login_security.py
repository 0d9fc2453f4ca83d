"""Sign-in protection: lockout (django-axes), two-factor sign-in (django-otp) and password reset."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import BackupCode
from audit.models import AuditEvent
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"


def _login(client, username, password, ip="10.0.0.1", **headers):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)


def _actions(action) -> int:
    return AuditEvent.objects.filter(action=action).count()


@pytest.mark.django_db
def test_sixth_try_from_the_attackers_address_is_locked_even_with_the_right_password(client, lead, colleague):
    statuses = [_login(client, "lead_p", "wrong", ip="203.0.113.9").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the 5th failure locks the (username, address) pair
    response = _login(client, "lead_p", PASSWORD, ip="203.0.113.9")
    assert response.status_code == 429
    assert b"Sign-in paused" in response.content
    # Every try is audited: six failures (the sixth refused unchecked), two of them at the lock.
    assert _actions(AuditEvent.Action.AUTH_LOGIN_FAILED) == 6
    assert _actions(AuditEvent.Action.AUTH_LOCKED_OUT) == 2
    # A colleague behind the attacker's address still signs in.
    assert _login(client, "colleague_p", PASSWORD, ip="203.0.113.9").status_code == 302


@pytest.mark.django_db
def test_the_real_user_signs_in_from_their_own_address_while_attacked_from_another(client, lead):
    for _ in range(5):
        _login(client, "lead_p", "wrong", ip="203.0.113.9")
    assert _login(client, "lead_p", PASSWORD, ip="203.0.113.9").status_code == 429
    assert _login(client, "lead_p", PASSWORD, ip="10.0.0.1").status_code == 302


@pytest.mark.django_db
def test_guessing_from_many_addresses_slows_the_username_but_not_its_usual_address(client, lead, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    assert _login(client, "lead_p", PASSWORD, ip="10.0.0.1").status_code == 302  # the lead's usual desk
    client.post(reverse("logout"))
    for n in range(10):  # the per-username ceiling, 5 from each of two addresses
        _login(client, "lead_p", "wrong", ip=f"203.0.113.{n // 5}")
    slowed = _login(client, "lead_p", PASSWORD, ip="198.51.100.7")
    assert slowed.status_code == 429
    assert slowed["Retry-After"] == "1"
    assert b"Wait 1 second and try again" in slowed.content
    assert _actions(AuditEvent.Action.AUTH_LOGIN_SLOWED) == 1
    # Not locked: a second later the same try works, and the usual address was never slowed.
    assert _login(client, "lead_p", PASSWORD, ip="10.0.0.1").status_code == 302
    client.post(reverse("logout"))
    time_machine.shift(timedelta(seconds=1))
    assert _login(client, "lead_p", PASSWORD, ip="198.51.100.7").status_code == 302


@pytest.mark.django_db
def test_an_address_spraying_many_usernames_is_slowed_and_cannot_lock_anyone(client, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    for n in range(25):
        UserFactory(username=f"sprayed{n}")
    statuses = [_login(client, f"sprayed{n}", "Winter2026!", ip="203.0.113.7").status_code for n in range(20)]
    assert statuses == [200] * 20  # one try per username: no pair reaches its lock
    # Past the address's ceiling each try waits 1, 2, 4 ... seconds after the last failure.
    slowed = _login(client, "sprayed20", "Winter2026!", ip="203.0.113.7")
    assert (slowed.status_code, slowed["Retry-After"]) == (429, "1")
    # The admin site's sign-in is behind the same throttle.
    admin_try = client.post(
        reverse("admin:login"), {"username": "sprayed20", "password": "Winter2026!"}, REMOTE_ADDR="203.0.113.7"
    )
    assert admin_try.status_code == 429
    time_machine.shift(timedelta(seconds=1))
    assert _login(client, "sprayed20", "Winter2026!", ip="203.0.113.7").status_code == 200
    assert _login(client, "sprayed21", "Winter2026!", ip="203.0.113.7")["Retry-After"] == "2"
    time_machine.shift(timedelta(seconds=2))
    # The wait is seconds, not the cool-off: someone on that address signs in once it has passed.
    assert _login(client, "sprayed22", PASSWORD, ip="203.0.113.7").status_code == 302
    client.post(reverse("logout"))
    # Nobody was locked: every sprayed user signs in from elsewhere.
    for n in range(21):
        assert _login(client, f"sprayed{n}", PASSWORD, ip="198.51.100.1").status_code == 302
        client.post(reverse("logout"))
    assert _actions(AuditEvent.Action.AUTH_LOCKED_OUT) == 0
    assert _actions(AuditEvent.Action.AUTH_LOGIN_FAILED) == 21
    assert _actions(AuditEvent.Action.AUTH_LOGIN_SLOWED) == 3


@pytest.mark.django_db
def test_lockout_lifts_after_the_cool_off(client, lead, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    for _ in range(5):
        _login(client, "lead_p", "wrong")
    assert _login(client, "lead_p", PASSWORD).status_code == 429
    time_machine.shift(timedelta(minutes=29))
    assert _login(client, "lead_p", PASSWORD).status_code == 429  # tries while locked do not extend it
    time_machine.shift(timedelta(minutes=2))
    assert _login(client, "lead_p", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_success_resets_the_count(client, lead):
    for _ in range(4):
        _login(client, "lead_p", "wrong")
    assert _login(client, "lead_p", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert [_login(client, "lead_p", "wrong").status_code for _ in range(5)] == [200, 200, 200, 200, 429]


@pytest.mark.django_db
def test_forged_forwarded_for_header_does_not_dodge_the_lockout(client, lead):
    for n in range(5):
        _login(client, "lead_p", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert _login(client, "lead_p", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
    # Nor can a forged header pin the lockout on someone else's address.
    assert _login(client, "lead_p", PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 302


@pytest.mark.django_db
def test_unknown_user_and_wrong_password_look_the_same(client, lead):
    unknown = _login(client, "nobody_here", "whatever", ip="10.1.1.1")
    wrong = _login(client, "lead_p", "whatever", ip="10.1.1.2")
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()
    # And they are locked alike.
    unknown = [_login(client, "nobody_here", "whatever", ip="10.1.1.1").status_code for _ in range(5)]
    known = [_login(client, "lead_p", "whatever", ip="10.1.1.2").status_code for _ in range(5)]
    assert unknown == known == [200, 200, 200, 429, 429]


def _enrol(client, user):
    """Sign in, set up an authenticator through the pages, and return (device, backup codes)."""
    client.force_login(user)
    client.get(reverse("mfa_setup"))
    key = bytes.fromhex(client.session["mfa_setup_key"])  # the secret stays in the session until confirmed
    response = client.post(reverse("mfa_setup"), {"token": f"{totp(key):06d}"})
    assert response.status_code == 200, response.content
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed
    return device, response.context["codes"]


@pytest.mark.django_db
@override_settings(MFA_REQUIRED=True)
def test_password_only_session_must_enrol_then_verify(client, lead):
    _login(client, "lead_p", PASSWORD)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_setup"))
    device, codes = _enrol(client, lead)
    assert client.get(reverse("cases:list")).status_code == 200

    client.post(reverse("logout"))
    _login(client, "lead_p", PASSWORD)
    response = client.get(reverse("cases:list"))
    assert response.url.startswith(reverse("mfa_verify"))
    # A password-only session cannot replace the enrolled device.
    assert client.get(reverse("mfa_setup")).url.startswith(reverse("mfa_verify"))


@pytest.mark.django_db
@override_settings(MFA_REQUIRED=True)
def test_a_totp_code_works_once(client, lead, time_machine):
    # Frozen clock: a 30-second code step must not roll over between two lines of the test.
    time_machine.move_to(datetime(2026, 11, 25, 10, 0, 5, tzinfo=UTC), tick=False)
    device, _ = _enrol(client, lead)  # enrolment used this step's code
    client.post(reverse("logout"))
    _login(client, "lead_p", PASSWORD)
    device.refresh_from_db()
    same_step = f"{totp(device.bin_key, t0=device.t0, step=device.step):06d}"
    assert client.post(reverse("mfa_verify"), {"token": same_step}).status_code == 400
    time_machine.shift(timedelta(seconds=30))
    next_step = f"{totp(device.bin_key, t0=device.t0, step=device.step):06d}"
    assert client.post(reverse("mfa_verify"), {"token": next_step}).status_code == 302
    client.post(reverse("logout"))
    _login(client, "lead_p", PASSWORD)
    assert client.post(reverse("mfa_verify"), {"token": next_step}).status_code == 400


@pytest.mark.django_db
@override_settings(MFA_REQUIRED=True)
def test_backup_code_works_once_and_is_stored_hashed(client, lead):
    _, codes = _enrol(client, lead)
    assert len(codes) == 10
    stored = set(BackupCode.objects.filter(user=lead).values_list("code_hash", flat=True))
    assert not {c.replace("-", "") for c in codes} & stored
    client.post(reverse("logout"))
    _login(client, "lead_p", PASSWORD)
    assert client.post(reverse("mfa_verify"), {"token": codes[0]}).status_code == 302
    assert client.get(reverse("cases:list")).status_code == 200
    client.post(reverse("logout"))
    _login(client, "lead_p", PASSWORD)
    assert client.post(reverse("mfa_verify"), {"token": codes[0]}).status_code == 400
    assert client.post(reverse("mfa_verify"), {"token": codes[1].upper()}).status_code == 302


@pytest.mark.django_db
def test_password_reset_email_carries_only_the_link(client, lead):
    lead.email = "leah@example.invalid"
    lead.save()
    response = client.post(reverse("password_reset"), {"email": "leah@example.invalid"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    text = message.subject + message.body
    for personal in (lead.first_name, lead.last_name, lead.username):
        assert personal not in text
    assert "/accounts/reset/" in message.body


@pytest.mark.django_db
def test_password_change_refuses_short_passwords(client, lead):
    client.force_login(lead)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "short-pass", "new_password2": "short-pass"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in str(response.context["form"].errors)


def test_backup_code_alphabet_avoids_lookalikes():
    from accounts.services import BACKUP_CODE_ALPHABET

    assert not set("01ilo") & set(BACKUP_CODE_ALPHABET)
    assert time.time() > 0


@pytest.mark.django_db
def test_opening_the_set_up_page_writes_nothing(client, lead):
    """R16: GET /accounts/mfa/setup/ used to create (and replace) an unconfirmed device."""
    stale = TOTPDevice.objects.create(user=lead, name="Authenticator app", confirmed=False)
    client.force_login(lead)
    assert client.get(reverse("mfa_setup")).status_code == 200
    assert client.get(reverse("mfa_setup")).status_code == 200
    assert list(TOTPDevice.objects.filter(user=lead)) == [stale]  # nothing created, nothing replaced
    first_key = client.session["mfa_setup_key"]
    client.get(reverse("mfa_setup"))
    assert client.session["mfa_setup_key"] == first_key  # the same QR code until it is confirmed
