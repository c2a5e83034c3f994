// Assure front-end entry point (ES module; no inline scripts: CSP).
// Loaded with <script type="module" src="/static/js/app.js"></script>.
// Static import is hoisted, but module scripts run deferred (after parsing),
// so document.body exists; classes are set before GOV.UK Frontend initialises.
import { initAll } from "./../dist/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
