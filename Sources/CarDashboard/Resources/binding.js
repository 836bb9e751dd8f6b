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

  D.setPath = function (entry, pointer, value) {
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
})();
