// Autosave for long forms (the audit form, the QA response form).
//
// A <form data-autosave-url="..." data-autosave-revision="<name of the revision input>">
// saves itself every 30 seconds (data-autosave-interval) when it has changed, and when a
// field loses focus, by POSTing the whole form to its autosave address: the same save and the
// same revision check as the form's own "Save draft". The answer is JSON:
//   200 {"revision", "saved_at", "last_saved"?, "actions"?, "urgent"?}  saved;
//   409 {"conflict"}   saved elsewhere since: the conflict message, and autosaving stops;
//   400 {"message"}    an answer needs correcting: said in the status, tried again on change.
// The status (#autosave-status, aria-live=polite) says "Draft saved at 14:32". Without
// JavaScript the form works exactly as it did.
//
// Load with: <script type="module" src="{% static 'core/js/autosave.js' %}"></script>

const DEFAULT_INTERVAL_SECONDS = 30;

function isSubmitButton(element) {
  return (
    element instanceof HTMLElement &&
    element.matches("button:not([type=button]):not([type=reset]), input[type=submit]")
  );
}

export class Autosave {
  constructor(form) {
    this.form = form;
    this.url = form.dataset.autosaveUrl;
    this.revision = form.elements.namedItem(form.dataset.autosaveRevision);
    this.status = form.querySelector(".app-autosave-status");
    this.lastSaved = form.dataset.autosaveLastSaved
      ? document.getElementById(form.dataset.autosaveLastSaved)
      : null;
    this.conflict = document.getElementById("autosave-conflict");
    this.saved = this.snapshot();
    this.failed = null; // the snapshot the server refused (not sent again unchanged)
    this.inFlight = null;
    this.pending = false;
    this.stopped = false;
    this.submitting = false;

    form.addEventListener("focusout", (event) => {
      // Leaving a field for one of the form's buttons: the form is about to be posted.
      if (isSubmitButton(event.relatedTarget)) return;
      // Moving within one group of radio buttons (the arrow keys through a 0-10 scale) is
      // still choosing: save when the group is left, not at every step.
      const next = event.relatedTarget;
      if (next && next.type === "radio" && next.name === event.target.name) return;
      this.saveIfChanged();
    });
    form.addEventListener("submit", (event) => this.onSubmit(event));
    const seconds = Number(form.dataset.autosaveInterval) || DEFAULT_INTERVAL_SECONDS;
    this.timer = setInterval(() => this.saveIfChanged(), seconds * 1000);
  }

  // What the person has entered (not the hidden fields: the revision, the CSRF token).
  snapshot() {
    const parts = [];
    for (const element of this.form.elements) {
      if (!element.name || element.disabled) continue;
      const type = element.type;
      if (type === "hidden" || type === "submit" || type === "button" || type === "file") continue;
      if ((type === "radio" || type === "checkbox") && !element.checked) continue;
      parts.push([element.name, element.value]);
    }
    return new URLSearchParams(parts).toString();
  }

  hasChanges() {
    return this.snapshot() !== this.saved;
  }

  say(text, { error = false } = {}) {
    if (!this.status) return;
    this.status.textContent = text;
    this.status.classList.toggle("app-autosave-status--error", error);
  }

  stop() {
    this.stopped = true;
    clearInterval(this.timer);
  }

  saveIfChanged() {
    if (this.stopped || this.submitting) return null;
    if (this.inFlight) {
      this.pending = true;
      return this.inFlight;
    }
    const snapshot = this.snapshot();
    if (snapshot === this.saved || snapshot === this.failed) return null;
    this.inFlight = this.save(snapshot).finally(() => {
      this.inFlight = null;
      if (this.pending) {
        this.pending = false;
        this.saveIfChanged();
      }
    });
    return this.inFlight;
  }

  async save(snapshot) {
    let response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        body: new FormData(this.form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        redirect: "manual",
      });
    } catch {
      this.say("Your draft could not be saved automatically: check your connection. Trying again.", {
        error: true,
      });
      return;
    }
    if (response.type === "opaqueredirect" || response.status === 0) {
      // Sent to sign in: the session has ended.
      this.stop();
      this.say(
        "You have been signed out, so your latest changes were not saved. Copy anything you " +
          "need to keep, then sign in again.",
        { error: true },
      );
      return;
    }
    let answer = {};
    try {
      answer = await response.json();
    } catch {
      answer = {};
    }
    if (response.ok) {
      this.saved = snapshot;
      this.failed = null;
      if (this.revision && answer.revision !== undefined) this.revision.value = answer.revision;
      for (const [name, value] of Object.entries(answer.actions || {})) {
        const input = this.form.elements.namedItem(name);
        if (input) input.value = value;
      }
      if (this.lastSaved && answer.last_saved) this.lastSaved.textContent = answer.last_saved;
      this.say(`Draft saved at ${answer.saved_at}.${answer.urgent ? " " + answer.urgent : ""}`);
      document.dispatchEvent(new CustomEvent("caseaudit:session-activity"));
      document.dispatchEvent(
        new CustomEvent("caseaudit:draft-saved", { detail: { savedAt: answer.saved_at } }),
      );
      return;
    }
    document.dispatchEvent(new CustomEvent("caseaudit:session-activity"));
    if (response.status === 409 && answer.conflict) {
      this.stop();
      this.say("Your changes were not saved.", { error: true });
      if (this.conflict) {
        const message = this.conflict.querySelector("[data-autosave-conflict-message]");
        if (message) message.textContent = answer.conflict;
        this.conflict.hidden = false;
        this.conflict.focus();
      }
      return;
    }
    this.failed = snapshot;
    this.say(
      `Your draft was not saved automatically. ${answer.message || "Choose “Save draft” to save it."}`,
      { error: true },
    );
  }

  onSubmit(event) {
    this.submitting = true;
    if (!this.inFlight) return;
    // An autosave is on its way (the field just left): post the form once it is back, with
    // the revision it returns, or the two saves would conflict with each other.
    event.preventDefault();
    const submitter = event.submitter;
    this.inFlight.finally(() => {
      if (submitter) this.form.requestSubmit(submitter);
      else this.form.requestSubmit();
    });
  }
}

for (const form of document.querySelectorAll("form[data-autosave-url]")) {
  new Autosave(form);
}
