// Small behaviours on top of htmx. No inline scripts anywhere: this file is the only JS.
(function () {
  "use strict";

  var DRAFT_PREFIX = "coach-draft:";
  var SKIP = { csrf_token: true, idempotency_key: true, latitude: true, longitude: true, accuracy: true };

  function banner(text) {
    var el = document.getElementById("net-banner");
    if (!el) {
      el = document.createElement("p");
      el.id = "net-banner";
      el.className = "flash flash-error net-banner";
      el.setAttribute("role", "alert");
      document.body.appendChild(el);
    }
    el.textContent = text;
    el.hidden = false;
  }

  // ---- Drafts: what the coach types is kept in this browser until the server has it.

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function readForm(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name] || el.type === "submit" || el.type === "hidden") return;
      if (el.type === "checkbox") {
        data[el.name] = data[el.name] || [];
        if (el.checked) data[el.name].push(el.value);
      } else if (el.type === "radio") {
        if (el.checked) data[el.name] = el.value;
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function saveDraft(form) {
    var store = storage();
    if (!store) return;
    try {
      store.setItem(DRAFT_PREFIX + form.dataset.draftKey,
                    JSON.stringify({ savedAt: Date.now(), fields: readForm(form) }));
    } catch (e) { /* storage full or disabled: the server copy is all we have */ }
  }

  // Whether a field still shows what the page came with. A draft is restored only
  // into those: what the coach typed on this page before it finished setting up (a
  // form re-rendered after a save, on a slow phone) is newer than any draft.
  function untouched(el) {
    if (el.type === "checkbox" || el.type === "radio") return el.checked === el.defaultChecked;
    if (el.tagName === "SELECT") {
      var first = Array.prototype.findIndex.call(el.options, function (o) { return o.defaultSelected; });
      return el.selectedIndex === Math.max(first, el.multiple ? -1 : 0);
    }
    return el.value === el.defaultValue;
  }

  function restoreDraft(form) {
    var store = storage();
    var raw = store && store.getItem(DRAFT_PREFIX + form.dataset.draftKey);
    if (!raw) return;
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return; }
    var changed = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in draft.fields) || SKIP[el.name] || el.type === "hidden") return;
      if (!untouched(el)) return;
      var value = draft.fields[el.name];
      if (el.type === "checkbox") {
        var on = value.indexOf(el.value) !== -1;
        if (el.checked !== on) { el.checked = on; changed = true; }
      } else if (el.type === "radio") {  // one of a group: tick the one the draft had
        var picked = el.value === value;
        if (el.checked !== picked) { el.checked = picked; changed = true; }
      } else if (el.value !== value) {
        el.value = value;
        changed = true;
        var section = el.closest("details");
        if (section && value) section.open = true;
      }
    });
    if (changed && !form.querySelector(".draft-note")) {
      var note = document.createElement("p");
      note.className = "flash flash-info draft-note";
      note.setAttribute("role", "status");
      note.textContent = "Restored what you typed earlier on this phone. It is not saved until you save it.";
      form.insertBefore(note, form.firstChild);
    }
  }

  // When each draft form was last sent, so a save confirmation never drops text typed
  // while the request was on its way (that newer text is restored into the new form).
  var sentAt = {};
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("form[data-draft-key]");
    if (form) sentAt[form.dataset.draftKey] = Date.now();
  });

  function clearSavedDrafts(root) {
    var store = storage();
    if (!store) return;
    root.querySelectorAll("[data-draft-saved]").forEach(function (marker) {
      var key = marker.getAttribute("data-draft-saved");
      var raw = store.getItem(DRAFT_PREFIX + key);
      var draft = null;
      try { draft = raw && JSON.parse(raw); } catch (e) { draft = null; }
      if (!(draft && sentAt[key] && draft.savedAt > sentAt[key])) {
        store.removeItem(DRAFT_PREFIX + key);
      }
      marker.remove();  // acted on once: later typing makes a new draft
    });
  }

  // After a refused submit, the first field to fix comes into view: on a long page
  // (the employer's document above its form) the messages were screens away.
  function showFirstError(root) {
    var wrong = root.querySelector(".has-error");
    if (!wrong) return;
    wrong.scrollIntoView({ block: "center" });
    var control = wrong.querySelector("input, select, textarea");
    if (control) control.focus({ preventScroll: true });
  }

  function setUp(root) {
    clearSavedDrafts(root);
    showFirstError(root);
    // Wide grids open on their newest columns.
    root.querySelectorAll("[data-scroll-end]").forEach(function (el) { el.scrollLeft = el.scrollWidth; });
    root.querySelectorAll("form[data-draft-key]").forEach(function (form) {
      if (form.dataset.draftReady) return;
      form.dataset.draftReady = "1";
      restoreDraft(form);
      form.addEventListener("input", function () { saveDraft(form); });
      form.addEventListener("change", function () { saveDraft(form); });
    });
    // A search typed before htmx had started (a quick thumb on a slow phone) fired no
    // event htmx heard: search it now. (htmx's trigger filters would need eval, which
    // the CSP forbids.)
    root.querySelectorAll("input[type=search][hx-get]").forEach(function (box) {
      if (box.value !== box.defaultValue && window.htmx) window.htmx.trigger(box, "search");
    });
  }

  // ---- Location: asked for when a visit starts, never required.

  function withFix(form, done) {
    if (!navigator.geolocation) { done(); return; }
    var finished = false;
    function finish() { if (!finished) { finished = true; done(); } }
    var timer = setTimeout(finish, 8000);
    navigator.geolocation.getCurrentPosition(function (pos) {
      clearTimeout(timer);
      form.elements.latitude.value = pos.coords.latitude;
      form.elements.longitude.value = pos.coords.longitude;
      form.elements.accuracy.value = Math.round(pos.coords.accuracy);
      finish();
    }, function () { clearTimeout(timer); finish(); },
    { enableHighAccuracy: true, timeout: 7000, maximumAge: 60000 });
  }

  function clearAllDrafts() {
    var store = storage();
    if (!store) return;
    Object.keys(store).forEach(function (key) {
      if (key.indexOf(DRAFT_PREFIX) === 0) store.removeItem(key);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    // Logging out leaves nothing about anyone behind on this phone.
    if (form.matches && form.matches("form[data-logout]")) clearAllDrafts();
    if (!form.matches || !form.matches("form[data-geo]")) return;
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    withFix(form, function () {
      if (button) button.disabled = false;
      if (window.htmx) {
        window.htmx.trigger(form, "geo-ready");
      } else {
        form.submit();
      }
    });
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    var fixButton = event.target.closest("[data-fix]");
    if (fixButton) {
      var which = fixButton.getAttribute("data-fix");
      var status = document.getElementById("fix-status");
      var tripForm = fixButton.closest("form");
      if (!navigator.geolocation) { if (status) status.textContent = "This phone cannot share its location."; return; }
      if (status) status.textContent = "Finding your location…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        tripForm.elements[which + "_lat"].value = pos.coords.latitude;
        tripForm.elements[which + "_lng"].value = pos.coords.longitude;
        if (status) status.textContent = "Location saved as the " + which + " of the trip.";
      }, function () {
        if (status) status.textContent = "No location: the trip saves without it.";
      }, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    }
    // A worksite's map location from the phone, standing there: fills both fields.
    var locate = event.target.closest("[data-locate]");
    if (locate) {
      var siteForm = locate.closest("form");
      var said = document.getElementById("locate-status");
      if (!navigator.geolocation) { said.textContent = "This phone cannot share its location."; return; }
      said.textContent = "Finding your location…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        // Six decimals are about 10 cm: more is noise.
        siteForm.elements.latitude.value = String(Number(pos.coords.latitude.toFixed(6)));
        siteForm.elements.longitude.value = String(Number(pos.coords.longitude.toFixed(6)));
        said.textContent = "Location filled in. Save the worksite to keep it.";
      }, function () {
        said.textContent = "No location: type it, or save the worksite without it.";
      }, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    }
    if (event.target.closest("[data-print]")) window.print();
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var input = document.querySelector(copy.getAttribute("data-copy"));
      input.select();
      if (navigator.clipboard) navigator.clipboard.writeText(input.value);
      copy.textContent = "Copied";
    }
  });

  // ---- Double taps: the second tap of a double tap does nothing.
  // htmx requests disable their form's submit button in flight (hx-disabled-elt,
  // base.html). A plain post is sent once here: its buttons stay disabled until the page
  // changes, or for a while when it does not (a download), or when the browser brings
  // the page back from its cache.
  var SETTLE_MS = 400;

  function release(form) {
    delete form.dataset.sending;
    form.querySelectorAll("button[data-disabled-by-send]").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("data-disabled-by-send");
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post") return;
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
    // Disabled after this turn: the browser has then read which button was pressed.
    setTimeout(function () {
      form.querySelectorAll("button[type=submit]:not([disabled])").forEach(function (button) {
        button.disabled = true;
        button.setAttribute("data-disabled-by-send", "");
      });
    }, 0);
    setTimeout(function () { release(form); }, 6000);
  });

  // For a moment after a page (or the visit panel) changes its controls take no taps
  // (app.css, .settling), so a tap meant for the last page's button does nothing here.
  function settle() {
    var root = document.documentElement;
    root.classList.add("settling");
    clearTimeout(settle.timer);
    settle.timer = setTimeout(function () { root.classList.remove("settling"); }, SETTLE_MS);
  }

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sending]").forEach(release);
    settle();
  });

  document.addEventListener("DOMContentLoaded", function () { settle(); setUp(document); });
  // Fires for every piece htmx swaps in, out-of-band ones included.
  document.addEventListener("htmx:load", function (event) { setUp(event.detail.elt); });
  // A boosted page, or a part marked data-settle, is about to change under the finger.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (event.detail.shouldSwap && target && target.matches("body, [data-settle]")) settle();
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (event.detail.outboxed) return;  // kept in the outbox instead (offline.js)
    var config = event.detail.requestConfig;
    if (config && config.verb === "get") {
      banner("No signal: part of this page could not load. What is here still works.");
      return;
    }
    banner("No connection. Nothing was sent; what you typed is still here. Try again when you have signal.");
  });
  // The database is away for a moment: the server left the page as it was (HX-Reswap:
  // none), so the form and its draft stay; nothing was saved, so no draft is cleared.
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 503) {
      banner("The service is briefly unavailable. Your draft is kept on this phone; try again in a minute.");
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var el = document.getElementById("net-banner");
    if (el && event.detail.successful) el.hidden = true;
  });
})();
