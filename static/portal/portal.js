/* The portal's small script, on every page (no inline scripts: the CSP forbids them).
   1. A refused form's error summary takes the focus, so it is read out and the keyboard starts there.
   2. Each date field reads the date back in words as it is typed ("Tuesday 1 December 2026"), so a
      day and month the wrong way round are seen before saving. The server does the same on every
      page it shows; this only keeps the words current while typing.
   3. The GCP2 drafts this tab kept (gcp2/draft-keeper.js, keys "gcp2:…") belong to the person who
      typed them: the next person at a shared computer must not find them. The sign-out form clears
      them all as it is sent, and so does "You have signed out". A session that simply expired keeps
      them, so that the person who typed them gets them back after signing in again; but the first
      page anyone else sees signed in at this tab drops every draft that is not theirs. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  var formatter = new Intl.DateTimeFormat("en-GB", {
    weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC"
  });

  function readBack(group) {
    var boxes = group.querySelectorAll("input[type=text]");
    var echo = group.querySelector("[data-date-echo]");
    if (boxes.length !== 3 || !echo) {
      return;
    }
    var parts = [boxes[0].value.trim(), boxes[1].value.trim(), boxes[2].value.trim()];
    if (!parts[0] && !parts[1] && !parts[2]) {
      echo.textContent = "";
      return;
    }
    var numbers = parts.map(function (part) { return /^\d+$/.test(part) ? parseInt(part, 10) : NaN; });
    if (parts[2].length !== 4 || numbers.some(isNaN)) {
      echo.textContent = "";
      return;
    }
    var day = new Date(Date.UTC(numbers[2], numbers[1] - 1, numbers[0]));
    var real = day.getUTCFullYear() === numbers[2] && day.getUTCMonth() === numbers[1] - 1 &&
      day.getUTCDate() === numbers[0];
    echo.textContent = real ? formatter.format(day).replace(",", "") : "That is not a real date.";
  }

  document.querySelectorAll("[data-date-input]").forEach(function (group) {
    group.addEventListener("input", function () { readBack(group); });
  });

  // Drops the drafts kept in this tab, or, given the person signed in, only those of anyone else.
  function clearDrafts(keepOwner) {
    try {
      for (var i = window.sessionStorage.length - 1; i >= 0; i--) {
        var key = window.sessionStorage.key(i);
        if (!key || key.indexOf("gcp2:") !== 0) { continue; }
        var owner = null;
        try { owner = (JSON.parse(window.sessionStorage.getItem(key)) || {}).owner; } catch (e) { owner = null; }
        if (!keepOwner || owner !== keepOwner) { window.sessionStorage.removeItem(key); }
      }
    } catch (e) { /* storage switched off: nothing was kept */ }
  }

  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    form.addEventListener("submit", function () { clearDrafts(null); });
  });
  var signedIn = document.body.getAttribute("data-portal-user");
  if (document.querySelector("[data-signed-out]")) {
    clearDrafts(null);
  } else if (signedIn) {
    clearDrafts(signedIn);
  }
})();
