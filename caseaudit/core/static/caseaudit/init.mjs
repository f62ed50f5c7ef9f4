// Initialise GOV.UK Frontend without any inline script (strict CSP).
// Load with: <script type="module" src="{% static 'caseaudit/init.mjs' %}"></script>
import { initAll } from "../govuk/govuk-frontend.min.js";

// GOV.UK Frontend's page template normally adds this class with an inline
// script. Its CSS and JS (isSupported()) key off it on <body>. Any browser that
// runs this module supports ES modules, which is all the inline check tested.
document.body.classList.add("govuk-frontend-supported");

initAll();
