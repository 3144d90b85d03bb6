// Without signal: pages kept on this phone (sw.js) and the outbox of saves not sent yet.
// A form marked data-outbox whose htmx post cannot go (no signal, or the request died)
// is kept in IndexedDB, exactly as it would have been sent (its idempotency key too),
// shown at once, counted on the tab bar, and sent in order when the connection is back.
(function () {
  "use strict";

  var DB = "coach-outbox";
  var PAGES = "coach-pages";  // the service worker's cache of kept pages
  var STOP = new Error("stop");  // no connection, or the server is away: try later
  var TYPED = "textarea, input[type=text], input[type=number], input[type=date], input[type=time], " +
    "input[type=email], input[type=tel], input[type=datetime-local], input:not([type])";

  function shell() { return document.querySelector(".shell"); }
  function me() { var s = shell(); return s ? s.getAttribute("data-user") : null; }
  function hhmm(ms) { return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }
  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // The agency's wall clock (the zone the server reads typed times in), as an input value.
  function agencyNow() {
    var parts = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: shell().getAttribute("data-tz") || undefined, hourCycle: "h23",
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    }).formatToParts(new Date()).forEach(function (part) { parts[part.type] = part.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + "T" + parts.hour + ":" + parts.minute;
  }

  // ---- The outbox in IndexedDB: items in the order they were made (autoIncrement id).

  function withStore(mode, work) {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open(DB, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("items", { keyPath: "id", autoIncrement: true }); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var db = open.result;
        var tx = db.transaction("items", mode);
        var request = work(tx.objectStore("items"));
        tx.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      };
    });
  }
  function myItems() {
    var user = me();
    return withStore("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items.filter(function (item) { return item.user === user; });
    });
  }
  function put(item) { return withStore("readwrite", function (s) { return s.put(item); }); }
  function drop(id) { return withStore("readwrite", function (s) { return s.delete(id); }); }

  // ---- Keeping a save that cannot go now.

  function outboxItem(config) {
    if (!config || config.verb !== "post" || !me()) return null;
    var form = config.elt.closest && config.elt.closest("form[data-outbox]");
    if (!form) return null;
    var button = config.elt.matches("button") ? config.elt
      : config.triggeringEvent && config.triggeringEvent.submitter;
    var what = (button && button.getAttribute("data-outbox")) || form.getAttribute("data-outbox");
    if (button && button.name && button.getAttribute("aria-label")) what += ": " + button.getAttribute("aria-label");
    var fields = [];
    config.formData.forEach(function (value, name) { if (typeof value === "string") fields.push([name, value]); });
    // A time the server would take as "now" (a visit's start or end) is when it was tapped.
    var stamp = (button && button.getAttribute("data-outbox-time")) || form.getAttribute("data-outbox-time");
    if (stamp) {
      var found = fields.filter(function (field) { return field[0] === stamp; })[0];
      if (!found) fields.push([stamp, agencyNow()]); else if (!found[1]) found[1] = agencyNow();
    }
    // What the coach typed can be fixed later: its label and kind of input, by name.
    var labels = {};
    form.querySelectorAll("label[for]").forEach(function (label) {
      var input = document.getElementById(label.htmlFor);
      if (!input || !input.name || !input.matches(TYPED)) return;
      labels[input.name] = { text: label.textContent.trim(), type: input.tagName === "TEXTAREA" ? "textarea" : input.type };
    });
    var headers = {};
    ["HX-Request", "HX-Boosted", "HX-Target", "HX-Trigger"].forEach(function (name) {
      if (config.headers[name]) headers[name] = String(config.headers[name]);
    });
    var item = {
      user: me(), what: what, path: new URL(config.path || location.href, location.href).href,
      fields: fields, labels: labels, headers: headers, at: Date.now(), state: "waiting",
    };
    if (form.dataset.outboxAfter) item.after = Number(form.dataset.outboxAfter);
    return item;
  }

  function keepInOutbox(event) {
    var item = outboxItem(event.detail.requestConfig);
    if (!item) return false;
    event.detail.outboxed = true;
    var config = event.detail.requestConfig;
    var button = config.elt.matches("button") ? config.elt : config.triggeringEvent && config.triggeringEvent.submitter;
    put(item).then(function (id) {
      item.id = id;
      afterKept(config.elt, button, item);
      show();
      askForSync();
      if (item.after && navigator.onLine) send();  // its visit's start may be sent already
    });
    return true;
  }

  // A visit started without signal: its note form (a <template> of the visit panel) in
  // place of Start; its saves wait in the outbox for the start's answer, the visit's number.
  var PENDING = "/visits/0/";
  // The note form of a visit started without signal comes apart from the client page (it
  // was a third of the page's work): fetched once the page is up, and kept by the worker,
  // which answers it from the phone without signal.
  function pendingTemplate() {
    var template = document.getElementById("pending-visit");
    if (!template || !template.dataset.src || template.content.querySelector("form")) {
      return Promise.resolve(template);
    }
    if (!template.loading) {
      template.loading = fetch(template.dataset.src, {
        credentials: "same-origin", headers: { "X-Coach-Fragment": "keep" },
      }).then(function (response) {
        return response.ok && !response.redirected ? response.text() : "";
      }).catch(function () { return ""; }).then(function (html) {
        if (html && !template.content.querySelector("form")) template.innerHTML = html;
        delete template.loading;
        return template;
      });
    }
    return template.loading;
  }

  function showPendingVisit(panel, template, item) {
    var content = template.content.cloneNode(true);
    var form = content.querySelector("form");
    var started = item.fields.filter(function (field) { return field[0] === "started_at"; })[0];
    form.dataset.outboxAfter = String(item.id);
    if (started && form.elements.started_at) form.elements.started_at.value = started[1];
    panel.textContent = "";
    panel.appendChild(content);
    panel.insertBefore(el("p", { "class": "outbox-note", role: "status" },
      item.what + " at " + hhmm(item.at) + ": on this phone, not sent yet."), panel.querySelector("form"));
    if (window.htmx) window.htmx.process(panel);
  }

  // Back on a kept client page whose visit was started without signal: the visit again,
  // with the note as last kept.
  function restorePending(items) {
    var template = document.getElementById("pending-visit");
    var startForm = document.querySelector("#visit-panel form[data-outbox-time=started_at]");
    if (!template || !startForm) return;
    var path = new URL(startForm.getAttribute("hx-post"), location.href).href;
    var start = items.filter(function (item) { return item.path === path; })[0];
    if (!start) return;
    var panel = startForm.closest("#visit-panel");
    pendingTemplate().then(function (template) {
      if (!template.content.querySelector("form") || !startForm.isConnected) return;
      showPendingVisit(panel, template, start);
      var latest = items.filter(function (item) { return item.after === start.id; }).pop();
      var form = panel.querySelector("form");
      (latest ? latest.fields : []).forEach(function (field) {
        var input = form.elements[field[0]];
        if (input && input.tagName === "TEXTAREA") input.value = field[1];
      });
    });
  }

  function resolveAfter(start, html, items) {
    var match = /data-draft-key="visit-(\d+)"/.exec(html) || /\/visits\/([1-9]\d*)\/end/.exec(html);
    return Promise.all(items.filter(function (item) { return item.after === start.id; }).map(function (item) {
      if (match) {
        item.path = item.path.replace(PENDING, "/visits/" + match[1] + "/");
      } else {
        item.state = "rejected";
        item.message = "Its visit was not started, so this has nowhere to go.";
      }
      delete item.after;
      return put(item);
    }));
  }

  // Shown at once where it was made; the form gets a fresh key for the next save.
  function afterKept(elt, button, item) {
    var form = elt.closest("form");
    if (document.getElementById("pending-visit") && form.getAttribute("data-outbox-time") === "started_at") {
      pendingTemplate().then(function (template) {
        // Without its form (never fetched with signal) the start still waits in the outbox.
        if (template.content.querySelector("form")) showPendingVisit(form.closest("#visit-panel"), template, item);
        else noteKept(form, button, item);
      });
      return;
    }
    noteKept(form, button, item);
  }

  function noteKept(form, button, item) {
    if (button && button.hasAttribute("aria-pressed")) {
      form.querySelectorAll("[aria-pressed]").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
    }
    if (!form.hasAttribute("hx-post")) form.reset();  // a whole-page form: ready for the next one
    if (form.dataset.draftKey) {
      try { localStorage.removeItem("coach-draft:" + form.dataset.draftKey); } catch (e) { /* no storage */ }
    }
    var key = form.querySelector("input[name=idempotency_key]");
    if (key) key.value = newKey();
    var note = form.parentNode.querySelector(".outbox-note[data-for='" + form.dataset.outboxId + "']");
    if (!form.dataset.outboxId) form.dataset.outboxId = newKey();
    if (!note) {
      note = el("p", { "class": "outbox-note", role: "status", "data-for": form.dataset.outboxId });
      form.parentNode.insertBefore(note, form.nextSibling);
    }
    note.textContent = item.what + " at " + hhmm(item.at) + ": on this phone, not sent yet.";
  }

  // A save that changes what a kept page shows (a visit started or ended): the worker
  // fetches the page again, so the copy on the phone shows the visit under way.
  // (On the request itself: the form is swapped out before htmx's afterRequest event.)
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("form[data-outbox-refresh]");
    var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    var page = location.href.split("#")[0];
    if (!form || !worker) return;
    event.detail.xhr.addEventListener("load", function () {
      if (this.status < 400) worker.postMessage({ refresh: page });
    });
  });

  // Without signal the request is not even tried; when it dies on the way it is kept too
  // (the server may have it already: the same key makes the resend harmless).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var pending = event.detail.elt.closest && event.detail.elt.closest("form[data-outbox-after]");
    if ((!navigator.onLine || pending) && keepInOutbox(event)) event.preventDefault();
  });
  window.addEventListener("htmx:sendError", keepInOutbox, true);  // before app.js's banner

  // ---- What is on this phone: a list at the top of the page and a count on the tab bar.

  function show() {
    if (!me()) return Promise.resolve();
    return myItems().then(function (items) {
      var count = document.getElementById("outbox-count");
      if (count) {
        count.hidden = !items.length;
        count.textContent = items.length + " unsent";
      }
      var main = document.getElementById("main");
      var box = document.getElementById("outbox");
      restorePending(items);
      if (!items.length || !main) { if (box) box.remove(); return; }
      if (!box) {
        box = el("section", { id: "outbox", "class": "outbox", "aria-labelledby": "outbox-h", tabindex: "-1" });
        main.insertBefore(box, main.firstChild);
      }
      box.textContent = "";
      box.appendChild(el("h2", { id: "outbox-h" }, "On this phone, not sent yet (" + items.length + ")"));
      var list = el("ol", { "class": "outbox-list" });
      items.forEach(function (item) { list.appendChild(itemRow(item)); });
      box.appendChild(list);
      if (navigator.onLine && items.some(function (item) { return item.state !== "rejected"; })) {
        var again = el("button", { type: "button", "class": "btn btn-block", "data-outbox-send": "" }, "Send now");
        box.appendChild(again);
      }
    });
  }

  function itemRow(item) {
    var row = el("li", { "class": "outbox-item outbox-" + item.state, id: "outbox-item-" + item.id });
    row.appendChild(el("strong", {}, item.what));
    row.appendChild(el("span", { "class": "hint" }, " · " + hhmm(item.at)));
    if (item.state === "login") {
      var p = el("p", { "class": "error" }, "Your session ended. ");
      p.appendChild(el("a", { href: "/login" }, "Log in again"));
      p.appendChild(document.createTextNode(" and it is sent."));
      row.appendChild(p);
    } else if (item.state === "rejected") {
      row.appendChild(el("p", { "class": "error" }, "Not saved: " + item.message));
      var actions = el("p", { "class": "actions two" });
      actions.appendChild(el("button", { type: "button", "class": "btn", "data-outbox-fix": item.id }, "Fix"));
      actions.appendChild(el("button", { type: "button", "class": "btn btn-danger", "data-outbox-discard": item.id }, "Discard"));
      row.appendChild(actions);
    }
    return row;
  }

  // Fix: the fields the coach typed, editable, sent again with the same key.
  function fixForm(item) {
    var form = el("form", { "class": "stack outbox-fix", "data-outbox-item": item.id, novalidate: "" });
    item.fields.forEach(function (field, index) {
      var label = item.labels[field[0]];
      if (!label) return;
      var id = "outbox-" + item.id + "-" + index;
      var wrap = el("div", { "class": "field" });
      wrap.appendChild(el("label", { "for": id }, label.text));
      var input = label.type === "textarea" ? el("textarea", { id: id, "data-index": index })
        : el("input", { id: id, type: label.type, "data-index": index });
      input.value = field[1];
      wrap.appendChild(input);
      form.appendChild(wrap);
    });
    form.appendChild(el("button", { type: "submit", "class": "btn btn-primary btn-block" }, "Send again"));
    return form;
  }

  function byId(id) {
    return myItems().then(function (items) {
      return items.filter(function (item) { return String(item.id) === String(id); })[0];
    });
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    var fix = event.target.closest("[data-outbox-fix]");
    var discard = event.target.closest("[data-outbox-discard]");
    if (event.target.closest("[data-outbox-send]")) send();
    if (fix) {
      byId(fix.getAttribute("data-outbox-fix")).then(function (item) {
        var row = document.getElementById("outbox-item-" + item.id);
        if (row.querySelector(".outbox-fix")) return;
        var form = fixForm(item);
        row.appendChild(form);
        var first = form.querySelector("input, textarea");
        if (first) first.focus();
      });
    }
    if (discard && window.confirm("Discard this? It was never sent, and it cannot be brought back.")) {
      drop(Number(discard.getAttribute("data-outbox-discard"))).then(show);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-outbox-item]")) return;
    event.preventDefault();
    event.stopPropagation();
    byId(form.getAttribute("data-outbox-item")).then(function (item) {
      form.querySelectorAll("[data-index]").forEach(function (input) {
        item.fields[Number(input.getAttribute("data-index"))][1] = input.value;
      });
      item.state = "waiting";
      item.message = "";
      return put(item);
    }).then(send);
  }, true);

  // ---- Sending, in order: on load, when the connection is back, and on Background Sync.

  function serverMessage(html, status) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var said = [];
    function say(text) { if (text && said.indexOf(text) === -1) said.push(text); }
    // A field's message with the field's name ("Business purpose: say what…"); else the form's.
    page.querySelectorAll(".field .error, fieldset .error").forEach(function (node) {
      var box = node.closest(".field, fieldset");
      var label = box.querySelector("label, legend");
      say((label ? label.textContent.trim() + ": " : "") + node.textContent.replace(/\s+/g, " ").trim());
    });
    if (!said.length) {
      page.querySelectorAll(".error, .flash-error").forEach(function (node) {
        say(node.textContent.replace(/\s+/g, " ").trim());
      });
    }
    if (said.length) return said.join(" ");
    if (status === 404) return "This record is gone, or is no longer yours.";
    if (status >= 400) return "The server refused it (" + status + ").";
    return "";
  }

  function sendOne(item, csrf, items) {
    var body = new URLSearchParams();
    item.fields.forEach(function (field) { body.append(field[0], field[0] === "csrf_token" ? csrf : field[1]); });
    var headers = Object.assign({}, item.headers, { "X-CSRFToken": csrf });
    return fetch(item.path, { method: "POST", body: body, headers: headers, credentials: "same-origin" })
      .catch(function () { throw STOP; })
      .then(function (response) {
        if (response.status >= 500) throw STOP;
        var went = response.headers.get("HX-Redirect") || (response.redirected ? response.url : "");
        if (/\/login(\?|$)/.test(new URL(went || "/", location.href).pathname + "?")) {
          item.state = "login";
          return put(item).then(function () { throw STOP; });
        }
        return response.text().then(function (html) {
          var message = serverMessage(html, response.status);
          if (!message) {
            return resolveAfter(item, html, items).then(function () { return drop(item.id); })
              .then(function () { return 1; });
          }
          item.state = "rejected";
          item.message = message;
          return put(item).then(function () { return 0; });
        });
      });
  }

  var sending = null;
  function send() {
    if (sending) return sending;
    if (!me() || !navigator.onLine || !window.indexedDB) return Promise.resolve();
    var sent = 0;
    sending = myItems().then(function (items) {
      var waiting = items.filter(function (item) { return item.state !== "rejected"; });
      if (!waiting.length) return;
      return fetch("/outbox/session", { credentials: "same-origin", headers: { Accept: "application/json" } })
        .catch(function () { throw STOP; })
        .then(function (response) {
          if (response.redirected || !response.ok) {  // the session has ended: log in again
            return Promise.all(waiting.map(function (item) { item.state = "login"; return put(item); }))
              .then(function () { throw STOP; });
          }
          return response.json();
        })
        .then(function (session) {
          if (session.user !== me()) throw STOP;
          return waiting.reduce(function (done, item) {
            return done.then(function () {
              if (!item.after) return sendOne(item, session.csrf, items);
              // Its visit's start is still on this phone (refused, or not sent): it waits.
              if (items.some(function (other) { return other.id === item.after; })) return 0;
              item.state = "rejected";
              item.message = "Its visit's start is no longer on this phone.";
              delete item.after;
              return put(item).then(function () { return 0; });
            }).then(function (ok) { sent += ok; });
          }, Promise.resolve());
        });
    }).catch(function (error) { if (error !== STOP) throw error; }).then(function () {
      sending = null;
      return show().then(function () { return sent; });
    }, function () { sending = null; });
    return sending.then(function (count) {
      if (!count) return count;
      var done = el("p", { "class": "flash flash-success", role: "status" }, "Sent from this phone: " + count + (count === 1 ? " save." : " saves."));
      var main = document.getElementById("main");
      if (main) main.insertBefore(done, main.firstChild);
      // A kept copy is out of date now: show the page as the server has it.
      if (shell() && shell().hasAttribute("data-kept-at")) location.reload();
      return count;
    });
  }

  function askForSync() {
    if (!navigator.serviceWorker) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register("coach-outbox");
    }).catch(function () { /* Background Sync refused: the online event and the next load send it */ });
  }

  // ---- Pages kept on this phone.

  function markKept(root) {
    var s = shell();
    if (!s || !s.hasAttribute("data-kept-at") || document.getElementById("kept-note")) return;
    var at = Number(s.getAttribute("data-kept-at"));
    var note = el("p", { id: "kept-note", "class": "flash flash-info kept-note", role: "status" },
      "Saved on this phone at " + hhmm(at) + ". No signal: this is the page as it was then.");
    var main = document.getElementById("main");
    if (main) main.insertBefore(note, main.firstChild);
    // Keys in a kept copy may have been used already: each save from it is new.
    root.querySelectorAll("input[name=idempotency_key]").forEach(function (input) { input.value = newKey(); });
  }

  function clearPhone() {
    var work = [withStore("readwrite", function (s) { return s.clear(); })];
    if (window.caches) work.push(caches.delete(PAGES));
    return Promise.all(work).catch(function () {});
  }

  // Logging out with saves not sent: say so, and let the coach choose.
  function logoutChoice(form, count) {
    var dialog = el("dialog", { "class": "outbox-dialog", "aria-labelledby": "logout-h" });
    dialog.appendChild(el("h2", { id: "logout-h" }, count + (count === 1 ? " save is" : " saves are") + " on this phone, not sent yet"));
    dialog.appendChild(el("p", {}, "Logging out removes them from this phone."));
    [["send", "btn btn-primary btn-block", "Send them first"],
     ["discard", "btn btn-danger btn-block", "Log out and discard them"],
     ["stay", "btn btn-block", "Stay logged in"]].forEach(function (b) {
      dialog.appendChild(el("button", { type: "button", "class": b[1], "data-choice": b[0] }, b[2]));
    });
    document.body.appendChild(dialog);
    dialog.addEventListener("click", function (event) {
      var choice = event.target.closest && event.target.closest("[data-choice]");
      if (!choice) return;
      dialog.close();
      dialog.remove();
      if (choice.dataset.choice === "discard") logOut(form);
      if (choice.dataset.choice === "send") send().then(function () { tryLogout(form); });
    });
    dialog.showModal();
  }

  function logOut(form) {
    clearPhone().then(function () {
      form.dataset.outboxChecked = "1";
      form.requestSubmit();
    });
  }

  function tryLogout(form) {
    myItems().then(function (items) {
      if (items.length) logoutChoice(form, items.length); else logOut(form);
    }, function () { logOut(form); });
  }

  window.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-logout]") || form.dataset.outboxChecked) return;
    event.preventDefault();
    event.stopPropagation();
    tryLogout(form);
  }, true);

  // ---- Start.

  var registered = false;
  function start(root) {
    if (!window.indexedDB || !me()) return;
    if (navigator.serviceWorker && !registered) {
      registered = true;
      navigator.serviceWorker.register("/sw.js").catch(function () { /* no worker: pages need signal */ });
    }
    markKept(root);
    pendingTemplate();
    show().then(send);  // a page from the server: the connection is there, or was
  }

  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data === "send-outbox") send();
    });
  }
  window.addEventListener("online", function () { send(); });
  document.addEventListener("DOMContentLoaded", function () { start(document); });
  document.addEventListener("htmx:load", function (event) {
    if (event.detail.elt.matches && event.detail.elt.matches(".shell")) start(event.detail.elt);
    else if (event.detail.elt.querySelector && event.detail.elt.querySelector("#pending-visit")) pendingTemplate();
  });
})();
