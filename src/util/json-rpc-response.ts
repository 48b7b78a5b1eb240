/**
 * Whether a JSON text is the JSON-RPC response (result or error) to the request with this id. Both
 * quick-answer paths (to clients, from upstreams) use it to decide that a stream may end as one
 * JSON body; the SDK validates the message itself afterwards.
 * @see https://www.jsonrpc.org/specification#response_object
 */
export function isResponseTo(text: string, requestId: unknown): boolean {
  try {
    const message = JSON.parse(text) as Record<string, unknown>;
    return message.id === requestId && !('method' in message) && ('result' in message || 'error' in message);
  } catch {
    return false;
  }
}
