import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { socketFetch } from './socket-fetch.ts';

export interface StdioBridgeOptions {
  /** The gateway's user-only local socket. */
  socket: string;
  /** Name the client (its grant applies); no key needed over the socket. */
  clientName?: string;
  /** `AIRLOCK_CLIENT_KEY`, for compatibility. */
  clientKey?: string;
  /** One server (`/mcp/SERVER`), else all (`/mcp`). */
  server?: string;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
}

/**
 * `airlock stdio`: for clients that only launch commands. Relays JSON-RPC messages between
 * this process's stdio and the gateway's Streamable HTTP endpoint over the local socket; the
 * SDK transports do the framing on both sides.
 */
export async function runStdioBridge(
  options: StdioBridgeOptions,
): Promise<{ closed: Promise<void>; close(): Promise<void> }> {
  const headers: Record<string, string> = {};
  if (options.clientName) headers['x-airlock-client'] = options.clientName;
  if (options.clientKey) headers.authorization = `Bearer ${options.clientKey}`;
  const path = options.server ? `/mcp/${encodeURIComponent(options.server)}` : '/mcp';
  const upstream = new StreamableHTTPClientTransport(new URL(`http://localhost${path}`), {
    fetch: socketFetch(options.socket),
    requestInit: { headers },
  });
  const stdin = (options.stdin ?? process.stdin) as Readable;
  const local = new StdioServerTransport(stdin, (options.stdout ?? process.stdout) as Writable);
  const initializeIds = new Set<RequestId>();
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let done = false;
  const shutdown = async () => {
    if (done) return;
    done = true;
    await upstream.terminateSession().catch(() => {});
    await Promise.allSettled([upstream.close(), local.close()]);
    resolveClosed();
  };

  local.onmessage = (message: JSONRPCMessage) => {
    if (isJSONRPCRequest(message) && message.method === 'initialize') initializeIds.add(message.id);
    upstream.send(message).catch((error: unknown) => {
      // The gateway refused or is gone: answer the request so the client is not left waiting.
      if (isJSONRPCRequest(message)) {
        void local.send({
          jsonrpc: '2.0',
          id: message.id,
          error: {
            code: -32000,
            message: `Airlock gateway: ${error instanceof Error ? error.message : String(error)}`,
          },
        });
      }
    });
  };
  upstream.onmessage = (message: JSONRPCMessage) => {
    if (isJSONRPCResultResponse(message) && initializeIds.delete(message.id)) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === 'string') upstream.setProtocolVersion(version);
    }
    void local.send(message);
  };
  local.onclose = () => void shutdown();
  // The SDK's stdio transport does not watch for end of input: a client that closes our stdin is
  // done, so the gateway session is ended (DELETE) rather than left open until it idles out.
  stdin.once('end', () => void shutdown());
  stdin.once('close', () => void shutdown());
  upstream.onerror = () => {};
  local.onerror = () => {};
  await upstream.start();
  await local.start();
  return { closed, close: shutdown };
}
