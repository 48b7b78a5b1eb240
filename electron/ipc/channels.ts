/**
 * IPC channel names shared by the preload bridges and the main-process handlers. One place, so a
 * renamed channel cannot leave a handler that nothing calls (or a call that nothing answers).
 */
export const DASHBOARD_CHANNELS = {
  status: 'airlock:status',
  servers: 'airlock:servers',
  addServer: 'airlock:add-server',
  removeServer: 'airlock:remove-server',
  restartServer: 'airlock:restart-server',
  signIn: 'airlock:sign-in',
  signOut: 'airlock:sign-out',
  clients: 'airlock:clients',
  addClient: 'airlock:add-client',
  revokeClient: 'airlock:revoke-client',
  secrets: 'airlock:secrets',
  setSecret: 'airlock:set-secret',
  removeSecret: 'airlock:remove-secret',
  consents: 'airlock:consents',
  answerConsent: 'airlock:answer-consent',
  activity: 'airlock:activity',
} as const;

/** Main → dashboard push: "something changed, re-fetch" (never data, never secrets). */
export const EVENT_CHANNEL = 'airlock:event';

export const CONSENT_CHANNELS = {
  request: 'airlock-consent:request',
  answer: 'airlock-consent:answer',
} as const;

/** Passed to consent windows with `additionalArguments`, so one preload knows which bridge to expose. */
export const CONSENT_WINDOW_ARG = '--airlock-window=consent';
