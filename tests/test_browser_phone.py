"""In real Chromium at phone size (390 × 844): every page each demo person can reach fits the screen and
passes axe-core, and the Django admin's user page is labelled and keeps to the Content Security Policy.

The pages are found by following links, breadth first, from each person's home page, as they would find
them; one page per URL pattern per person (django.urls.resolve), so a list of 40 cases costs one visit,
not 40. New pages are walked as soon as something links to them; no list of addresses to keep up to date.
"""

import time
from collections import deque
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from cases.models import Case
from demo import households as demo
from monitoring.escalations import escalation_raise
from tests.conftest import PASSWORD
from tests.factories import AssessmentFactory, UserFactory
from tests.test_browser_dashboards import serious_axe_violations

PHONE = {"width": 390, "height": 844}
# Fewer households than the demo's 40 keep the seeding to seconds; every kind of page still has content.
HOUSEHOLDS = 8
# Each demo person, with the fewest distinct pages the crawl must reach (about 85% of what it reached
# when this was written), so that a broken sign-in or a lost link cannot make the test pass by visiting
# nothing.
MIN_ROUTES = {
    "practitioner": 30,
    "teacher": 28,
    "lead": 40,
    "manager": 36,
    "senior": 36,
    "admin": 18,
    "mash": 8,
    "mashmanager": 8,
    "dataofficer": 4,
}
# Pages everyone on a case team (or above it) uses every day: the crawl must have been there.
DAILY_PAGES = {
    "home",
    "dashboards:detail",
    "chronology:timeline",
    "chronology:child",
    "chronology:appointments",
    "plans:plan",
    "plans:meetings",
    "monitoring:flags",
}
MUST_VISIT = {
    "practitioner": DAILY_PAGES,
    "teacher": DAILY_PAGES,
    "lead": DAILY_PAGES | {"gcp2:overview", "gcp2:detail", "gcp2:area", "monitoring:escalations"},
    "manager": DAILY_PAGES | {"dashboards:manager", "plans:supervision_record"},
    "senior": DAILY_PAGES | {"dashboards:manager"},
    "admin": {"home", "admin:index", "admin:accounts_user_changelist", "admin:accounts_user_change"},
    # The MASH: the inbox and a referral's page, and the referral form everyone has.
    "mash": {"home", "referrals:inbox", "referrals:detail", "referrals:new"},
    "mashmanager": {"home", "referrals:inbox", "referrals:detail", "referrals:new"},
    # The data officer: the census pages (the return itself is a download, not a page).
    "dataofficer": {"home", "reporting:census", "reporting:census_readiness"},
}
# A safety cap: a runaway crawl stops here instead of running for ever (the minimums above still hold).
MAX_ROUTES = 90
# Downloads and sign-out are not pages. In the admin, the people-and-agencies pages are the
# administrator's daily work; the other apps' admin pages and the delete, history and password pages
# are left out to keep the run short.
SKIP_ENDINGS = (".pdf", ".csv", ".xml", "/pdf/", "/logout/", "/delete/", "/history/", "/password/")
ADMIN_PAGES = ("/admin/", "/admin/accounts/")

# The right-most element that sticks out past the screen and is not inside its own scroll box.
WIDEST_ELEMENT = """() => {
  const screen = document.documentElement.clientWidth;
  let widest = null;
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || box.right <= screen + 1) continue;
    let parent = el.parentElement, scrolls = false;
    while (parent && parent !== document.body) {
      const overflow = getComputedStyle(parent).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') { scrolls = true; break; }
      parent = parent.parentElement;
    }
    if (!scrolls && (!widest || box.right > widest.right + 0.5)) widest = {right: box.right, el};
  }
  if (!widest) return 'no single element found';
  const el = widest.el;
  const name = typeof el.className === 'string' ? el.className.trim() : '';
  const classes = name ? '.' + name.split(/\\s+/).join('.') : '';
  return `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${classes}> reaching ${Math.round(widest.right)} px: `
    + JSON.stringify((el.innerText || '').trim().slice(0, 50));
}"""
# Hiding the overflow of the whole page would pass the width check by clipping content instead.
PAGE_CLIPS = """() => [document.documentElement, document.body].some(
  el => ['hidden', 'clip'].includes(getComputedStyle(el).overflowX))"""


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe is injected as a script the page's CSP would refuse; only the test browser bypasses it.
    return {**browser_context_args, "bypass_csp": True, "viewport": PHONE}


def sign_in_as(page: Page, base_url: str, username: str, password: str) -> None:
    """Sign in and wait for the first page, wherever the person lands."""
    page.goto(f"{base_url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _demo_partnership(monkeypatch) -> None:
    """The demo partnership, smaller, with what the demo leaves out: an open escalation, a GCP2 draft,
    flags and notifications from a monitoring sweep."""
    monkeypatch.setattr(demo, "HOUSEHOLDS", HOUSEHOLDS)
    demo.seed(timezone.localdate())
    lead, practitioner = User.objects.get(username="lead"), User.objects.get(username="practitioner")
    shared = Case.objects.open().filter(lead_professional=lead, members__user=practitioner).first()
    escalation_raise(case=shared, by=practitioner, concern="The housing repairs have not started after 3 months.")
    # On each of the lead's cases, as the crawl sees one case's GCP2 pages only, whichever it reaches first.
    for led in Case.objects.open().filter(lead_professional=lead, household__relationship="child").distinct():
        AssessmentFactory(case=led, started_by=lead)
    call_command("sweep", "--no-send")


def _page_key(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def _worth_visiting(path: str) -> bool:
    if path.startswith("/static/") or path.endswith(SKIP_ENDINGS):
        return False
    if path.startswith("/admin/"):
        return path == ADMIN_PAGES[0] or path.startswith(ADMIN_PAGES[1:])
    return True


def _crawl(page: Page, base_url: str, username: str, checked_by_axe: set[str]) -> tuple[set[str], list[str]]:
    """Visit each page pattern `username` can reach once. Returns the patterns and what was wrong."""
    origin = urlsplit(base_url).netloc
    queue, visited, problems = deque(["/"]), set(), []
    while queue and len(visited) < MAX_ROUTES:
        path = queue.popleft()
        key = _page_key(urlsplit(path).path)
        if key is None or key in visited:
            continue
        visited.add(key)
        response = page.goto(base_url + path)
        where = f"{username} {key} {path}"
        if response is None or response.status != 200:
            problems.append(f"{where}: a link leads to HTTP {response.status if response else 'nothing'}")
            continue
        overflow = page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]
        if overflow > 0:
            problems.append(f"{where}: {overflow} px too wide; widest {page.evaluate(WIDEST_ELEMENT)}")
        if page.evaluate(PAGE_CLIPS):
            problems.append(f"{where}: the page hides its horizontal overflow (content is clipped)")
        if key not in checked_by_axe:
            checked_by_axe.add(key)
            problems.extend(f"{where}: axe {violation}" for violation in serious_axe_violations(page))
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            link = urlsplit(href)
            if link.netloc == origin and _worth_visiting(link.path):
                queue.append(link.path + (f"?{link.query}" if link.query else ""))
    return visited, problems


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_of_every_demo_person_fits_a_phone_and_passes_axe(live_server, page: Page, monkeypatch):
    started = time.monotonic()
    _demo_partnership(monkeypatch)
    checked_by_axe: set[str] = set()
    problems, reached = [], {}
    for username in MIN_ROUTES:
        page.context.clear_cookies()
        sign_in_as(page, live_server.url, username, demo.DEMO_PASSWORD)
        visited, found = _crawl(page, live_server.url, username, checked_by_axe)
        reached[username] = visited
        problems.extend(found)
        if len(visited) < MIN_ROUTES[username]:
            problems.append(f"{username}: only {len(visited)} distinct pages reached, expected {MIN_ROUTES[username]}")
        if missing := MUST_VISIT[username] - visited:
            problems.append(f"{username}: never reached {sorted(missing)}")
    counts = ", ".join(f"{username} {len(visited)}" for username, visited in reached.items())
    print(f"Pages reached: {counts}; {len(checked_by_axe)} checked by axe; {time.monotonic() - started:.0f} s")
    assert not problems, "\n".join(problems)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_user_page_is_labelled_and_keeps_to_the_csp(live_server, page: Page, browser: Browser, member):
    # As the demo's administrator is: staff and superuser, with the administrator role.
    UserFactory(username="admin_phone", role="administrator", is_staff=True, is_superuser=True)
    member.last_login = timezone.now()
    member.save(update_fields=["last_login"])
    user_page = f"{live_server.url}/admin/accounts/user/{member.pk}/change/"

    sign_in_as(page, live_server.url, "admin_phone", PASSWORD)
    page.goto(user_page)
    # When they last signed in is a fact the portal records, shown as text rather than two bare inputs.
    expect(page.locator(".field-last_login .readonly")).not_to_have_text("-")
    expect(page.locator("#id_last_login_0")).to_have_count(0)
    expect(page.get_by_label("Username")).to_have_value(member.username)
    assert serious_axe_violations(page) == []

    # The same pages as the browser really enforces the policy: a context of its own, without bypass_csp.
    strict = browser.new_context(viewport=PHONE)
    try:
        strict_page = strict.new_page()
        errors: list[str] = []
        strict_page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        sign_in_as(strict_page, live_server.url, "admin_phone", PASSWORD)
        for path in ("/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{member.pk}/change/"):
            strict_page.goto(f"{live_server.url}{path}")
            strict_page.wait_for_load_state("networkidle")
        # The filter box of the two-list selectors: typing runs Django's own script.
        strict_page.locator("#id_groups_input").fill("a")
        assert not [e for e in errors if "Content Security Policy" in e], errors
        assert errors == [], errors
    finally:
        strict.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_admin_list_and_form_passes_axe(live_server, page: Page, monkeypatch):
    """Each model the admin offers: its list, its first row's page and its add page (where adding is
    allowed), as the demo's administrator sees them, at desktop width, where administrators work."""
    _demo_partnership(monkeypatch)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(page, live_server.url, "admin", demo.DEMO_PASSWORD)
    administrator = User.objects.get(username="admin")
    problems, pages = [], 0
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        paths = [reverse(f"{prefix}_changelist")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            paths.append(reverse(f"{prefix}_change", args=[first.pk]))
        if model_admin.has_add_permission(SimpleNamespace(user=administrator)):
            paths.append(reverse(f"{prefix}_add"))
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("load")
            pages += 1
            if response.status != 200:
                problems.append(f"{path}: answered {response.status}")
                continue
            problems.extend(f"{path}: axe {violation}" for violation in serious_axe_violations(page))
    assert pages > 30, f"only {pages} admin pages visited"
    assert not problems, "\n".join(problems)
