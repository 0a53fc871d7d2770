import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CI,
  connectStdio,
  createFixture,
  distStatus,
  engineStatus,
  type Fixture,
  LONG,
  type StdioSession,
  shouldSkip,
  structuredOf,
  until,
} from './harness.js';

// The console beside stdio (MCP_BRIDGE_CONSOLE): refused without the token, its state while a run made through a
// real MCP client is in progress and after, and the page itself in a real headless Chromium.

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

/** The address (with its token) a bridge printed for its console. */
function consoleAddress(session: StdioSession): Promise<URL> {
  return until('the console address in the log', () => {
    const found = /console at (http:\/\/\S+)/.exec(session.stderr())?.[1];
    return found ? new URL(found) : undefined;
  });
}

for (const engine of ['podman', 'docker'] as const) {
  const skip = shouldSkip(distStatus(), await engineStatus(engine));

  describe.skipIf(skip)(`the console, on ${engine}`, { timeout: LONG }, () => {
    let fixture: Fixture;
    let bridge: StdioSession;
    let url: URL;

    beforeAll(async () => {
      fixture = await createFixture();
      bridge = await connectStdio(fixture, engine, {
        env: { MCP_BRIDGE_POOL_SIZE: '1', MCP_BRIDGE_CONSOLE: '127.0.0.1:0' },
      });
      url = await consoleAddress(bridge);
    }, LONG);

    afterAll(async () => {
      await bridge?.close();
      await fixture?.cleanup();
    }, LONG);

    const token = () => url.searchParams.get('token') ?? '';
    const state = async () =>
      (await (
        await fetch(new URL('/console/state', url), { headers: { authorization: `Bearer ${token()}` } })
      ).json()) as {
        servers: { name: string; state: string }[];
        runs: {
          active: { run: string; calls: { server: string; tool: string; outcome?: string }[] }[];
          recent: { run: string; status: string; calls: unknown[] }[];
        };
      };
    const slowRun = () =>
      bridge.client.callTool(
        {
          name: 'run_python',
          arguments: {
            code: 'await mcp_test.echo(message="hi")\nawait mcp_test.slow(ms=2500)\n"done"',
            servers: ['test'],
          },
        },
        undefined,
        { timeout: LONG },
      );

    it('is refused without the token, or with a wrong one, and is read-only', async () => {
      const bare = new URL('/console', url);
      expect((await fetch(bare)).status).toBe(401);
      expect((await fetch(`${bare}?token=wrong`)).status).toBe(401);
      expect((await fetch(new URL('/console/state', url))).status).toBe(401);
      expect((await fetch(url, { method: 'POST' })).status).toBe(405);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await page.text()).toContain('code-exec-bridge console');
    });

    it('shows a run while it runs, with its tool calls as they happen, then among the recent runs', async () => {
      const running = slowRun();
      const during = await until('the run in progress with its slow call', async () => {
        const now = await state();
        const run = now.runs.active[0];
        return run?.calls.some((call) => call.tool === 'slow' && call.outcome === undefined)
          ? now
          : undefined;
      });
      expect(during.runs.active[0]?.calls[0]).toMatchObject({ server: 'test', tool: 'echo', outcome: 'ok' });
      expect(during.servers).toContainEqual(expect.objectContaining({ name: 'test', state: 'ready' }));
      expect(structuredOf(await running).status).toBe('success');
      const after = await state();
      expect(after.runs.active).toEqual([]);
      expect(after.runs.recent[0]).toMatchObject({ status: 'success' });
      expect(after.runs.recent[0]?.calls).toHaveLength(2);
    });

    it('a bridge started later shows the runs of the audit trail among its recent ones', async () => {
      const before = (await state()).runs.recent.map((run) => run.run);
      expect(before.length).toBeGreaterThan(0);
      const later = await connectStdio(fixture, engine, {
        env: { MCP_BRIDGE_POOL_SIZE: '0', MCP_BRIDGE_CONSOLE: '127.0.0.1:0' },
      });
      try {
        const address = await consoleAddress(later);
        const recent = await until('the earlier runs', async () => {
          const response = await fetch(new URL('/console/state', address), {
            headers: { authorization: `Bearer ${address.searchParams.get('token')}` },
          });
          const runs = ((await response.json()) as { runs: { recent: { run: string; calls: unknown[] }[] } })
            .runs.recent;
          return runs.length >= before.length ? runs : undefined;
        });
        expect(recent.map((run) => run.run)).toEqual(before);
        expect(recent[0]?.calls).toHaveLength(2);
      } finally {
        await later.close();
      }
    });

    describe.skipIf(!CHROMIUM && !CI)(
      `in a real browser${CHROMIUM ? '' : ' (SKIPPED: no Chromium here; apt-get install chromium)'}`,
      () => {
        it('loads with the token, shows a run in progress, and logs no error', async () => {
          if (!CHROMIUM)
            throw new Error('Chromium is missing: scripts/provision-engines.sh installs it for CI');
          const { chromium } = await import('playwright-core');
          const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
          try {
            const page = await browser.newPage();
            const problems: string[] = [];
            page.on('console', (message) => {
              if (message.type() === 'error') problems.push(message.text());
            });
            page.on('pageerror', (error) => problems.push(String(error)));
            page.on('response', (response) => {
              if (response.status() >= 400)
                problems.push(`${response.status()} ${new URL(response.url()).pathname}`);
            });
            // Refused without the token (in a page of its own: the browser logs a refused load as an error).
            const refused = await (await browser.newPage()).goto(new URL('/console', url).toString());
            expect(refused?.status()).toBe(401);
            await page.goto(url.toString());
            // The token leaves the address bar once the page has it.
            expect(page.url()).not.toContain('token=');
            const running = slowRun();
            await page.locator('#active', { hasText: 'test.slow' }).waitFor({ timeout: 30_000 });
            expect(await page.textContent('#servers')).toContain('test');
            if (process.env.CODEXEC_CONSOLE_SCREENSHOT && engine === 'podman') {
              await page.setViewportSize({ width: 1280, height: 760 });
              await page.screenshot({ path: process.env.CODEXEC_CONSOLE_SCREENSHOT });
            }
            await running;
            await page.locator('#recent', { hasText: 'success' }).waitFor({ timeout: 30_000 });
            expect(problems).toEqual([]);
          } finally {
            await browser.close();
          }
        });
      },
    );
  });
}
