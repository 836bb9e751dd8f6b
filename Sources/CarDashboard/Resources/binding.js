/* CAR dashboard: the data model. JSON Pointers (A2UI: '/' is the root, relative paths resolve
 * in a template scope), dynamic values ({path}, {call}) and formatString's ${...} expressions.
 * The functions themselves are in functions.js (D.FUNCTIONS, D.callFunction).
 */
(function () {
  'use strict';

  var D = window.CarDash;
  var LIMITS = D.LIMITS, toStr = D.toStr;

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
  D.absPath = absPath;

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
  D.getPath = getPath;

  // The daemon's rules for a write (Sources/CarA2UI/A2UIPointer.swift), so the page never
  // holds a model the daemon would have refused: an array takes a canonical decimal index at
  // most MAX_ARRAY_GAP past its end (the gap filled with nulls), a missing container is made
  // as an array under a numeric token and an object otherwise, and a path through a string,
  // number or boolean is refused. Without the gap rule, /a/4294967294 makes a sparse array
  // that every later length-driven loop walks.
  var MAX_ARRAY_GAP = 1024;
  var INDEX = /^(0|[1-9][0-9]*)$/;
  function unsafeKey(k) { return k === '__proto__' || k === 'constructor' || k === 'prototype'; }

  // Whether `parts` can be written into `doc`; checked whole first so a refused write
  // changes nothing.
  function writable(doc, parts) {
    var cur = doc;
    for (var i = 0; i < parts.length; i++) {
      var key = parts[i];
      if (cur === null || cur === undefined) {
        // Everything from here on is created: only the first new array has a length (0).
        if (INDEX.test(key)) { if (parseInt(key, 10) > MAX_ARRAY_GAP) return false; } else if (unsafeKey(key)) return false;
        cur = undefined;
      } else if (Array.isArray(cur)) {
        if (!INDEX.test(key) || parseInt(key, 10) > cur.length + MAX_ARRAY_GAP) return false;
        cur = cur[parseInt(key, 10)];
      } else if (typeof cur === 'object') {
        if (unsafeKey(key)) return false;
        cur = Object.prototype.hasOwnProperty.call(cur, key) ? cur[key] : undefined;
      } else {
        return false;
      }
    }
    return true;
  }

  function put(container, key, value) {
    if (!Array.isArray(container)) { container[key] = value; return; }
    var index = parseInt(key, 10);
    while (container.length < index) container.push(null);
    container[index] = value;
  }

  // Writes `value` at `pointer` in the surface's local model; false (and no change) when the
  // daemon's rules refuse the path.
  D.setPath = function (entry, pointer, value) {
    var parts = splitPointer(pointer);
    if (!parts.length) { entry.model = value; return true; }
    if (!writable(entry.model, parts)) return false;
    if (entry.model === null || entry.model === undefined) entry.model = INDEX.test(parts[0]) ? [] : {};
    var cur = entry.model;
    for (var i = 0; i < parts.length - 1; i++) {
      var next = Array.isArray(cur) || Object.prototype.hasOwnProperty.call(cur, parts[i]) ? cur[parts[i]] : undefined;
      if (next === null || next === undefined) {
        next = INDEX.test(parts[i + 1]) ? [] : {};
        put(cur, parts[i], next);
      }
      cur = next;
    }
    put(cur, parts[parts.length - 1], value);
    return true;
  };

  function isBinding(v) { return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.path === 'string'; }
  function isCall(v) { return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.call === 'string'; }
  D.isBinding = isBinding;
  D.isCall = isCall;
  D.isDynamic = function (v) { return isBinding(v) || isCall(v); };

  // Resolves a DynamicString/Number/Boolean/Value: a literal, {path} or a function call.
  function resolve(ctx, v, scope, depth) {
    depth = depth || 0;
    if (depth > LIMITS.fnDepth) return undefined;
    if (isBinding(v)) return getPath(ctx.entry.model, absPath(v.path, scope));
    if (isCall(v)) return D.callFunction(ctx, v, scope, depth + 1);
    return v;
  }
  D.resolve = resolve;

  D.resolveDeep = function (ctx, v, scope, depth) {
    depth = depth || 0;
    if (Array.isArray(v)) return v.map(function (x) { return resolve(ctx, x, scope, depth + 1); });
    return resolve(ctx, v, scope, depth);
  };

  D.jsonSafe = function (v) {
    if (v === undefined) return null;
    try { return JSON.parse(JSON.stringify(v)); } catch (e) { return null; }
  };

  // ---------------------------------------------------------------------------------------
  // The evaluation budget. Agent data can make one render evaluate a great deal (thousands of
  // components, each a formatString of large values), so every render, every refresh of its
  // bindings and every action gets a fixed number of function calls and ${...} expressions
  // and of characters that formatString may produce. Past it, calls answer undefined and
  // strings come out cut short: the page shows less instead of hanging.

  D.freshBudget = function (ctx) {
    ctx.budget = { calls: LIMITS.fnCalls, chars: LIMITS.formatTotal, noted: false };
  };

  function budgetOf(ctx) {
    if (!ctx.budget) D.freshBudget(ctx);
    return ctx.budget;
  }

  function spent(ctx, b) {
    if (!b.noted) { b.noted = true; D.noteError('surface ' + ctx.entry.id, new Error('evaluation budget spent; output cut short')); }
  }

  // One function call or expression, if the budget has one left.
  D.spend = function (ctx) {
    var b = budgetOf(ctx);
    if (b.calls > 0) { b.calls--; return true; }
    spent(ctx, b);
    return false;
  };

  // ---------------------------------------------------------------------------------------
  // formatString: ${/abs/path}, ${relative}, ${fn(name:value, ...)}, nested ${...}, \${ escape.
  // Only the format string written in the component is scanned for ${...}: what an
  // expression yields (a data-model value, a function's answer) goes into the output as
  // text and is never scanned again, or a model value holding ${...} would expand itself,
  // exponentially. Each result is at most LIMITS.formatChars characters.

  function interpolate(ctx, s, scope, depth) {
    depth = depth || 0;
    if (depth > LIMITS.fnDepth) return '';
    var b = budgetOf(ctx);
    var max = Math.min(LIMITS.formatChars, b.chars);
    var out = '';
    var i = 0;
    function add(piece) {
      if (out.length + piece.length <= max) { out += piece; return true; }
      out += piece.slice(0, Math.max(0, max - out.length));
      if (max < LIMITS.formatChars) spent(ctx, b);
      return false;
    }
    while (i < s.length) {
      if (s.charAt(i) === '\\' && s.substr(i + 1, 2) === '${') { if (!add('${')) break; i += 3; continue; }
      if (s.substr(i, 2) === '${') {
        var end = matchClose(s, i + 2);
        if (end < 0) { add(s.slice(i)); break; }
        var value = D.spend(ctx) ? evalExpr(ctx, s.slice(i + 2, end).trim(), scope, depth + 1) : undefined;
        if (!add(toStr(value))) break;
        i = end + 1;
        continue;
      }
      // The literal run up to the next \ or $, in one piece.
      var next = i + 1;
      while (next < s.length && s.charAt(next) !== '$' && s.charAt(next) !== '\\') next++;
      if (!add(s.slice(i, next))) break;
      i = next;
    }
    b.chars = Math.max(0, b.chars - out.length);
    return out;
  }
  D.interpolate = interpolate;

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
      var FUNCTIONS = D.FUNCTIONS;
      var fn = Object.prototype.hasOwnProperty.call(FUNCTIONS, m[1]) ? FUNCTIONS[m[1]] : null;
      if (!fn || !D.spend(ctx)) return undefined;
      var args = {}, literal = {};
      var body = m[2].trim();
      if (body) {
        splitTopLevel(body, ',').forEach(function (part) {
          var kv = splitTopLevel(part, ':');
          if (kv.length < 2) return;
          var name = kv[0].trim(), text = kv.slice(1).join(':').trim();
          // A quoted argument is part of the component's own format string (formatString
          // may scan it); anything else is a value.
          literal[name] = /^'[^']*'$|^"[^"]*"$/.test(text);
          args[name] = evalExpr(ctx, text, scope, depth + 1);
        });
      }
      try { return fn(args, ctx, scope, depth + 1, literal); } catch (err) { return undefined; }
    }
    return getPath(ctx.entry.model, absPath(e, scope));
  }
})();
