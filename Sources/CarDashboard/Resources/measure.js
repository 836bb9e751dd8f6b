/* CAR dashboard: measuring (the UI-improvement loop). After a render whose revision is new,
 * wait for layout (fonts, two frames) and images (bounded), find what does not fit
 * (textOverflow, imageFailed, emptyList, listOverflow, offscreen) and send a2ui.render_report;
 * the daemon may answer with a patch, which arrives as a surface_updated like any other.
 */
(function () {
  'use strict';

  var D = window.CarDash;
  var LIMITS = D.LIMITS, dash = D.dash, pushBounded = D.pushBounded;

  function delay(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function settleLayout() {
    var fonts = document.fonts && document.fonts.ready ? document.fonts.ready : Promise.resolve();
    var frames = new Promise(function (r) {
      requestAnimationFrame(function () { requestAnimationFrame(function () { r(); }); });
    });
    return Promise.race([Promise.all([fonts, frames]), delay(LIMITS.layoutWaitMs)]);
  }

  function settleImages(root) {
    var imgs = Array.prototype.slice.call(root.querySelectorAll('img[data-a2ui-image]'));
    var waits = imgs.map(function (img) {
      if (img.dataset.state !== 'loading' || img.complete) return Promise.resolve();
      return new Promise(function (r) {
        img.addEventListener('load', r, { once: true });
        img.addEventListener('error', r, { once: true });
      });
    });
    return Promise.race([Promise.all(waits), delay(LIMITS.imageWaitMs)]);
  }

  function visible(el) { return el.getClientRects().length > 0; }

  function measure(entry) {
    var root = entry.body;
    var issues = [];
    var seen = new Set();
    function add(kind, id, detail) {
      var key = kind + '\u0000' + id;
      if (seen.has(key) || issues.length >= LIMITS.issues) return;
      seen.add(key);
      var issue = { kind: kind, componentId: id };
      if (detail) issue.detail = detail;
      issues.push(issue);
    }
    function idOf(el) {
      var c = el.closest('[data-component-id]');
      return c ? c.dataset.componentId : '';
    }

    // Text wraps, so only an unbreakable run (a URL, a hash, a very long word) is wider than
    // its box; dashboard.css keeps that overflow hidden, which is what makes it measurable.
    root.querySelectorAll('[data-component="Text"]').forEach(function (el) {
      if (!visible(el)) return;
      if (el.scrollWidth > el.clientWidth + 1) {
        add('textOverflow', el.dataset.componentId, { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth });
      }
    });

    root.querySelectorAll('img[data-a2ui-image]').forEach(function (img) {
      var st = img.dataset.state;
      if (st === 'failed' || st === 'blocked' || (img.complete && img.getAttribute('src') && img.naturalWidth === 0)) {
        add('imageFailed', idOf(img));
      }
    });

    root.querySelectorAll('[data-component="List"]').forEach(function (el) {
      var id = el.dataset.componentId;
      var n = el.children.length;
      if (n === 0) { add('emptyList', id, { childCount: 0 }); return; }
      if (!visible(el)) return;
      var over = el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
      if (over) {
        var box = el.getBoundingClientRect();
        var shown = 0;
        Array.prototype.forEach.call(el.children, function (ch) {
          var r = ch.getBoundingClientRect();
          if (r.bottom > box.top && r.top < box.bottom && r.right > box.left && r.left < box.right) shown++;
        });
        add('listOverflow', id, { scrollHeight: el.scrollHeight, clientHeight: el.clientHeight,
          scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, childCount: n, visibleCount: shown });
      }
    });

    var vw = document.documentElement.clientWidth || window.innerWidth;
    root.querySelectorAll('[data-component-id]').forEach(function (el) {
      if (!visible(el)) return;
      if (el.parentElement && el.parentElement.closest('[data-component="List"]')) return; // reachable by scrolling the list
      if (el.closest('dialog') && !el.closest('dialog').open) return;
      var r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return;
      if (r.left < -1 || r.right > vw + 1 || r.top + window.scrollY < -1) add('offscreen', el.dataset.componentId);
    });
    return issues;
  }

  D.measureAndReport = function (entry, seq, renderMs) {
    var revision = entry.surface.revision;
    var live = function () { return entry.renderSeq === seq && D.surfaces.has(entry.id); };
    return settleLayout().then(function () {
      if (!live()) return null;
      return settleImages(entry.body).then(function () {
        if (!live()) return null;
        var params = {
          surfaceId: entry.id,
          revision: revision,
          renderer: D.RENDERER,
          renderMs: renderMs,
          viewport: { width: window.innerWidth, height: window.innerHeight },
          issues: measure(entry),
        };
        if (!dash.connected || !D.hasSocket()) return null; // the next connection's snapshot re-renders it
        entry.reportedRevision = revision;
        entry.el.dataset.reportedRevision = String(revision);
        pushBounded(dash.reports, params, LIMITS.reports);
        return D.call('a2ui.render_report', params).then(function (result) {
          pushBounded(dash.reportResults, { surfaceId: entry.id, revision: revision, result: result }, LIMITS.reports);
          return result;
        }, function (e) {
          pushBounded(dash.reportResults, { surfaceId: entry.id, revision: revision, error: e.message }, LIMITS.reports);
          D.noteError('a2ui.render_report', e);
          return null;
        });
      });
    });
  };
})();
