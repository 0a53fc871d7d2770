/**
 * The console: a read-only page the bridge serves (`/console`) with what it is doing, refreshed from `/console/state`
 * twice a second. One self-contained page: no build step, no request to anywhere but the bridge.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PoolStatus } from '@codexec/sandbox';
import { tokenMatches } from '../http-guards.js';
import type { LiveRun } from './live-runs.js';

export interface ConsoleState {
  version: string;
  time: string;
  servers: {
    name: string;
    transport: string;
    state: string;
    restarts: number;
    toolCount?: number | undefined;
    active: number;
    queued: number;
    lastError?: string | undefined;
  }[];
  sessions: { name: string; runs: number; busy: boolean; container: boolean; lastUsedAt: string }[];
  pool: PoolStatus | undefined;
  runs: { active: LiveRun[]; recent: LiveRun[] };
}

export interface ConsoleOptions {
  /** The token requests must carry (`Authorization: Bearer`, or `?token=` to open the page); none: no check. */
  token: string | undefined;
  state: () => ConsoleState;
}

export const CONSOLE_PATH = '/console';

function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return url.searchParams.get('token') ?? undefined;
}

/** Answers a request for the console (true), or leaves it to the next handler (false). */
export function handleConsole(req: IncomingMessage, res: ServerResponse, options: ConsoleOptions): boolean {
  const url = new URL(req.url ?? '/', 'http://console');
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== CONSOLE_PATH && path !== `${CONSOLE_PATH}/state`) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res
      .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' })
      .end('The console is read-only.\n');
    return true;
  }
  const presented = presentedToken(req, url);
  if (options.token && (!presented || !tokenMatches(presented, options.token))) {
    res
      .writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' })
      .end('The console needs the bridge token: open /console?token=<MCP_BRIDGE_HTTP_TOKEN>.\n');
    return true;
  }
  if (path === `${CONSOLE_PATH}/state`) {
    res
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify(options.state()));
    return true;
  }
  const nonce = randomBytes(16).toString('base64');
  res
    .writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    })
    .end(page(nonce));
  return true;
}

function page(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>code-exec-bridge console</title>
<style nonce="${nonce}">
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { background: #1d2330; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 16px; margin: 0; }
  header span { opacity: .7; font-size: 12px; }
  main { padding: 12px 20px; display: grid; gap: 14px; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
  section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 10px 14px; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: #5b6475; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eef0f3; font-variant-numeric: tabular-nums; }
  th { color: #5b6475; font-weight: 600; font-size: 12px; }
  .ok { color: #1a7f37; } .bad { color: #c62828; } .dim { color: #8a93a3; }
  .run { border-left: 3px solid #2f6fde; padding: 4px 8px; margin: 6px 0; }
  .empty { color: #8a93a3; font-style: italic; }
  svg { width: 100%; height: 120px; }
  #error { color: #c62828; }
</style>
</head>
<body>
<header><h1>code-exec-bridge console</h1><span id="version"></span><span id="time"></span><span id="error"></span></header>
<main>
  <section><h2>Runs in progress</h2><div id="active"></div></section>
  <section><h2>Recent runs</h2><div id="recent"></div></section>
  <section><h2>Durations of recent runs and their calls (ms)</h2><div id="chart"></div></section>
  <section><h2>Upstream servers</h2><div id="servers"></div></section>
  <section><h2>Sessions</h2><div id="sessions"></div></section>
  <section><h2>Warm pool</h2><div id="pool"></div></section>
</main>
<script nonce="${nonce}">
(() => {
  const params = new URLSearchParams(location.search);
  if (params.get('token')) {
    sessionStorage.setItem('codexec-console-token', params.get('token'));
    history.replaceState(null, '', location.pathname);
  }
  const token = sessionStorage.getItem('codexec-console-token');
  const $ = (id) => document.getElementById(id);
  const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const ms = (v) => (v === undefined ? '…' : v < 1000 ? v + ' ms' : (v / 1000).toFixed(1) + ' s');
  const cls = (s) => (s === 'success' || s === 'ok' || s === 'ready' ? 'ok' : s && /error|timeout|denied|crash|fail/.test(s) ? 'bad' : 'dim');
  const table = (head, rows) => rows.length
    ? '<table><tr>' + head.map((h) => '<th>' + esc(h) + '</th>').join('') + '</tr>' +
      rows.map((r) => '<tr>' + r.map((c) => '<td>' + c + '</td>').join('') + '</tr>').join('') + '</table>'
    : '<div class="empty">none</div>';
  const calls = (run) => run.calls.map((c) => esc(c.server + '.' + c.tool) + ' <span class="' + cls(c.outcome) + '">' +
    esc(c.outcome ?? 'running') + '</span> ' + ms(c.durationMs)).join('<br>') + (run.moreCalls ? '<br><span class="dim">and ' + run.moreCalls + ' more</span>' : '');
  function chart(runs) {
    const bars = runs.slice(0, 30).reverse();
    if (!bars.length) return '<div class="empty">no run yet</div>';
    const most = Math.max(1, ...bars.map((r) => r.durationMs ?? 0));
    const w = 100 / bars.length;
    return '<svg viewBox="0 0 100 40" preserveAspectRatio="none">' + bars.map((r, i) => {
      const h = 38 * (r.durationMs ?? 0) / most;
      const callMs = r.calls.reduce((sum, c) => sum + (c.durationMs ?? 0), 0);
      const ch = Math.min(h, 38 * callMs / most);
      return '<rect x="' + (i * w + w * 0.1) + '" y="' + (40 - h) + '" width="' + (w * 0.8) + '" height="' + h + '" fill="' + (r.status === 'success' ? '#8fb5f5' : '#f0a1a1') + '"><title>' + esc(r.run + ': ' + ms(r.durationMs)) + '</title></rect>' +
        '<rect x="' + (i * w + w * 0.3) + '" y="' + (40 - ch) + '" width="' + (w * 0.4) + '" height="' + ch + '" fill="#2f6fde"><title>' + esc('tool calls: ' + ms(callMs)) + '</title></rect>';
    }).join('') + '</svg><div class="dim">light: the run; dark: its tool calls, added up. Longest: ' + ms(most) + '</div>';
  }
  function render(s) {
    $('version').textContent = 'v' + s.version;
    $('time').textContent = new Date(s.time).toLocaleTimeString();
    $('error').textContent = '';
    $('active').innerHTML = s.runs.active.length ? s.runs.active.map((r) =>
      '<div class="run"><b>' + esc(r.run) + '</b> ' + esc(r.servers.join(', ')) + (r.session ? ' · session ' + esc(r.session) : '') +
      ' · running for ' + ms(Date.now() - r.startedAt) + '<br>' + (calls(r) || '<span class="dim">no tool call yet</span>') + '</div>').join('')
      : '<div class="empty">no run in progress</div>';
    $('recent').innerHTML = table(['run', 'status', 'duration', 'calls', 'session'], s.runs.recent.map((r) => [
      esc(r.run), '<span class="' + cls(r.status) + '">' + esc(r.status) + '</span>', ms(r.durationMs), String(r.calls.length + r.moreCalls), esc(r.session ?? '-')]));
    $('chart').innerHTML = chart(s.runs.recent);
    $('servers').innerHTML = table(['server', 'state', 'transport', 'tools', 'calls now', 'restarts'], s.servers.map((v) => [
      esc(v.name), '<span class="' + cls(v.state) + '">' + esc(v.state) + '</span>' + (v.lastError ? '<br><span class="bad">' + esc(v.lastError) + '</span>' : ''),
      esc(v.transport), esc(v.toolCount ?? '-'), esc(v.active + (v.queued ? ' (+' + v.queued + ' queued)' : '')), esc(v.restarts)]));
    $('sessions').innerHTML = table(['session', 'runs', 'state', 'container'], s.sessions.map((v) => [
      esc(v.name), esc(v.runs), v.busy ? 'running' : 'idle', v.container ? 'held' : '-']));
    $('pool').innerHTML = s.pool
      ? esc(s.pool.idle + ' warm of ' + s.pool.size + ', ' + s.pool.starting + ' starting; runs served warm: ' + s.pool.served + ', cold: ' + s.pool.cold)
      : '<div class="empty">not created yet (the first run creates it)</div>';
  }
  async function refresh() {
    try {
      const response = await fetch('/console/state', { headers: token ? { authorization: 'Bearer ' + token } : {}, cache: 'no-store' });
      if (!response.ok) throw new Error('the bridge answered ' + response.status);
      render(await response.json());
    } catch (error) {
      $('error').textContent = String(error.message || error);
    }
    setTimeout(refresh, 500);
  }
  refresh();
})();
</script>
</body>
</html>
`;
}
