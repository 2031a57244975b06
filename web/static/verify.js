// Quick check on /verifiera: hash the chosen file in the browser (Web Crypto) and look the
// hash up, so the document itself never leaves the visitor's computer. Without this script,
// or without Web Crypto (it needs https or localhost), the form uploads the file instead.
(function () {
  "use strict";
  var form = document.getElementById("verify-form");
  var out = document.getElementById("verify-result");
  var localButton = document.getElementById("verify-local");
  if (!form || !out || !localButton || !window.crypto || !window.crypto.subtle || !window.fetch) {
    return;
  }
  localButton.hidden = false;
  document.getElementById("verify-local-help").hidden = false;
  var msg = out.dataset;

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function fact(list, label, value, className) {
    if (!value) { return; }
    list.appendChild(el("dt", label));
    list.appendChild(el("dd", value, className));
  }

  function roleLabel(role) {
    return msg["role" + role.charAt(0).toUpperCase() + role.slice(1)] || role;
  }

  var answers = {};
  try {
    answers = JSON.parse(document.getElementById("verify-answers").textContent);
  } catch (e) { answers = {}; }

  // The one-line answer from the hash alone (the same reasons as the full check's page): only a
  // file that is byte for byte the published sealed protocol is a yes.
  function reason(sha, answer) {
    if (answer.status === "sealed" && answer.sealed_sha256 === sha) { return "published_copy"; }
    if (answer.status === "sealed" && answer.original_sha256 === sha) { return "unsigned_original"; }
    if (answer.status === "withdrawn") { return "withdrawn"; }
    if (answer.status === "in_progress") { return "in_progress"; }
    return "unknown_file";
  }

  function show(sha, answer) {
    out.textContent = "";
    var why = reason(sha, answer);
    var yes = why === "published_copy";
    var lead = el("p", null, "lead answer " + (yes ? "answer-yes" : "answer-no"));
    lead.id = "answer";
    lead.dataset.answer = yes ? "yes" : "no";
    lead.dataset.reason = why;
    lead.appendChild(el("span", answers[why] || why, yes ? "status-ok" : "status-bad"));
    out.appendChild(lead);
    var list = el("dl", null, "facts");
    fact(list, msg.hashLabel, sha, "hash");
    out.appendChild(list);
    if (answer.status === "unknown") { return; }
    // What the registry knows is about the registered protocol, not a verdict on this file.
    out.appendChild(el("h2", msg.registryLabel));
    out.appendChild(el("p", msg.registryNote, "muted"));
    var statusKey = "status" + answer.status.charAt(0).toUpperCase() + answer.status.slice(1);
    if (msg[statusKey]) { out.appendChild(el("p", msg[statusKey], "registry-status")); }
    var facts = el("dl", null, "facts");
    fact(facts, msg.boardLabel, answer.board);
    fact(facts, msg.meetingLabel, answer.meeting_date);
    if (answer.signers && answer.signers.length) {
      fact(facts, msg.signersLabel, answer.signers.map(function (s) {
        return s.name + " (" + roleLabel(s.role) + ")";
      }).join(", "));
    }
    out.appendChild(facts);
    var link = el("a", msg.details);
    link.href = "/verifiera/" + sha;
    var p = el("p");
    p.appendChild(link);
    out.appendChild(p);
  }

  form.addEventListener("submit", function (event) {
    if (!event.submitter || event.submitter !== localButton) { return; }
    var file = document.getElementById("verify-file").files[0];
    if (!file) { return; }
    event.preventDefault();
    out.textContent = msg.computing;
    file.arrayBuffer()
      .then(function (data) { return window.crypto.subtle.digest("SHA-256", data); })
      .then(function (digest) {
        var sha = hex(digest);
        return fetch("/api/v1/verify/" + sha, { headers: { "Accept": "application/json" }, credentials: "omit" })
          .then(function (response) {
            if (!response.ok) { throw new Error("HTTP " + response.status); }
            return response.json();
          })
          .then(function (answer) { show(sha, answer); });
      })
      .catch(function () { out.textContent = msg.failed; });
  });
})();
