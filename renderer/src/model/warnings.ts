import type { ConsentWarningCode } from '../api/airlock-api.ts';

/** Short headlines for each warning; the gateway's message gives the details. */
export const WARNING_TITLES: Record<ConsentWarningCode, string> = {
  punycode: 'Encoded international address: may imitate another site',
  'mixed-script': 'Address mixes alphabets: a look-alike trick',
  'host-mismatch': "Leads to a different site than the server's own",
  'not-https': 'Not encrypted (http)',
  'ip-address': 'Raw IP address instead of a named site',
  'credentials-in-url': 'Hidden login details in the address',
};

export function warningTitle(code: string): string {
  return (WARNING_TITLES as Record<string, string>)[code] ?? 'Warning';
}
