"""Plain words: the glossary page, terms explained in visible text where pages use them, adding one outcome
to a plan on its own page, and the GCP2 form saying truthfully when a draft is saved."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case, ChildEpisode
from common.glossary import TERMS
from plans.models import Outcome, Plan
from tests.factories import AssessmentFactory, FlagFactory, OutcomeFactory, PlanFactory, once, open_episode

GLOSSARY = "/glossary/"


def _visible(body: str) -> str:
    """The page's text as a phone shows it: without tags and attributes (title="…" hover text is not there)."""
    import re

    main = body.split("<main", 1)[1]
    text = " ".join(re.sub(r"<[^>]+>", " ", main).split())
    return text.replace("( ", "(").replace(" )", ")").replace(" .", ".").replace(" ,", ",")


# --- The glossary -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["lead", "member", "reader", "manager", "senior", "outsider", "administrator"])
def test_glossary_is_linked_from_the_main_navigation_for_everyone_signed_in(client, personas, persona):
    client.force_login(personas[persona])
    home = client.get(reverse("home"), follow=True).content.decode()  # managers land on the manager's view
    nav = home.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{GLOSSARY}"' in nav and ">Glossary<" in nav
    response = client.get(GLOSSARY)
    assert response.status_code == 200
    text = _visible(response.content.decode())
    for phrase in (
        "Graded Care Profile 2",
        "13 sub-areas of care, grouped in 4 areas, from 1 (the best) to 5 (the worst)",
        "A1 Nutrition",
        "D4 Acceptance",
        "child in need",
        "Child protection",
        "RC7 Services ceased, including no longer in need",
        "without measurable change for the child",
        "Was not brought",
        "one column for each GCP2 area",
        "day 1 is the next working day",
        "Lead professional",
    ):
        assert phrase in text, phrase
    body = response.content.decode()
    for term in TERMS:
        assert f'id="{term.key}"' in body  # every term has its anchor


def test_glossary_address_needs_a_sign_in(client):
    response = client.get(GLOSSARY)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- Terms explained where they are used ------------------------------------------------------------------


@pytest.mark.django_db
def test_caseload_explains_gcp2_the_grid_and_drift_in_visible_text(client, case, lead):
    AssessmentFactory(case=case, child=case.household.get().person, grades=3, completed=True)
    client.force_login(lead)
    body = client.get(reverse("dashboards:caseload")).content.decode()
    text = _visible(body)
    assert "GCP2 (Graded Care Profile 2)" in text
    assert "A physical care, B care of safety, C emotional care and D developmental care" in text
    assert "graded 1 (best) to 5 (worst)" in text
    assert "drifting (the case stays open with no real change for the child)" in text
    for anchor in ("gcp2", "gcp2-grid", "drift"):
        assert f'href="{GLOSSARY}#{anchor}"' in body
    # Explained before the grid first uses the letters.
    assert body.index(f"{GLOSSARY}#gcp2-grid") < body.index("gcp2-grid mb-0")


@pytest.mark.django_db
def test_manager_and_flags_pages_explain_drift(client, case, lead, manager):
    FlagFactory(case=case)
    client.force_login(manager)
    text = _visible(client.get(reverse("dashboards:manager")).content.decode())
    assert "drift flags (the case stays open with no real change for the child)" in text
    client.force_login(lead)
    body = client.get(reverse("monitoring:flags", args=[case.reference])).content.decode()
    assert f'href="{GLOSSARY}#drift"' in body and "no real change for the child" in _visible(body)


@pytest.mark.django_db
def test_gcp2_pages_explain_gcp2_on_the_page(client, case, lead):
    child = case.household.get().person
    completed = AssessmentFactory(case=case, child=child, grades=2, completed=True)
    lead.gcp2_trained_on = timezone.localdate() - timedelta(days=30)
    lead.gcp2_licence_expires_on = timezone.localdate() + timedelta(days=300)
    lead.save()
    draft = AssessmentFactory(case=case, child=child)
    urls = [
        reverse("dashboards:detail", args=[case.reference]),
        reverse("gcp2:overview", args=[case.reference]),
        reverse("gcp2:start", args=[case.reference]),
        reverse("gcp2:detail", args=[case.reference, completed.pk]),
        reverse("gcp2:details", args=[case.reference, draft.pk]),
        reverse("gcp2:area", args=[case.reference, draft.pk, "A"]),
        reverse("gcp2:comparison", args=[case.reference, child.pk]),
    ]
    client.force_login(lead)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "Graded Care Profile 2" in _visible(body), url
        assert f'href="{GLOSSARY}#gcp2"' in body, url


@pytest.mark.django_db
def test_rc_codes_are_explained_when_closing_and_on_a_closed_case(client, case, lead):
    episode = open_episode(case, case.household.get().person, case.opened_on)
    client.force_login(lead)
    body = client.get(reverse("plans:close", args=[case.reference])).content.decode()
    assert "Each reason starts with its RC code (the census reasons for closing a case)." in _visible(body)
    assert f'href="{GLOSSARY}#rc-codes"' in body
    Case.objects.filter(pk=case.pk).update(status="closed", closed_on=case.opened_on)
    ChildEpisode.objects.filter(pk=episode.pk).update(closed_on=case.opened_on, closure_reason="RC7")
    text = _visible(client.get(reverse("dashboards:detail", args=[case.reference])).content.decode())
    assert "RC7 Services ceased" in text and "one of the RC codes (the census reasons for closing a case)" in text


# --- GCP2 drafts: what the form says is what happens ------------------------------------------------------


@pytest.mark.django_db
def test_gcp2_form_no_longer_claims_to_save_as_you_go(client, case, lead):
    lead.gcp2_trained_on = timezone.localdate() - timedelta(days=30)
    lead.gcp2_licence_expires_on = timezone.localdate() + timedelta(days=300)
    lead.save()
    client.force_login(lead)
    response = client.post(reverse("gcp2:start", args=[case.reference]), {"child": case.household.get().person_id})
    assert response.status_code == 302
    page = client.get(response.url)
    text = _visible(page.content.decode())
    assert "saved as you go" not in text
    assert "GCP2 started. Each part is saved when you press Save." in text
    assert 'Each part is saved when you press "Save and continue" or "Save and stay on this page"' in text
    assert "Until you save, what you type is kept in this browser tab only." in text


# --- Add an outcome ---------------------------------------------------------------------------------------


@pytest.fixture
def plan(case):
    plan = PlanFactory(case=case)
    OutcomeFactory(plan=plan, number=1)
    OutcomeFactory(plan=plan, number=2)
    return plan


def _add_url(case, plan) -> str:
    return reverse("plans:outcome_add", args=[case.reference, plan.pk])


def _outcome(plan, **extra) -> dict:
    return once(
        {
            "version": plan.version,
            "what_must_change": "Ruby sees the dentist and her tooth is treated",
            "by_when": (plan.started_on + timedelta(days=60)).isoformat(),
            "how_we_will_know": "The dental practice confirms the treatment",
            **extra,
        }
    )


@pytest.mark.django_db
def test_plan_page_offers_add_an_outcome(client, case, plan, member, reader):
    client.force_login(member)
    body = client.get(reverse("plans:plan", args=[case.reference])).content.decode()
    assert f'href="{_add_url(case, plan)}"' in body and ">Add an outcome<" in body
    client.force_login(reader)
    assert _add_url(case, plan) not in client.get(reverse("plans:plan", args=[case.reference])).content.decode()


@pytest.mark.django_db
def test_add_an_outcome_numbers_it_after_the_others_and_audits_it(client, case, plan, member):
    client.force_login(member)
    form = client.get(_add_url(case, plan)).content.decode()
    assert "Save and add another" in form and 'name="version"' in form
    response = client.post(_add_url(case, plan), _outcome(plan))
    assert response.status_code == 302 and response.url == reverse("plans:plan", args=[case.reference])
    added = plan.outcomes.get(number=3)
    assert added.what_must_change == "Ruby sees the dentist and her tooth is treated"
    assert [o.number for o in plan.outcomes.order_by("number")] == [1, 2, 3]  # the others untouched
    assert Plan.objects.get(pk=plan.pk).version == plan.version + 1
    event = AuditEvent.objects.get(action="case.plan.outcome_added")
    assert (event.actor, event.case_id, event.target_id) == (member, case.pk, str(added.pk))
    assert event.data == {"plan_id": str(plan.pk), "number": 3}  # ids and numbers, never the text
    page = client.get(response.url).content.decode()
    assert "Outcome 3 added to the plan." in page and "Ruby sees the dentist" in page


@pytest.mark.django_db
def test_save_and_add_another_comes_back_to_a_fresh_form(client, case, plan, lead):
    client.force_login(lead)
    response = client.post(_add_url(case, plan), {**_outcome(plan), "add_another": "1"})
    assert response.status_code == 302 and response.url == _add_url(case, plan)
    plan.refresh_from_db()
    again = client.get(response.url)
    assert again.context["form"].initial["version"] == plan.version  # the next one sees the new version
    assert client.post(_add_url(case, plan), _outcome(plan, what_must_change="Leo goes to nursery")).status_code == 302
    assert list(plan.outcomes.order_by("number").values_list("number", flat=True)) == [1, 2, 3, 4]


@pytest.mark.django_db
def test_an_invalid_outcome_keeps_what_was_typed(client, case, plan, lead):
    client.force_login(lead)
    data = _outcome(plan, how_we_will_know="", by_when=(plan.started_on - timedelta(days=1)).isoformat())
    response = client.post(_add_url(case, plan), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Say how everyone will know it has changed." in body
    assert "an outcome cannot be due before that" in body
    assert "Ruby sees the dentist and her tooth is treated" in body  # kept in the form
    assert plan.outcomes.count() == 2
    assert not AuditEvent.objects.filter(action="case.plan.outcome_added").exists()


@pytest.mark.django_db
def test_a_stale_outcome_form_gets_the_conflict_page(client, case, plan, lead, member):
    stale = _outcome(plan)  # both opened the form at the same version
    client.force_login(member)
    assert client.post(_add_url(case, plan), _outcome(plan, what_must_change="Member's outcome")).status_code == 302
    client.force_login(lead)
    response = client.post(_add_url(case, plan), stale)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this plan after you opened the form" in body
    assert "Member&#x27;s outcome" in body  # the plan now, beside what the lead typed
    assert "Ruby sees the dentist and her tooth is treated" in body
    assert list(plan.outcomes.values_list("what_must_change", flat=True).order_by("number"))[-1] == "Member's outcome"
    assert plan.outcomes.count() == 3
    assert AuditEvent.objects.filter(action="case.plan.save_conflict", actor=lead, outcome="failed").count() == 1


@pytest.mark.django_db
def test_the_same_outcome_posted_twice_is_saved_once(client, case, plan, lead):
    client.force_login(lead)
    data = _outcome(plan)
    assert client.post(_add_url(case, plan), data).status_code == 302
    response = client.post(_add_url(case, plan), data, follow=True)
    assert "it was not saved twice" in response.content.decode()
    assert plan.outcomes.count() == 3


@pytest.mark.django_db
def test_outsiders_get_404_readers_403_and_an_ended_plan_no_form(client, case, plan, outsider, reader, lead):
    client.force_login(outsider)
    assert client.get(_add_url(case, plan)).status_code == 404
    assert client.post(_add_url(case, plan), _outcome(plan)).status_code == 404
    client.force_login(reader)
    assert client.post(_add_url(case, plan), _outcome(plan)).status_code == 403
    assert plan.outcomes.count() == 2
    Plan.objects.filter(pk=plan.pk).update(ended_on=plan.started_on + timedelta(days=1))
    client.force_login(lead)
    assert client.get(_add_url(case, plan)).status_code == 404
    assert Outcome.objects.filter(plan=plan).count() == 2
