/* The chair page on a tablet whose network comes and goes.
 *
 * The vitals, MOAA/S, CADSS, event and dose forms are sent to the JSON API instead of being
 * posted: each entry is stamped with the time the nurse pressed Save (so an entry sent late
 * keeps the time it was measured), given its own Idempotency-Key (a resend is never a second
 * entry), and kept in localStorage until the server answers. A 2xx removes it and reloads the
 * safety panel and the timeline; a 4xx is shown beside its form and dropped (it would never
 * succeed); a network error or a 5xx keeps it queued, resent when the network is back, every
 * 10 seconds, and when the page loads. Without this script every form still posts and
 * redirects. */
(function () {
  "use strict";

  var root = document.getElementById("chair");
  if (!root) { return; }
  var api = root.getAttribute("data-api");
  var liveUrl = root.getAttribute("data-live");
  var storeKey = "ketacare.chair." + root.getAttribute("data-session") + ".pending";
  var sending = false;

  /* Each form: its API path, and its fields as the API names them. */
  var FORMS = {
    vitals: {
      path: "/vitals", label: "Vital signs",
      fields: {systolic_mmhg: "systolic", diastolic_mmhg: "diastolic", heart_rate_bpm: "heart_rate",
        spo2_percent: "spo2", respiratory_rate_per_min: "resp_rate", temperature_c: "temperature_c",
        pain_nrs: "pain_nrs"},
      numbers: true
    },
    moaas: {path: "/observations", label: "MOAA/S", fields: {score: "score"}, numbers: true,
      fixed: {instrument: "moaas"}},
    cadss: {path: "/observations", label: "CADSS", fields: {score: "score"}, numbers: true,
      fixed: {instrument: "cadss"}},
    event: {path: "/events", label: "Side effect or adverse event",
      fields: {kind: "kind", code: "code", severity: "severity", outcome: "outcome",
        description: "description", serious: "serious"}},
    dose: {path: "/doses", label: "Dose",
      fields: {kind: "kind", lot_id: "lot_id", dose_mg: "dose_mg", rate_mg_per_h: "rate_mg_per_h",
        witness_id: "witness_id"}}
  };
  var NUMERIC = {lot_id: true, witness_id: true, dose_mg: true, rate_mg_per_h: true};

  function load() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { window.localStorage.setItem(storeKey, JSON.stringify(queue)); }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 15) | 64; bytes[8] = (bytes[8] & 63) | 128;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  /* "09:40" is today on this device; empty is now (the moment Save was pressed). */
  function measuredAt(value) {
    value = (value || "").trim();
    if (!value) { return new Date().toISOString(); }
    var clock = /^(\d{1,2}):(\d{2})$/.exec(value);
    if (clock) {
      var when = new Date();
      when.setHours(parseInt(clock[1], 10), parseInt(clock[2], 10), 0, 0);
      return when.toISOString();
    }
    return value;
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function bodyOf(form, spec) {
    var prefix = form.getAttribute("data-form") + "-";
    var body = {};
    Object.keys(spec.fields).forEach(function (name) {
      var apiName = spec.fields[name];
      var inputs = form.querySelectorAll("[name='" + prefix + name + "']");
      if (!inputs.length) { return; }
      var value = null;
      Array.prototype.forEach.call(inputs, function (input) {
        if (input.type === "checkbox") { value = input.checked; }
        else if (input.type === "radio") { if (input.checked) { value = input.value; } }
        else { value = input.value; }
      });
      if (value === null || value === "") { return; }
      if (typeof value === "string" && (spec.numbers || NUMERIC[apiName])) {
        var number = Number(value);
        value = isNaN(number) ? value : number;
      }
      body[apiName] = value;
    });
    Object.keys(spec.fixed || {}).forEach(function (k) { body[k] = spec.fixed[k]; });
    var stamp = form.querySelector("[name='" + prefix + "measured_at']");
    body.measured_at = measuredAt(stamp ? stamp.value : "");
    return body;
  }

  function problemBox(formName) {
    var form = document.querySelector("form[data-form='" + formName + "']");
    return form ? form.querySelector(".form-problem") : null;
  }

  function showProblem(entry, problem) {
    var box = problemBox(entry.form);
    if (!box) { return; }
    var reasons = (problem && problem.invalid_params || []).map(function (p) {
      return p.name + ": " + p.reason;
    });
    var detail = reasons.length ? reasons.join("; ") : (problem && (problem.detail || problem.title)) || "refused";
    box.textContent = entry.label + " (" + new Date(entry.body.measured_at).toLocaleTimeString() + ") was not saved: " + detail;
    box.hidden = false;
  }

  function render() {
    var queue = load();
    var section = document.getElementById("pending");
    var list = document.getElementById("pending-list");
    if (!section || !list) { return; }
    document.getElementById("pending-count").textContent = String(queue.length);
    section.hidden = queue.length === 0;
    list.textContent = "";
    queue.forEach(function (entry) {
      var item = document.createElement("li");
      item.className = "pending-entry";
      item.textContent = entry.label + ", measured " + new Date(entry.body.measured_at).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"}) + ": pending";
      list.appendChild(item);
    });
  }

  function refresh() {
    return fetch(liveUrl, {credentials: "same-origin", headers: {"HX-Request": "true"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        ["safety", "curve", "timeline"].forEach(function (id) {
          var fresh = doc.getElementById(id);
          var old = document.getElementById(id);
          if (fresh && old) { old.replaceWith(document.importNode(fresh, true)); }
        });
      })
      .catch(function () { /* the next entry or the next load refreshes it */ });
  }

  function sendOne(entry) {
    return fetch(api + entry.path, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken(),
        "Idempotency-Key": entry.id
      },
      body: JSON.stringify(entry.body)
    }).then(function (response) {
      if (response.status >= 200 && response.status < 300) { return "saved"; }
      if (response.status >= 400 && response.status < 500) {
        return response.json().catch(function () { return null; }).then(function (problem) {
          showProblem(entry, problem);
          return "refused";
        });
      }
      return "later";
    }, function () { return "later"; });
  }

  function flush() {
    if (sending) { return Promise.resolve(); }
    var queue = load();
    if (!queue.length) { render(); return Promise.resolve(); }
    sending = true;
    var changed = false;
    var reload = false;
    /* In order, one at a time: the first that cannot be sent now stops the round. */
    function next(index) {
      if (index >= queue.length) { return Promise.resolve(); }
      var entry = queue[index];
      return sendOne(entry).then(function (outcome) {
        if (outcome === "later") { return null; }
        var left = load().filter(function (e) { return e.id !== entry.id; });
        save(left);
        changed = true;
        if (outcome === "saved" && entry.form === "dose") { reload = true; }
        render();
        return next(index + 1);
      });
    }
    return next(0).then(function () {
      sending = false;
      render();
      /* A dose changes the forms too (the next device, the running infusion): reload. */
      if (reload) { window.location.reload(); return null; }
      if (changed) { return refresh(); }
      return null;
    });
  }

  function intercept(form) {
    var name = form.getAttribute("data-form");
    var spec = FORMS[name];
    if (!spec) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var entry = {id: uuid(), form: name, path: spec.path, label: spec.label, body: bodyOf(form, spec)};
      var box = form.querySelector(".form-problem");
      if (box) { box.hidden = true; box.textContent = ""; }
      var queue = load();
      queue.push(entry);
      save(queue);
      render();
      Array.prototype.forEach.call(form.querySelectorAll("input[type=text], input:not([type]), textarea"), function (input) {
        input.value = "";
      });
      Array.prototype.forEach.call(form.querySelectorAll("input[type=radio], input[type=checkbox]"), function (input) {
        input.checked = false;
      });
      flush();
    });
  }

  /* A Spravato device waits 5 minutes after the last one: count down, then enable. */
  function countdown() {
    var wait = document.getElementById("device-wait");
    var button = document.getElementById("give-device");
    if (!wait || !button || !wait.getAttribute("data-ready-at")) { return; }
    var ready = new Date(wait.getAttribute("data-ready-at"));
    var original = button.textContent;
    function tick() {
      var left = Math.ceil((ready.getTime() - Date.now()) / 1000);
      if (left <= 0) {
        button.disabled = false;
        wait.textContent = original.replace("Give ", "") + " may be given now.";
        return;
      }
      button.disabled = true;
      var m = Math.floor(left / 60), s = left % 60;
      wait.textContent = original.replace("Give d", "D") + " in " + m + ":" + (s < 10 ? "0" : "") + s + " (5 minutes after the last one).";
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-form]"), intercept);
  countdown();
  render();
  flush();
  window.addEventListener("online", flush);
  window.setInterval(flush, 10000);
})();
