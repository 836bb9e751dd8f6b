/* CAR dashboard: the connection. GET /auth-token, the WebSocket, JSON-RPC calls with a
 * deadline each, reconnection with jittered exponential backoff.
 *
 * Wire order on every (re)connection: GET /auth-token -> WebSocket -> session.auth (when the
 * daemon has a token) -> server.handshake -> host.subscribe -> agents.list (+ agents.tail_log
 * per agent) -> a2ui/subscribe -> a2ui.surfaces; then host.event and a2ui.event notifications
 * (D.onNotification, dashboard.js) keep the page live.
 */
(function () {
  'use strict';

  var D = window.CarDash;
  var LIMITS = D.LIMITS, dash = D.dash, noteError = D.noteError, setConn = D.setConn;

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
  D.call = call;

  // Whether a socket is up (it may still be initializing).
  D.hasSocket = function () { return socket !== null; };

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
      try { D.onNotification(msg.method, msg.params); } catch (e) { noteError(msg.method, e); }
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
          initialize(info.token, ws).catch(function (e) {
            if (e instanceof Superseded) return; // its onclose already scheduled the reconnect
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
  D.connect = connect;

  // Why a start-up chain stopped: the socket it began on is gone (closed, or replaced by a
  // reconnection). Not an error: the next connection starts its own chain.
  function Superseded() { this.name = 'Superseded'; this.message = 'the connection was replaced'; }
  Superseded.prototype = Object.create(Error.prototype);

  // The start-up chain on `ws`. Each step swallows its own RPC error (the page works without
  // it), so a dropped socket would otherwise run the chain to its end, calling "live" a
  // socket that is closed and resetting the backoff; every step first checks that `ws` is
  // still the current one, and only a chain that ran to its end on it counts as connected.
  function initialize(token, ws) {
    function onWs(step) {
      return function (value) {
        if (socket !== ws) throw new Superseded();
        return step(value);
      };
    }
    var auth = token !== null && token !== undefined && token !== '';
    return Promise.resolve()
      .then(onWs(function () { return auth ? call('session.auth', { token: String(token) }) : null; }))
      .then(onWs(function () {
        return call('server.handshake', { protocol_version: 3, client_version: D.RENDERER })
          .catch(function () { return call('server.handshake', { protocol_version: 2, client_version: D.RENDERER }); })
          .then(function (r) { D.showHandshake(r); }, function (e) { noteError('server.handshake', e); });
      }))
      .then(onWs(function () {
        return call('host.subscribe', {}).then(D.applyHostSnapshot, function (e) { noteError('host.subscribe', e); });
      }))
      .then(onWs(function () { return D.refreshAgents(); }))
      .then(onWs(function () {
        return call('a2ui/subscribe', {}).catch(function (e) { noteError('a2ui/subscribe', e); });
      }))
      .then(onWs(function () {
        return call('a2ui.surfaces', {}).then(D.applySurfaceList, function (e) { noteError('a2ui.surfaces', e); });
      }))
      .then(onWs(function () {
        attempts = 0;
        dash.ready = true;
        setConn('up', 'live');
        if (agentTimer) clearInterval(agentTimer);
        agentTimer = setInterval(function () { D.refreshAgents(); }, LIMITS.agentPollMs);
      }));
  }
})();
