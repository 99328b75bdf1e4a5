/* The check-in desk keeps working without a network (village squares often have none).
   Offline, or when a scan cannot reach the server, the scan is kept in this browser
   (localStorage) with the time it was scanned and an id of its own; when the network is
   back the queue is sent to …/sync, which counts each person once however many desks
   scanned them. Texts come from data- attributes (the page's language). */
(function () {
  "use strict";
  var box = document.getElementById("offline-desk");
  if (!box || !window.localStorage) { return; }
  var key = "fairs-desk-queue-" + box.dataset.event;
  var syncUrl = box.dataset.sync;
  var status = document.getElementById("offline-status");
  var token = (JSON.parse(document.body.getAttribute("hx-headers") || "{}") || {})["X-CSRF-Token"] || "";

  function queue() { try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; } }
  function save(items) { localStorage.setItem(key, JSON.stringify(items)); show(); }
  function newId() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }
  function show(text) {
    var waiting = queue().length;
    status.textContent = text || (waiting ? box.dataset.waiting.replace("%(n)s", waiting) : "");
    status.hidden = !status.textContent;
  }
  function keep(code) {
    var items = queue();
    items.push({ code: code, scanned_at: new Date().toISOString(), client_id: newId() });
    save(items);
    show(box.dataset.kept.replace("%(n)s", items.length));
  }
  var sending = false;
  function sync() {
    var items = queue();
    if (!items.length || sending || !navigator.onLine) { return; }
    sending = true;
    fetch(syncUrl, { method: "POST", credentials: "same-origin",
                     headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
                     body: JSON.stringify({ scans: items }) })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (answer) {
        var done = {};
        answer.answers.forEach(function (a) { done[a.client_id] = a.result; });
        save(queue().filter(function (i) { return !done[i.client_id]; }));
        var counted = answer.answers.filter(function (a) { return a.result === "checked_in"; }).length;
        var refused = answer.answers.filter(function (a) { return a.result === "refused"; }).length;
        show(box.dataset.synced.replace("%(n)s", answer.answers.length).replace("%(c)s", counted)
             .replace("%(r)s", refused));
        var tally = document.getElementById("tally");
        if (tally) { tally.textContent = box.dataset.tally.replace("%(n)s", answer.checked_in)
                                                            .replace("%(m)s", answer.expected); }
      })
      .catch(function () { show(); })
      .then(function () { sending = false; });
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form.desk-scan") || navigator.onLine) { return; }
    e.preventDefault();
    e.stopImmediatePropagation();
    var field = form.querySelector("[name=code]");
    if (field.value.trim()) { keep(field.value.trim()); }
    field.value = "";
    field.focus();
  }, true);
  document.body.addEventListener("htmx:sendError", function (e) {  // the network went while sending
    var field = document.getElementById("f-code");
    if (field && field.value.trim()) { keep(field.value.trim()); field.value = ""; field.focus(); }
  });
  window.addEventListener("online", sync);
  setInterval(sync, 15000);
  show();
  box.dataset.ready = "1";  // the scan form is now kept offline (tests wait for this)
  sync();
})();
