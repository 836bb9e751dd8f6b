/* CAR dashboard: the wiring, loaded last. Supervised agents, pending approvals, recent host
 * events and every A2UI surface the daemon holds, rendered live; no build step, no third-party
 * code. The page is split by what each file holds (index.html loads them in this order):
 *   core.js        namespace (window.CarDash), limits, page state, DOM/text/URL helpers
 *   connection.js  /auth-token, WebSocket JSON-RPC, reconnect, the initial calls
 *   binding.js     JSON Pointers, dynamic values, formatString expressions
 *   functions.js   the catalog's client-side functions
 *   regex.js       agent patterns in a time-limited worker (regex-worker.js)
 *   render.js      the component tree walk, bindings, checks, actions
 *   components.js  display and layout components
 *   inputs.js      input components
 *   car-catalog.js the CAR catalog's own components
 *   surfaces.js    the surfaces store and a surface's render
 *   measure.js     measuring a render and a2ui.render_report
 *   panels.js      agents, approvals and events panels
 *
 * window.__carDashboard is the page's observable state for tests and benchmarks: ready,
 * connected, surfaces, renders, reports, reportResults, actions, errors, firstRender (per
 * surfaceId, ms since navigation start) and regexTimeouts.
 */
(function () {
  'use strict';

  var D = window.CarDash;
  window.__carDashboard = D.dash;

  // JSON-RPC notifications from the daemon (connection.js hands them here).
  D.onNotification = function (method, params) {
    if (method === 'host.event') D.onHostEvent(params);
    else if (method === 'a2ui.event') D.onA2uiEvent(params);
  };

  D.renderPanels();
  D.updateSurfaceCount();
  D.connect();
})();
