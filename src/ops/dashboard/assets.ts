// The dashboard's only script and stylesheet, served from the app (no CDN: the CSP allows 'self' only).
// The script sends the retry form as JSON with the CSRF token from GET /api/session and shows the server's
// answer as text (never as HTML).

export const DASHBOARD_JS = `"use strict";
(function () {
  var form = document.getElementById("retry-form");
  if (!form) return;
  var out = document.getElementById("retry-result");
  var button = form.querySelector("button[type=submit]");

  function say(text, status) {
    out.textContent = text;
    out.setAttribute("data-status", status);
  }

  function describe(httpStatus, answer) {
    if (answer && answer.status === "retried") {
      return "Retried (was " + answer.previousOutcome + ") with " + (answer.newKey ? "a NEW" : "the same") +
        " bank key " + answer.idempotencyKey + ", generation " + answer.generation + ". Refresh to follow it.";
    }
    if (answer && answer.status === "refused") return "Not retried: " + answer.why;
    if (answer && answer.status === "not-found") return "Not retried: the payment is no longer in the queue.";
    var error = answer && answer.error ? answer.error : "unexpected answer";
    // A 5xx may come after the retry changed something (the server says so): never claim "not retried".
    if (httpStatus >= 500) return "HTTP " + httpStatus + ": " + error;
    return "Not retried (HTTP " + httpStatus + "): " + error;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var reason = form.elements.namedItem("reason").value;
    if (reason.trim() === "") {
      say("A retry needs a reason (it is audited).", "invalid");
      return;
    }
    button.disabled = true;
    say("Retrying…", "pending");
    fetch("/api/session", { credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("session: HTTP " + r.status);
        return r.json();
      })
      .then(function (session) {
        var body = {
          reason: reason,
          newAttempt: form.elements.namedItem("newAttempt").checked,
          notExecuted: form.elements.namedItem("notExecuted").checked
        };
        return fetch("/api/payments/" + encodeURIComponent(form.getAttribute("data-payment-id")) + "/retry", {
          method: "POST",
          credentials: "same-origin",
          headers: { "content-type": "application/json", accept: "application/json", "x-csrf-token": session.csrfToken },
          body: JSON.stringify(body)
        });
      })
      .then(function (r) {
        return r.json().then(function (answer) {
          say(describe(r.status, answer), (answer && answer.status) || "error");
        });
      })
      .catch(function (err) {
        say("The dashboard did not answer: " + err.message, "error");
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
`;

export const DASHBOARD_CSS = `
:root { color-scheme: light dark; --fg: #1d232b; --bg: #f6f7f9; --card: #fff; --muted: #5f6b7a; --line: #d9dee5; --accent: #0b6bcb; --bad: #b42318; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ee; --bg: #13171c; --card: #1c2128; --muted: #9aa5b4; --line: #2e3540; --accent: #5aa9f5; --bad: #f97066; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1.5rem; align-items: center; padding: .7rem 1.5rem; background: var(--card); border-bottom: 1px solid var(--line); }
header nav a { margin-right: 1rem; }
.brand { font-size: 1.1rem; }
.session { margin-left: auto; color: var(--muted); }
main { max-width: 70rem; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
a { color: var(--accent); }
h2 { margin: 1.2rem 0 .6rem; font-size: 1.2rem; }
h3 { margin: 1.2rem 0 .4rem; font-size: 1rem; }
small { color: var(--muted); font-weight: normal; }
.counts { display: flex; flex-wrap: wrap; gap: .8rem; margin: 0; }
.counts div { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .9rem; min-width: 7rem; }
.counts dt { color: var(--muted); font-size: .85rem; }
.counts dd { margin: 0; font-size: 1.4rem; font-variant-numeric: tabular-nums; }
.search { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin: 1.2rem 0; }
.search input { flex: 1 1 24rem; padding: .45rem .6rem; font: inherit; }
button { font: inherit; padding: .4rem .9rem; cursor: pointer; }
table { border-collapse: collapse; background: var(--card); }
.facts th { text-align: left; padding: .25rem 1rem .25rem .6rem; color: var(--muted); font-weight: normal; white-space: nowrap; vertical-align: top; }
.facts td, .list td, .list th { padding: .25rem .6rem; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.list th { text-align: left; }
.retry { margin-top: 1.2rem; padding: .8rem 1rem; background: var(--card); border: 1px solid var(--line); border-radius: 6px; max-width: 48rem; }
.retry label { display: block; margin-top: .6rem; }
.retry input[name=reason] { width: 100%; padding: .4rem; font: inherit; }
.retry button { margin-top: .8rem; }
.hint, .note { color: var(--muted); font-size: .9rem; margin: .15rem 0 .3rem; }
.error { color: var(--bad); }
output { display: block; margin-top: .8rem; white-space: pre-wrap; }
output[data-status=retried] { color: var(--accent); }
output[data-status=refused], output[data-status=error], output[data-status=invalid] { color: var(--bad); }
`;
