/** Who is calling an authenticated endpoint. */
export type Principal = { role: 'admin'; keyId: string } | { role: 'account'; keyId: string; accountId: string };

/** The account whose data a principal may see: null for the admin (everything). */
export const ownAccount = (p: Principal): string | null => (p.role === 'admin' ? null : p.accountId);
