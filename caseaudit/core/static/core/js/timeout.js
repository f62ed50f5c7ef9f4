// The timeout warning (GOV.UK Design System's pattern), for signed-in pages.
//
// <body> carries the idle timeout (data-session-timeout, seconds), how long before it to warn
// (data-session-warning), the keep-alive address and where to go when the time runs out
// (the sign-in page, with `next` set to this page). The dialog's markup is in
// templates/includes/timeout_dialog.html; without JavaScript nothing here runs and the page
// works as before. Any request the page makes (an autosave) restarts the countdown: other
// modules say so with the "caseaudit:session-activity" event; other tabs of this site say so
// through localStorage.
//
// Load with: <script type="module" src="{% static 'core/js/timeout.js' %}"></script>

const STORAGE_KEY = "caseaudit-session-deadline";

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

// 125 -> "2 minutes 5 seconds"; 120 -> "2 minutes"; 59 -> "59 seconds".
export function timeLeftText(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return plural(rest, "second");
  return rest === 0 ? plural(minutes, "minute") : `${plural(minutes, "minute")} ${plural(rest, "second")}`;
}

function csrfToken(scope) {
  const input = scope.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

export function initTimeoutWarning(body = document.body) {
  const dialog = document.getElementById("timeout-dialog");
  const timeout = Number(body.dataset.sessionTimeout);
  if (!dialog || !(timeout > 0) || typeof dialog.showModal !== "function") return null;
  const warning = Math.min(Number(body.dataset.sessionWarning) || 120, timeout);
  const countdown = document.getElementById("timeout-dialog-countdown");
  const live = document.getElementById("timeout-dialog-live");
  const stay = document.getElementById("timeout-dialog-stay");

  let deadline = Date.now() + timeout * 1000;
  let warnTimer = null;
  let tickTimer = null;
  let returnFocus = null;
  let lastSpoken = null;
  let savedAt = "";
  let leaving = false;

  const secondsLeft = () => Math.max(0, Math.ceil((deadline - Date.now()) / 1000));

  function speak(text) {
    if (text !== lastSpoken) {
      live.textContent = text;
      lastSpoken = text;
    }
  }

  function update() {
    const left = secondsLeft();
    if (left <= 0) {
      signedOut();
      return;
    }
    const text = timeLeftText(left);
    countdown.textContent = text;
    // The visible countdown changes every second; screen readers hear it every 15 seconds
    // (and at 10 and 5), not sixty times a minute.
    if (lastSpoken === null || left % 15 === 0 || left === 10 || left === 5) {
      speak(`For your security, we will sign you out in ${text}.`);
    }
  }

  function open() {
    if (dialog.open || leaving) return;
    if (secondsLeft() <= 0) {
      signedOut();
      return;
    }
    returnFocus = document.activeElement;
    lastSpoken = null;
    update();
    dialog.showModal();
    stay.focus();
    tickTimer = setInterval(update, 1000);
  }

  function close() {
    clearInterval(tickTimer);
    tickTimer = null;
    if (!dialog.open) return;
    dialog.close();
    if (returnFocus && document.contains(returnFocus) && typeof returnFocus.focus === "function") {
      returnFocus.focus();
    }
    returnFocus = null;
  }

  function schedule() {
    clearTimeout(warnTimer);
    warnTimer = setTimeout(open, Math.max(0, deadline - warning * 1000 - Date.now()));
  }

  function restart({ broadcast = true, until = Date.now() + timeout * 1000 } = {}) {
    deadline = Math.max(until, deadline);
    if (broadcast) {
      try {
        localStorage.setItem(STORAGE_KEY, String(deadline));
      } catch {
        // Storage may be unavailable (private mode): this tab still keeps its own count.
      }
    }
    close();
    schedule();
  }

  function signedOut() {
    if (leaving) return;
    leaving = true;
    clearTimeout(warnTimer);
    clearInterval(tickTimer);
    const url = new URL(body.dataset.signedOutUrl, window.location.href);
    if (savedAt) url.searchParams.set("saved", savedAt);
    window.location.assign(url.toString());
  }

  async function keepAlive() {
    stay.disabled = true;
    try {
      const response = await fetch(body.dataset.keepaliveUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken(dialog) },
        credentials: "same-origin",
        redirect: "manual",
      });
      if (response.status === 204) {
        restart();
      } else {
        // Sent to sign in (the session had already ended) or refused: go and sign in.
        signedOut();
      }
    } catch {
      speak("We could not reach the server to keep you signed in. Check your connection and try again.");
    } finally {
      stay.disabled = false;
    }
  }

  stay.addEventListener("click", keepAlive);
  // Escape is "stay signed in", as in the GOV.UK pattern (not a silent close).
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    keepAlive();
  });
  document.addEventListener("caseaudit:session-activity", () => restart());
  document.addEventListener("caseaudit:draft-saved", (event) => {
    savedAt = (event.detail && event.detail.savedAt) || savedAt;
  });
  window.addEventListener("storage", (event) => {
    if (event.key === STORAGE_KEY && event.newValue) {
      restart({ broadcast: false, until: Number(event.newValue) });
    }
  });
  // Timers sleep in background tabs: check again when the page is seen.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    if (secondsLeft() <= 0) signedOut();
    else if (secondsLeft() <= warning) open();
  });

  restart();
  return { restart, open, close, deadline: () => deadline };
}

initTimeoutWarning();
