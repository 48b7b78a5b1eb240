/** Wires `airlock://` (see app-protocol.ts) into Electron. */
import fs from 'node:fs';
import type { Protocol } from 'electron';
import { APP_SCHEME, serveAppFile } from './app-protocol.ts';

/** Before `ready`: the scheme is standard (real origin, relative URLs) and secure (like https). */
export function registerAppScheme(protocol: Protocol): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false } },
  ]);
}

/** After `ready`, on the session the windows use. */
export function serveRenderer(protocol: Protocol, root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const response = await serveAppFile(root, request.url, (file) => fs.promises.readFile(file));
    const body = typeof response.body === 'string' ? response.body : new Uint8Array(response.body);
    return new Response(body, { status: response.status, headers: response.headers });
  });
}
