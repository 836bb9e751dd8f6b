/* CAR dashboard: client-side functions (the basic catalog's 14, best effort, plus now()) and
 * calling them from a {call, args} value. `regex` runs through regex.js (a worker with a time
 * limit), never in the page itself.
 */
(function () {
  'use strict';

  var D = window.CarDash;
  var toStr = D.toStr;

  function num(v, dflt) { var n = Number(v); return isFinite(n) && v !== null && v !== '' && v !== undefined ? n : dflt; }
  D.num = num;

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

  // An address longer than SMTP's 254 characters is not one; the cap also bounds the
  // (fixed, page-owned) pattern's backtracking on agent-supplied values.
  var EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  var EMAIL_MAX = 254;

  var FUNCTIONS = {
    required: function (a) {
      var v = a.value;
      return !(v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0));
    },
    // The agent's pattern runs in regex.js's worker; see there for what an unknown (pending,
    // timed-out) answer counts as.
    regex: function (a, ctx) { return D.regexTest(toStr(a.pattern), toStr(a.value), ctx); },
    length: function (a) {
      var n = toStr(a.value).length;
      return (a.min === undefined || n >= a.min) && (a.max === undefined || n <= a.max);
    },
    numeric: function (a) {
      var n = num(a.value, NaN);
      if (isNaN(n)) return false;
      return (a.min === undefined || n >= a.min) && (a.max === undefined || n <= a.max);
    },
    email: function (a) { var s = toStr(a.value); return s.length <= EMAIL_MAX && EMAIL.test(s); },
    // Only a format string written in the component is interpolated (`literal`, from
    // callFunction or binding.js's evalExpr); a bound or computed one is shown as it is, so
    // agent data never gets to be a template (binding.js, "formatString").
    formatString: function (a, ctx, scope, depth, literal) {
      if (literal && literal.value && typeof a.value === 'string') return D.interpolate(ctx, a.value, scope, depth);
      return toStr(a.value).slice(0, D.LIMITS.formatChars);
    },
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
    // Evaluating never opens anything: a render or a binding refresh would open windows on
    // its own. D.openUrl (below) runs it for a Button's click.
    openUrl: function () { return undefined; },
    and: function (a) { return Array.isArray(a.values) && a.values.every(function (x) { return !!x; }); },
    or: function (a) { return Array.isArray(a.values) && a.values.some(function (x) { return !!x; }); },
    not: function (a) { return !a.value; },
    now: function () { return new Date().toISOString(); },
  };
  D.FUNCTIONS = FUNCTIONS;

  D.callFunction = function (ctx, fc, scope, depth) {
    var fn = Object.prototype.hasOwnProperty.call(FUNCTIONS, fc.call) ? FUNCTIONS[fc.call] : null;
    if (!fn || !D.spend(ctx)) return undefined;
    var args = {}, literal = {};
    var raw = fc.args && typeof fc.args === 'object' ? fc.args : {};
    Object.keys(raw).forEach(function (k) {
      literal[k] = typeof raw[k] === 'string';
      args[k] = D.resolveDeep(ctx, raw[k], scope, depth);
    });
    try { return fn(args, ctx, scope, depth, literal); } catch (e) { return undefined; }
  };

  // openUrl as a user's click runs it (render.js's dispatchAction, for a Button): a new
  // tab, without opener or referrer, for an http(s) URL only.
  D.openUrl = function (ctx, fc, scope) {
    var raw = fc.args && typeof fc.args === 'object' ? fc.args : {};
    var u = D.safeUrl(toStr(D.resolve(ctx, raw.url, scope)), 'link');
    if (!u || !/^https?:/i.test(u)) return;
    window.open(u, '_blank', 'noopener,noreferrer');
  };
})();
