import { describe, expect, it } from 'vitest';
import { SANDBOX_CONTAINER } from './pod-spec.js';
import {
  type ContainerStatusView,
  exitCodeFromStatus,
  exitFromTerminated,
  labelSelector,
  type PodView,
  podProgress,
  podStartTimedOut,
  podSummary,
  signalName,
  watchedProgress,
} from './pod-status.js';

const CONTEXT = { server: 'https://10.0.0.1:6443', namespace: 'code-exec', image: 'python:3.12-slim' };

function pod(phase: string, state?: ContainerStatusView['state'], extra: Partial<PodView> = {}): PodView {
  return {
    metadata: { name: 'codexec-run1', uid: 'u-1', labels: { a: 'b' } },
    status: {
      phase,
      ...(state ? { containerStatuses: [{ name: SANDBOX_CONTAINER, image: CONTEXT.image, state }] } : {}),
    },
    ...extra,
  };
}

describe('podProgress', () => {
  it('is pending while the pod is scheduled or its container created', () => {
    expect(podProgress(pod('Pending'), CONTEXT).kind).toBe('pending');
    expect(podProgress(pod('Pending', { waiting: { reason: 'ContainerCreating' } }), CONTEXT)).toEqual({
      kind: 'pending',
      reason: 'ContainerCreating',
    });
  });

  it('says why a pod cannot be scheduled', () => {
    const unschedulable = pod('Pending', undefined, {});
    unschedulable.status!.conditions = [
      { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' },
    ];
    expect(podProgress(unschedulable, CONTEXT)).toEqual({
      kind: 'pending',
      reason: 'Unschedulable: 0/3 nodes are available',
    });
  });

  it('is running once the sandbox container runs', () => {
    expect(podProgress(pod('Running', { running: { startedAt: 'x' } }), CONTEXT)).toEqual({
      kind: 'running',
    });
  });

  it.each(['ErrImageNeverPull', 'ErrImagePull', 'ImagePullBackOff', 'InvalidImageName'])(
    'a waiting reason %s is IMAGE_MISSING naming the image, the server and the namespace',
    (reason) => {
      const progress = podProgress(
        pod('Pending', { waiting: { reason, message: 'no such image' } }),
        CONTEXT,
      );
      expect(progress.kind).toBe('exited');
      if (progress.kind !== 'exited') return;
      expect(progress.exit.code).toBeNull();
      expect(progress.exit.error?.code).toBe('IMAGE_MISSING');
      expect(progress.exit.error?.message).toContain(CONTEXT.image);
      expect(progress.exit.error?.message).toContain(CONTEXT.server);
      expect(progress.exit.error?.message).toContain(CONTEXT.namespace);
      expect(progress.exit.error?.message).toContain(reason);
    },
  );

  it('a container the kubelet cannot create is CONTAINER_START_FAILED', () => {
    const progress = podProgress(
      pod('Pending', { waiting: { reason: 'CreateContainerConfigError', message: 'bad' } }),
      CONTEXT,
    );
    expect(progress.kind === 'exited' && progress.exit.error?.code).toBe('CONTAINER_START_FAILED');
  });

  it('a terminated container is a plain exit with its code, also for an OOM kill', () => {
    expect(
      podProgress(pod('Succeeded', { terminated: { exitCode: 0, reason: 'Completed' } }), CONTEXT),
    ).toEqual({
      kind: 'exited',
      exit: { code: 0, signal: null },
    });
    expect(podProgress(pod('Failed', { terminated: { exitCode: 3, reason: 'Error' } }), CONTEXT)).toEqual({
      kind: 'exited',
      exit: { code: 3, signal: null },
    });
    const oom = podProgress(pod('Failed', { terminated: { exitCode: 137, reason: 'OOMKilled' } }), CONTEXT);
    expect(oom).toEqual({ kind: 'exited', exit: { code: 137, signal: null } });
  });

  it('a failed pod without a container status (evicted) is CONTAINER_START_FAILED with its reason', () => {
    const evicted = pod('Failed');
    evicted.status!.reason = 'Evicted';
    evicted.status!.message = 'The node was low on resource: memory.';
    const progress = podProgress(evicted, CONTEXT);
    expect(progress.kind === 'exited' && progress.exit.error?.code).toBe('CONTAINER_START_FAILED');
    expect(progress.kind === 'exited' && progress.exit.error?.message).toContain('Evicted');
  });
});

describe('exits', () => {
  it('reads the exit code of an attach Status', () => {
    expect(exitCodeFromStatus({ status: 'Success' })).toBe(0);
    expect(
      exitCodeFromStatus({
        status: 'Failure',
        reason: 'NonZeroExitCode',
        message: 'command terminated with non-zero exit code: 3',
        details: { causes: [{ reason: 'ExitCode', message: '3' }] },
      }),
    ).toBe(3);
    expect(exitCodeFromStatus({ status: 'Failure', message: 'error dialing backend' })).toBeUndefined();
  });

  it('names the signal the runtime reports', () => {
    expect(exitFromTerminated({ exitCode: 137, signal: 9 })).toEqual({ code: 137, signal: 'SIGKILL' });
    expect(signalName(15)).toBe('SIGTERM');
    expect(signalName(250)).toBe('SIG250');
  });
});

describe('list', () => {
  it('summarises a pod: uid, name, labels, phase in lower case, image', () => {
    const running = pod(
      'Running',
      { running: {} },
      { spec: { containers: [{ name: 'sandbox', image: 'img:1' }] } },
    );
    expect(podSummary(running)).toEqual({
      id: 'u-1',
      name: 'codexec-run1',
      labels: { a: 'b' },
      state: 'running',
      image: 'img:1',
    });
  });

  it('a deleted pod still listed is terminating', () => {
    const deleting = pod('Running');
    deleting.metadata!.deletionTimestamp = '2026-12-02T17:00:00Z';
    expect(podSummary(deleting).state).toBe('terminating');
  });

  it('writes an equality selector', () => {
    expect(labelSelector({ 'codexec.dev/instance': 'b1', 'codexec.dev/managed': 'true' })).toBe(
      'codexec.dev/instance=b1,codexec.dev/managed=true',
    );
  });
});

it('a pod pending too long names the timeout and the reason', () => {
  const error = podStartTimedOut('codexec-run1', CONTEXT, 120_000, 'Unschedulable: no nodes');
  expect(error.code).toBe('CONTAINER_START_FAILED');
  expect(error.message).toContain('120 s');
  expect(error.message).toContain('Unschedulable: no nodes');
  expect(error.message).toContain(CONTEXT.server);
});

describe('watchedProgress', () => {
  const at = { ...CONTEXT, name: 'codexec-run1' };

  it.each([
    ['ADDED', pod('Pending'), 'pending'],
    ['MODIFIED', pod('Running', { running: {} }), 'running'],
    ['MODIFIED', pod('Failed', { terminated: { exitCode: 3 } }), 'exited'],
    ['BOOKMARK', { metadata: { resourceVersion: '9' } }, 'pending'],
    ['SOMETHING-NEW', {}, 'pending'],
  ])('reads a %s event as a read of the pod (%#)', (type, object, kind) => {
    expect(watchedProgress({ type, object }, at).kind).toBe(kind);
  });

  it('takes a deleted pod for one that never ran', () => {
    const progress = watchedProgress({ type: 'DELETED', object: pod('Pending') }, at);
    expect(progress).toMatchObject({ kind: 'exited', exit: { code: null, signal: null } });
    expect(progress.kind === 'exited' && progress.exit.error?.message).toContain(
      'the pod was deleted before it was seen running',
    );
  });

  it('gives up the watch for polling on an ERROR, naming the Status (a 410 Gone)', () => {
    const gone = { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 5 (9)' };
    expect(watchedProgress({ type: 'ERROR', object: gone }, at)).toEqual({
      kind: 'poll',
      why: 'the watch ended with an error (410 Expired too old resource version: 5 (9))',
    });
    expect(watchedProgress({ type: 'ERROR', object: null }, at)).toEqual({
      kind: 'poll',
      why: 'the watch ended with an error (no Status)',
    });
  });
});
