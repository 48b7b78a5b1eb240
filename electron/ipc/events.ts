/**
 * Change notifications for the dashboard: "servers changed", "consents changed"... never the
 * data itself (the page re-fetches through the checked handlers). Bursts are coalesced.
 */
import type { AirlockEvent } from '../../renderer/src/api/airlock-api.ts';

export interface EventSources {
  registry: {
    on(event: 'state' | 'added' | 'removed', listener: () => void): unknown;
    off(event: 'state' | 'added' | 'removed', listener: () => void): unknown;
  };
  consents: { subscribe(listener: () => void): () => void };
  vault: { onChange(listener: (names: string[]) => void): () => void };
  audit: { subscribe(listener: () => void): () => void };
}

export const COALESCE_MS = 100;

export function watchAirlockEvents(
  sources: EventSources,
  emit: (event: AirlockEvent) => void,
  coalesceMs = COALESCE_MS,
): () => void {
  const due = new Set<AirlockEvent['type']>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const queue = (type: AirlockEvent['type']) => {
    due.add(type);
    timer ??= setTimeout(() => {
      timer = undefined;
      const types = [...due];
      due.clear();
      for (const next of types) emit({ type: next });
    }, coalesceMs);
  };

  const onServers = () => queue('servers');
  for (const name of ['state', 'added', 'removed'] as const) sources.registry.on(name, onServers);
  const stops = [
    sources.consents.subscribe(() => queue('consents')),
    sources.vault.onChange((names) => {
      if (names.some((name) => name.startsWith('secret/'))) queue('secrets');
      if (names.some((name) => name.startsWith('client/'))) queue('clients');
    }),
    sources.audit.subscribe(() => queue('activity')),
  ];
  return () => {
    for (const name of ['state', 'added', 'removed'] as const) sources.registry.off(name, onServers);
    for (const stop of stops) stop();
    clearTimeout(timer);
    timer = undefined;
  };
}

export function isAirlockEvent(value: unknown): value is AirlockEvent {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'servers' || type === 'consents' || type === 'activity' || type === 'clients' || type === 'secrets';
}
