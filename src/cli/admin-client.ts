import fs from 'node:fs';
import { AirlockError } from '../errors.ts';
import type { DataPaths } from '../config/data-dir.ts';

export interface RunningGateway {
  pid: number;
  port: number;
  mcpUrl: string;
  socket: string;
}

/** The running gateway for this data directory, if it answers. */
export async function findGateway(paths: DataPaths): Promise<(RunningGateway & { token: string }) | undefined> {
  let info: RunningGateway;
  let token: string;
  try {
    info = JSON.parse(fs.readFileSync(paths.gatewayInfo, 'utf8')) as RunningGateway;
    token = fs.readFileSync(paths.adminToken, 'utf8').trim();
  } catch {
    return undefined;
  }
  try {
    const res = await fetch(`http://127.0.0.1:${info.port}/healthz`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return undefined;
  } catch {
    return undefined;
  }
  return { ...info, token };
}

/** Calls the admin API of the running gateway; fails clearly when none runs. */
export async function adminRequest<T>(paths: DataPaths, method: string, path: string, body?: unknown): Promise<T> {
  const gateway = await findGateway(paths);
  if (!gateway)
    throw new AirlockError(
      'GATEWAY_NOT_RUNNING',
      'the Airlock gateway is not running (start the app, or `airlock serve`)',
    );
  const res = await fetch(`http://127.0.0.1:${gateway.port}/api${path}`, {
    method,
    headers: {
      authorization: `Bearer ${gateway.token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const description =
      (data as { error_description?: string; message?: string } | undefined)?.error_description ??
      (data as { message?: string } | undefined)?.message;
    throw new AirlockError('ADMIN_API_ERROR', description ?? `the gateway answered HTTP ${res.status}`);
  }
  return data as T;
}

/** Tells a running gateway to pick up files the CLI changed; a stopped gateway reads them at start. */
export async function notifyGateway(paths: DataPaths): Promise<boolean> {
  const gateway = await findGateway(paths);
  if (!gateway) return false;
  await adminRequest(paths, 'POST', '/reload');
  return true;
}
