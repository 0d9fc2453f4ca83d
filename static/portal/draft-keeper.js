/* Nothing typed is lost when a save fails. A form that opts in with data-keep-draft="<key>" (a key naming
   the form and its record, never a person) has what is typed kept in this browser tab (sessionStorage) as
   it is typed, under "draft:<person's id>:<key>", the copy naming who typed it. When the form is shown
   again with the copy not on it (after a refused save, a 503, a network failure, or an expired session
   and signing in again), the copy is put back, only for the person who typed it, and a note says so.
   A form with a "version" field (a GCP2 part, a plan) gets its copy back only onto the same version: if
   someone saved since, the server's newer values stay and the copy is dropped.

   The copy goes only when the server says the save went through: the page after a successful save names
   the key once in <meta name="portal-saved-drafts"> (common/drafts.py; docs/security.md, R44). Pressing
   the button is not enough, since the save may still fail. Signing out clears every copy as the form is
   sent, and so does "You have signed out"; a session that simply expired keeps them for the person who
   typed them, but the first page anyone else sees signed in at this tab drops every copy not theirs.
   sessionStorage ends with the tab. No inline script: the CSP forbids it. */
(function () {
  "use strict";
  var PREFIXES = ["draft:", "gcp2:"];  // "gcp2:" copies are from the GCP2 keeper this one replaced
  var SKIPPED = ["hidden", "submit", "button", "reset", "file", "password", "image"];
  var storage;
  try { storage = window.sessionStorage; storage.length; } catch (e) { return; }  // storage switched off
  var owner = document.body.getAttribute("data-portal-user");

  function isDraft(storageKey) {
    return PREFIXES.some(function (prefix) { return storageKey.indexOf(prefix) === 0; });
  }

  // Drops the copies kept in this tab, or, given the person signed in, only those of anyone else.
  function clearDrafts(keepOwner) {
    for (var i = storage.length - 1; i >= 0; i--) {
      var storageKey = storage.key(i);
      if (!storageKey || !isDraft(storageKey)) { continue; }
      var copyOwner = null;
      try { copyOwner = (JSON.parse(storage.getItem(storageKey)) || {}).owner; } catch (e) { copyOwner = null; }
      if (!keepOwner || copyOwner !== keepOwner) { storage.removeItem(storageKey); }
    }
  }

  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    form.addEventListener("submit", function () { clearDrafts(null); });
  });
  if (document.querySelector("[data-signed-out]")) {
    clearDrafts(null);
  } else if (owner) {
    clearDrafts(owner);
  }
  if (!owner) { return; }  // nothing is kept for nobody (the sign-in page keeps what is there)

  function storageKeyFor(key) { return "draft:" + owner + ":" + key; }

  var saved = document.querySelector('meta[name="portal-saved-drafts"]');
  if (saved) {
    saved.getAttribute("content").split(/\s+/).filter(Boolean).forEach(function (key) {
      storage.removeItem(storageKeyFor(key));
    });
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && SKIPPED.indexOf(el.type) === -1 && el.name !== "version";
    });
  }

  // Each field by name and place: several boxes may share a name (checkboxes, radios, formset rows do not).
  function snapshot(form) {
    var values = {};
    var seen = {};
    fields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        values[el.name + "=" + el.value] = el.checked;
        return;
      }
      var place = seen[el.name] = (seen[el.name] || 0) + 1;
      var name = el.name + "#" + place;
      if (el.type === "select-multiple") {
        values[name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        values[name] = el.value;
      }
    });
    return values;
  }

  function putBack(form, values) {
    var seen = {};
    fields(form).forEach(function (el) {
      var changed = false;
      if (el.type === "checkbox" || el.type === "radio") {
        var stateKey = el.name + "=" + el.value;
        if (stateKey in values && el.checked !== values[stateKey]) { el.checked = values[stateKey]; changed = true; }
      } else {
        var place = seen[el.name] = (seen[el.name] || 0) + 1;
        var name = el.name + "#" + place;
        if (!(name in values)) { return; }
        if (el.type === "select-multiple") {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = values[name].indexOf(o.value) !== -1; });
          changed = true;
        } else if (el.value !== values[name]) {
          el.value = values[name];
          changed = true;
        }
      }
      // Other scripts (the date read-back, the concern form's groups) follow the restored values.
      if (changed) {
        el.dispatchEvent(new Event("input", { bubbles: true }));
        el.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function announce(form) {
    var note = document.createElement("div");
    note.className = "alert alert-info";
    note.setAttribute("role", "status");
    note.setAttribute("data-draft-restored", "");
    form.insertBefore(note, form.firstChild);
    // The words arrive after the live region exists, so screen readers read them out.
    window.setTimeout(function () {
      note.textContent = "We have put back what you typed here before: it may not have been saved. Check it, then save.";
    }, 50);
  }

  document.querySelectorAll("form[data-keep-draft]").forEach(function (form) {
    var storageKey = storageKeyFor(form.getAttribute("data-keep-draft"));
    var versionInput = form.querySelector("input[name=version]");
    var version = versionInput ? versionInput.value : "";
    var shown = JSON.stringify(snapshot(form));
    var stored = null;
    try { stored = JSON.parse(storage.getItem(storageKey) || "null"); } catch (e) { stored = null; }
    if (stored && stored.owner === owner && stored.version === version && stored.values) {
      if (JSON.stringify(stored.values) !== shown) {
        putBack(form, stored.values);
        announce(form);
      }
    } else {
      storage.removeItem(storageKey);
    }

    function keep() {
      try {
        storage.setItem(storageKey, JSON.stringify({ owner: owner, version: version, values: snapshot(form) }));
      } catch (e) { /* storage full: the server still has what was saved */ }
    }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
  });
})();
