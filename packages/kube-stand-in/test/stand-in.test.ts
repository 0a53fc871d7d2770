import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ON_CI, warnSkipped } from '@codexec/test-support';
import { ApiException, Attach, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
// The client's own WebSocket handler (its index does not export it), to see what an attach gets on channel 3.
import {
  WebSocketHandler,
  type WebSocketInterface,
} from '@kubernetes/client-node/dist/web-socket-handler.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type KubeStandIn, startKubeStandIn } from '../src/index.js';
import { apiFailure } from './api-errors.js';
import { hardenedPod, IMAGE } from './pods.js';

const NAMESPACE = 'code-exec';
// Every pod of this run carries this label, so podman can be asked about exactly them.
const RUN_LABEL = 'codexec.dev/test-run';
const RUN = randomBytes(4).toString('hex');

function podmanReady(): string | undefined {
  try {
    execFileSync('podman', ['image', 'exists', IMAGE], { stdio: 'ignore' });
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'podman is not installed'
      : `the image ${IMAGE} is not in local podman`;
  }
}

const missing = podmanReady();
if (missing !== undefined && !ON_CI) warnSkipped('the Kubernetes stand-in tests', missing);

/** Names of the containers podman has (running or not) of this test run. */
function podmanContainers(): string[] {
  const out = execFileSync(
    'podman',
    ['ps', '-a', '--filter', `label=${RUN_LABEL}=${RUN}`, '--format', '{{.Names}}'],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter(Boolean);
}

function pod(name: string, python: string, options: Parameters<typeof hardenedPod>[2] = {}): V1Pod {
  return hardenedPod(name, ['python3', '-u', '-c', python], {
    ...options,
    labels: { [RUN_LABEL]: RUN, ...options.labels },
  }) as V1Pod;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface AttachResult {
  stdout: string;
  stderr: string;
  status: Record<string, unknown> | undefined;
  protocol: string;
}

describe.skipIf(missing !== undefined && !ON_CI)(
  'the Kubernetes stand-in, driven by the official client',
  () => {
    let standIn: KubeStandIn;
    let kc: KubeConfig;
    let api: CoreV1Api;
    let dir: string;

    beforeAll(async () => {
      standIn = await startKubeStandIn();
      dir = mkdtempSync(join(tmpdir(), 'kube-stand-in-'));
      await standIn.writeKubeconfig(join(dir, 'kubeconfig.yaml'));
      kc = new KubeConfig();
      kc.loadFromFile(join(dir, 'kubeconfig.yaml'));
      api = kc.makeApiClient(CoreV1Api);
    });

    afterAll(async () => {
      await standIn?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    async function read(name: string): Promise<V1Pod> {
      return api.readNamespacedPod({ namespace: NAMESPACE, name });
    }

    /** Polls the pod (as the adapter does) until its phase is one of `phases`; returns every phase seen. */
    async function waitForPhase(name: string, phases: string[], timeoutMs = 60_000): Promise<string[]> {
      const seen: string[] = [];
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const phase = (await read(name)).status?.phase ?? '';
        if (seen.at(-1) !== phase) seen.push(phase);
        if (phases.includes(phase)) return seen;
        await sleep(50);
      }
      throw new Error(`pod ${name} never reached ${phases.join('/')}; phases seen: ${seen.join(' → ')}`);
    }

    async function waitGone(name: string, timeoutMs = 30_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        try {
          await read(name);
        } catch (error) {
          if (error instanceof ApiException && error.code === 404) return;
          throw error;
        }
        await sleep(50);
      }
      throw new Error(`pod ${name} is still there`);
    }

    /**
     * Attaches with the official `Attach`, writes `input` to stdin and ends it, and collects everything until the
     * server closes the socket. The handler is the client's own, wrapped only to keep what came on channel 3.
     */
    async function attach(name: string, input: string | undefined): Promise<AttachResult> {
      const handler = new WebSocketHandler(kc);
      let status: Record<string, unknown> | undefined;
      const capturing: WebSocketInterface = {
        connect: (path, textHandler, binaryHandler) =>
          handler.connect(path, textHandler, (stream, data) => {
            if (stream === WebSocketHandler.StatusStream) status = JSON.parse(data.toString('utf8'));
            return binaryHandler ? binaryHandler(stream, data) : true;
          }),
      };
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      stdout.on('data', (chunk: Buffer) => out.push(chunk));
      stderr.on('data', (chunk: Buffer) => err.push(chunk));
      const stdin = new PassThrough();
      const socket = await new Attach(kc, capturing).attach(
        NAMESPACE,
        name,
        'sandbox',
        stdout,
        stderr,
        stdin,
        false,
      );
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      if (input !== undefined) stdin.end(input);
      await closed;
      return {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        status,
        protocol: socket.protocol,
      };
    }

    it('answers /version', async () => {
      const response = await fetch(`${standIn.url}/version`, {
        headers: { Authorization: `Bearer ${standIn.token}` },
      });
      expect(await response.json()).toMatchObject({ major: '1', gitVersion: 'v1.31.0-codexec-stand-in' });
    });

    it('runs a pod from Pending to Running to Succeeded, with hello world through attach', async () => {
      const name = `hello-${RUN}`;
      const created = await api.createNamespacedPod({
        namespace: NAMESPACE,
        body: pod(name, "import sys; print('early'); data = sys.stdin.read(); print('hello ' + data)"),
      });
      expect(created.status?.phase).toBe('Pending');
      expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);

      const phases = await waitForPhase(name, ['Running']);
      expect(phases.at(-1)).toBe('Running');
      const running = await read(name);
      expect(running.status?.containerStatuses?.[0]).toMatchObject({
        name: 'sandbox',
        ready: true,
        restartCount: 0,
        image: IMAGE,
      });
      expect(running.status?.containerStatuses?.[0]?.state?.running?.startedAt).toBeInstanceOf(Date);
      expect(podmanContainers()).toContain(name);

      // What the container wrote before anyone attached reaches the first attach.
      await sleep(500);
      const result = await attach(name, 'world');
      expect(result.protocol).toBe('v5.channel.k8s.io');
      expect(result.stdout).toBe('early\nhello world\n');
      expect(result.stderr).toBe('');
      expect(result.status).toEqual({ metadata: {}, status: 'Success' });

      await waitForPhase(name, ['Succeeded']);
      const done = await read(name);
      expect(done.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
        exitCode: 0,
        reason: 'Completed',
      });
      // The pod stays until deleted, and its container is gone with it.
      expect((await read(name)).status?.phase).toBe('Succeeded');
      expect(podmanContainers()).not.toContain(name);
      await api.deleteNamespacedPod({ namespace: NAMESPACE, name, gracePeriodSeconds: 0 });
      await waitGone(name);
    });

    it('reports a non-zero exit on channel 3 and in the pod, with stderr on its channel', async () => {
      const name = `exit3-${RUN}`;
      await api.createNamespacedPod({
        namespace: NAMESPACE,
        body: pod(name, "import sys; sys.stdin.read(); sys.stderr.write('oops\\n'); sys.exit(3)"),
      });
      await waitForPhase(name, ['Running']);
      const result = await attach(name, '');
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe('oops\n');
      expect(result.status).toMatchObject({
        status: 'Failure',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '3' }] },
      });
      expect(String(result.status?.message)).toMatch(/^command terminated with non-zero exit code/);
      await waitForPhase(name, ['Failed']);
      expect((await read(name)).status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
        exitCode: 3,
        reason: 'Error',
      });
      await api.deleteNamespacedPod({ namespace: NAMESPACE, name });
      await waitGone(name);
    });

    it('refuses a second attach while one is open, and an attach to a pod that is not running', async () => {
      const name = `twice-${RUN}`;
      await api.createNamespacedPod({
        namespace: NAMESPACE,
        body: pod(name, 'import sys; print(len(sys.stdin.read()))'),
      });
      await waitForPhase(name, ['Running']);
      const first = attach(name, undefined);
      await sleep(300);
      await expect(attach(name, 'x')).rejects.toThrow(/400/);
      // The first is still served: closing its stdin ends the program, whose output it gets.
      const stdinClosed = await Promise.race([first.then(() => 'ended'), sleep(500).then(() => 'open')]);
      expect(stdinClosed).toBe('open');
      await api.deleteNamespacedPod({ namespace: NAMESPACE, name });
      await first;
      await waitGone(name);

      const ended = `ended-${RUN}`;
      await api.createNamespacedPod({ namespace: NAMESPACE, body: pod(ended, 'pass') });
      await waitForPhase(ended, ['Succeeded']);
      await expect(attach(ended, 'x')).rejects.toThrow(/400/);
      await api.deleteNamespacedPod({ namespace: NAMESPACE, name: ended });
      await waitGone(ended);
    });

    it('speaks v4.channel.k8s.io to a client that offers only it, closing stdin when the socket closes', async () => {
      const name = `v4-${RUN}`;
      await api.createNamespacedPod({
        namespace: NAMESPACE,
        body: pod(name, "import sys; data = sys.stdin.read(); sys.exit(0 if data == 'abc' else 5)"),
      });
      await waitForPhase(name, ['Running']);
      const url = `${standIn.url.replace(/^http/, 'ws')}/api/v1/namespaces/${NAMESPACE}/pods/${name}/attach?container=sandbox&stdin=true&stdout=true&stderr=true&tty=false`;
      const socket = new WebSocket(url, ['v4.channel.k8s.io'], {
        headers: { Authorization: `Bearer ${standIn.token}` },
      });
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      expect(socket.protocol).toBe('v4.channel.k8s.io');
      socket.send(Buffer.from('\x00abc', 'latin1'));
      // v4 has no half-close: closing the socket is what ends the first attach, and with it the container's stdin.
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.close(1000);
      await closed;
      await waitForPhase(name, ['Succeeded', 'Failed']);
      expect((await read(name)).status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
      await api.deleteNamespacedPod({ namespace: NAMESPACE, name });
      await waitGone(name);
    });

    it('lists pods by label selector', async () => {
      const names = [`list-a-${RUN}`, `list-b-${RUN}`];
      for (const [index, name] of names.entries()) {
        await api.createNamespacedPod({
          namespace: NAMESPACE,
          body: pod(name, 'import sys; sys.stdin.read()', { labels: { 'codexec.dev/which': `w${index}` } }),
        });
      }
      const both = await api.listNamespacedPod({
        namespace: NAMESPACE,
        labelSelector: `${RUN_LABEL}=${RUN}`,
      });
      expect(both.kind).toBe('PodList');
      expect(both.items.map((item) => item.metadata?.name).sort()).toEqual(names);
      const one = await api.listNamespacedPod({
        namespace: NAMESPACE,
        labelSelector: `${RUN_LABEL}=${RUN},codexec.dev/which=w1`,
      });
      expect(one.items.map((item) => item.metadata?.name)).toEqual([names[1]]);
      expect(one.items[0]?.status?.phase).toMatch(/^(Pending|Running)$/);
      const none = await api.listNamespacedPod({
        namespace: NAMESPACE,
        labelSelector: 'codexec.dev/which=w9',
      });
      expect(none.items).toEqual([]);
      for (const name of names) await api.deleteNamespacedPod({ namespace: NAMESPACE, name });
      for (const name of names) await waitGone(name);
    });

    it('answers 409 for a taken name, 422 for an invalid pod, 404 for a missing one', async () => {
      const name = `taken-${RUN}`;
      await api.createNamespacedPod({
        namespace: NAMESPACE,
        body: pod(name, 'import sys; sys.stdin.read()'),
      });
      const taken = await apiFailure(
        api.createNamespacedPod({ namespace: NAMESPACE, body: pod(name, 'pass') }),
      );
      expect(taken.code).toBe(409);
      expect(taken.body).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', code: 409 });

      const bad = pod(`invalid-${RUN}`, 'pass', { memory: 'lots' });
      const invalid = await apiFailure(api.createNamespacedPod({ namespace: NAMESPACE, body: bad }));
      expect(invalid.code).toBe(422);
      expect(invalid.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
      expect(String(invalid.body.message)).toMatch(/resources.*limits.*memory/);

      const missing = await apiFailure(read(`missing-${RUN}`));
      expect(missing.code).toBe(404);
      expect(missing.body).toMatchObject({ reason: 'NotFound' });
      await api.deleteNamespacedPod({ namespace: NAMESPACE, name });
      await waitGone(name);
    });

    it('answers 401 for a wrong token and 403 for another namespace', async () => {
      const wrong = new KubeConfig();
      wrong.loadFromString(
        JSON.stringify({
          ...standIn.kubeconfig,
          users: [{ name: 'codexec-stand-in', user: { token: 'not-the-token' } }],
        }),
      );
      const denied = await apiFailure(
        wrong.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: NAMESPACE }),
      );
      expect(denied.code).toBe(401);
      // The client keeps no body for a 401: the Status is checked as it comes over the wire.
      const response = await fetch(`${standIn.url}/api/v1/namespaces/${NAMESPACE}/pods`, {
        headers: { Authorization: 'Bearer not-the-token' },
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
      expect((await fetch(`${standIn.url}/version`)).status).toBe(401);
      const forbidden = await apiFailure(api.listNamespacedPod({ namespace: 'kube-system' }));
      expect(forbidden.code).toBe(403);
      expect(forbidden.body).toMatchObject({ reason: 'Forbidden' });
    });

    it('keeps a pod whose image is missing Pending, waiting with ErrImageNeverPull', async () => {
      const name = `noimage-${RUN}`;
      const body = pod(name, 'pass');
      body.spec!.containers[0]!.image = 'localhost/codexec-no-such-image:never';
      await api.createNamespacedPod({ namespace: NAMESPACE, body });
      const deadline = Date.now() + 30_000;
      let waiting: string | undefined;
      while (Date.now() < deadline && waiting !== 'ErrImageNeverPull') {
        waiting = (await read(name)).status?.containerStatuses?.[0]?.state?.waiting?.reason;
        await sleep(100);
      }
      expect(waiting).toBe('ErrImageNeverPull');
      expect((await read(name)).status?.phase).toBe('Pending');
      await api.deleteNamespacedPod({ namespace: NAMESPACE, name });
      await waitGone(name);
    });

    it('kills and removes a running container when its pod is deleted', async () => {
      const name = `delete-${RUN}`;
      await api.createNamespacedPod({
        namespace: NAMESPACE,
        body: pod(name, 'import time; time.sleep(600)'),
      });
      await waitForPhase(name, ['Running']);
      expect(podmanContainers()).toContain(name);
      const deleted = await api.deleteNamespacedPod({ namespace: NAMESPACE, name, gracePeriodSeconds: 0 });
      expect(deleted.metadata?.name).toBe(name);
      await waitGone(name);
      expect(podmanContainers()).not.toContain(name);
      expect((await apiFailure(api.deleteNamespacedPod({ namespace: NAMESPACE, name }))).code).toBe(404);
    });

    it('deletes the pods a deleted pod owns, and a pod whose owner is not there, as the garbage collector does', async () => {
      const owner = `owner-${RUN}`;
      await api.createNamespacedPod({
        namespace: NAMESPACE,
        body: pod(owner, 'import time; time.sleep(600)'),
      });
      await waitForPhase(owner, ['Running']);
      const uid = (await read(owner)).metadata?.uid;
      expect(uid).toMatch(/^[0-9a-f-]{36}$/);
      const owned = (name: string, ownerUid: string) => {
        const body = pod(name, 'import time; time.sleep(600)');
        body.metadata!.ownerReferences = [{ apiVersion: 'v1', kind: 'Pod', name: owner, uid: ownerUid }];
        return body;
      };
      const dependent = `dependent-${RUN}`;
      await api.createNamespacedPod({ namespace: NAMESPACE, body: owned(dependent, uid!) });
      await waitForPhase(dependent, ['Running']);
      // An owner reference with another uid names a pod that is not there: collected just after its create.
      const orphan = `orphan-${RUN}`;
      await api.createNamespacedPod({
        namespace: NAMESPACE,
        body: owned(orphan, '00000000-0000-4000-8000-000000000000'),
      });
      await waitGone(orphan);
      expect(podmanContainers()).toContain(dependent);
      await api.deleteNamespacedPod({ namespace: NAMESPACE, name: owner, gracePeriodSeconds: 0 });
      await Promise.all([waitGone(owner), waitGone(dependent)]);
      expect(podmanContainers()).not.toContain(dependent);
    });

    it('ends a pod that allocates more than its memory limit as Failed, OOMKilled with exit code 137', async () => {
      const name = `oom-${RUN}`;
      await api.createNamespacedPod({
        namespace: NAMESPACE,
        body: pod(name, 'b = bytearray(512 * 1024 * 1024); print(len(b))', { memory: '64Mi' }),
      });
      await waitForPhase(name, ['Failed', 'Succeeded']);
      const terminated = (await read(name)).status?.containerStatuses?.[0]?.state?.terminated;
      expect((await read(name)).status?.phase).toBe('Failed');
      // Killed by the cgroup's OOM killer, which conmon reports (see PodRunner.oomKilled).
      expect(terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
      await api.deleteNamespacedPod({ namespace: NAMESPACE, name });
      await waitGone(name);
    });

    it('runs a pod through attach under the grants of the Role of the bridge (pods/attach: get and create)', async () => {
      const granted = await startKubeStandIn({
        grants: [
          { resource: 'pods', verbs: ['create', 'get', 'list', 'watch', 'delete'] },
          { resource: 'pods/attach', verbs: ['create', 'get'] },
        ],
      });
      const grantedConfig = new KubeConfig();
      grantedConfig.loadFromString(JSON.stringify(granted.kubeconfig));
      const grantedApi = grantedConfig.makeApiClient(CoreV1Api);
      const name = `granted-${RUN}`;
      try {
        await grantedApi.createNamespacedPod({
          namespace: NAMESPACE,
          body: pod(name, "import sys; print('got ' + sys.stdin.read())"),
        });
        const deadline = Date.now() + 60_000;
        while (
          (await grantedApi.readNamespacedPod({ namespace: NAMESPACE, name })).status?.phase !== 'Running'
        ) {
          if (Date.now() > deadline) throw new Error(`pod ${name} never ran`);
          await sleep(50);
        }
        const stdout = new PassThrough();
        const out: Buffer[] = [];
        stdout.on('data', (chunk: Buffer) => out.push(chunk));
        const stdin = new PassThrough();
        const socket = await new Attach(grantedConfig).attach(
          NAMESPACE,
          name,
          'sandbox',
          stdout,
          new PassThrough(),
          stdin,
          false,
        );
        const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
        stdin.end('it');
        await closed;
        expect(Buffer.concat(out).toString('utf8')).toBe('got it\n');
        await grantedApi.deleteNamespacedPod({ namespace: NAMESPACE, name });
      } finally {
        await granted.close();
      }
      expect(podmanContainers()).not.toContain(name);
    });

    it('removes every container it started when closed', async () => {
      const other = await startKubeStandIn();
      const otherConfig = new KubeConfig();
      otherConfig.loadFromString(JSON.stringify(other.kubeconfig));
      const otherApi = otherConfig.makeApiClient(CoreV1Api);
      const names = [`close-a-${RUN}`, `close-b-${RUN}`];
      for (const name of names) {
        await otherApi.createNamespacedPod({
          namespace: NAMESPACE,
          body: pod(name, 'import time; time.sleep(600)'),
        });
      }
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !other.pods().every((snapshot) => snapshot.phase === 'Running')) {
        await sleep(100);
      }
      expect(other.pods().map((snapshot) => snapshot.phase)).toEqual(['Running', 'Running']);
      expect(podmanContainers()).toEqual(expect.arrayContaining(names));
      await other.close();
      expect(podmanContainers().filter((name) => names.includes(name))).toEqual([]);
    });
  },
);
