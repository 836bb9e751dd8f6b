/* CAR dashboard: supervised agents, pending approvals, recent host events and every A2UI
 * surface the daemon holds, rendered live. One file, no build step, no third-party code.
 *
 * Wire order on every (re)connection: GET /auth-token -> WebSocket -> session.auth (when the
 * daemon has a token) -> server.handshake -> host.subscribe -> agents.list (+ agents.tail_log
 * per agent) -> a2ui/subscribe -> a2ui.surfaces; then host.event and a2ui.event notifications
 * keep the page live. After each render of a surface whose revision changed the page measures
 * it and sends a2ui.render_report.
 *
 * Agent data is only ever put into the page as text (textContent, attribute values); URLs are
 * limited to http(s) (and data: of the matching media type for Image, Video and AudioPlayer).
 */
(function () {
  'use strict';

  var RENDERER = 'car-dashboard';
  var LIMITS = {
    events: 50, reports: 50, actions: 50, errors: 50,
    agentsWithLogs: 20, logLines: 5, agentPollMs: 15000,
    depth: 64, nodes: 5000, templateItems: 500, issues: 100, fnDepth: 16,
    requestMs: 30000, imageWaitMs: 3000, layoutWaitMs: 500,
    regexInput: 10000, regexPattern: 1000,
    backoffMinMs: 500, backoffMaxMs: 30000,
  };

  var dash = {
    ready: false, connected: false, surfaces: 0, renders: 0,
    reports: [], reportResults: [], actions: [], errors: [],
  };
  window.__carDashboard = dash;

  function pushBounded(list, item, max) {
    list.push(item);
    while (list.length > max) list.shift();
  }

  function noteError(where, error) {
    var message = error && error.message ? error.message : String(error);
    pushBounded(dash.errors, { where: where, message: message, at: new Date().toISOString() }, LIMITS.errors);
    if (window.console && console.warn) console.warn('car-dashboard: ' + where + ': ' + message);
  }

  // ---------------------------------------------------------------------------------------
  // DOM helpers (text only, never HTML)

  function h(tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined && text !== null) el.textContent = String(text);
    return el;
  }

  function byId(id) { return document.getElementById(id); }

  function setCount(id, n) { var el = byId(id); if (el) el.textContent = String(n); }

  function setConn(state, text) {
    var el = byId('conn');
    if (!el) return;
    el.dataset.state = state;
    el.className = 'conn conn-' + (state === 'up' ? 'up' : state === 'connecting' ? 'wait' : 'down');
    el.textContent = text;
  }

  function safeClass(name) { return String(name).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64); }

  // ---------------------------------------------------------------------------------------
  // JSON-RPC over the WebSocket

  var socket = null;
  var nextId = 1;
  var pending = new Map();
  var generation = 0;
  var attempts = 0;
  var reconnectTimer = null;
  var agentTimer = null;

  function RpcError(method, error) {
    this.name = 'RpcError';
    this.method = method;
    this.code = error && typeof error.code === 'number' ? error.code : -32000;
    this.data = error ? error.data : undefined;
    this.message = method + ': ' + (error && error.message ? error.message : 'error') + ' (' + this.code + ')';
  }
  RpcError.prototype = Object.create(Error.prototype);

  function call(method, params) {
    return new Promise(function (resolve, reject) {
      var ws = socket;
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        reject(new RpcError(method, { code: -32000, message: 'not connected' }));
        return;
      }
      var id = nextId++;
      var timer = setTimeout(function () {
        pending.delete(id);
        reject(new RpcError(method, { code: -32000, message: 'no answer within ' + LIMITS.requestMs + ' ms' }));
      }, LIMITS.requestMs);
      pending.set(id, { resolve: resolve, reject: reject, timer: timer, method: method });
      try {
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: id, method: method, params: params || {} }));
      } catch (e) {
        clearTimeout(timer);
        pending.delete(id);
        reject(new RpcError(method, { code: -32000, message: 'send failed: ' + e.message }));
      }
    });
  }

  function failPending(reason) {
    pending.forEach(function (p) {
      clearTimeout(p.timer);
      p.reject(new RpcError(p.method, { code: -32000, message: reason }));
    });
    pending.clear();
  }

  function onMessage(data) {
    var msg;
    try { msg = JSON.parse(data); } catch (e) { noteError('frame', e); return; }
    if (!msg || typeof msg !== 'object') return;
    if (typeof msg.method === 'string') {
      if (msg.id !== undefined && msg.id !== null) {
        // A server-to-client request: this page serves none.
        if (socket && socket.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ jsonrpc: '2.0', id: msg.id,
            error: { code: -32601, message: 'method not found: the dashboard serves no requests' } }));
        }
        return;
      }
      try { onNotification(msg.method, msg.params); } catch (e) { noteError(msg.method, e); }
      return;
    }
    var p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.error) p.reject(new RpcError(p.method, msg.error));
    else p.resolve(msg.result);
  }

  function wsUrl(advertised) {
    if (typeof advertised === 'string' && /^wss?:\/\//i.test(advertised)) return advertised;
    var port = parseInt(location.port || (location.protocol === 'https:' ? '443' : '80'), 10) - 1;
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.hostname + ':' + port + '/';
  }

  function scheduleReconnect() {
    if (reconnectTimer) return;
    var delay = Math.min(LIMITS.backoffMaxMs, LIMITS.backoffMinMs * Math.pow(2, attempts));
    delay = Math.round(delay * (0.75 + Math.random() * 0.5));
    attempts = Math.min(attempts + 1, 16);
    setConn('down', 'disconnected, retrying in ' + Math.ceil(delay / 1000) + ' s');
    reconnectTimer = setTimeout(function () { reconnectTimer = null; connect(); }, delay);
  }

  function onDisconnect(reason) {
    dash.ready = false;
    dash.connected = false;
    if (agentTimer) { clearInterval(agentTimer); agentTimer = null; }
    failPending(reason || 'connection closed');
    scheduleReconnect();
  }

  function connect() {
    var gen = ++generation;
    setConn('connecting', 'connecting…');
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var abortTimer = controller ? setTimeout(function () { controller.abort(); }, 10000) : null;
    fetch('/auth-token', { cache: 'no-store', credentials: 'same-origin', signal: controller ? controller.signal : undefined })
      .then(function (r) {
        if (!r.ok) throw new Error('/auth-token answered HTTP ' + r.status);
        return r.json();
      })
      .then(function (info) {
        if (abortTimer) clearTimeout(abortTimer);
        if (gen !== generation) return;
        info = info || {};
        var ws;
        try { ws = new WebSocket(wsUrl(info.ws)); } catch (e) { noteError('websocket', e); scheduleReconnect(); return; }
        socket = ws;
        ws.onopen = function () {
          if (socket !== ws) return;
          dash.connected = true;
          initialize(info.token).catch(function (e) {
            noteError('initialize', e);
            if (socket === ws) { try { ws.close(); } catch (_) { /* closing anyway */ } }
          });
        };
        ws.onmessage = function (ev) { if (socket === ws) onMessage(ev.data); };
        ws.onclose = function (ev) {
          if (socket !== ws) return;
          socket = null;
          onDisconnect('connection closed (' + ev.code + ')');
        };
        ws.onerror = function () { /* onclose follows */ };
      })
      .catch(function (e) {
        if (abortTimer) clearTimeout(abortTimer);
        noteError('auth-token', e);
        if (gen === generation) scheduleReconnect();
      });
  }

  function initialize(token) {
    var step = Promise.resolve();
    if (token !== null && token !== undefined && token !== '') {
      step = call('session.auth', { token: String(token) });
    }
    return step
      .then(function () {
        return call('server.handshake', { protocol_version: 3, client_version: RENDERER })
          .catch(function () { return call('server.handshake', { protocol_version: 2, client_version: RENDERER }); })
          .then(function (r) { showHandshake(r); }, function (e) { noteError('server.handshake', e); });
      })
      .then(function () {
        return call('host.subscribe', {}).then(applyHostSnapshot, function (e) { noteError('host.subscribe', e); });
      })
      .then(function () { return refreshAgents(); })
      .then(function () {
        return call('a2ui/subscribe', {}).catch(function (e) { noteError('a2ui/subscribe', e); });
      })
      .then(function () {
        return call('a2ui.surfaces', {}).then(applySurfaceList, function (e) { noteError('a2ui.surfaces', e); });
      })
      .then(function () {
        attempts = 0;
        dash.ready = true;
        setConn('up', 'live');
        if (agentTimer) clearInterval(agentTimer);
        agentTimer = setInterval(function () { refreshAgents(); }, LIMITS.agentPollMs);
      });
  }

  function onNotification(method, params) {
    if (method === 'host.event') onHostEvent(params);
    else if (method === 'a2ui.event') onA2uiEvent(params);
  }

  // ---------------------------------------------------------------------------------------
  // Host state: agents, approvals, events

  var hostAgents = [];
  var approvals = [];
  var events = [];
  var supervised = [];
  var logs = new Map();
  var agentsBusy = false;
  var debounce = {};

  function later(key, fn, ms) {
    if (debounce[key]) return;
    debounce[key] = setTimeout(function () { debounce[key] = null; fn(); }, ms);
  }

  function showHandshake(r) {
    if (!r) return;
    var el = byId('daemon');
    if (el) el.dataset.protocol = String(r.protocol_version);
  }

  function applyHostSnapshot(snap) {
    if (!snap || typeof snap !== 'object') return;
    hostAgents = Array.isArray(snap.agents) ? snap.agents : [];
    approvals = Array.isArray(snap.approvals) ? snap.approvals : [];
    events = [];
    (Array.isArray(snap.events) ? snap.events : []).forEach(addEvent);
    var id = snap.identity;
    var el = byId('daemon');
    if (el && id && typeof id === 'object') {
      el.textContent = 'car-server ' + (id.version || '?') + ' · pid ' + (id.pid || '?') + ' · manifest ' + (id.manifest_role || 'none');
    }
    renderHostAgents();
    renderApprovals();
    renderEvents();
  }

  function addEvent(ev) {
    if (!ev || typeof ev !== 'object') return;
    if (typeof ev.seq === 'number' && events.some(function (e) { return e.seq === ev.seq; })) return;
    events.push(ev);
    events.sort(function (a, b) { return (a.seq || 0) - (b.seq || 0); });
    while (events.length > LIMITS.events) events.shift();
  }

  function onHostEvent(ev) {
    addEvent(ev);
    renderEvents();
    var kind = ev && typeof ev.kind === 'string' ? ev.kind : '';
    if (kind.indexOf('approval') === 0) {
      later('approvals', function () {
        if (!dash.connected) return;
        call('host.approvals', {}).then(function (r) {
          approvals = r && Array.isArray(r.approvals) ? r.approvals : [];
          renderApprovals();
        }, function (e) { noteError('host.approvals', e); });
      }, 200);
    }
    if (kind.indexOf('agent') === 0 || kind.indexOf('approval') === 0) {
      later('host.agents', function () {
        if (!dash.connected) return;
        call('host.agents', {}).then(function (r) {
          hostAgents = Array.isArray(r) ? r : (r && Array.isArray(r.agents) ? r.agents : hostAgents);
          renderHostAgents();
        }, function (e) { noteError('host.agents', e); });
      }, 300);
      later('agents.list', refreshAgents, 1000);
    }
  }

  function refreshAgents() {
    if (agentsBusy) return Promise.resolve();
    agentsBusy = true;
    return call('agents.list', {})
      .then(function (list) {
        supervised = Array.isArray(list) ? list : [];
        var ids = supervised.slice(0, LIMITS.agentsWithLogs)
          .map(function (a) { return a && a.spec && typeof a.spec.id === 'string' ? a.spec.id : null; })
          .filter(Boolean);
        return Promise.all(ids.map(function (id) {
          return call('agents.tail_log', { id: id, n: LIMITS.logLines })
            .then(function (t) { logs.set(id, t && Array.isArray(t.lines) ? t.lines.slice(-LIMITS.logLines) : []); },
              function () { logs.delete(id); });
        }));
      })
      .then(function () { renderAgents(); },
        function (e) { noteError('agents.list', e); renderAgents(e); })
      .then(function () { agentsBusy = false; });
  }

  function renderAgents(error) {
    var box = byId('agents');
    if (!box) return;
    var nodes = [];
    if (error) nodes.push(h('p', 'error', String(error.message || error)));
    if (!supervised.length && !error) nodes.push(h('p', 'empty', 'No supervised agents.'));
    supervised.forEach(function (a) {
      if (!a || typeof a !== 'object') return;
      var spec = a.spec || {};
      var card = h('div', 'agent');
      card.dataset.agentId = String(spec.id || '');
      var head = h('div', 'agent-head');
      head.appendChild(h('strong', 'agent-name', spec.name || spec.id || '(unnamed)'));
      head.appendChild(h('span', 'agent-id', spec.id || ''));
      var st = h('span', 'status status-' + safeClass(a.status || 'unknown'), a.status || 'unknown');
      head.appendChild(st);
      card.appendChild(head);
      var facts = [];
      if (a.pid) facts.push('pid ' + a.pid);
      facts.push(a.attached ? 'attached' : 'not attached');
      facts.push('restarts ' + (a.restart_count || 0));
      if (a.last_exit_code !== undefined && a.last_exit_code !== null) facts.push('last exit ' + a.last_exit_code);
      card.appendChild(h('div', 'agent-facts', facts.join(' · ')));
      var lines = logs.get(spec.id);
      if (lines && lines.length) card.appendChild(h('pre', 'agent-log', lines.join('\n')));
      nodes.push(card);
    });
    box.replaceChildren.apply(box, nodes);
    setCount('agents-count', supervised.length);
  }

  function renderHostAgents() {
    var box = byId('host-agents');
    if (!box) return;
    var nodes = [];
    if (!hostAgents.length) nodes.push(h('p', 'empty', 'No host agents.'));
    hostAgents.forEach(function (a) {
      if (!a || typeof a !== 'object') return;
      var row = h('div', 'host-agent');
      row.dataset.agentId = String(a.id || '');
      row.appendChild(h('strong', null, a.name || a.id || '(unnamed)'));
      row.appendChild(h('span', 'agent-id', a.kind || ''));
      row.appendChild(h('span', 'status status-' + safeClass(a.status || 'unknown'), a.status || 'unknown'));
      if (a.current_task) row.appendChild(h('span', 'agent-task', a.current_task));
      nodes.push(row);
    });
    box.replaceChildren.apply(box, nodes);
    setCount('host-agents-count', hostAgents.length);
  }

  function renderApprovals() {
    var box = byId('approvals');
    if (!box) return;
    var open = approvals.filter(function (a) { return a && a.status === 'pending'; });
    var nodes = [];
    if (!open.length) nodes.push(h('p', 'empty', 'Nothing waiting.'));
    open.forEach(function (a) {
      var card = h('div', 'approval');
      card.dataset.approvalId = String(a.id || '');
      card.appendChild(h('strong', null, a.title || '(untitled)'));
      var meta = [];
      if (a.agent_id) meta.push('agent ' + a.agent_id);
      if (a.action) meta.push(a.action);
      if (a.required_approvals) meta.push(a.required_approvals + ' approval(s) needed');
      if (a.created_at) meta.push(a.created_at);
      card.appendChild(h('div', 'approval-meta', meta.join(' · ')));
      if (a.description) card.appendChild(h('div', 'approval-desc', a.description));
      nodes.push(card);
    });
    box.replaceChildren.apply(box, nodes);
    setCount('approvals-count', open.length);
  }

  function renderEvents() {
    var box = byId('events');
    if (!box) return;
    var nodes = events.slice().reverse().map(function (ev) {
      var li = h('li', 'event');
      if (typeof ev.seq === 'number') li.dataset.seq = String(ev.seq);
      li.appendChild(h('time', 'event-time', shortTime(ev.timestamp)));
      li.appendChild(h('span', 'event-kind', ev.kind || '?'));
      if (ev.agent_id) li.appendChild(h('span', 'event-agent', ev.agent_id));
      if (ev.message) li.appendChild(h('span', 'event-msg', ev.message));
      return li;
    });
    box.replaceChildren.apply(box, nodes);
    setCount('events-count', events.length);
  }

  function shortTime(ts) {
    if (typeof ts !== 'string') return '';
    var m = /T(\d\d:\d\d:\d\d)/.exec(ts);
    return m ? m[1] : ts.slice(0, 19);
  }

  // ---------------------------------------------------------------------------------------
  // A2UI: surfaces store

  var surfaces = new Map();

  function onA2uiEvent(params) {
    if (!params || typeof params !== 'object') return;
    var result = params.result || {};
    if (params.kind === 'a2ui.surface_updated') {
      if (result.deleted) removeSurface(result.surfaceId);
      else if (result.surface) upsertSurface(result.surface);
    } else if (params.kind === 'a2ui.surface_deleted') {
      removeSurface(result.surfaceId || (result.surface && result.surface.surfaceId));
    }
  }

  function applySurfaceList(list) {
    var arr = Array.isArray(list) ? list : (list && Array.isArray(list.surfaces) ? list.surfaces : []);
    var keep = new Set();
    arr.forEach(function (s) {
      if (s && typeof s.surfaceId === 'string') { keep.add(s.surfaceId); upsertSurface(s); }
    });
    Array.from(surfaces.keys()).forEach(function (id) { if (!keep.has(id)) removeSurface(id); });
  }

  function upsertSurface(s) {
    if (!s || typeof s.surfaceId !== 'string') return;
    var entry = surfaces.get(s.surfaceId);
    if (!entry) {
      entry = { id: s.surfaceId, surface: null, serverModel: null, model: {}, ui: {}, el: null, body: null,
        renderSeq: 0, reportedRevision: null, ctx: null, rerenderQueued: false };
      surfaces.set(s.surfaceId, entry);
    } else if (entry.surface && typeof entry.surface.revision === 'number' && typeof s.revision === 'number') {
      if (s.revision < entry.surface.revision) return; // stale snapshot
      if (s.revision === entry.surface.revision && entry.reportedRevision === s.revision) return; // nothing new
    }
    entry.surface = s;
    var modelJson = JSON.stringify(s.dataModel === undefined ? {} : s.dataModel);
    if (modelJson !== entry.serverModel) {
      entry.serverModel = modelJson;
      entry.model = JSON.parse(modelJson); // the local copy inputs write into
    }
    renderSurface(entry);
  }

  function removeSurface(id) {
    var entry = surfaces.get(id);
    if (!entry) return;
    surfaces.delete(id);
    entry.renderSeq++;
    if (entry.el && entry.el.parentNode) entry.el.parentNode.removeChild(entry.el);
    updateSurfaceCount();
  }

  function updateSurfaceCount() {
    dash.surfaces = surfaces.size;
    setCount('surfaces-count', surfaces.size);
    var empty = byId('surfaces-empty');
    if (empty) empty.hidden = surfaces.size > 0;
  }

  // ---------------------------------------------------------------------------------------
  // Data model: JSON Pointers (A2UI: '/' is the root, relative paths resolve in a scope)

  function decodeToken(t) { return t.replace(/~1/g, '/').replace(/~0/g, '~'); }

  function splitPointer(p) {
    if (typeof p !== 'string' || p === '' || p === '/') return [];
    return p.replace(/^\//, '').split('/').map(decodeToken);
  }

  function absPath(path, scope) {
    if (typeof path !== 'string') return '/';
    if (path.charAt(0) === '/') return path;
    var base = scope && scope.base ? scope.base : '';
    if (path === '' || path === '.') return base || '/';
    return base + '/' + path.replace(/^\.\//, '');
  }

  function getPath(root, pointer) {
    var parts = splitPointer(pointer);
    var cur = root;
    for (var i = 0; i < parts.length; i++) {
      if (cur === null || typeof cur !== 'object') return undefined;
      var key = parts[i];
      if (Array.isArray(cur)) {
        if (!/^\d+$/.test(key)) return undefined;
        cur = cur[parseInt(key, 10)];
      } else {
        if (!Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
        cur = cur[key];
      }
    }
    return cur;
  }

  function setPath(entry, pointer, value) {
    var parts = splitPointer(pointer);
    if (!parts.length) { entry.model = value; return; }
    if (entry.model === null || typeof entry.model !== 'object') entry.model = {};
    var cur = entry.model;
    for (var i = 0; i < parts.length - 1; i++) {
      var key = parts[i];
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') return;
      var next = Array.isArray(cur) ? cur[parseInt(key, 10)] : cur[key];
      if (next === null || typeof next !== 'object') {
        next = /^\d+$/.test(parts[i + 1]) ? [] : {};
        if (Array.isArray(cur)) cur[parseInt(key, 10)] = next; else cur[key] = next;
      }
      cur = next;
    }
    var last = parts[parts.length - 1];
    if (last === '__proto__' || last === 'constructor' || last === 'prototype') return;
    if (Array.isArray(cur) && /^\d+$/.test(last)) cur[parseInt(last, 10)] = value;
    else if (Array.isArray(cur) && last === '-') cur.push(value);
    else cur[last] = value;
  }

  function toStr(v) {
    if (v === null || v === undefined) return '';
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    try { return JSON.stringify(v); } catch (e) { return ''; }
  }

  function isBinding(v) { return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.path === 'string'; }
  function isCall(v) { return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.call === 'string'; }
  function isDynamic(v) { return isBinding(v) || isCall(v); }

  // Resolves a DynamicString/Number/Boolean/Value: a literal, {path} or a function call.
  function resolve(ctx, v, scope, depth) {
    depth = depth || 0;
    if (depth > LIMITS.fnDepth) return undefined;
    if (isBinding(v)) return getPath(ctx.entry.model, absPath(v.path, scope));
    if (isCall(v)) return callFunction(ctx, v, scope, depth + 1);
    return v;
  }

  function resolveDeep(ctx, v, scope, depth) {
    depth = depth || 0;
    if (Array.isArray(v)) return v.map(function (x) { return resolve(ctx, x, scope, depth + 1); });
    return resolve(ctx, v, scope, depth);
  }

  function jsonSafe(v) {
    if (v === undefined) return null;
    try { return JSON.parse(JSON.stringify(v)); } catch (e) { return null; }
  }

  // ---------------------------------------------------------------------------------------
  // Client-side functions (the basic catalog's 14, best effort, plus now())

  function num(v, dflt) { var n = Number(v); return isFinite(n) && v !== null && v !== '' && v !== undefined ? n : dflt; }

  function pad(n, w) { var s = String(n); while (s.length < w) s = '0' + s; return s; }

  var MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  var DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

  function formatDate(value, format) {
    var d = value instanceof Date ? value : new Date(typeof value === 'number' ? value : String(value));
    if (isNaN(d.getTime())) return toStr(value);
    if (typeof format !== 'string' || !format) return d.toLocaleString();
    return format.replace(/'([^']*)'|y+|Y+|M+|d+|E+|H+|h+|m+|s+|a/g, function (tok, quoted) {
      if (quoted !== undefined) return quoted;
      var c = tok.charAt(0), n = tok.length;
      switch (c) {
        case 'y': case 'Y': return n === 2 ? pad(d.getFullYear() % 100, 2) : String(d.getFullYear());
        case 'M': return n >= 4 ? MONTHS[d.getMonth()] : n === 3 ? MONTHS[d.getMonth()].slice(0, 3) : pad(d.getMonth() + 1, n);
        case 'd': return pad(d.getDate(), n);
        case 'E': return n >= 4 ? DAYS[d.getDay()] : DAYS[d.getDay()].slice(0, 3);
        case 'H': return pad(d.getHours(), n);
        case 'h': return pad(d.getHours() % 12 || 12, n);
        case 'm': return pad(d.getMinutes(), n);
        case 's': return pad(d.getSeconds(), n);
        case 'a': return d.getHours() < 12 ? 'AM' : 'PM';
      }
      return tok;
    });
  }

  var FUNCTIONS = {
    required: function (a) {
      var v = a.value;
      return !(v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0));
    },
    regex: function (a) {
      var pattern = toStr(a.pattern);
      if (pattern.length > LIMITS.regexPattern) return false;
      try { return new RegExp(pattern).test(toStr(a.value).slice(0, LIMITS.regexInput)); } catch (e) { return false; }
    },
    length: function (a) {
      var n = toStr(a.value).length;
      return (a.min === undefined || n >= a.min) && (a.max === undefined || n <= a.max);
    },
    numeric: function (a) {
      var n = num(a.value, NaN);
      if (isNaN(n)) return false;
      return (a.min === undefined || n >= a.min) && (a.max === undefined || n <= a.max);
    },
    email: function (a) { return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(toStr(a.value)); },
    formatString: function (a, ctx, scope, depth) { return interpolate(ctx, toStr(a.value), scope, depth); },
    formatNumber: function (a) {
      var n = num(a.value, NaN);
      if (isNaN(n)) return '';
      var opts = { useGrouping: a.grouping !== false };
      if (a.decimals !== undefined) {
        var dec = Math.max(0, Math.min(20, Math.floor(num(a.decimals, 0))));
        opts.minimumFractionDigits = dec; opts.maximumFractionDigits = dec;
      }
      try { return new Intl.NumberFormat(undefined, opts).format(n); } catch (e) { return String(n); }
    },
    formatCurrency: function (a) {
      var n = num(a.value, NaN);
      if (isNaN(n)) return '';
      var opts = { style: 'currency', currency: toStr(a.currency) || 'USD', useGrouping: a.grouping !== false };
      if (a.decimals !== undefined) {
        var dec = Math.max(0, Math.min(20, Math.floor(num(a.decimals, 0))));
        opts.minimumFractionDigits = dec; opts.maximumFractionDigits = dec;
      }
      try { return new Intl.NumberFormat(undefined, opts).format(n); } catch (e) { return toStr(a.currency) + ' ' + n; }
    },
    formatDate: function (a) { return formatDate(a.value, a.format); },
    pluralize: function (a) {
      var n = num(a.value, 0);
      if (n === 0 && a.zero !== undefined) return toStr(a.zero);
      var cat = 'other';
      try { cat = new Intl.PluralRules().select(n); } catch (e) { cat = n === 1 ? 'one' : 'other'; }
      return toStr(a[cat] !== undefined ? a[cat] : a.other);
    },
    openUrl: function (a) {
      var u = safeUrl(a.url, 'link');
      if (u) window.open(u, '_blank', 'noopener,noreferrer');
      return undefined;
    },
    and: function (a) { return Array.isArray(a.values) && a.values.every(function (x) { return !!x; }); },
    or: function (a) { return Array.isArray(a.values) && a.values.some(function (x) { return !!x; }); },
    not: function (a) { return !a.value; },
    now: function () { return new Date().toISOString(); },
  };

  function callFunction(ctx, fc, scope, depth) {
    var fn = Object.prototype.hasOwnProperty.call(FUNCTIONS, fc.call) ? FUNCTIONS[fc.call] : null;
    if (!fn) return undefined;
    var args = {};
    var raw = fc.args && typeof fc.args === 'object' ? fc.args : {};
    Object.keys(raw).forEach(function (k) {
      // formatString interpolates its own argument: resolve a binding but keep a literal as is.
      args[k] = resolveDeep(ctx, raw[k], scope, depth);
    });
    try { return fn(args, ctx, scope, depth); } catch (e) { return undefined; }
  }

  // formatString: ${/abs/path}, ${relative}, ${fn(name:value, ...)}, nested ${...}, \${ escape.
  function interpolate(ctx, s, scope, depth) {
    depth = depth || 0;
    if (depth > LIMITS.fnDepth) return '';
    var out = '';
    var i = 0;
    while (i < s.length) {
      if (s.charAt(i) === '\\' && s.substr(i + 1, 2) === '${') { out += '${'; i += 3; continue; }
      if (s.substr(i, 2) === '${') {
        var end = matchClose(s, i + 2);
        if (end < 0) { out += s.slice(i); break; }
        out += toStr(evalExpr(ctx, s.slice(i + 2, end).trim(), scope, depth + 1));
        i = end + 1;
        continue;
      }
      out += s.charAt(i);
      i++;
    }
    return out;
  }

  function matchClose(s, from) {
    var level = 1, quote = null;
    for (var k = from; k < s.length; k++) {
      var c = s.charAt(k);
      if (quote) { if (c === quote) quote = null; continue; }
      if (c === "'" || c === '"') quote = c;
      else if (c === '$' && s.charAt(k + 1) === '{') { level++; k++; }
      else if (c === '}') { level--; if (level === 0) return k; }
    }
    return -1;
  }

  function splitTopLevel(s, sep) {
    var parts = [], level = 0, quote = null, start = 0;
    for (var k = 0; k < s.length; k++) {
      var c = s.charAt(k);
      if (quote) { if (c === quote) quote = null; continue; }
      if (c === "'" || c === '"') quote = c;
      else if (c === '{' || c === '(') level++;
      else if (c === '}' || c === ')') level--;
      else if (c === sep && level === 0) { parts.push(s.slice(start, k)); start = k + 1; if (sep === ':') break; }
    }
    parts.push(s.slice(start));
    return parts;
  }

  function evalExpr(ctx, e, scope, depth) {
    if (depth > LIMITS.fnDepth || !e) return undefined;
    if (e.substr(0, 2) === '${' && e.charAt(e.length - 1) === '}') return evalExpr(ctx, e.slice(2, -1).trim(), scope, depth + 1);
    var q = /^'([^']*)'$|^"([^"]*)"$/.exec(e);
    if (q) return q[1] !== undefined ? q[1] : q[2];
    if (/^-?\d+(\.\d+)?$/.test(e)) return Number(e);
    if (e === 'true') return true;
    if (e === 'false') return false;
    if (e === 'null') return null;
    var m = /^([A-Za-z_][A-Za-z0-9_]*)\s*\(([\s\S]*)\)$/.exec(e);
    if (m) {
      var fn = Object.prototype.hasOwnProperty.call(FUNCTIONS, m[1]) ? FUNCTIONS[m[1]] : null;
      if (!fn) return undefined;
      var args = {};
      var body = m[2].trim();
      if (body) {
        splitTopLevel(body, ',').forEach(function (part) {
          var kv = splitTopLevel(part, ':');
          if (kv.length < 2) return;
          args[kv[0].trim()] = evalExpr(ctx, kv.slice(1).join(':').trim(), scope, depth + 1);
        });
      }
      try { return fn(args, ctx, scope, depth + 1); } catch (err) { return undefined; }
    }
    return getPath(ctx.entry.model, absPath(e, scope));
  }

  // ---------------------------------------------------------------------------------------
  // URLs

  function safeUrl(raw, kind) {
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
  }

  // ---------------------------------------------------------------------------------------
  // Rendering

  function placeholder(id, reason) {
    var el = h('span', 'a2ui-placeholder', reason === 'missing' ? '…' : '⚠');
    el.dataset.placeholderFor = typeof id === 'string' ? id : '';
    el.dataset.reason = reason;
    el.title = (reason === 'missing' ? 'waiting for component ' : reason + ': ') + toStr(id);
    return el;
  }

  function renderSurface(entry) {
    var t0 = performance.now();
    var seq = ++entry.renderSeq;
    var s = entry.surface;
    var comps = new Map();
    (Array.isArray(s.components) ? s.components : []).forEach(function (c) {
      if (c && typeof c === 'object' && typeof c.id === 'string') comps.set(c.id, c);
    });
    var ctx = { entry: entry, comps: comps, binders: [], nodes: 0 };
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
      var list = byId('surfaces');
      if (list) list.appendChild(box);
    }
    renderSurfaceHead(entry);
    var theme = s.theme && typeof s.theme === 'object' ? s.theme : {};
    if (typeof theme.primaryColor === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(theme.primaryColor)) {
      entry.el.style.setProperty('--a2ui-primary', theme.primaryColor);
    } else {
      entry.el.style.removeProperty('--a2ui-primary');
    }

    var tree = comps.has('root') ? renderNode(ctx, 'root', null, 0, new Set()) : placeholder('root', 'missing');
    entry.body.replaceChildren(tree);
    entry.el.dataset.revision = String(s.revision);
    dash.renders++;
    updateSurfaceCount();

    if (entry.reportedRevision !== s.revision) {
      void entry.body.offsetHeight; // renderMs: building the DOM plus the layout it forces
      var renderMs = Math.round((performance.now() - t0) * 10) / 10;
      measureAndReport(entry, seq, renderMs).catch(function (e) { noteError('render_report', e); });
    }
  }

  function renderSurfaceHead(entry) {
    var s = entry.surface;
    var theme = s.theme && typeof s.theme === 'object' ? s.theme : {};
    var nodes = [];
    var icon = safeUrl(theme.iconUrl, 'image');
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

  function scheduleRerender(entry) {
    if (entry.rerenderQueued) return;
    entry.rerenderQueued = true;
    setTimeout(function () {
      entry.rerenderQueued = false;
      if (!surfaces.has(entry.id)) return;
      var active = document.activeElement;
      var focusKey = active && entry.el && entry.el.contains(active) ? focusKeyOf(active) : null;
      renderSurface(entry);
      if (focusKey) restoreFocus(entry, focusKey);
    }, 0);
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

  // Writes the local data model, then refreshes everything bound to it.
  function writeModel(ctx, pointer, value, source) {
    setPath(ctx.entry, pointer, value);
    var rerender = false;
    ctx.binders.forEach(function (b) {
      try { if (b(source) === true) rerender = true; } catch (e) { noteError('binding', e); }
    });
    if (rerender) scheduleRerender(ctx.entry);
  }

  function bind(ctx, dyn, fn) {
    fn(null);
    if (isDynamic(dyn) || dyn === true) ctx.binders.push(fn);
  }

  function renderNode(ctx, id, scope, depth, stack) {
    if (typeof id !== 'string') return placeholder(id, 'bad reference');
    if (depth > LIMITS.depth) return placeholder(id, 'too deep');
    if (stack.has(id)) return placeholder(id, 'cycle');
    if (++ctx.nodes > LIMITS.nodes) return placeholder(id, 'too many components');
    var c = ctx.comps.get(id);
    if (!c) return placeholder(id, 'missing');
    var type = typeof c.component === 'string' ? c.component : '';
    var render = Object.prototype.hasOwnProperty.call(RENDERERS, type) ? RENDERERS[type] : null;
    stack.add(id);
    var el;
    try {
      el = render ? render(ctx, c, scope, depth, stack) : unsupported(c);
    } catch (e) {
      noteError('render ' + id, e);
      el = placeholder(id, 'render error');
    } finally {
      stack.delete(id);
    }
    el.dataset.componentId = id;
    el.dataset.component = type || 'unknown';
    if (scope && scope.base) el.dataset.scope = scope.base;
    el.classList.add('a2ui', 'a2ui-' + safeClass(type || 'unknown'));
    if (typeof c.weight === 'number' && isFinite(c.weight) && c.weight >= 0) {
      el.style.flexGrow = String(c.weight);
      el.style.flexBasis = '0';
    }
    var acc = c.accessibility && typeof c.accessibility === 'object' ? c.accessibility : null;
    if (acc) {
      if (acc.label !== undefined) bind(ctx, acc.label, function () { el.setAttribute('aria-label', toStr(resolve(ctx, acc.label, scope))); });
      if (acc.description !== undefined) bind(ctx, acc.description, function () { el.setAttribute('aria-description', toStr(resolve(ctx, acc.description, scope))); });
    }
    return el;
  }

  function unsupported(c) {
    var el = h('span', 'a2ui-unsupported', 'unsupported component ' + toStr(c.component));
    return el;
  }

  function child(ctx, id, scope, depth, stack) {
    if (id === undefined || id === null) return placeholder('', 'no child');
    return renderNode(ctx, id, scope, depth + 1, stack);
  }

  function renderChildren(ctx, c, scope, depth, stack) {
    var ch = c.children;
    if (Array.isArray(ch)) return mapBounded(ctx, ch, function (id) { return renderNode(ctx, id, scope, depth + 1, stack); });
    if (ch && typeof ch === 'object' && typeof ch.componentId === 'string' && typeof ch.path === 'string') {
      var pointer = absPath(ch.path, scope);
      var items = getPath(ctx.entry.model, pointer);
      var count = Array.isArray(items) ? items.length : 0;
      ctx.binders.push(function () {
        var now = getPath(ctx.entry.model, pointer);
        return (Array.isArray(now) ? now.length : 0) !== count;
      });
      if (!Array.isArray(items)) return [];
      var base = pointer === '/' ? '' : pointer;
      return mapBounded(ctx, items.slice(0, LIMITS.templateItems), function (_, i) {
        return renderNode(ctx, ch.componentId, { base: base + '/' + i }, depth + 1, stack);
      });
    }
    return [];
  }

  // Renders children until the surface's node budget is spent, then one placeholder for the rest.
  function mapBounded(ctx, list, fn) {
    var out = [];
    for (var i = 0; i < list.length; i++) {
      if (ctx.nodes > LIMITS.nodes) { out.push(placeholder('', 'too many components')); break; }
      out.push(fn(list[i], i));
    }
    return out;
  }

  var JUSTIFY = { start: 'flex-start', end: 'flex-end', center: 'center', spaceBetween: 'space-between',
    spaceAround: 'space-around', spaceEvenly: 'space-evenly', stretch: 'stretch' };
  var ALIGN = { start: 'flex-start', end: 'flex-end', center: 'center', stretch: 'stretch' };

  function flexBox(ctx, c, scope, depth, stack, direction) {
    var el = h('div', 'a2ui-flex a2ui-' + direction);
    if (JUSTIFY[c.justify]) el.style.justifyContent = JUSTIFY[c.justify];
    if (c.justify === 'stretch') el.classList.add('a2ui-justify-stretch');
    if (ALIGN[c.align]) el.style.alignItems = ALIGN[c.align];
    renderChildren(ctx, c, scope, depth, stack).forEach(function (n) { el.appendChild(n); });
    return el;
  }

  // Minimal inline Markdown as DOM: leading #'s, **bold**, *em*/_em_, `code`. Text only.
  function setMarkdown(el, text) {
    var s = text.replace(/^#{1,6}\s+/, '');
    var nodes = [];
    var re = /\*\*([^*]+)\*\*|`([^`]+)`|\*([^*]+)\*|_([^_]+)_/g;
    var last = 0, m;
    while ((m = re.exec(s)) !== null) {
      if (m.index > last) nodes.push(document.createTextNode(s.slice(last, m.index)));
      if (m[1] !== undefined) nodes.push(h('strong', null, m[1]));
      else if (m[2] !== undefined) nodes.push(h('code', null, m[2]));
      else nodes.push(h('em', null, m[3] !== undefined ? m[3] : m[4]));
      last = re.lastIndex;
    }
    if (last < s.length) nodes.push(document.createTextNode(s.slice(last)));
    el.replaceChildren.apply(el, nodes);
  }

  function evalChecks(ctx, c, scope, value) {
    var messages = [];
    (Array.isArray(c.checks) ? c.checks : []).forEach(function (rule) {
      if (!rule || typeof rule !== 'object') return;
      var ok;
      if (rule.condition !== undefined) ok = resolve(ctx, rule.condition, scope);
      else if (typeof rule.call === 'string') ok = callFunction(ctx, rule, scope, 0);
      else return;
      if (!ok) messages.push(toStr(rule.message) || 'invalid');
    });
    if (typeof c.validationRegexp === 'string' && value !== undefined && toStr(value) !== '') {
      if (!FUNCTIONS.regex({ value: value, pattern: c.validationRegexp })) messages.push('does not match ' + c.validationRegexp);
    }
    return messages;
  }

  function field(ctx, c, scope, cls) {
    var wrap = h('div', 'a2ui-field ' + (cls || ''));
    var label = h('label', 'a2ui-label');
    if (c.label !== undefined) bind(ctx, c.label, function () { label.textContent = toStr(resolve(ctx, c.label, scope)); });
    var errors = h('div', 'a2ui-errors');
    return { wrap: wrap, label: label, errors: errors };
  }

  function showErrors(box, messages) {
    box.replaceChildren.apply(box, messages.map(function (m) { return h('div', 'a2ui-error', m); }));
  }

  var fieldSeq = 0;
  function fieldId() { fieldSeq++; return 'a2ui-f' + fieldSeq; }

  function options(ctx, c, scope) {
    return (Array.isArray(c.options) ? c.options : []).map(function (o) {
      if (typeof o === 'string') return { label: o, value: o };
      if (!o || typeof o !== 'object') return null;
      return { label: toStr(resolve(ctx, o.label, scope)) || toStr(o.value), value: toStr(o.value) };
    }).filter(Boolean);
  }

  function asList(v) {
    if (Array.isArray(v)) return v.map(toStr);
    if (v === undefined || v === null || v === '') return [];
    return [toStr(v)];
  }

  var ICONS = {
    accountCircle: '👤', add: '＋', arrowBack: '←', arrowForward: '→', attachFile: '📎', calendarToday: '📅', call: '📞',
    camera: '📷', check: '✓', close: '✕', delete: '🗑', download: '⤓', edit: '✎', event: '📆', error: '⛔', fastForward: '⏩',
    favorite: '♥', favoriteOff: '♡', folder: '📁', help: '?', home: '⌂', info: 'ℹ', locationOn: '📍', lock: '🔒',
    lockOpen: '🔓', mail: '✉', menu: '☰', moreVert: '⋮', moreHoriz: '⋯', notificationsOff: '🔕', notifications: '🔔',
    pause: '⏸', payment: '💳', person: '👤', phone: '📱', photo: '🖼', play: '▶', print: '🖨', refresh: '⟳', rewind: '⏪',
    search: '🔍', send: '➤', settings: '⚙', share: '⇪', shoppingCart: '🛒', skipNext: '⏭', skipPrevious: '⏮', star: '★',
    starHalf: '⯪', starOff: '☆', stop: '⏹', upload: '⤒', visibility: '👁', visibilityOff: '⊘', volumeDown: '🔉',
    volumeMute: '🔈', volumeOff: '🔇', volumeUp: '🔊', warning: '⚠',
  };

  function media(ctx, c, scope, tag, kind) {
    var el = h('div', 'a2ui-media');
    var node = document.createElement(tag);
    if (tag !== 'img') node.controls = true;
    node.setAttribute('referrerpolicy', 'no-referrer');
    if (tag === 'img') node.dataset.a2uiImage = '1';
    var blocked = h('span', 'a2ui-blocked', 'blocked URL');
    blocked.hidden = true;
    el.appendChild(node);
    el.appendChild(blocked);
    bind(ctx, c.url, function () {
      var url = safeUrl(toStr(resolve(ctx, c.url, scope)), kind);
      if (!url) {
        node.removeAttribute('src');
        node.hidden = true;
        blocked.hidden = false;
        node.dataset.state = 'blocked';
        return;
      }
      node.hidden = false;
      blocked.hidden = true;
      if (node.getAttribute('src') !== url) {
        node.dataset.state = 'loading';
        node.src = url;
      }
    });
    if (tag === 'img') {
      node.addEventListener('load', function () { node.dataset.state = node.naturalWidth > 0 ? 'loaded' : 'failed'; });
      node.addEventListener('error', function () { node.dataset.state = 'failed'; });
    }
    return { el: el, node: node };
  }

  var RENDERERS = {
    Text: function (ctx, c, scope) {
      var variant = typeof c.variant === 'string' ? c.variant : 'body';
      var tag = /^h[1-5]$/.test(variant) ? variant : 'div';
      var el = h(tag, 'a2ui-text-' + safeClass(variant));
      var last = null;
      bind(ctx, c.text, function () {
        var t = toStr(resolve(ctx, c.text, scope));
        if (t !== last) { last = t; setMarkdown(el, t); el.title = t.length > 40 ? t : ''; }
      });
      return el;
    },

    Image: function (ctx, c, scope) {
      var m = media(ctx, c, scope, 'img', 'image');
      var fit = { contain: 'contain', cover: 'cover', fill: 'fill', none: 'none', scaleDown: 'scale-down' }[c.fit];
      if (fit) m.node.style.objectFit = fit;
      m.el.classList.add('a2ui-img-' + safeClass(typeof c.variant === 'string' ? c.variant : 'mediumFeature'));
      bind(ctx, c.description, function () { m.node.alt = toStr(resolve(ctx, c.description, scope)); });
      return m.el;
    },

    Icon: function (ctx, c, scope) {
      var el = h('span', 'a2ui-icon');
      el.setAttribute('role', 'img');
      var name = c.name;
      if (name && typeof name === 'object' && typeof name.svgPath === 'string') {
        var svgNS = 'http://www.w3.org/2000/svg';
        var svg = document.createElementNS(svgNS, 'svg');
        svg.setAttribute('viewBox', '0 0 24 24');
        svg.setAttribute('width', '1.2em');
        svg.setAttribute('height', '1.2em');
        var path = document.createElementNS(svgNS, 'path');
        path.setAttribute('d', name.svgPath.slice(0, 10000));
        path.setAttribute('fill', 'currentColor');
        svg.appendChild(path);
        el.appendChild(svg);
        return el;
      }
      bind(ctx, name, function () {
        var n = toStr(resolve(ctx, name, scope));
        el.textContent = Object.prototype.hasOwnProperty.call(ICONS, n) ? ICONS[n] : '□';
        el.setAttribute('aria-label', n);
        el.dataset.icon = n;
      });
      return el;
    },

    Video: function (ctx, c, scope) { return media(ctx, c, scope, 'video', 'video').el; },

    AudioPlayer: function (ctx, c, scope) {
      var m = media(ctx, c, scope, 'audio', 'audio');
      if (c.description !== undefined) {
        var cap = h('div', 'a2ui-caption');
        bind(ctx, c.description, function () { cap.textContent = toStr(resolve(ctx, c.description, scope)); });
        m.el.insertBefore(cap, m.el.firstChild);
      }
      return m.el;
    },

    Row: function (ctx, c, scope, depth, stack) { return flexBox(ctx, c, scope, depth, stack, 'row'); },
    Column: function (ctx, c, scope, depth, stack) { return flexBox(ctx, c, scope, depth, stack, 'column'); },

    List: function (ctx, c, scope, depth, stack) {
      var horizontal = c.direction === 'horizontal';
      var el = h('div', 'a2ui-list ' + (horizontal ? 'a2ui-list-h' : 'a2ui-list-v'));
      el.setAttribute('role', 'list');
      if (ALIGN[c.align]) el.style.alignItems = ALIGN[c.align];
      renderChildren(ctx, c, scope, depth, stack).forEach(function (n) {
        n.setAttribute('role', 'listitem');
        el.appendChild(n);
      });
      return el;
    },

    Card: function (ctx, c, scope, depth, stack) {
      var el = h('div', 'a2ui-card');
      el.appendChild(child(ctx, c.child, scope, depth, stack));
      return el;
    },

    Tabs: function (ctx, c, scope, depth, stack) {
      var el = h('div', 'a2ui-tabs');
      var tabs = Array.isArray(c.tabs) ? c.tabs : [];
      var key = 'tabs:' + c.id + ':' + (scope && scope.base ? scope.base : '');
      var selected = Math.min(ctx.entry.ui[key] || 0, Math.max(0, tabs.length - 1));
      var bar = h('div', 'a2ui-tabbar');
      bar.setAttribute('role', 'tablist');
      tabs.forEach(function (t, i) {
        var b = h('button', 'a2ui-tab' + (i === selected ? ' a2ui-tab-on' : ''));
        b.type = 'button';
        b.setAttribute('role', 'tab');
        b.setAttribute('aria-selected', i === selected ? 'true' : 'false');
        bind(ctx, t && t.title, function () { b.textContent = toStr(resolve(ctx, t && t.title, scope)) || 'Tab ' + (i + 1); });
        b.addEventListener('click', function () {
          if (ctx.entry.ui[key] === i) return;
          ctx.entry.ui[key] = i;
          scheduleRerender(ctx.entry);
        });
        bar.appendChild(b);
      });
      el.appendChild(bar);
      var panel = h('div', 'a2ui-tabpanel');
      panel.setAttribute('role', 'tabpanel');
      if (tabs[selected]) panel.appendChild(child(ctx, tabs[selected].child, scope, depth, stack));
      el.appendChild(panel);
      return el;
    },

    Modal: function (ctx, c, scope, depth, stack) {
      var el = h('div', 'a2ui-modal');
      var trigger = h('div', 'a2ui-modal-trigger');
      trigger.appendChild(child(ctx, c.trigger, scope, depth, stack));
      var dialog = document.createElement('dialog');
      dialog.className = 'a2ui-dialog';
      var close = h('button', 'a2ui-dialog-close', '✕');
      close.type = 'button';
      close.setAttribute('aria-label', 'Close');
      close.addEventListener('click', function () { dialog.close(); });
      dialog.appendChild(close);
      dialog.appendChild(child(ctx, c.content, scope, depth, stack));
      trigger.addEventListener('click', function () {
        if (!dialog.open) { try { dialog.showModal(); } catch (e) { dialog.setAttribute('open', ''); } }
      });
      el.appendChild(trigger);
      el.appendChild(dialog);
      return el;
    },

    Divider: function (ctx, c) {
      return h('div', 'a2ui-divider ' + (c.axis === 'vertical' ? 'a2ui-divider-v' : 'a2ui-divider-h'));
    },

    Button: function (ctx, c, scope, depth, stack) {
      var b = h('button', 'a2ui-button a2ui-button-' + safeClass(typeof c.variant === 'string' ? c.variant : 'default'));
      b.type = 'button';
      b.appendChild(child(ctx, c.child, scope, depth, stack));
      if (Array.isArray(c.checks) && c.checks.length) {
        bind(ctx, true, function () {
          var msgs = evalChecks(ctx, c, scope);
          b.disabled = msgs.length > 0;
          b.title = msgs.join('\n');
        });
      }
      b.addEventListener('click', function (ev) {
        ev.preventDefault();
        if (b.disabled) return;
        dispatchAction(ctx, c, scope);
      });
      return b;
    },

    TextField: function (ctx, c, scope) {
      var f = field(ctx, c, scope, 'a2ui-textfield');
      var variant = typeof c.variant === 'string' ? c.variant : 'shortText';
      var input = variant === 'longText' ? document.createElement('textarea') : document.createElement('input');
      if (variant !== 'longText') input.type = variant === 'number' ? 'number' : variant === 'obscured' ? 'password' : 'text';
      input.id = fieldId();
      f.label.htmlFor = input.id;
      var pointer = isBinding(c.value) ? absPath(c.value.path, scope) : null;
      var first = true;
      var update = function (source) {
        var v = resolve(ctx, c.value, scope);
        // A literal value is only the initial text; a bound or computed one follows the model.
        if ((first || isDynamic(c.value)) && source !== input && document.activeElement !== input) input.value = toStr(v);
        first = false;
        showErrors(f.errors, evalChecks(ctx, c, scope, pointer ? v : input.value));
      };
      bind(ctx, true, update);
      input.addEventListener('input', function () {
        var v = input.value;
        if (variant === 'number' && v !== '' && isFinite(Number(v))) v = Number(v);
        if (pointer) writeModel(ctx, pointer, v, input);
        else showErrors(f.errors, evalChecks(ctx, c, scope, input.value));
      });
      f.wrap.appendChild(f.label);
      f.wrap.appendChild(input);
      f.wrap.appendChild(f.errors);
      return f.wrap;
    },

    CheckBox: function (ctx, c, scope) {
      var f = field(ctx, c, scope, 'a2ui-checkbox');
      var input = document.createElement('input');
      input.type = 'checkbox';
      input.id = fieldId();
      f.label.htmlFor = input.id;
      var pointer = isBinding(c.value) ? absPath(c.value.path, scope) : null;
      bind(ctx, true, function (source) {
        if (source !== input) input.checked = !!resolve(ctx, c.value, scope);
        showErrors(f.errors, evalChecks(ctx, c, scope));
      });
      input.addEventListener('change', function () {
        if (pointer) writeModel(ctx, pointer, input.checked, input);
      });
      var row = h('div', 'a2ui-check-row');
      row.appendChild(input);
      row.appendChild(f.label);
      f.wrap.appendChild(row);
      f.wrap.appendChild(f.errors);
      return f.wrap;
    },

    ChoicePicker: function (ctx, c, scope) {
      var f = field(ctx, c, scope, 'a2ui-choices' + (c.displayStyle === 'chips' ? ' a2ui-chips' : ''));
      var multiple = c.variant === 'multipleSelection';
      var pointer = isBinding(c.value) ? absPath(c.value.path, scope) : null;
      var local = asList(resolve(ctx, c.value, scope));
      var group = h('div', 'a2ui-choice-group');
      group.setAttribute('role', multiple ? 'group' : 'radiogroup');
      var name = fieldId();
      var inputs = [];
      var filter = null;
      if (c.filterable) {
        filter = document.createElement('input');
        filter.type = 'search';
        filter.placeholder = 'Filter';
        filter.className = 'a2ui-filter';
        filter.addEventListener('input', function () {
          var q = filter.value.toLowerCase();
          inputs.forEach(function (p) { p.row.hidden = q !== '' && p.label.toLowerCase().indexOf(q) < 0; });
        });
      }
      options(ctx, c, scope).forEach(function (o) {
        var row = h('label', 'a2ui-choice');
        var input = document.createElement('input');
        input.type = multiple ? 'checkbox' : 'radio';
        input.name = name;
        input.value = o.value;
        input.addEventListener('change', function () {
          var selected = inputs.filter(function (p) { return p.input.checked; }).map(function (p) { return p.input.value; });
          local = selected;
          if (pointer) writeModel(ctx, pointer, selected, group);
          showErrors(f.errors, evalChecks(ctx, c, scope));
        });
        row.appendChild(input);
        row.appendChild(h('span', null, o.label));
        group.appendChild(row);
        inputs.push({ input: input, row: row, label: o.label });
      });
      bind(ctx, true, function (source) {
        if (source !== group) {
          var sel = pointer || isDynamic(c.value) ? asList(resolve(ctx, c.value, scope)) : local;
          inputs.forEach(function (p) { p.input.checked = sel.indexOf(p.input.value) >= 0; });
        }
        showErrors(f.errors, evalChecks(ctx, c, scope));
      });
      f.wrap.appendChild(f.label);
      if (filter) f.wrap.appendChild(filter);
      f.wrap.appendChild(group);
      f.wrap.appendChild(f.errors);
      return f.wrap;
    },

    Select: function (ctx, c, scope) {
      var f = field(ctx, c, scope, 'a2ui-select');
      var sel = document.createElement('select');
      sel.id = fieldId();
      f.label.htmlFor = sel.id;
      var pointer = isBinding(c.value) ? absPath(c.value.path, scope) : null;
      var ph = document.createElement('option');
      ph.value = '';
      bind(ctx, c.placeholder, function () { ph.textContent = toStr(resolve(ctx, c.placeholder, scope)) || '—'; });
      sel.appendChild(ph);
      options(ctx, c, scope).forEach(function (o) {
        var opt = document.createElement('option');
        opt.value = o.value;
        opt.textContent = o.label;
        sel.appendChild(opt);
      });
      bind(ctx, true, function (source) {
        if (source !== sel) sel.value = asList(resolve(ctx, c.value, scope))[0] || '';
        showErrors(f.errors, evalChecks(ctx, c, scope));
      });
      sel.addEventListener('change', function () {
        var cur = pointer ? getPath(ctx.entry.model, pointer) : undefined;
        if (pointer) writeModel(ctx, pointer, Array.isArray(cur) ? [sel.value] : sel.value, sel);
      });
      f.wrap.appendChild(f.label);
      f.wrap.appendChild(sel);
      f.wrap.appendChild(f.errors);
      return f.wrap;
    },

    Slider: function (ctx, c, scope) {
      var f = field(ctx, c, scope, 'a2ui-slider');
      var input = document.createElement('input');
      input.type = 'range';
      input.id = fieldId();
      f.label.htmlFor = input.id;
      input.min = String(num(c.min, 0));
      input.max = String(num(c.max, 100));
      input.step = 'any';
      var out = h('output', 'a2ui-slider-value');
      var pointer = isBinding(c.value) ? absPath(c.value.path, scope) : null;
      bind(ctx, true, function (source) {
        if (source !== input) input.value = String(num(resolve(ctx, c.value, scope), num(c.min, 0)));
        out.textContent = input.value;
        showErrors(f.errors, evalChecks(ctx, c, scope));
      });
      input.addEventListener('input', function () {
        out.textContent = input.value;
        if (pointer) writeModel(ctx, pointer, Number(input.value), input);
      });
      var row = h('div', 'a2ui-slider-row');
      row.appendChild(input);
      row.appendChild(out);
      f.wrap.appendChild(f.label);
      f.wrap.appendChild(row);
      f.wrap.appendChild(f.errors);
      return f.wrap;
    },

    DateTimeInput: function (ctx, c, scope) {
      var f = field(ctx, c, scope, 'a2ui-datetime');
      var input = document.createElement('input');
      var type = c.enableDate && !c.enableTime ? 'date' : c.enableTime && !c.enableDate ? 'time' : 'datetime-local';
      input.type = type;
      input.id = fieldId();
      f.label.htmlFor = input.id;
      var toInput = function (v) {
        var s = toStr(v);
        if (!s) return '';
        if (type === 'date') return s.slice(0, 10);
        if (type === 'time') { var t = /(\d\d:\d\d(:\d\d)?)/.exec(s); return t ? t[1] : ''; }
        var m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(:\d\d)?)/.exec(s);
        return m ? m[1] + 'T' + m[2] : (/^\d{4}-\d\d-\d\d$/.test(s) ? s + 'T00:00' : '');
      };
      if (c.min !== undefined) bind(ctx, c.min, function () { input.min = toInput(resolve(ctx, c.min, scope)); });
      if (c.max !== undefined) bind(ctx, c.max, function () { input.max = toInput(resolve(ctx, c.max, scope)); });
      var pointer = isBinding(c.value) ? absPath(c.value.path, scope) : null;
      bind(ctx, true, function (source) {
        if (source !== input && document.activeElement !== input) input.value = toInput(resolve(ctx, c.value, scope));
        showErrors(f.errors, evalChecks(ctx, c, scope));
      });
      input.addEventListener('input', function () {
        if (pointer) writeModel(ctx, pointer, input.value, input);
      });
      f.wrap.appendChild(f.label);
      f.wrap.appendChild(input);
      f.wrap.appendChild(f.errors);
      return f.wrap;
    },

    // --- the CAR catalog's own six

    Chart: function (ctx, c, scope) {
      var el = h('figure', 'a2ui-chart a2ui-chart-variant-' + safeClass(typeof c.variant === 'string' ? c.variant : 'bar'));
      var title = h('figcaption', 'a2ui-chart-title');
      var bars = h('div', 'a2ui-chart-bars');
      var axis = h('div', 'a2ui-chart-axis');
      bind(ctx, c.title, function () { title.textContent = toStr(resolve(ctx, c.title, scope)); title.hidden = !title.textContent; });
      bind(ctx, true, function () {
        var data = resolveDeep(ctx, c.data, scope);
        var points = (Array.isArray(data) ? data : []).slice(0, 200).map(function (d, i) {
          if (typeof d === 'number') return { label: String(i + 1), value: d };
          if (d && typeof d === 'object') return { label: toStr(d.label !== undefined ? d.label : d.x), value: num(d.value !== undefined ? d.value : d.y, 0) };
          return null;
        }).filter(Boolean);
        var max = points.reduce(function (m, p) { return Math.max(m, Math.abs(p.value)); }, 0) || 1;
        bars.replaceChildren.apply(bars, points.map(function (p) {
          var row = h('div', 'a2ui-chart-row');
          row.appendChild(h('span', 'a2ui-chart-label', p.label));
          var track = h('span', 'a2ui-chart-track');
          var bar = h('span', 'a2ui-chart-bar');
          bar.style.width = Math.round(Math.abs(p.value) / max * 100) + '%';
          track.appendChild(bar);
          row.appendChild(track);
          row.appendChild(h('span', 'a2ui-chart-num', String(p.value)));
          return row;
        }));
        var xl = toStr(resolve(ctx, c.xLabel, scope)), yl = toStr(resolve(ctx, c.yLabel, scope));
        axis.textContent = [xl, yl].filter(Boolean).join(' / ');
        axis.hidden = !axis.textContent;
      });
      el.appendChild(title);
      el.appendChild(bars);
      el.appendChild(axis);
      return el;
    },

    File: function (ctx, c, scope) {
      var el = h('div', 'a2ui-file');
      var a = h('a', 'a2ui-file-link');
      a.rel = 'noopener noreferrer';
      a.target = '_blank';
      var meta = h('span', 'a2ui-file-meta');
      bind(ctx, true, function () {
        var url = safeUrl(toStr(resolve(ctx, c.url, scope)), 'link');
        var name = toStr(resolve(ctx, c.name, scope)) || (url ? url.split('/').pop() : '') || 'file';
        a.textContent = name;
        if (url) a.href = url; else a.removeAttribute('href');
        var bits = [];
        if (typeof c.mimeType === 'string') bits.push(c.mimeType);
        if (typeof c.size === 'number') bits.push(c.size >= 1048576 ? (c.size / 1048576).toFixed(1) + ' MB' : c.size >= 1024 ? Math.round(c.size / 1024) + ' KB' : c.size + ' B');
        meta.textContent = bits.join(' · ');
      });
      el.appendChild(a);
      el.appendChild(meta);
      return el;
    },

    FilePicker: function (ctx, c, scope) {
      var f = field(ctx, c, scope, 'a2ui-filepicker');
      var input = document.createElement('input');
      input.type = 'file';
      input.id = fieldId();
      f.label.htmlFor = input.id;
      if (typeof c.accept === 'string') input.accept = c.accept;
      input.multiple = c.multiple === true;
      var pointer = isBinding(c.value) ? absPath(c.value.path, scope) : null;
      var chosen = h('div', 'a2ui-file-meta');
      bind(ctx, c.value, function () { chosen.textContent = asList(resolve(ctx, c.value, scope)).join(', '); });
      input.addEventListener('change', function () {
        var names = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
        if (pointer) writeModel(ctx, pointer, names, input);
        chosen.textContent = names.join(', ');
        if (c.action) dispatchAction(ctx, c, scope);
      });
      f.wrap.appendChild(f.label);
      f.wrap.appendChild(input);
      f.wrap.appendChild(chosen);
      return f.wrap;
    },

    Spacer: function (ctx, c) {
      var el = h('div', 'a2ui-spacer');
      if (typeof c.size === 'number' && isFinite(c.size)) {
        var px = Math.max(0, Math.min(2000, c.size)) + 'px';
        el.style.minWidth = px;
        el.style.minHeight = px;
        el.style.flexGrow = '0';
      }
      return el;
    },

    Badge: function (ctx, c, scope) {
      var el = h('span', 'a2ui-badge a2ui-badge-' + safeClass(typeof c.variant === 'string' ? c.variant : 'default'));
      bind(ctx, c.text, function () { el.textContent = toStr(resolve(ctx, c.text, scope)); });
      return el;
    },
  };

  function dispatchAction(ctx, c, scope) {
    var action = c.action;
    if (!action || typeof action !== 'object') return;
    if (action.event && typeof action.event === 'object' && typeof action.event.name === 'string') {
      var context = {};
      var raw = action.event.context && typeof action.event.context === 'object' ? action.event.context : {};
      Object.keys(raw).forEach(function (k) { context[k] = jsonSafe(resolveDeep(ctx, raw[k], scope)); });
      var params = {
        name: action.event.name,
        surfaceId: ctx.entry.id,
        sourceComponentId: c.id,
        timestamp: new Date().toISOString(),
        context: context,
      };
      pushBounded(dash.actions, params, LIMITS.actions);
      call('a2ui.action', params).catch(function (e) { noteError('a2ui.action', e); });
    } else if (isCall(action.functionCall)) {
      callFunction(ctx, action.functionCall, scope, 0);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Measuring (the UI-improvement loop): after a render whose revision is new, report.

  function delay(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function settleLayout() {
    var fonts = document.fonts && document.fonts.ready ? document.fonts.ready : Promise.resolve();
    var frames = new Promise(function (r) {
      requestAnimationFrame(function () { requestAnimationFrame(function () { r(); }); });
    });
    return Promise.race([Promise.all([fonts, frames]), delay(LIMITS.layoutWaitMs)]);
  }

  function settleImages(root) {
    var imgs = Array.prototype.slice.call(root.querySelectorAll('img[data-a2ui-image]'));
    var waits = imgs.map(function (img) {
      if (img.dataset.state !== 'loading' || img.complete) return Promise.resolve();
      return new Promise(function (r) {
        img.addEventListener('load', r, { once: true });
        img.addEventListener('error', r, { once: true });
      });
    });
    return Promise.race([Promise.all(waits), delay(LIMITS.imageWaitMs)]);
  }

  function visible(el) { return el.getClientRects().length > 0; }

  function measure(entry) {
    var root = entry.body;
    var issues = [];
    var seen = new Set();
    function add(kind, id, detail) {
      var key = kind + '\u0000' + id;
      if (seen.has(key) || issues.length >= LIMITS.issues) return;
      seen.add(key);
      var issue = { kind: kind, componentId: id };
      if (detail) issue.detail = detail;
      issues.push(issue);
    }
    function idOf(el) {
      var c = el.closest('[data-component-id]');
      return c ? c.dataset.componentId : '';
    }

    root.querySelectorAll('[data-component="Text"]').forEach(function (el) {
      if (!visible(el)) return;
      if (el.scrollWidth > el.clientWidth + 1) {
        add('textOverflow', el.dataset.componentId, { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth });
      }
    });

    root.querySelectorAll('img[data-a2ui-image]').forEach(function (img) {
      var st = img.dataset.state;
      if (st === 'failed' || st === 'blocked' || (img.complete && img.getAttribute('src') && img.naturalWidth === 0)) {
        add('imageFailed', idOf(img));
      }
    });

    root.querySelectorAll('[data-component="List"]').forEach(function (el) {
      var id = el.dataset.componentId;
      var n = el.children.length;
      if (n === 0) { add('emptyList', id, { childCount: 0 }); return; }
      if (!visible(el)) return;
      var over = el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
      if (over) {
        var box = el.getBoundingClientRect();
        var shown = 0;
        Array.prototype.forEach.call(el.children, function (ch) {
          var r = ch.getBoundingClientRect();
          if (r.bottom > box.top && r.top < box.bottom && r.right > box.left && r.left < box.right) shown++;
        });
        add('listOverflow', id, { scrollHeight: el.scrollHeight, clientHeight: el.clientHeight,
          scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, childCount: n, visibleCount: shown });
      }
    });

    var vw = document.documentElement.clientWidth || window.innerWidth;
    root.querySelectorAll('[data-component-id]').forEach(function (el) {
      if (!visible(el)) return;
      if (el.parentElement && el.parentElement.closest('[data-component="List"]')) return; // reachable by scrolling the list
      if (el.closest('dialog') && !el.closest('dialog').open) return;
      var r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return;
      if (r.left < -1 || r.right > vw + 1 || r.top + window.scrollY < -1) add('offscreen', el.dataset.componentId);
    });
    return issues;
  }

  function measureAndReport(entry, seq, renderMs) {
    var revision = entry.surface.revision;
    return settleLayout().then(function () {
      if (entry.renderSeq !== seq || !surfaces.has(entry.id)) return null;
      return settleImages(entry.body).then(function () {
        if (entry.renderSeq !== seq || !surfaces.has(entry.id)) return null;
        var params = {
          surfaceId: entry.id,
          revision: revision,
          renderer: RENDERER,
          renderMs: renderMs,
          viewport: { width: window.innerWidth, height: window.innerHeight },
          issues: measure(entry),
        };
        if (!dash.connected || !socket) return null; // the next connection's snapshot re-renders it
        entry.reportedRevision = revision;
        entry.el.dataset.reportedRevision = String(revision);
        pushBounded(dash.reports, params, LIMITS.reports);
        return call('a2ui.render_report', params).then(function (result) {
          pushBounded(dash.reportResults, { surfaceId: entry.id, revision: revision, result: result }, LIMITS.reports);
          return result;
        }, function (e) {
          pushBounded(dash.reportResults, { surfaceId: entry.id, revision: revision, error: e.message }, LIMITS.reports);
          noteError('a2ui.render_report', e);
          return null;
        });
      });
    });
  }

  // ---------------------------------------------------------------------------------------

  renderAgents();
  renderHostAgents();
  renderApprovals();
  renderEvents();
  updateSurfaceCount();
  connect();
})();
