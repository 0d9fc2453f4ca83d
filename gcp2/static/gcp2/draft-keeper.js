/* Keeps what an assessor types in a GCP2 draft form in this browser tab (sessionStorage) until it is
   saved, so a page left by mistake, a refused save or an expired session loses nothing. Each copy
   names the person who typed it and is put back only for them; signing out clears the copies, and
   anyone else signing in at this tab finds them gone (static/portal/portal.js). The copy is put back only
   onto the same version of the draft it was typed against: if someone saved since, the server's
   newer values stay and the copy is dropped. sessionStorage ends with the tab. */
(function () {
  "use strict";
  var form = document.querySelector("form.gcp2-draft-form[data-draft-key]");
  if (!form || !window.sessionStorage) { return; }
  var key = form.getAttribute("data-draft-key");
  var versionInput = form.querySelector("input[name=version]");
  var version = versionInput ? versionInput.value : "";
  var owner = document.body.getAttribute("data-portal-user");

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.name !== "version" && el.type !== "submit";
    });
  }

  function snapshot() {
    var values = {};
    fields().forEach(function (el) {
      if (el.type === "radio") {
        if (el.checked) { values[el.name] = el.value; } else if (!(el.name in values)) { values[el.name] = ""; }
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  var original = JSON.stringify(snapshot());
  var stored = null;
  try { stored = JSON.parse(window.sessionStorage.getItem(key) || "null"); } catch (e) { stored = null; }
  if (stored && stored.owner === owner && stored.version === version && JSON.stringify(stored.values) !== original) {
    fields().forEach(function (el) {
      if (!(el.name in stored.values)) { return; }
      if (el.type === "radio") { el.checked = el.value === stored.values[el.name]; }
      else { el.value = stored.values[el.name]; }
    });
    var notice = form.querySelector(".gcp2-restored");
    if (notice) { notice.classList.remove("d-none"); }
  } else {
    window.sessionStorage.removeItem(key);
  }

  function keep() {
    window.sessionStorage.setItem(key, JSON.stringify({ owner: owner, version: version, values: snapshot() }));
  }
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
})();
