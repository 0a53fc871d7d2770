/** What an error says, for a message: its `message`, or the value itself as text when it is not an Error. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
