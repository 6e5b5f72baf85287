/* Handoff embeddable form: submits without leaving the page and shows errors in place. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? new URL(script.src).origin : "";

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return String(Date.now()) + "-" + Math.random().toString(36).slice(2);
  }

  function hidden(form, name, value) {
    var input = form.querySelector('input[name="' + name + '"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  function clearErrors(form) {
    form.querySelectorAll(".handoff-error").forEach(function (el) { el.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
    });
  }

  function showErrors(form, message, fields) {
    var box = form.querySelector("[data-handoff-message]");
    box.textContent = message;
    box.className = "handoff-message handoff-message--error";
    (fields || []).forEach(function (f) {
      var input = form.querySelector('[name="' + f.field + '"]');
      var note = document.createElement("span");
      note.className = "handoff-error";
      note.textContent = f.message;
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.insertAdjacentElement("afterend", note);
      } else {
        box.appendChild(document.createTextNode(" " + f.message));
      }
    });
  }

  function loadToken(form, id) {
    return fetch(base + "/v1/forms/" + encodeURIComponent(id) + "/token")
      .then(function (r) { return r.json(); })
      .then(function (body) { hidden(form, "_handoff_token", body.token || ""); })
      .catch(function () { /* the submission says what went wrong */ });
  }

  function init(form) {
    var id = form.getAttribute("data-handoff-form");
    var params = new URLSearchParams(window.location.search);
    ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach(function (n) {
      if (params.get(n)) hidden(form, n, params.get(n));
    });
    hidden(form, "landing_page", window.location.href);
    if (document.referrer) hidden(form, "referrer", document.referrer);
    loadToken(form, id);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      var button = form.querySelector('[type="submit"]');
      if (button) button.disabled = true;
      form.dataset.handoffKey = form.dataset.handoffKey || newKey();
      fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { "Accept": "application/json", "Idempotency-Key": form.dataset.handoffKey }
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok) {
            var box = form.querySelector("[data-handoff-message]");
            box.textContent = body.message || "Thank you.";
            box.className = "handoff-message handoff-message--ok";
            if (body.redirect) window.location.assign(body.redirect);
            return;
          }
          delete form.dataset.handoffKey;
          var error = body.error || {};
          if (response.status === 429) {
            var wait = response.headers.get("Retry-After") || "60";
            showErrors(form, "Too many submissions; please try again in " + wait + " seconds.", []);
          } else if (response.status === 422) {
            showErrors(form, "Please correct the highlighted fields.", error.fields);
            if ((error.fields || []).some(function (f) { return f.field === "_handoff_token"; })) {
              loadToken(form, id);
            }
          } else {
            showErrors(form, error.message || "Something went wrong; please try again.", []);
          }
        });
      }).catch(function () {
        showErrors(form, "We could not reach the server; please try again.", []);
      }).finally(function () {
        if (button) button.disabled = false;
      });
    });
  }

  document.querySelectorAll("form[data-handoff-form]").forEach(init);
})();
