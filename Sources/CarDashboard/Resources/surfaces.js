/* CAR dashboard: the A2UI surfaces the page holds (D.surfaces), kept from a2ui.surfaces and
 * a2ui.event notifications, and a surface's render: its header, its tree (render.js), its
 * theme colour, re-renders that keep the focus (one per surface per frame, however many
 * updates arrive). After each render of a surface whose revision changed, measure.js measures
 * it and sends a2ui.render_report.
 */
(function () {
  'use strict';

  var D = window.CarDash;
  var LIMITS = D.LIMITS, dash = D.dash, surfaces = D.surfaces, h = D.h, toStr = D.toStr;

  D.onA2uiEvent = function (params) {
    if (!params || typeof params !== 'object') return;
    var result = params.result || {};
    if (params.kind === 'a2ui.surface_updated') {
      if (result.deleted) removeSurface(result.surfaceId);
      else if (result.surface) guardedUpsert(result.surface);
    } else if (params.kind === 'a2ui.surface_deleted') {
      removeSurface(result.surfaceId || (result.surface && result.surface.surfaceId));
    }
  };

  D.applySurfaceList = function (list) {
    var arr = Array.isArray(list) ? list : (list && Array.isArray(list.surfaces) ? list.surfaces : []);
    var keep = new Set();
    arr.forEach(function (s) {
      if (s && typeof s.surfaceId === 'string') { keep.add(s.surfaceId); guardedUpsert(s); }
    });
    Array.from(surfaces.keys()).forEach(function (id) { if (!keep.has(id)) removeSurface(id); });
  };

  // One surface that breaks the page's code must not keep the others from being shown.
  function guardedUpsert(s) {
    try {
      upsertSurface(s);
    } catch (e) {
      var id = s && typeof s.surfaceId === 'string' ? s.surfaceId : '?';
      D.noteError('surface ' + id, e);
      if (window.console && console.error) console.error('car-dashboard: surface ' + id + ':', e);
    }
  }

  // Which of two snapshots of one surface id is the later (<0, 0, >0). A surface deleted and
  // recreated starts again at revision 1, so the creation time (createdAt, milliseconds: the
  // surface JSON carries no incarnation) decides first and the revision only within one
  // incarnation. Two made in the same millisecond cannot be told apart here; their
  // surface_deleted in between, which removes the entry, can.
  function sameIncarnation(a, b) { return a.createdAt === b.createdAt; }

  function compareVersions(a, b) {
    var ta = Date.parse(a.createdAt), tb = Date.parse(b.createdAt);
    if (!sameIncarnation(a, b) && isFinite(ta) && isFinite(tb) && ta !== tb) return ta - tb;
    var ra = typeof a.revision === 'number' ? a.revision : 0, rb = typeof b.revision === 'number' ? b.revision : 0;
    return ra - rb;
  }

  function upsertSurface(s) {
    if (!s || typeof s.surfaceId !== 'string') return;
    var entry = surfaces.get(s.surfaceId);
    if (!entry) {
      entry = { id: s.surfaceId, surface: null, serverModel: null, model: {}, ui: {}, el: null, body: null,
        renderSeq: 0, reportedRevision: null, ctx: null, renderQueued: null };
      surfaces.set(s.surfaceId, entry);
    } else if (entry.surface) {
      var order = compareVersions(s, entry.surface);
      if (order < 0) return; // stale snapshot
      if (order === 0 && entry.reportedRevision === s.revision) return; // nothing new
      if (!sameIncarnation(s, entry.surface)) {
        // Another surface of the same id: nothing of the old one's page state carries over,
        // and a report still being measured about the old one is dropped (renderSeq).
        entry.serverModel = null;
        entry.ui = {};
        entry.reportedRevision = null;
        entry.renderSeq++;
      }
    }
    entry.surface = s;
    var modelJson = JSON.stringify(s.dataModel === undefined ? {} : s.dataModel);
    if (modelJson !== entry.serverModel) {
      entry.serverModel = modelJson;
      entry.model = JSON.parse(modelJson); // the local copy inputs write into
    }
    scheduleRender(entry);
  }

  function removeSurface(id) {
    var entry = surfaces.get(id);
    if (!entry) return;
    surfaces.delete(id);
    cancelRender(entry);
    entry.renderSeq++;
    if (entry.el && entry.el.parentNode) entry.el.parentNode.removeChild(entry.el);
    D.updateSurfaceCount();
  }

  D.updateSurfaceCount = function () {
    dash.surfaces = surfaces.size;
    D.setCount('surfaces-count', surfaces.size);
    var empty = D.byId('surfaces-empty');
    if (empty) empty.hidden = surfaces.size > 0;
  };

  // window.__carDashboard.firstRender[id]: when the surface's first render was laid out, in
  // ms since navigation start (the first one per surfaceId; the oldest dropped past the limit).
  function noteFirstRender(id, now) {
    var first = dash.firstRender;
    if (id in first) return;
    first[id] = Math.round(now * 10) / 10;
    var keys = Object.keys(first);
    if (keys.length > LIMITS.firstRenders) delete first[keys[0]];
  }

  function renderSurface(entry) {
    var t0 = performance.now();
    var seq = ++entry.renderSeq;
    var s = entry.surface;
    var comps = new Map();
    (Array.isArray(s.components) ? s.components : []).forEach(function (c) {
      if (c && typeof c === 'object' && typeof c.id === 'string') comps.set(c.id, c);
    });
    var ctx = { entry: entry, comps: comps, binders: [], nodes: 0, recheck: null, budget: null };
    D.freshBudget(ctx);
    entry.ctx = ctx;

    if (!entry.el) {
      var box = h('section', 'surface');
      box.dataset.surfaceId = entry.id;
      var head = h('header', 'surface-head');
      var body = h('div', 'surface-body');
      box.appendChild(head);
      box.appendChild(body);
      entry.el = box;
      entry.head = head;
      entry.body = body;
      var list = D.byId('surfaces');
      if (list) list.appendChild(box);
    }
    renderSurfaceHead(entry);
    var theme = s.theme && typeof s.theme === 'object' ? s.theme : {};
    if (typeof theme.primaryColor === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(theme.primaryColor)) {
      entry.el.style.setProperty('--a2ui-primary', theme.primaryColor);
    } else {
      entry.el.style.removeProperty('--a2ui-primary');
    }

    var tree = comps.has('root') ? D.renderNode(ctx, 'root', null, 0, new Set()) : D.placeholder('root', 'missing');
    entry.body.replaceChildren(tree);
    entry.el.dataset.revision = String(s.revision);
    dash.renders++;
    D.updateSurfaceCount();

    var first = !(entry.id in dash.firstRender);
    if (entry.reportedRevision !== s.revision || first) {
      void entry.body.offsetHeight; // renderMs: building the DOM plus the layout it forces
      var now = performance.now();
      if (first) noteFirstRender(entry.id, now);
      if (entry.reportedRevision !== s.revision) {
        var renderMs = Math.round((now - t0) * 10) / 10;
        D.measureAndReport(entry, seq, renderMs).catch(function (e) { D.noteError('render_report', e); });
      }
    }
  }

  function renderSurfaceHead(entry) {
    var s = entry.surface;
    var theme = s.theme && typeof s.theme === 'object' ? s.theme : {};
    var nodes = [];
    var icon = D.safeUrl(theme.iconUrl, 'image');
    if (icon) {
      var img = h('img', 'surface-icon');
      img.alt = '';
      img.referrerPolicy = 'no-referrer';
      img.src = icon;
      nodes.push(img);
    }
    nodes.push(h('strong', 'surface-title', typeof theme.agentDisplayName === 'string' && theme.agentDisplayName ? theme.agentDisplayName : entry.id));
    if (theme.agentDisplayName) nodes.push(h('span', 'surface-id', entry.id));
    nodes.push(h('span', 'surface-rev', 'rev ' + toStr(s.revision)));
    var owner = s.owner && typeof s.owner === 'object' ? s.owner : null;
    if (owner) nodes.push(h('span', 'surface-owner', owner.kind === 'a2a' ? 'a2a ' + toStr(owner.taskId || owner.contextId || '') : 'session ' + toStr(owner.clientId || '')));
    var dg = s.diagnostics || {};
    var notes = [];
    if (dg.missingRoot) notes.push('no root yet');
    if (Array.isArray(dg.danglingReferences) && dg.danglingReferences.length) notes.push(dg.danglingReferences.length + ' pending reference(s)');
    if (Array.isArray(dg.unreachable) && dg.unreachable.length) notes.push(dg.unreachable.length + ' unreachable');
    if (notes.length) nodes.push(h('span', 'surface-diag', notes.join(' · ')));
    entry.head.replaceChildren.apply(entry.head, nodes);
  }

  // Every render of a surface goes through here: whatever arrives before the next frame (a
  // burst of updates, a binding asking for a re-render) makes one render, of the latest state,
  // and a render keeps the focus where the user had it.
  function scheduleRender(entry) {
    if (entry.renderQueued) return;
    var q = entry.renderQueued = { frame: 0, timer: 0 };
    var run = function () {
      if (entry.renderQueued !== q) return;
      cancelRender(entry);
      if (surfaces.get(entry.id) !== entry) return;
      try {
        var active = document.activeElement;
        var focusKey = active && entry.el && entry.el.contains(active) ? focusKeyOf(active) : null;
        renderSurface(entry);
        if (focusKey) restoreFocus(entry, focusKey);
      } catch (e) {
        D.noteError('render ' + entry.id, e);
        if (window.console && console.error) console.error('car-dashboard: render ' + entry.id + ':', e);
      }
    };
    q.frame = requestAnimationFrame(run);
    q.timer = setTimeout(run, LIMITS.renderFallbackMs);
  }
  D.scheduleRerender = scheduleRender;

  function cancelRender(entry) {
    var q = entry.renderQueued;
    if (!q) return;
    entry.renderQueued = null;
    cancelAnimationFrame(q.frame);
    clearTimeout(q.timer);
  }

  var FOCUSABLE = 'input,textarea,select,button';

  function focusKeyOf(el) {
    var comp = el.closest('[data-component-id]');
    if (!comp) return null;
    var index = Array.prototype.indexOf.call(comp.querySelectorAll(FOCUSABLE), el);
    return { id: comp.dataset.componentId, scope: comp.dataset.scope || '', index: index,
      start: el.selectionStart, end: el.selectionEnd };
  }

  function restoreFocus(entry, key) {
    var comps = entry.body.querySelectorAll('[data-component-id]');
    for (var i = 0; i < comps.length; i++) {
      var c = comps[i];
      if (c.dataset.componentId === key.id && (c.dataset.scope || '') === key.scope) {
        var all = c.matches(FOCUSABLE) ? [c] : c.querySelectorAll(FOCUSABLE);
        var input = all[key.index >= 0 && key.index < all.length ? key.index : 0];
        if (input) {
          input.focus();
          try { if (key.start !== null && key.start !== undefined) input.setSelectionRange(key.start, key.end); } catch (e) { /* not a text input */ }
        }
        return;
      }
    }
  }
})();
