/* CAR dashboard: rendering a component tree. renderNode (the budgeted, cycle-safe walk that
 * calls D.RENDERERS[type]), children and templates, bindings that follow the local data model,
 * checks, and the helpers the component renderers share. The renderers themselves are in
 * components.js, inputs.js and car-catalog.js; a surface's render is in surfaces.js.
 */
(function () {
  'use strict';

  var D = window.CarDash;
  var LIMITS = D.LIMITS, h = D.h, toStr = D.toStr, safeClass = D.safeClass, noteError = D.noteError;
  var resolve = D.resolve, absPath = D.absPath, getPath = D.getPath;

  function placeholder(id, reason) {
    var el = h('span', 'a2ui-placeholder', reason === 'missing' ? '…' : '⚠');
    el.dataset.placeholderFor = typeof id === 'string' ? id : '';
    el.dataset.reason = reason;
    el.title = (reason === 'missing' ? 'waiting for component ' : reason + ': ') + toStr(id);
    return el;
  }
  D.placeholder = placeholder;

  // Runs every binding of the render, then re-renders when one asks to (a template's length).
  function refreshBindings(ctx, source) {
    D.freshBudget(ctx);
    var rerender = false;
    ctx.binders.forEach(function (b) {
      try { if (b(source) === true) rerender = true; } catch (e) { noteError('binding', e); }
    });
    if (rerender) D.scheduleRerender(ctx.entry);
  }
  D.refreshBindings = function (ctx) { refreshBindings(ctx, null); };

  // Writes the local data model, then refreshes everything bound to it. A path the daemon
  // would refuse (binding.js's setPath) changes nothing.
  D.writeModel = function (ctx, pointer, value, source) {
    if (!D.setPath(ctx.entry, pointer, value)) {
      noteError('write ' + pointer.slice(0, 200), new Error('refused: not a path the daemon would write'));
      return;
    }
    refreshBindings(ctx, source);
  };

  function bind(ctx, dyn, fn) {
    fn(null);
    if (D.isDynamic(dyn) || dyn === true) ctx.binders.push(fn);
  }
  D.bind = bind;

  function renderNode(ctx, id, scope, depth, stack) {
    if (typeof id !== 'string') return placeholder(id, 'bad reference');
    if (depth > LIMITS.depth) return placeholder(id, 'too deep');
    if (stack.has(id)) return placeholder(id, 'cycle');
    if (++ctx.nodes > LIMITS.nodes) return placeholder(id, 'too many components');
    var c = ctx.comps.get(id);
    if (!c) return placeholder(id, 'missing');
    var type = typeof c.component === 'string' ? c.component : '';
    var RENDERERS = D.RENDERERS;
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
  D.renderNode = renderNode;

  function unsupported(c) {
    var el = h('span', 'a2ui-unsupported', 'unsupported component ' + toStr(c.component));
    return el;
  }

  D.child = function (ctx, id, scope, depth, stack) {
    if (id === undefined || id === null) return placeholder('', 'no child');
    return renderNode(ctx, id, scope, depth + 1, stack);
  };

  D.renderChildren = function (ctx, c, scope, depth, stack) {
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
  };

  // Renders children until the surface's node budget is spent, then one placeholder for the rest.
  function mapBounded(ctx, list, fn) {
    var out = [];
    for (var i = 0; i < list.length; i++) {
      if (ctx.nodes > LIMITS.nodes) { out.push(placeholder('', 'too many components')); break; }
      out.push(fn(list[i], i));
    }
    return out;
  }

  D.JUSTIFY = { start: 'flex-start', end: 'flex-end', center: 'center', spaceBetween: 'space-between',
    spaceAround: 'space-around', spaceEvenly: 'space-evenly', stretch: 'stretch' };
  D.ALIGN = { start: 'flex-start', end: 'flex-end', center: 'center', stretch: 'stretch' };

  // Minimal inline Markdown as DOM: leading #'s, **bold**, *em*/_em_, `code`. Text only.
  D.setMarkdown = function (el, text) {
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
  };

  // ---------------------------------------------------------------------------------------
  // Checks and fields

  // The messages of a component's failing checks (and validationRegexp, given a value).
  // `recheck` is what regex.js runs again when a pattern's answer arrives after the fact.
  function evalChecks(ctx, c, scope, value, recheck) {
    var saved = ctx.recheck;
    ctx.recheck = recheck || null;
    try {
      var messages = [];
      (Array.isArray(c.checks) ? c.checks : []).forEach(function (rule) {
        if (!rule || typeof rule !== 'object') return;
        var ok;
        if (rule.condition !== undefined) ok = resolve(ctx, rule.condition, scope);
        else if (typeof rule.call === 'string') ok = D.callFunction(ctx, rule, scope, 0);
        else return;
        if (!ok) messages.push(toStr(rule.message) || 'invalid');
      });
      if (typeof c.validationRegexp === 'string' && value !== undefined && toStr(value) !== '') {
        if (!D.FUNCTIONS.regex({ value: value, pattern: c.validationRegexp }, ctx)) messages.push('does not match ' + c.validationRegexp);
      }
      return messages;
    } finally {
      ctx.recheck = saved;
    }
  }
  D.evalChecks = evalChecks;

  function showErrors(box, messages) {
    box.replaceChildren.apply(box, messages.map(function (m) { return h('div', 'a2ui-error', m); }));
  }

  // Shows a component's check messages in `box`; valueOf gives what validationRegexp tests.
  D.checker = function (ctx, c, scope, box, valueOf) {
    var recheck = function () { showErrors(box, evalChecks(ctx, c, scope, valueOf ? valueOf() : undefined, recheck)); };
    return recheck;
  };

  D.field = function (ctx, c, scope, cls) {
    var wrap = h('div', 'a2ui-field ' + (cls || ''));
    var label = h('label', 'a2ui-label');
    if (c.label !== undefined) bind(ctx, c.label, function () { label.textContent = toStr(resolve(ctx, c.label, scope)); });
    var errors = h('div', 'a2ui-errors');
    return { wrap: wrap, label: label, errors: errors };
  };

  var fieldSeq = 0;
  D.fieldId = function () { fieldSeq++; return 'a2ui-f' + fieldSeq; };

  D.options = function (ctx, c, scope) {
    return (Array.isArray(c.options) ? c.options : []).map(function (o) {
      if (typeof o === 'string') return { label: o, value: o };
      if (!o || typeof o !== 'object') return null;
      return { label: toStr(resolve(ctx, o.label, scope)) || toStr(o.value), value: toStr(o.value) };
    }).filter(Boolean);
  };

  // A selection as strings: at most LIMITS.listItems of a model array, whatever its length.
  D.asList = function (v) {
    if (v === undefined || v === null || v === '') return [];
    if (!Array.isArray(v)) return [toStr(v)];
    var n = Math.min(v.length, LIMITS.listItems), out = new Array(n);
    for (var i = 0; i < n; i++) out[i] = toStr(v[i]);
    return out;
  };

  // The data-model path an input's value is bound to, or null.
  D.pointerOf = function (c, scope) { return D.isBinding(c.value) ? absPath(c.value.path, scope) : null; };

  // The two-way wiring every input shares (inputs.js, car-catalog.js). w.el is the element
  // whose w.event carries the user's change and w.read() the value it writes to the bound
  // path; w.show(value) puts the model's value back in the element, except after the
  // element's own write (re-setting what the user is typing would move the caret); w.check,
  // if given, runs after either. With w.sendsAction, a change also sends the component's
  // action.
  D.wireInput = function (ctx, c, scope, w) {
    var pointer = D.pointerOf(c, scope);
    bind(ctx, true, function (source) {
      if (source !== w.el) w.show(resolve(ctx, c.value, scope));
      if (w.check) w.check();
    });
    w.el.addEventListener(w.event, function () {
      var value = w.read(pointer);
      if (pointer) D.writeModel(ctx, pointer, value, w.el);
      else if (w.check) w.check();
      if (w.sendsAction && c.action) D.dispatchAction(ctx, c, scope);
    });
    return pointer;
  };

  // ---------------------------------------------------------------------------------------
  // Actions

  // `click`: a user's click on a Button, the one thing that may run openUrl.
  D.dispatchAction = function (ctx, c, scope, click) {
    var action = c.action;
    if (!action || typeof action !== 'object') return;
    D.freshBudget(ctx);
    if (action.event && typeof action.event === 'object' && typeof action.event.name === 'string') {
      var context = {};
      var raw = action.event.context && typeof action.event.context === 'object' ? action.event.context : {};
      Object.keys(raw).forEach(function (k) { context[k] = D.jsonSafe(D.resolveDeep(ctx, raw[k], scope)); });
      var params = {
        name: action.event.name,
        surfaceId: ctx.entry.id,
        sourceComponentId: c.id,
        timestamp: new Date().toISOString(),
        context: context,
      };
      D.pushBounded(D.dash.actions, params, LIMITS.actions);
      D.call('a2ui.action', params).catch(function (e) { noteError('a2ui.action', e); });
    } else if (D.isCall(action.functionCall)) {
      if (action.functionCall.call === 'openUrl') { if (click === true) D.openUrl(ctx, action.functionCall, scope); }
      else D.callFunction(ctx, action.functionCall, scope, 0);
    }
  };
})();
