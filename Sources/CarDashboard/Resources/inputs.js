/* CAR dashboard: the basic catalog's inputs (TextField, CheckBox, ChoicePicker, Slider,
 * DateTimeInput) and the CAR catalog's Select. A bound input writes the surface's local data
 * model (render.js's writeModel), which refreshes everything bound to it; checks show under
 * the input (render.js's checker).
 */
(function () {
  'use strict';

  var D = window.CarDash;
  var h = D.h, toStr = D.toStr, resolve = D.resolve, bind = D.bind, num = D.num;
  var isBinding = D.isBinding, isDynamic = D.isDynamic, absPath = D.absPath, asList = D.asList;
  var R = D.RENDERERS;

  function pointerOf(c, scope) { return isBinding(c.value) ? absPath(c.value.path, scope) : null; }

  R.TextField = function (ctx, c, scope) {
    var f = D.field(ctx, c, scope, 'a2ui-textfield');
    var variant = typeof c.variant === 'string' ? c.variant : 'shortText';
    var input = variant === 'longText' ? document.createElement('textarea') : document.createElement('input');
    if (variant !== 'longText') input.type = variant === 'number' ? 'number' : variant === 'obscured' ? 'password' : 'text';
    input.id = D.fieldId();
    f.label.htmlFor = input.id;
    var pointer = pointerOf(c, scope);
    var check = D.checker(ctx, c, scope, f.errors, function () { return pointer ? resolve(ctx, c.value, scope) : input.value; });
    var first = true;
    var update = function (source) {
      var v = resolve(ctx, c.value, scope);
      // A literal value is only the initial text; a bound or computed one follows the model.
      if ((first || isDynamic(c.value)) && source !== input && document.activeElement !== input) input.value = toStr(v);
      first = false;
      check();
    };
    bind(ctx, true, update);
    input.addEventListener('input', function () {
      var v = input.value;
      if (variant === 'number' && v !== '' && isFinite(Number(v))) v = Number(v);
      if (pointer) D.writeModel(ctx, pointer, v, input);
      else check();
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
    var pointer = pointerOf(c, scope);
    var check = D.checker(ctx, c, scope, f.errors);
    bind(ctx, true, function (source) {
      if (source !== input) input.checked = !!resolve(ctx, c.value, scope);
      check();
    });
    input.addEventListener('change', function () {
      if (pointer) D.writeModel(ctx, pointer, input.checked, input);
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
    var pointer = pointerOf(c, scope);
    var local = asList(resolve(ctx, c.value, scope));
    var check = D.checker(ctx, c, scope, f.errors);
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
      input.addEventListener('change', function () {
        var selected = inputs.filter(function (p) { return p.input.checked; }).map(function (p) { return p.input.value; });
        local = selected;
        if (pointer) D.writeModel(ctx, pointer, selected, group);
        check();
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
      check();
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
    var pointer = pointerOf(c, scope);
    var check = D.checker(ctx, c, scope, f.errors);
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
    bind(ctx, true, function (source) {
      if (source !== sel) sel.value = asList(resolve(ctx, c.value, scope))[0] || '';
      check();
    });
    sel.addEventListener('change', function () {
      var cur = pointer ? D.getPath(ctx.entry.model, pointer) : undefined;
      if (pointer) D.writeModel(ctx, pointer, Array.isArray(cur) ? [sel.value] : sel.value, sel);
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
    var pointer = pointerOf(c, scope);
    var check = D.checker(ctx, c, scope, f.errors);
    bind(ctx, true, function (source) {
      if (source !== input) input.value = String(num(resolve(ctx, c.value, scope), num(c.min, 0)));
      out.textContent = input.value;
      check();
    });
    input.addEventListener('input', function () {
      out.textContent = input.value;
      if (pointer) D.writeModel(ctx, pointer, Number(input.value), input);
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
    var pointer = pointerOf(c, scope);
    var check = D.checker(ctx, c, scope, f.errors);
    bind(ctx, true, function (source) {
      if (source !== input && document.activeElement !== input) input.value = toInput(resolve(ctx, c.value, scope));
      check();
    });
    input.addEventListener('input', function () {
      if (pointer) D.writeModel(ctx, pointer, input.value, input);
    });
    f.wrap.appendChild(f.label);
    f.wrap.appendChild(input);
    f.wrap.appendChild(f.errors);
    return f.wrap;
  };
})();
