// The first admin and an API token for a stackprint database, made with the CLI before the server
// starts, as an operator would (`stackprint admin create`, `stackprint token create`). The browser
// tests send the token (fixtures.ts); the sign-in spec signs in with the password instead.

import { execFileSync } from 'node:child_process';

export const ADMIN_EMAIL = 'e2e-admin@stackprint.test';
export const ADMIN_PASSWORD = 'e2e correct horse battery staple';
/** The admin's display name: the timeline shows it for what the admin did. */
export const ADMIN_NAME = 'E2E Admin';

export function provisionAdmin(bin: string, databaseUrl: string, env: Record<string, string>, cwd: string): string {
  const run = (args: string[], input: string) =>
    execFileSync(bin, [...args, '--database-url', databaseUrl], {
      cwd,
      env: { ...env, STACKPRINT_LOG: 'warn' },
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'inherit'],
    });
  run(['admin', 'create', '--email', ADMIN_EMAIL, '--name', ADMIN_NAME, '--password-stdin'], `${ADMIN_PASSWORD}\n`);
  return run(['token', 'create', '--email', ADMIN_EMAIL, '--name', 'end2end', '--role', 'admin'], '').trim();
}

/** The header that signs a request in as the admin. */
export function authorization(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}
