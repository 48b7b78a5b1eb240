/** Kept in step with package.json's version by the release process. */
export const AIRLOCK_VERSION = '0.1.0';
