/* CAR dashboard: the regex worker. Not a page script: regex.js starts it with
 * new Worker('/regex-worker.js') and terminates it when a match runs too long, so an agent's
 * pathological pattern only ever spins this thread. One message in, {id, pattern, input};
 * one out, {id, ok}. It says {ready: true} once it is listening.
 */
'use strict';

self.onmessage = function (ev) {
  var job = ev.data || {};
  var ok = false;
  try { ok = new RegExp(String(job.pattern)).test(String(job.input)); } catch (e) { ok = false; }
  self.postMessage({ id: job.id, ok: ok });
};

self.postMessage({ ready: true });
