/* CAR dashboard: the namespace every other file adds to, the limits, the page's
 * observable state (window.__carDashboard, set in dashboard.js) and small DOM/text helpers.
 *
 * The page is plain scripts loaded in order by index.html (no modules, no build step, no
 * third-party code). Each file is an IIFE that reads `window.CarDash` and puts its functions on
 * it; a function from a later file is always called through the namespace (D.name(...)), so it
 * is looked up when called, not when the earlier file loads. Load order:
 *   core, connection, binding, functions, regex, render, components, inputs, car-catalog,
 *   surfaces, measure, panels, dashboard (the wiring, which starts everything).
 * regex-worker.js is not a page script: regex.js starts it as a Web Worker.
 *
 * Agent data is only ever put into the page as text (textContent, attribute values); URLs are
 * limited to http(s) (and data: of the matching media type for Image, Video and AudioPlayer).
 */
(function () {
  'use strict';

  var D = window.CarDash = {};

  D.RENDERER = 'car-dashboard';
  D.LIMITS = {
    events: 50, reports: 50, actions: 50, errors: 50, firstRenders: 100,
    agentsWithLogs: 20, logLines: 5, agentPollMs: 15000,
    depth: 64, nodes: 5000, templateItems: 500, issues: 100, fnDepth: 16,
    // binding.js's evaluation budget, per render (and per binding refresh or action): function
    // calls and ${...} expressions, and characters formatString may produce in all; one
    // formatString result is at most formatChars, the daemon's own cap on one string (64 KiB).
    fnCalls: 20000, formatTotal: 4 << 20, formatChars: 64 << 10,
    // Items asList (render.js) takes from a model array (the daemon's 1 MiB model holds some
    // 200 000 nulls); no choice or select shows more options than that anyway.
    listItems: 1000,
    // surfaces.js renders on the next animation frame; a hidden tab has none, so a timer too.
    renderFallbackMs: 100,
    requestMs: 30000, imageWaitMs: 3000, layoutWaitMs: 500,
    // regex.js: agent-supplied patterns run in a worker that is killed after regexMs.
    regexInput: 10000, regexPattern: 1000, regexMs: 250, regexStartMs: 5000,
    regexCache: 500, regexQueue: 200, regexGivenUp: 100,
    backoffMinMs: 500, backoffMaxMs: 30000,
  };

  // What tests and benchmarks read (exposed as window.__carDashboard by dashboard.js).
  // firstRender[surfaceId]: performance.now() (ms since navigation start) when the surface's
  // first render was in the DOM and laid out.
  D.dash = {
    ready: false, connected: false, surfaces: 0, renders: 0,
    reports: [], reportResults: [], actions: [], errors: [],
    firstRender: Object.create(null), regexTimeouts: [],
  };

  // The component renderers by type name (components.js, inputs.js, car-catalog.js fill it).
  D.RENDERERS = {};
  // The surfaces the page holds, by surfaceId (surfaces.js keeps it).
  D.surfaces = new Map();

  D.pushBounded = function (list, item, max) {
    list.push(item);
    while (list.length > max) list.shift();
  };

  D.noteError = function (where, error) {
    var message = error && error.message ? error.message : String(error);
    D.pushBounded(D.dash.errors, { where: where, message: message, at: new Date().toISOString() }, D.LIMITS.errors);
    if (window.console && console.warn) console.warn('car-dashboard: ' + where + ': ' + message);
  };

  // ---------------------------------------------------------------------------------------
  // DOM helpers (text only, never HTML)

  D.h = function (tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined && text !== null) el.textContent = String(text);
    return el;
  };

  D.byId = function (id) { return document.getElementById(id); };

  D.setCount = function (id, n) { var el = D.byId(id); if (el) el.textContent = String(n); };

  D.setConn = function (state, text) {
    var el = D.byId('conn');
    if (!el) return;
    el.dataset.state = state;
    el.className = 'conn conn-' + (state === 'up' ? 'up' : state === 'connecting' ? 'wait' : 'down');
    el.textContent = text;
  };

  D.safeClass = function (name) { return String(name).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64); };

  // An object or array shows as its JSON, cut at LIMITS.formatChars: built only that far, so
  // the cost follows what is shown, not the value's size (a megabyte of model, named by
  // thousands of bindings, would otherwise be encoded whole by each).
  D.toStr = function (v) {
    if (v === null || v === undefined) return '';
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return boundedJson(v, D.LIMITS.formatChars);
  };

  function boundedJson(v, max) {
    var out = [], n = 0;
    function emit(s) { out.push(s); n += s.length; }
    function walk(x, depth) {
      if (n >= max) return;
      if (typeof x === 'string') emit(JSON.stringify(x));
      else if (typeof x === 'number') emit(isFinite(x) ? String(x) : 'null');
      else if (typeof x === 'boolean') emit(String(x));
      else if (x === null || typeof x !== 'object' || depth > D.LIMITS.depth) emit('null');
      else if (Array.isArray(x)) {
        emit('[');
        for (var i = 0; i < x.length && n < max; i++) { if (i) emit(','); walk(x[i], depth + 1); }
        emit(']');
      } else {
        emit('{');
        var keys = Object.keys(x), first = true;
        for (var k = 0; k < keys.length && n < max; k++) {
          var item = x[keys[k]];
          if (item === undefined || typeof item === 'function') continue;
          emit((first ? '' : ',') + JSON.stringify(keys[k]) + ':');
          first = false;
          walk(item, depth + 1);
        }
        emit('}');
      }
    }
    walk(v, 0);
    var s = out.join('');
    return s.length > max ? s.slice(0, max) : s;
  }

  // ---------------------------------------------------------------------------------------
  // URLs

  D.safeUrl = function (raw, kind) {
    if (typeof raw !== 'string' || !raw) return null;
    var u;
    try { u = new URL(raw); } catch (e) { return null; }
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
    if (u.protocol === 'data:') {
      // Only media of the element's own kind (an <img> never runs script, even from SVG).
      var prefix = { image: 'data:image/', video: 'data:video/', audio: 'data:audio/' }[kind];
      if (prefix && raw.slice(0, prefix.length).toLowerCase() === prefix) return raw;
    }
    return null;
  };
})();
