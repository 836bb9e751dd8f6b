/* CAR dashboard: the basic catalog's display and layout components (Text, Image, Icon, Video,
 * AudioPlayer, Row, Column, List, Card, Tabs, Modal, Divider, Button). Each renderer is
 * (ctx, component, scope, depth, stack) -> element; render.js's renderNode adds the data-*
 * attributes, classes, weight and accessibility.
 */
(function () {
  'use strict';

  var D = window.CarDash;
  var h = D.h, toStr = D.toStr, safeClass = D.safeClass, resolve = D.resolve, bind = D.bind, child = D.child;
  var R = D.RENDERERS;

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
      var url = D.safeUrl(toStr(resolve(ctx, c.url, scope)), kind);
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

  function flexBox(ctx, c, scope, depth, stack, direction) {
    var el = h('div', 'a2ui-flex a2ui-' + direction);
    if (D.JUSTIFY[c.justify]) el.style.justifyContent = D.JUSTIFY[c.justify];
    if (c.justify === 'stretch') el.classList.add('a2ui-justify-stretch');
    if (D.ALIGN[c.align]) el.style.alignItems = D.ALIGN[c.align];
    D.renderChildren(ctx, c, scope, depth, stack).forEach(function (n) { el.appendChild(n); });
    return el;
  }

  // Text wraps at spaces (dashboard.css); only what cannot wrap (a long URL, hash or word)
  // overflows, and that is what measure.js reports as textOverflow.
  R.Text = function (ctx, c, scope) {
    var variant = typeof c.variant === 'string' ? c.variant : 'body';
    var tag = /^h[1-5]$/.test(variant) ? variant : 'div';
    var el = h(tag, 'a2ui-text-' + safeClass(variant));
    var last = null;
    bind(ctx, c.text, function () {
      var t = toStr(resolve(ctx, c.text, scope));
      if (t !== last) { last = t; D.setMarkdown(el, t); el.title = t.length > 40 ? t : ''; }
    });
    return el;
  };

  R.Image = function (ctx, c, scope) {
    var m = media(ctx, c, scope, 'img', 'image');
    var fit = { contain: 'contain', cover: 'cover', fill: 'fill', none: 'none', scaleDown: 'scale-down' }[c.fit];
    if (fit) m.node.style.objectFit = fit;
    m.el.classList.add('a2ui-img-' + safeClass(typeof c.variant === 'string' ? c.variant : 'mediumFeature'));
    bind(ctx, c.description, function () { m.node.alt = toStr(resolve(ctx, c.description, scope)); });
    return m.el;
  };

  R.Icon = function (ctx, c, scope) {
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
  };

  R.Video = function (ctx, c, scope) { return media(ctx, c, scope, 'video', 'video').el; };

  R.AudioPlayer = function (ctx, c, scope) {
    var m = media(ctx, c, scope, 'audio', 'audio');
    if (c.description !== undefined) {
      var cap = h('div', 'a2ui-caption');
      bind(ctx, c.description, function () { cap.textContent = toStr(resolve(ctx, c.description, scope)); });
      m.el.insertBefore(cap, m.el.firstChild);
    }
    return m.el;
  };

  R.Row = function (ctx, c, scope, depth, stack) { return flexBox(ctx, c, scope, depth, stack, 'row'); };
  R.Column = function (ctx, c, scope, depth, stack) { return flexBox(ctx, c, scope, depth, stack, 'column'); };

  R.List = function (ctx, c, scope, depth, stack) {
    var horizontal = c.direction === 'horizontal';
    var el = h('div', 'a2ui-list ' + (horizontal ? 'a2ui-list-h' : 'a2ui-list-v'));
    el.setAttribute('role', 'list');
    if (D.ALIGN[c.align]) el.style.alignItems = D.ALIGN[c.align];
    D.renderChildren(ctx, c, scope, depth, stack).forEach(function (n) {
      n.setAttribute('role', 'listitem');
      el.appendChild(n);
    });
    return el;
  };

  R.Card = function (ctx, c, scope, depth, stack) {
    var el = h('div', 'a2ui-card');
    el.appendChild(child(ctx, c.child, scope, depth, stack));
    return el;
  };

  R.Tabs = function (ctx, c, scope, depth, stack) {
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
        D.scheduleRerender(ctx.entry);
      });
      bar.appendChild(b);
    });
    el.appendChild(bar);
    var panel = h('div', 'a2ui-tabpanel');
    panel.setAttribute('role', 'tabpanel');
    if (tabs[selected]) panel.appendChild(child(ctx, tabs[selected].child, scope, depth, stack));
    el.appendChild(panel);
    return el;
  };

  R.Modal = function (ctx, c, scope, depth, stack) {
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
  };

  R.Divider = function (ctx, c) {
    return h('div', 'a2ui-divider ' + (c.axis === 'vertical' ? 'a2ui-divider-v' : 'a2ui-divider-h'));
  };

  R.Button = function (ctx, c, scope, depth, stack) {
    var b = h('button', 'a2ui-button a2ui-button-' + safeClass(typeof c.variant === 'string' ? c.variant : 'default'));
    b.type = 'button';
    b.appendChild(child(ctx, c.child, scope, depth, stack));
    if (Array.isArray(c.checks) && c.checks.length) {
      var recheck = function () {
        var msgs = D.evalChecks(ctx, c, scope, undefined, recheck);
        b.disabled = msgs.length > 0;
        b.title = msgs.join('\n');
      };
      bind(ctx, true, recheck);
    }
    b.addEventListener('click', function (ev) {
      ev.preventDefault();
      if (b.disabled) return;
      D.dispatchAction(ctx, c, scope, true);
    });
    return b;
  };

  D.media = media;
})();
