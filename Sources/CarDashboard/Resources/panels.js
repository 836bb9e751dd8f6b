/* CAR dashboard: the host panels. Supervised agents (agents.list, agents.tail_log per agent,
 * polled), host agents, pending approvals and recent host events (host.subscribe's snapshot,
 * then host.event notifications, with debounced refreshes of what an event changes).
 */
(function () {
  'use strict';

  var D = window.CarDash;
  var LIMITS = D.LIMITS, dash = D.dash, h = D.h, byId = D.byId, setCount = D.setCount;
  var safeClass = D.safeClass, noteError = D.noteError;

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

  D.showHandshake = function (r) {
    if (!r) return;
    var el = byId('daemon');
    if (el) el.dataset.protocol = String(r.protocol_version);
  };

  D.applyHostSnapshot = function (snap) {
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
  };

  function addEvent(ev) {
    if (!ev || typeof ev !== 'object') return;
    if (typeof ev.seq === 'number' && events.some(function (e) { return e.seq === ev.seq; })) return;
    events.push(ev);
    events.sort(function (a, b) { return (a.seq || 0) - (b.seq || 0); });
    while (events.length > LIMITS.events) events.shift();
  }

  D.onHostEvent = function (ev) {
    addEvent(ev);
    renderEvents();
    var kind = ev && typeof ev.kind === 'string' ? ev.kind : '';
    if (kind.indexOf('approval') === 0) {
      later('approvals', function () {
        if (!dash.connected) return;
        D.call('host.approvals', {}).then(function (r) {
          approvals = r && Array.isArray(r.approvals) ? r.approvals : [];
          renderApprovals();
        }, function (e) { noteError('host.approvals', e); });
      }, 200);
    }
    if (kind.indexOf('agent') === 0 || kind.indexOf('approval') === 0) {
      later('host.agents', function () {
        if (!dash.connected) return;
        D.call('host.agents', {}).then(function (r) {
          hostAgents = Array.isArray(r) ? r : (r && Array.isArray(r.agents) ? r.agents : hostAgents);
          renderHostAgents();
        }, function (e) { noteError('host.agents', e); });
      }, 300);
      later('agents.list', refreshAgents, 1000);
    }
  };

  // Never rejects (the poll timer and the start-up chain call it), and always frees
  // agentsBusy, or one failure would stop every later refresh.
  function refreshAgents() {
    if (agentsBusy) return Promise.resolve();
    agentsBusy = true;
    return Promise.resolve()
      .then(function () { return D.call('agents.list', {}); })
      .then(function (list) {
        supervised = Array.isArray(list) ? list : [];
        var ids = supervised.slice(0, LIMITS.agentsWithLogs)
          .map(function (a) { return a && a.spec && typeof a.spec.id === 'string' ? a.spec.id : null; })
          .filter(Boolean);
        // Logs of agents no longer listed (or past the first agentsWithLogs) go.
        var polled = new Set(ids);
        Array.from(logs.keys()).forEach(function (id) { if (!polled.has(id)) logs.delete(id); });
        return Promise.all(ids.map(function (id) {
          return D.call('agents.tail_log', { id: id, n: LIMITS.logLines })
            .then(function (t) { logs.set(id, t && Array.isArray(t.lines) ? t.lines.slice(-LIMITS.logLines) : []); },
              function () { logs.delete(id); });
        }));
      })
      .then(function () { renderAgents(); },
        function (e) { noteError('agents.list', e); renderAgents(e); })
      .catch(function (e) { noteError('agents panel', e); })
      .finally(function () { agentsBusy = false; });
  }
  D.refreshAgents = refreshAgents;

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

  // The empty panels, before the first connection answers.
  D.renderPanels = function () {
    renderAgents();
    renderHostAgents();
    renderApprovals();
    renderEvents();
  };
})();
