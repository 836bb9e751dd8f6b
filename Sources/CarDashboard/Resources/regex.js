/* CAR dashboard: agent-supplied regular expressions (`regex` checks and functions,
 * TextField.validationRegexp), run so that no pattern can hang the tab.
 *
 * Why a worker: JavaScript's backtracking engine has no time limit, and a pattern such as
 * ^(a+)+$ against "aaaa…a!" takes exponential time; polynomial cases (\d*\d*\d*x against a
 * long run of digits) are as bad at the lengths a field can hold, and no cheap static test
 * tells all of them from the benign ones. So the page never runs an agent's pattern on its own
 * thread. It checks the syntax (new RegExp only parses: linear), then hands (pattern, value)
 * to regex-worker.js, one job at a time, and terminates the worker when a job takes longer
 * than LIMITS.regexMs (a fresh worker takes the next job).
 *
 * What the synchronous callers see (checks are evaluated inside renders and bindings):
 *   - a syntax error, or a pattern over LIMITS.regexPattern characters: false (as before);
 *   - a cached answer: that answer (the last LIMITS.regexCache (pattern, value) pairs);
 *   - not answered yet: true, i.e. the check passes until the worker says otherwise; when it
 *     answers false, the caller's ctx.recheck (set by render.js's evalChecks) runs again, or,
 *     outside a check, the surface's bindings are refreshed;
 *   - a pattern that ran out of time once: true from then on, for every value (it is given
 *     up, with a console note and an entry in window.__carDashboard.regexTimeouts);
 *   - no worker to be had (CSP, script error, no Worker): true, with one console note.
 * Passing an unknown check is the safe direction here: checks only gate the page's own
 * buttons and error lines, and the agent validates what an action carries anyway.
 * The value is cut to LIMITS.regexInput characters, as it always was.
 */
(function () {
  'use strict';

  var D = window.CarDash;
  var LIMITS = D.LIMITS, dash = D.dash;

  var syntax = new Map();   // pattern -> compiles
  var answers = new Map();  // pattern + NUL + value -> bool
  var givenUp = new Map();  // pattern -> true
  var jobs = new Map();     // key -> job, queued or running
  var queue = [];
  var worker = null, workerReady = false, startTimer = null;
  var running = null, runTimer = null;
  var unavailable = null;   // why no worker can be had
  var nextJob = 1;

  function remember(map, key, value, max) {
    map.delete(key);
    map.set(key, value);
    while (map.size > max) map.delete(map.keys().next().value);
  }

  function warn(text) { if (window.console && console.warn) console.warn('car-dashboard: regex: ' + text); }

  function compiles(pattern) {
    if (syntax.has(pattern)) return syntax.get(pattern);
    var ok = true;
    try { new RegExp(pattern); } catch (e) { ok = false; }
    remember(syntax, pattern, ok, LIMITS.regexCache);
    return ok;
  }

  D.regexTest = function (pattern, value, ctx) {
    if (pattern.length > LIMITS.regexPattern || !compiles(pattern)) return false;
    if (unavailable || givenUp.has(pattern)) return true;
    var input = value.slice(0, LIMITS.regexInput);
    var key = pattern + '\u0000' + input;
    if (answers.has(key)) return answers.get(key);
    var job = jobs.get(key);
    if (!job) {
      if (queue.length >= LIMITS.regexQueue) return true; // overloaded: unchecked for now
      job = { id: nextJob++, key: key, pattern: pattern, input: input, rechecks: new Map(), refresh: new Set() };
      jobs.set(key, job);
      queue.push(job);
      pump();
    }
    if (ctx && ctx.entry) {
      if (typeof ctx.recheck === 'function') job.rechecks.set(ctx.recheck, ctx);
      else job.refresh.add(ctx);
    }
    return true;
  };

  function startWorker() {
    try {
      worker = new Worker('/regex-worker.js');
    } catch (e) {
      giveUpWorker('cannot start /regex-worker.js (' + (e && e.message ? e.message : e) + ')');
      return;
    }
    var started = worker;
    workerReady = false;
    worker.onmessage = onWorkerMessage;
    worker.onerror = function (ev) {
      if (started !== worker) return;
      if (ev && ev.preventDefault) ev.preventDefault();
      giveUpWorker('/regex-worker.js failed (' + (ev && ev.message ? ev.message : 'error') + ')');
    };
    startTimer = setTimeout(function () {
      giveUpWorker('/regex-worker.js did not start within ' + LIMITS.regexStartMs + ' ms');
    }, LIMITS.regexStartMs);
  }

  function stopWorker() {
    if (startTimer) { clearTimeout(startTimer); startTimer = null; }
    if (runTimer) { clearTimeout(runTimer); runTimer = null; }
    if (worker) { try { worker.terminate(); } catch (e) { /* gone anyway */ } }
    worker = null;
    workerReady = false;
  }

  // No worker: every pending and later check passes, unevaluated.
  function giveUpWorker(why) {
    stopWorker();
    if (!unavailable) warn(why + '; regex checks pass unevaluated');
    unavailable = why;
    running = null;
    queue.length = 0;
    jobs.clear();
  }

  function pump() {
    if (running || !queue.length || unavailable) return;
    if (!worker) startWorker();
    if (!worker || !workerReady) return; // the worker's ready message pumps again
    running = queue.shift();
    var job = running;
    worker.postMessage({ id: job.id, pattern: job.pattern, input: job.input });
    runTimer = setTimeout(function () { if (running === job) timedOut(job); }, LIMITS.regexMs);
  }

  function onWorkerMessage(ev) {
    if (ev.target !== worker) return; // a stopped worker's last words
    var data = ev.data || {};
    if (data.ready) {
      if (startTimer) { clearTimeout(startTimer); startTimer = null; }
      workerReady = true;
      pump();
      return;
    }
    if (!running || data.id !== running.id) return;
    var job = running;
    running = null;
    if (runTimer) { clearTimeout(runTimer); runTimer = null; }
    finish(job, data.ok === true);
    pump();
  }

  function timedOut(job) {
    stopWorker(); // kills the runaway match; the next job gets a fresh worker
    running = null;
    remember(givenUp, job.pattern, true, LIMITS.regexGivenUp);
    D.pushBounded(dash.regexTimeouts, { pattern: job.pattern.slice(0, 200), ms: LIMITS.regexMs, at: new Date().toISOString() },
      LIMITS.errors);
    warn('pattern ' + JSON.stringify(job.pattern.slice(0, 200)) + ' ran over ' + LIMITS.regexMs +
      ' ms; the worker was stopped and checks with this pattern now pass unevaluated');
    jobs.delete(job.key);
    for (var i = queue.length - 1; i >= 0; i--) {
      if (queue[i].pattern === job.pattern) { jobs.delete(queue[i].key); queue.splice(i, 1); }
    }
    pump();
  }

  function stale(ctx) { return !D.surfaces.has(ctx.entry.id) || ctx.entry.ctx !== ctx; }

  function finish(job, ok) {
    jobs.delete(job.key);
    remember(answers, job.key, ok, LIMITS.regexCache);
    if (ok) return; // the callers already counted it as passing
    job.rechecks.forEach(function (ctx, recheck) {
      if (stale(ctx)) return;
      D.freshBudget(ctx); // a pass of its own, after the render's
      try { recheck(); } catch (e) { D.noteError('regex recheck', e); }
    });
    job.refresh.forEach(function (ctx) { if (!stale(ctx)) D.refreshBindings(ctx); });
  }
})();
