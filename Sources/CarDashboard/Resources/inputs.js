/* CAR dashboard: the basic catalog's inputs (TextField, CheckBox, ChoicePicker, Slider,
 * DateTimeInput) and the CAR catalog's Select. A bound input writes the surface's local data
 * model (render.js's writeModel), which refreshes everything bound to it; checks show under
 * the input (render.js's checker); render.js's wireInput is the wiring they share.
 */
(function () {
  'use strict';

  var D = window.CarDash;
  var h = D.h, toStr = D.toStr, resolve = D.resolve, bind = D.bind, num = D.num;
  var isDynamic = D.isDynamic, asList = D.asList;
  var R = D.RENDERERS;

  R.TextField = function (ctx, c, scope) {
    var f = D.field(ctx, c, scope, 'a2ui-textfield');
    var variant = typeof c.variant === 'string' ? c.variant : 'shortText';
    var input = variant === 'longText' ? document.createElement('textarea') : document.createElement('input');
    if (variant !== 'longText') input.type = variant === 'number' ? 'number' : variant === 'obscured' ? 'password' : 'text';
    input.id = D.fieldId();
    f.label.htmlFor = input.id;
    var pointer = D.pointerOf(c, scope);
    var first = true;
    D.wireInput(ctx, c, scope, {
      el: input, event: 'input',
      show: function (v) {
        // A literal value is only the initial text; a bound or computed one follows the model.
        if ((first || isDynamic(c.value)) && document.activeElement !== input) input.value = toStr(v);
        first = false;
      },
      read: function () {
        var v = input.value;
        return variant === 'number' && v !== '' && isFinite(Number(v)) ? Number(v) : v;
      },
      check: D.checker(ctx, c, scope, f.errors, function () { return pointer ? resolve(ctx, c.value, scope) : input.value; }),
    });
    f.wrap.appendChild(f.label);
    f.wrap.appendChild(input);
    f.wrap.appendChild(f.errors);
    return f.wrap;
  };

  R.CheckBox = function (ctx, c, scope) {
    var f = D.field(ctx, c, scope, 'a2ui-checkbox');
    var input = document.createElement('input');
    input.type = 'checkbox';
    input.id = D.fieldId();
    f.label.htmlFor = input.id;
    D.wireInput(ctx, c, scope, {
      el: input, event: 'change',
      show: function (v) { input.checked = !!v; },
      read: function () { return input.checked; },
      check: D.checker(ctx, c, scope, f.errors),
    });
    var row = h('div', 'a2ui-check-row');
    row.appendChild(input);
    row.appendChild(f.label);
    f.wrap.appendChild(row);
    f.wrap.appendChild(f.errors);
    return f.wrap;
  };

  R.ChoicePicker = function (ctx, c, scope) {
    var f = D.field(ctx, c, scope, 'a2ui-choices' + (c.displayStyle === 'chips' ? ' a2ui-chips' : ''));
    var multiple = c.variant === 'multipleSelection';
    var bound = isDynamic(c.value);
    // Unbound, the selection lives here: a literal value is only the initial one.
    var local = asList(resolve(ctx, c.value, scope));
    var group = h('div', 'a2ui-choice-group');
    group.setAttribute('role', multiple ? 'group' : 'radiogroup');
    var name = D.fieldId();
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
    D.options(ctx, c, scope).forEach(function (o) {
      var row = h('label', 'a2ui-choice');
      var input = document.createElement('input');
      input.type = multiple ? 'checkbox' : 'radio';
      input.name = name;
      input.value = o.value;
      row.appendChild(input);
      row.appendChild(h('span', null, o.label));
      group.appendChild(row);
      inputs.push({ input: input, row: row, label: o.label });
    });
    // The options' change events bubble to the group, which is the write's source.
    D.wireInput(ctx, c, scope, {
      el: group, event: 'change',
      show: function (v) {
        var sel = bound ? asList(v) : local;
        inputs.forEach(function (p) { p.input.checked = sel.indexOf(p.input.value) >= 0; });
      },
      read: function () {
        local = inputs.filter(function (p) { return p.input.checked; }).map(function (p) { return p.input.value; });
        return local;
      },
      check: D.checker(ctx, c, scope, f.errors),
    });
    f.wrap.appendChild(f.label);
    if (filter) f.wrap.appendChild(filter);
    f.wrap.appendChild(group);
    f.wrap.appendChild(f.errors);
    return f.wrap;
  };

  R.Select = function (ctx, c, scope) {
    var f = D.field(ctx, c, scope, 'a2ui-select');
    var sel = document.createElement('select');
    sel.id = D.fieldId();
    f.label.htmlFor = sel.id;
    var ph = document.createElement('option');
    ph.value = '';
    bind(ctx, c.placeholder, function () { ph.textContent = toStr(resolve(ctx, c.placeholder, scope)) || '—'; });
    sel.appendChild(ph);
    D.options(ctx, c, scope).forEach(function (o) {
      var opt = document.createElement('option');
      opt.value = o.value;
      opt.textContent = o.label;
      sel.appendChild(opt);
    });
    D.wireInput(ctx, c, scope, {
      el: sel, event: 'change',
      show: function (v) { sel.value = asList(v)[0] || ''; },
      // A model that holds the selection as a list keeps it a list.
      read: function (pointer) {
        var cur = pointer ? D.getPath(ctx.entry.model, pointer) : undefined;
        return Array.isArray(cur) ? [sel.value] : sel.value;
      },
      check: D.checker(ctx, c, scope, f.errors),
    });
    f.wrap.appendChild(f.label);
    f.wrap.appendChild(sel);
    f.wrap.appendChild(f.errors);
    return f.wrap;
  };

  R.Slider = function (ctx, c, scope) {
    var f = D.field(ctx, c, scope, 'a2ui-slider');
    var input = document.createElement('input');
    input.type = 'range';
    input.id = D.fieldId();
    f.label.htmlFor = input.id;
    input.min = String(num(c.min, 0));
    input.max = String(num(c.max, 100));
    input.step = 'any';
    var out = h('output', 'a2ui-slider-value');
    var check = D.checker(ctx, c, scope, f.errors);
    D.wireInput(ctx, c, scope, {
      el: input, event: 'input',
      show: function (v) { input.value = String(num(v, num(c.min, 0))); },
      read: function () { return Number(input.value); },
      check: function () { out.textContent = input.value; check(); },
    });
    var row = h('div', 'a2ui-slider-row');
    row.appendChild(input);
    row.appendChild(out);
    f.wrap.appendChild(f.label);
    f.wrap.appendChild(row);
    f.wrap.appendChild(f.errors);
    return f.wrap;
  };

  R.DateTimeInput = function (ctx, c, scope) {
    var f = D.field(ctx, c, scope, 'a2ui-datetime');
    var input = document.createElement('input');
    var type = c.enableDate && !c.enableTime ? 'date' : c.enableTime && !c.enableDate ? 'time' : 'datetime-local';
    input.type = type;
    input.id = D.fieldId();
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
    D.wireInput(ctx, c, scope, {
      el: input, event: 'input',
      show: function (v) { if (document.activeElement !== input) input.value = toInput(v); },
      read: function () { return input.value; },
      check: D.checker(ctx, c, scope, f.errors),
    });
    f.wrap.appendChild(f.label);
    f.wrap.appendChild(input);
    f.wrap.appendChild(f.errors);
    return f.wrap;
  };
})();
