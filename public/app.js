// latticefit web page: a client of the /v1 API, plain ES module, no build step.
// Submit (JSON or GULP .gin through POST /v1/imports/gulp), watch (SSE over fetch, so that the
// API key can travel in a header), cancel, read (report, plots, downloads), list jobs.

const $ = (id) => document.getElementById(id);
const KEY = 'latticefit.apiKey';

// ---------- API ----------
function headers(extra = {}) {
  const key = sessionStorage.getItem(KEY);
  return key ? { ...extra, authorization: `Bearer ${key}` } : extra;
}

class ApiError extends Error {
  constructor(problem, status) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.problem = problem;
    this.status = status;
  }
}

async function api(path, opts = {}) {
  const res = await fetch(path, { ...opts, headers: headers(opts.headers) });
  if (!res.ok) {
    let problem;
    try { problem = await res.json(); } catch { problem = { title: res.statusText, status: res.status }; }
    if (res.status === 401) keyStatus('bad', sessionStorage.getItem(KEY)
      ? `The server refused this API key (401 ${problem.code ?? 'UNAUTHORIZED'}: ${problem.detail ?? 'not valid'}). Check it and enter it again.`
      : `This server needs an API key (401 ${problem.code ?? 'UNAUTHORIZED'}): enter it above.`);
    else if (res.status === 429 && /authentication/.test(problem.detail ?? '')) keyStatus('bad', `Too many wrong API keys from this address (429): ${problem.detail}.`);
    throw new ApiError(problem, res.status);
  }
  if (sessionStorage.getItem(KEY) && keyState !== 'ok') keyStatus('ok', 'API key accepted.');
  return res;
}

/** The line under the key field: whether the server took the key (401 and its reason otherwise). */
let keyState = '';
function keyStatus(state, message) {
  keyState = state;
  const el = $('key-status');
  el.textContent = message;
  el.className = `key-status ${state}`;
  el.hidden = !message;
}

// ---------- the editor: line numbers and JSON pointers → lines ----------
const editor = $('document');
function refreshGutter(badLine) {
  const n = editor.value.split('\n').length;
  const gutter = $('gutter');
  gutter.textContent = '';
  for (let i = 1; i <= n; i++) {
    const span = document.createElement('span');
    span.textContent = String(i);
    if (i === badLine) span.className = 'bad';
    gutter.append(span, '\n');
  }
  gutter.scrollTop = editor.scrollTop;
}
const LINE_PX = 18; // the editor's line height (style.css)
/** Scroll the editor so that `line` is in view, a few lines from the top. */
function scrollToLine(line) {
  editor.scrollTop = Math.max(0, (line - 6) * LINE_PX);
  $('gutter').scrollTop = editor.scrollTop;
}

/**
 * Where each value of a JSON text starts: JSON pointer → { line, start, end } (offsets into the
 * text). A small recursive-descent scan; on a syntax error it stops and returns what it has.
 */
function jsonLocations(text) {
  const out = new Map();
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const lineAt = (k) => text.slice(0, k).split('\n').length;
  const str = () => { const s = i; i++; while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1; i++; return JSON.parse(text.slice(s, i)); };
  const esc = (t) => String(t).replace(/~/g, '~0').replace(/\//g, '~1');
  const value = (ptr, keyStart) => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') i++;
      else for (;;) {
        ws(); const ks = i; const k = str(); ws(); if (text[i] !== ':') throw new Error('colon'); i++;
        value(`${ptr}/${esc(k)}`, ks); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; break; }
        throw new Error('object');
      }
    } else if (c === '[') {
      i++; ws();
      if (text[i] === ']') i++;
      else for (let n = 0; ; n++) {
        value(`${ptr}/${n}`); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; break; }
        throw new Error('array');
      }
    } else if (c === '"') str();
    else { const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i)); if (!m) throw new Error('value'); i += m[0].length; }
    const from = keyStart ?? start;
    out.set(ptr, { line: lineAt(from), start: from, end: i });
  };
  try { value(''); } catch { /* a syntax error: the server says where */ }
  return out;
}

/** The nearest enclosing pointer the document has (a missing field points at its parent). */
function locate(pointer) {
  const locs = jsonLocations(editor.value);
  let p = pointer ?? '';
  for (;;) {
    if (locs.has(p)) return { pointer: p, ...locs.get(p) };
    if (!p) return undefined;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

function showError(err) {
  const box = $('error');
  const p = err instanceof ApiError ? err.problem : { code: 'ERROR', detail: String(err.message ?? err) };
  $('error-code').textContent = p.code ?? `HTTP ${err.status ?? ''}`;
  $('error-detail').textContent = p.detail ?? p.title ?? '';
  const where = $('error-location');
  where.textContent = '';
  box.hidden = false;
  const markLine = (line, start, end) => {
    const text = document.createElement('code');
    text.className = 'line';
    text.textContent = (editor.value.split('\n')[line - 1] ?? '').trim();
    where.append(text);
    where.dataset.line = String(line);
    refreshGutter(line);
    editor.focus({ preventScroll: true });
    editor.setSelectionRange(start, end);
    scrollToLine(line);
  };
  const lines = editor.value.split('\n');
  const lineStart = (n) => lines.slice(0, n - 1).reduce((s, l) => s + l.length + 1, 0);
  // not valid JSON: the parser's message gives the offset ("... at position 29")
  const at = p.code === 'INVALID_JSON' && !looksLikeGulp(editor.value) ? Number(/position (\d+)/.exec(p.detail ?? '')?.[1]) : NaN;
  if (Number.isInteger(at) && at >= 0 && at <= editor.value.length) {
    const n = editor.value.slice(0, at).split('\n').length;
    where.append(`at line ${n}, column ${at - lineStart(n) + 1}: `);
    markLine(n, at, Math.min(at + 1, editor.value.length));
    return;
  }
  if (p.path === undefined || p.path === null) {
    // a GULP input the import could not read: its message starts with the line ("line 12: ...")
    const n = looksLikeGulp(editor.value) ? Number(/^line (\d+):/.exec(p.detail ?? '')?.[1]) : NaN;
    if (Number.isInteger(n) && n >= 1 && n <= lines.length) {
      where.append(`at line ${n} of the GULP input: `);
      markLine(n, lineStart(n), lineStart(n) + lines[n - 1].length);
    } else refreshGutter();
    return;
  }
  const loc = locate(p.path);
  const code = document.createElement('code');
  code.textContent = p.path || '/';
  where.append('at ', code);
  if (loc) {
    where.append(`, line ${loc.line}${loc.pointer !== p.path ? ` (in ${loc.pointer || 'the document'})` : ''}: `);
    markLine(loc.line, loc.start, loc.end);
  } else refreshGutter();
}
const clearError = () => { $('error').hidden = true; refreshGutter(); };

// ---------- submit ----------
const looksLikeGulp = (text) => !/^\s*[{[]/.test(text);

async function importGulp() {
  clearError();
  const res = await api('/v1/imports/gulp', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: editor.value });
  const { document: doc, untranslated } = await res.json();
  editor.value = JSON.stringify(doc, null, 2);
  const list = $('untranslated-list');
  list.textContent = '';
  for (const u of untranslated) {
    const li = document.createElement('li');
    li.textContent = `line ${u.line}: ${u.text} — ${u.reason}`;
    list.append(li);
  }
  $('untranslated').hidden = untranslated.length === 0;
  refreshGutter();
}

async function submit() {
  clearError();
  try {
    if (looksLikeGulp(editor.value)) await importGulp();
    const kind = $('kind').value;
    const res = await api(`/v1/${kind}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: editor.value });
    const body = await res.json();
    // properties may answer 200 with the finished job
    open(res.status === 200 ? body.links.self : body.location);
    loadJobs();
  } catch (e) { showError(e); }
}

// ---------- watch ----------
let current; // { location, controller }
const live = { points: [] };

function drawLive() {
  const svg = $('live-plot');
  const W = 520, H = 260, L = 62, R = 12, T = 12, B = 36;
  const pts = live.points.filter((p) => p.objective > 0 && Number.isFinite(p.objective));
  const ns = 'http://www.w3.org/2000/svg';
  svg.textContent = '';
  const el = (name, attrs, text) => { const e = document.createElementNS(ns, name); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v)); if (text !== undefined) e.textContent = text; svg.append(e); return e; };
  el('rect', { x: L, y: T, width: W - L - R, height: H - T - B, fill: 'none', stroke: '#888', 'stroke-width': 0.5 });
  el('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle', 'font-size': 12 }, 'iteration');
  el('text', { x: 14, y: (T + H - B) / 2, 'text-anchor': 'middle', 'font-size': 12, transform: `rotate(-90 14 ${(T + H - B) / 2})` }, 'objective F (log)');
  if (!pts.length) { el('text', { x: (L + W) / 2, y: H / 2, 'text-anchor': 'middle', fill: '#888', 'font-size': 12 }, 'waiting for progress…'); return; }
  const maxIt = Math.max(1, ...pts.map((p) => p.iteration));
  let lo = Math.log10(Math.min(...pts.map((p) => p.objective))), hi = Math.log10(Math.max(...pts.map((p) => p.objective)));
  lo = Math.floor(lo); hi = Math.max(lo + 1, Math.ceil(hi));
  const x = (it) => L + ((W - L - R) * it) / maxIt;
  const y = (f) => T + (H - T - B) * (1 - (Math.log10(f) - lo) / (hi - lo));
  for (let d = lo; d <= hi; d++) {
    el('line', { x1: L, x2: W - R, y1: y(10 ** d), y2: y(10 ** d), stroke: '#e6e6e6' });
    el('text', { x: L - 6, y: y(10 ** d) + 4, 'text-anchor': 'end', 'font-size': 11 }, d >= -2 && d <= 4 ? String(10 ** d) : `1e${d}`);
  }
  const step = Math.max(1, Math.ceil(maxIt / 8));
  for (let it = 0; it <= maxIt; it += step) el('text', { x: x(it), y: H - B + 16, 'text-anchor': 'middle', 'font-size': 11 }, String(it));
  const accepted = pts.filter((p) => p.accepted !== false);
  el('polyline', { points: accepted.map((p) => `${x(p.iteration)},${y(p.objective)}`).join(' '), fill: 'none', stroke: '#1f3a93', 'stroke-width': 1.8 });
  for (const p of pts) {
    const mark = p.accepted === false
      ? el('path', { class: 'rejected', 'data-iteration': p.iteration, d: `M${x(p.iteration) - 4},${y(p.objective) - 4}l8,8m0,-8l-8,8`, stroke: '#c0392b', 'stroke-width': 1.6 })
      : el('circle', { class: 'accepted', 'data-iteration': p.iteration, cx: x(p.iteration), cy: y(p.objective), r: 2.2, fill: '#1f3a93' });
    const title = document.createElementNS(ns, 'title');
    title.textContent = `iteration ${p.iteration}: F = ${p.objective.toPrecision(6)}${p.accepted === false ? ' (rejected trial step)' : ''}`;
    mark.append(title);
  }
  const rejected = pts.length - accepted.length;
  el('text', { x: W - R - 4, y: T + 14, 'text-anchor': 'end', 'font-size': 11, fill: '#555' }, `${rejected} rejected trial step${rejected === 1 ? '' : 's'} (red ×)`);
}

function setStatus(job) {
  const s = $('job-status');
  s.textContent = job.status;
  s.className = `status ${job.status}`;
  $('cancel').disabled = ['succeeded', 'failed', 'cancelled'].includes(job.status);
  if (job.progress) showProgress(job.progress);
  if (job.error) $('progress').textContent = `${job.error.code}: ${job.error.message}`;
}

function showProgress(p) {
  const f = typeof p.objective === 'number' ? `, objective ${p.objective.toPrecision(6)}` : '';
  $('progress').textContent = `${p.stage ?? 'running'}: iteration ${p.iteration}${f}, ${(p.elapsedMs / 1000).toFixed(1)} s`;
  if (typeof p.objective === 'number' && !live.points.some((q) => q.iteration === p.iteration && q.objective === p.objective)) {
    live.points.push({ iteration: p.iteration, objective: p.objective, accepted: p.accepted });
    drawLive();
  }
}

/** Read an SSE stream with fetch (EventSource cannot send the Authorization header). */
async function stream(location, signal) {
  const res = await api(`${location}/events`, { headers: { accept: 'text/event-stream' }, signal });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    const blocks = buffer.split('\n\n');
    buffer = blocks.pop();
    for (const block of blocks) {
      let event = 'message', data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (!data) continue;
      const d = JSON.parse(data);
      if (event === 'progress') showProgress(d);
      else if (event === 'status' || event === 'requeued') setStatus(event === 'requeued' ? d.job : d);
    }
  }
}

async function open(location) {
  current?.controller.abort();
  const controller = new AbortController();
  current = { location, controller };
  live.points = [];
  $('watch-section').hidden = false;
  $('result-section').hidden = true;
  $('job-id').textContent = location.split('/').pop();
  // nothing of the job shown before may stay: its status, progress, report and downloads
  $('job-status').textContent = '';
  $('job-status').className = 'status';
  $('progress').textContent = '';
  $('report').textContent = '';
  $('downloads').textContent = '';
  $('live').hidden = false;
  drawLive();
  try {
    const job = await (await api(location, { signal: controller.signal })).json();
    setStatus(job);
    if (!['succeeded', 'failed', 'cancelled'].includes(job.status)) await stream(location, controller.signal);
    if (current?.location !== location) return;
    const done = await (await api(location, { signal: controller.signal })).json();
    setStatus(done);
    if (done.status === 'succeeded') await showResult(location, done);
    loadJobs();
  } catch (e) {
    if (e.name !== 'AbortError') showError(e);
  }
}

async function cancel() {
  if (!current) return;
  try {
    const job = await (await api(current.location, { method: 'DELETE' })).json();
    setStatus(job);
  } catch (e) { showError(e); }
}

// ---------- read ----------
const DOWNLOADS = [
  ['report', ['markdown', 'html', 'csv', 'latex', 'json']],
  ['parameters', ['json', 'gulp', 'lammps']],
  ['structures', ['cif', 'lammps', 'json']],
];

async function download(url, fallbackName) {
  try {
    const res = await api(url);
    const cd = res.headers.get('content-disposition') ?? '';
    const name = /filename="([^"]+)"/.exec(cd)?.[1] ?? fallbackName;
    const blob = await res.blob();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  } catch (e) { showError(e); }
}

/** An SVG document (our own renderer's) as a node of this page. */
function svgNode(text) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const svg = doc.documentElement;
  if (svg.nodeName !== 'svg') return undefined;
  for (const s of svg.querySelectorAll('script, foreignObject')) s.remove();
  return document.importNode(svg, true);
}

async function showResult(location, job) {
  $('result-section').hidden = false;
  const dl = $('downloads');
  dl.textContent = '';
  for (const [what, formats] of DOWNLOADS) {
    const group = document.createElement('div');
    const label = document.createElement('span');
    label.textContent = `${what}: `;
    group.append(label);
    for (const f of formats) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = f;
      b.dataset.download = `${what}-${f}`;
      b.addEventListener('click', () => download(`${location}/${what}?format=${f}`, `${job.id}-${what}.${f}`));
      group.append(b);
    }
    dl.append(group);
  }
  // the report: tables S7/S8/S9, residuals and the figures (inline SVG), taken out of its own page
  const report = $('report');
  report.textContent = 'loading the report…';
  const html = await (await api(`${location}/report?format=html`)).text();
  // the report's own style sheet is for it as a standalone page; here the page's style applies
  // (and parsing it would be an inline style under this page's policy)
  const doc = new DOMParser().parseFromString(html.replace(/<style[\s\S]*?<\/style>/gi, ''), 'text/html');
  for (const bad of doc.querySelectorAll('script, style, link, iframe, object, embed')) bad.remove();
  for (const el of doc.body.querySelectorAll('*')) for (const a of [...el.attributes]) if (/^on/i.test(a.name) || (a.name === 'href' && /^\s*javascript:/i.test(a.value))) el.removeAttribute(a.name);
  report.textContent = '';
  report.append(...[...doc.body.childNodes].map((n) => document.importNode(n, true)));
  // the figures as files
  const plots = report.querySelectorAll('figure.plot');
  const group = document.createElement('div');
  const label = document.createElement('span');
  label.textContent = 'figures (SVG): ';
  group.append(label);
  for (const fig of plots) {
    const name = fig.id.replace(/^figure-/, '');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = name;
    b.dataset.download = `plot-${name}`;
    b.addEventListener('click', () => download(`${location}/plots/${name}.svg`, `${job.id}-${name}.svg`));
    group.append(b);
  }
  if (plots.length) dl.append(group);
  // the server's convergence figure replaces the live one
  const conv = report.querySelector('#figure-convergence');
  if (conv) $('live').hidden = true;
}

// ---------- jobs ----------
let cursors = [];
let pageNumber = 1;
async function loadJobs(cursor) {
  const q = new URLSearchParams({ limit: $('page-size').value });
  const status = $('status-filter').value;
  if (status) q.set('status', status);
  if (cursor) q.set('cursor', cursor);
  const kind = $('kind').value;
  try {
    const page = await (await api(`/v1/${kind}?${q}`)).json();
    const body = $('jobs').tBodies[0];
    body.textContent = '';
    for (const j of page.items) {
      const tr = document.createElement('tr');
      tr.dataset.id = j.id;
      const cells = [j.id, j.name ?? '', j.kind, j.status, new Date(j.timings.createdAt).toLocaleString(), j.progress ? `iteration ${j.progress.iteration}${typeof j.progress.objective === 'number' ? `, F ${j.progress.objective.toPrecision(4)}` : ''}` : ''];
      for (const [k, c] of cells.entries()) {
        const td = document.createElement('td');
        if (k === 0) { const code = document.createElement('code'); code.textContent = c; td.append(code); } else td.textContent = c;
        if (k === 3) td.className = `status ${c}`;
        tr.append(td);
      }
      tr.addEventListener('click', () => open(j.links.self));
      body.append(tr);
    }
    cursors = page.nextCursor ? [page.nextCursor] : [];
    pageNumber = cursor ? pageNumber + 1 : 1;
    $('next-page').disabled = !page.nextCursor;
    $('first-page').disabled = pageNumber === 1;
    $('page-info').textContent = page.items.length || pageNumber > 1 ? `page ${pageNumber}${status ? `, ${status} only` : ''}` : (status ? `no ${status} jobs` : 'no jobs yet');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) $('jobs').tBodies[0].textContent = '';
    else showError(e);
  }
}

// ---------- wiring ----------
// the key lives in this tab's sessionStorage only (never localStorage, never a cookie)
$('api-key').value = sessionStorage.getItem(KEY) ?? '';
$('api-key').addEventListener('input', (e) => {
  const v = e.target.value.trim();
  if (v) sessionStorage.setItem(KEY, v); else sessionStorage.removeItem(KEY);
  keyStatus('', '');
});
// one request per key entered (wrong keys count against this address): Enter leaves the field, which fires 'change' once
$('api-key').addEventListener('change', () => loadJobs());
$('api-key').addEventListener('keydown', (e) => { if (e.key === 'Enter') e.target.blur(); });
$('file').addEventListener('change', async (e) => {
  const f = e.target.files?.[0];
  if (!f) return;
  editor.value = await f.text();
  clearError();
  if (looksLikeGulp(editor.value)) importGulp().catch(showError);
});
$('example').addEventListener('click', async () => {
  try {
    editor.value = await (await fetch('/web/example.json')).text();
    clearError();
  } catch (e) { showError(e); }
});
editor.addEventListener('input', () => refreshGutter());
editor.addEventListener('scroll', () => { $('gutter').scrollTop = editor.scrollTop; });
$('import-gulp').addEventListener('click', () => importGulp().catch(showError));
$('submit').addEventListener('click', submit);
$('cancel').addEventListener('click', cancel);
$('refresh').addEventListener('click', () => loadJobs());
$('status-filter').addEventListener('change', () => loadJobs());
$('page-size').addEventListener('change', () => loadJobs());
$('kind').addEventListener('change', () => loadJobs());
$('next-page').addEventListener('click', () => cursors[0] && loadJobs(cursors[0]));
$('first-page').addEventListener('click', () => loadJobs());
refreshGutter();
drawLive();
loadJobs();
