import { ApiException } from '@kubernetes/client-node';

/** The HTTP code of a call of the official client that must fail, its Status body, and the client's message. */
export async function apiFailure(
  call: Promise<unknown>,
): Promise<{ code: number; body: Record<string, unknown>; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      // The generated client keeps the body as text, and drops it for a 401.
      const body =
        error.body === undefined ? {} : (JSON.parse(String(error.body)) as Record<string, unknown>);
      return { code: error.code, body, message: error.message };
    }
    throw error;
  }
  throw new Error('the call succeeded');
}
