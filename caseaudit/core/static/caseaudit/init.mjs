// Initialise GOV.UK Frontend without any inline script (strict CSP).
// Load with: <script type="module" src="{% static 'caseaudit/init.mjs' %}"></script>
import { initAll } from "../govuk/govuk-frontend.min.js";

// GOV.UK Frontend's page template normally adds this class with an inline
// script. Its CSS and JS (isSupported()) key off it on <body>. Any browser that
// runs this module supports ES modules, which is all the inline check tested.
document.body.classList.add("govuk-frontend-supported");

initAll();

// Initialise components in content that htmx swaps in later. htmx fires
// htmx:load on each new element; search from its parent so that the element
// itself is found when it is a component root, and ignore components that are
// already initialised.
document.addEventListener("htmx:load", (event) => {
  const element = event.detail && event.detail.elt;
  if (!(element instanceof Element) || element === document.body) return;
  initAll({
    scope: element.parentElement || element,
    onError: (error) => {
      if (error.name !== "InitError") console.error(error);
    },
  });
});
