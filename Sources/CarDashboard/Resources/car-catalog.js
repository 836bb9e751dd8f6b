/* CAR dashboard: the CAR catalog's own components beyond the basic 18 (Chart, File,
 * FilePicker, Spacer, Badge; Select is with the inputs in inputs.js).
 */
(function () {
  'use strict';

  var D = window.CarDash;
  var h = D.h, toStr = D.toStr, safeClass = D.safeClass, resolve = D.resolve, bind = D.bind, num = D.num;
  var R = D.RENDERERS;

  R.Chart = function (ctx, c, scope) {
    var el = h('figure', 'a2ui-chart a2ui-chart-variant-' + safeClass(typeof c.variant === 'string' ? c.variant : 'bar'));
    var title = h('figcaption', 'a2ui-chart-title');
    var bars = h('div', 'a2ui-chart-bars');
    var axis = h('div', 'a2ui-chart-axis');
    bind(ctx, c.title, function () { title.textContent = toStr(resolve(ctx, c.title, scope)); title.hidden = !title.textContent; });
    bind(ctx, true, function () {
      var data = D.resolveDeep(ctx, c.data, scope);
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
  };

  R.File = function (ctx, c, scope) {
    var el = h('div', 'a2ui-file');
    var a = h('a', 'a2ui-file-link');
    a.rel = 'noopener noreferrer';
    a.target = '_blank';
    var meta = h('span', 'a2ui-file-meta');
    bind(ctx, true, function () {
      var url = D.safeUrl(toStr(resolve(ctx, c.url, scope)), 'link');
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
  };

  R.FilePicker = function (ctx, c, scope) {
    var f = D.field(ctx, c, scope, 'a2ui-filepicker');
    var input = document.createElement('input');
    input.type = 'file';
    input.id = D.fieldId();
    f.label.htmlFor = input.id;
    if (typeof c.accept === 'string') input.accept = c.accept;
    input.multiple = c.multiple === true;
    var chosen = h('div', 'a2ui-file-meta');
    D.wireInput(ctx, c, scope, {
      el: input, event: 'change', sendsAction: true,
      show: function (v) { chosen.textContent = D.asList(v).join(', '); },
      // The names are shown as picked, bound or not (the write skips show for its source).
      read: function () {
        var names = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
        chosen.textContent = names.join(', ');
        return names;
      },
    });
    f.wrap.appendChild(f.label);
    f.wrap.appendChild(input);
    f.wrap.appendChild(chosen);
    return f.wrap;
  };

  R.Spacer = function (ctx, c) {
    var el = h('div', 'a2ui-spacer');
    if (typeof c.size === 'number' && isFinite(c.size)) {
      var px = Math.max(0, Math.min(2000, c.size)) + 'px';
      el.style.minWidth = px;
      el.style.minHeight = px;
      el.style.flexGrow = '0';
    }
    return el;
  };

  R.Badge = function (ctx, c, scope) {
    var el = h('span', 'a2ui-badge a2ui-badge-' + safeClass(typeof c.variant === 'string' ? c.variant : 'default'));
    bind(ctx, c.text, function () { el.textContent = toStr(resolve(ctx, c.text, scope)); });
    return el;
  };
})();
