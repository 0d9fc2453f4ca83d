"""The server's half of keeping drafts in the browser tab (common/drafts.py): a long form names its draft
without personal data, and only the page after a save that went through tells the tab to drop the copy."""

import pytest
from django.urls import reverse

from common import drafts
from tests.test_chronology_views import _child, _concern

MARKER = '<meta name="portal-saved-drafts" content="{}">'


@pytest.mark.django_db
def test_the_concern_form_names_its_draft_by_the_case_reference_only(client, case, member):
    client.force_login(member)
    page = client.get(reverse("chronology:concern", args=[case.reference])).content.decode()
    assert f'data-keep-draft="concern:{case.reference}"' in page
    assert "portal-saved-drafts" not in page


@pytest.mark.django_db
def test_a_refused_save_keeps_the_draft_and_a_saved_one_clears_it_once(client, case, member):
    client.force_login(member)
    url = reverse("chronology:concern", args=[case.reference])
    refused = client.post(url, _concern(_child(case), what_happened=""), follow=True)
    assert refused.status_code == 400 and "portal-saved-drafts" not in refused.content.decode()

    saved = client.post(url, _concern(_child(case)), follow=True)
    assert saved.status_code == 200
    assert MARKER.format(f"concern:{case.reference}") in saved.content.decode()
    # Said once: the page after that no longer tells the tab anything.
    assert "portal-saved-drafts" not in client.get(url).content.decode()


def test_a_draft_key_with_a_space_is_refused():
    with pytest.raises(ValueError):
        drafts.key("concern", "Amy Carter")


@pytest.mark.django_db
def test_plan_and_meeting_forms_keep_drafts_named_without_personal_data(client, case, lead):
    client.force_login(lead)
    plan_page = client.get(reverse("plans:plan_create", args=[case.reference])).content.decode()
    assert f'data-keep-draft="plan-new:{case.reference}"' in plan_page
    meeting_page = client.get(reverse("plans:meeting_record", args=[case.reference]), {"kind": "core_group"})
    assert f'data-keep-draft="meeting:{case.reference}:core_group"' in meeting_page.content.decode()
