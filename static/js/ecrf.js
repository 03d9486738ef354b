// Small behaviours without inline script (the Content Security Policy forbids it).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action='print']");
  if (button) {
    event.preventDefault();
    window.print();
  }
});

function csrfToken() {
  const meta = document.querySelector("meta[name='csrf-token']");
  return meta ? meta.content : "";
}

function postForm(url, fields) {
  const body = new URLSearchParams(fields);
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
    body,
    redirect: "manual",
  });
}

function mainMessage(text, kind) {
  const main = document.getElementById("main");
  const box = document.createElement("div");
  box.className = `alert alert-${kind}`;
  box.setAttribute("role", "status");
  box.tabIndex = -1;
  box.textContent = text;
  main.insertBefore(box, main.firstChild);
  box.focus();
  return box;
}

// --- Idle sign-out warning (trial.security.SessionTimeoutMiddleware) ----------------------
// The server signs the session out after data-idle-timeout seconds without a request; the
// page warns data-idle-warning seconds before, and "Stay signed in" refreshes the session.
(function idleWarning() {
  const body = document.body;
  const timeout = Number(body.dataset.idleTimeout || 0);
  const url = body.dataset.keepaliveUrl;
  if (!timeout || !url) return;
  const lead = Math.min(Number(body.dataset.idleWarning || 120), timeout / 2);
  const box = document.getElementById("idle-warning");
  const text = document.getElementById("idle-warning-text");
  const stay = document.getElementById("idle-stay");
  let lastActivity = Date.now();
  let shown = false;
  let previousFocus = null;

  function secondsLeft() {
    return Math.max(0, Math.round(timeout - (Date.now() - lastActivity) / 1000));
  }
  function hide() {
    shown = false;
    box.hidden = true;
    if (previousFocus && document.contains(previousFocus)) previousFocus.focus();
  }
  function tick() {
    const left = secondsLeft();
    if (left <= 0) {
      text.textContent =
        "Your session has ended. If you save now, what you entered is kept and put back " +
        "on the form after you sign in again.";
      stay.hidden = true;
      return;
    }
    if (left <= lead) {
      const minutes = Math.floor(left / 60);
      const seconds = left % 60;
      const when = minutes ? `${minutes} min ${seconds} s` : `${seconds} s`;
      text.textContent = `You will be signed out in ${when} without activity.`;
      stay.hidden = false;
      if (!shown) {
        shown = true;
        previousFocus = document.activeElement;
        box.hidden = false;
        stay.focus();
      }
    }
  }
  function activity() {
    lastActivity = Date.now();
    if (shown) hide();
  }
  stay.addEventListener("click", () => {
    postForm(url, {}).then((response) => {
      if (response.ok) activity();
    });
  });
  // Requests made by htmx (live eligibility, term search) are activity on the server too.
  document.body.addEventListener("htmx:afterRequest", () => {
    if (!shown) lastActivity = Date.now();
  });
  window.setInterval(tick, 1000);
})();

// --- A form kept when the session ended, put back after sign-in ----------------------------
function setFieldValues(form, values) {
  const missing = {};
  for (const [name, list] of Object.entries(values)) {
    const fields = Array.from(form.elements).filter((el) => el.name === name);
    if (!fields.length) {
      missing[name] = list;
      continue;
    }
    let index = 0;
    for (const field of fields) {
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = list.includes(field.value);
      } else if (field.tagName === "SELECT") {
        for (const option of field.options) option.selected = list.includes(option.value);
      } else if (field.type !== "hidden" || name !== "csrfmiddlewaretoken") {
        field.value = list[index] ?? "";
        index += 1;
      }
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  return missing;
}

function formFor(action) {
  const forms = Array.from(document.querySelectorAll("#main form[method='post' i]"));
  const byPath = (value) => value && new URL(value, window.location.href).pathname === action;
  return (
    forms.find((f) => byPath(f.getAttribute("action"))) ||
    forms.find((f) => byPath(f.getAttribute("hx-post"))) ||
    forms.find((f) => !f.getAttribute("action")) ||
    forms[0]
  );
}

(function restoreDraft() {
  const url = document.body.dataset.draftUrl;
  if (!url) return;
  postForm(url, { page: window.location.pathname })
    .then((response) => (response.ok ? response.json() : { values: {} }))
    .then((draft) => {
      if (!draft.values || !Object.keys(draft.values).length) return;
      const form = formFor(draft.action);
      if (!form) return;
      let missing = setFieldValues(form, draft.values);
      // Fields that appear once an earlier value is in (the CTCAE grades of the chosen
      // term) are filled when htmx brings them.
      if (Object.keys(missing).length) {
        const retry = () => {
          missing = setFieldValues(form, missing);
          if (!Object.keys(missing).length) document.body.removeEventListener("htmx:afterSettle", retry);
        };
        document.body.addEventListener("htmx:afterSettle", retry);
      }
      form.dataset.draftRestored = "true";
      mainMessage(
        "What you had entered before you were signed out is back on the form. " +
          "Check it, then save: nothing has been saved yet.",
        "warning",
      );
    });
})();

// --- Focus: on the message after a save, else on the first field of a CRF -----------------
(function initialFocus() {
  if (document.body.dataset.draftUrl) return; // the restore message takes the focus
  const messages = document.getElementById("messages");
  if (messages && messages.children.length) {
    messages.focus();
    return;
  }
  const form = document.querySelector("form[data-crf]");
  if (!form) return;
  const invalid = form.querySelector(".is-invalid:not([disabled]), .alert-danger");
  const target =
    invalid ||
    Array.from(form.elements).find(
      (el) =>
        !el.disabled &&
        el.type !== "hidden" &&
        el.tagName !== "FIELDSET" &&
        el.offsetParent !== null &&
        !el.closest("fieldset[disabled]"),
    );
  if (target) {
    if (target.classList.contains("alert-danger")) target.tabIndex = -1;
    target.focus();
  }
})();
