"""What a form keeps in the browser tab while it is typed (static/portal/draft-keeper.js), and how the
server tells the tab that a save went through, so the copy is dropped then and only then.

A form opts in with `data-keep-draft="<key>"` (`form_page` renders it from the page's `keep_draft`). The
key names the form and the record it is about (a case reference, a plan's or an assessment's id), never a
person. When the save succeeds the view calls `saved(request, key)`; the next page shown in the portal
carries the key once in `<meta name="portal-saved-drafts">` and the script drops that copy. A failed save
(a refusal, a 409, a 503, a network failure, an expired session) never reaches `saved`, so the copy stays
and is put back when the form is opened again by the same person.
"""

from django.http import HttpRequest

SESSION_KEY = "portal_saved_drafts"


def key(*parts) -> str:
    """A form's draft key from what identifies the form and its record: `key("concern", case.reference)`.
    Spaces separate keys in the page's marker, so none may be in a part."""
    text = ":".join(str(part) for part in parts)
    if any(ch.isspace() for ch in text):
        raise ValueError("A draft key has no spaces.")
    return text


def saved(request: HttpRequest, draft_key: str) -> None:
    """The save of the form with this key succeeded: the next page tells the tab to drop its copy."""
    keys = request.session.get(SESSION_KEY, [])
    if draft_key not in keys:
        request.session[SESSION_KEY] = [*keys, draft_key]


def saved_drafts(request: HttpRequest) -> dict:
    """Context processor. Lazy: the keys leave the session only when a page actually renders the marker
    (base.html), not when a fragment or a PDF is rendered in between."""

    def take() -> str:
        if not hasattr(request, "session"):
            return ""
        return " ".join(request.session.pop(SESSION_KEY, []))

    return {"saved_drafts": take}
