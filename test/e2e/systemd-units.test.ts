import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';
import { runCli } from '../support/tars-process.js';

/**
 * Issue 6, point 6: the shipped systemd files pass `scripts/verify-units.sh`, and the verifier is
 * not a rubber stamp: each kind of mistake an owner or a later change could make fails it.
 */

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(script: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('bash', [join(REPO_ROOT, 'scripts', script), ...args], { cwd: REPO_ROOT, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const folders: string[] = [];
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A copy of systemd/ with one file changed. */
function brokenCopy(file: string, change: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tars-units-'));
  folders.push(dir);
  cpSync(join(REPO_ROOT, 'systemd'), dir, { recursive: true });
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  expect(after, 'the change must change something').not.toBe(before);
  writeFileSync(path, after);
  return dir;
}

describe('scripts/verify-units.sh', () => {
  it('accepts the shipped units and settings examples', async () => {
    const run = await runScript('verify-units.sh', []);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('tars@cognitive.service tars.target');
    expect(run.stdout).toMatch(/env\/all\.env env\/cognitive\.env env\/processing\.env/);
  });

  it.each([
    ['a misspelt directive', 'tars@.service', (t: string) => t.replace('RestartSec=5', 'RestartSek=5'), /RestartSek/],
    ['a bad value', 'tars@.service', (t: string) => t.replace('WatchdogSec=60', 'WatchdogSec=sixty'), /Failed to parse sec value.*sixty/],
    ['a typo in the target', 'tars.target', (t: string) => t.replace('[Install]', '[Instal]'), /Instal/],
    ['a removed watchdog', 'tars@.service', (t: string) => t.replace(/^WatchdogSec=60\n/m, ''), /missing WatchdogSec=/],
    ['a weakened sandbox', 'tars@.service', (t: string) => t.replace(/^(ProtectKernel\w+|Protect(Clock|Hostname|Proc)|Restrict\w+|SystemCall\w+|PrivateDevices|PrivateMounts|RemoveIPC|LockPersonality)=.*\n/gm, ''), /sandbox too weak/],
    ['an unknown TARS_ variable', 'env/processing.env', (t: string) => `${t}TARS_HTTP_PROT=3001\n`, /TARS_HTTP_PROT is not a TARS setting/],
    ['a variable the node would ignore', 'env/cognitive.env', (t: string) => `${t}DATABASE_ULR=postgres://x@h/db\n`, /not TARS settings: DATABASE_ULR/],
    ['a bad value in a commented-out setting', 'env/all.env', (t: string) => `${t}# TARS_HTTP_PORT=70000\n`, /commented-out settings on.*\n?.*http\.port/],
    ['a broken sysusers line', 'tars.sysusers.conf', (t: string) => t.replace(/nologin\n$/, 'nologin extra\n'), /Trailing garbage/],
    ['an example without roles', 'env/cognitive.env', (t: string) => t.replace(/^TARS_ROLES=.*\n/m, ''), /must set TARS_ROLES/],
  ])('fails on %s', async (_what, file, change, message) => {
    const run = await runScript('verify-units.sh', [brokenCopy(file, change)]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(message);
  });
});

describe('tars serve --check-config', () => {
  it('prints what the node would be and exits 0, or exits 2 naming the unknown variable', async () => {
    const good = await runCli(['serve', '--check-config'], { TARS_ROLES: 'processing', NATS_URL: 'nats://pc1.lan:4222', TARS_NODE_NAME: 'pc2' });
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('roles     orchestrator, processing, monitoring');
    const bad = await runCli(['serve', '--check-config'], { TARS_ROLES: 'all', TARS_NATS_PASWORD: 'x' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('TARS_NATS_PASWORD is not a TARS setting');
  });
});

describe('scripts/install-systemd.sh --dry-run', () => {
  it('prints the user, units, settings file and enable steps without doing them', async () => {
    const run = await runScript('install-systemd.sh', ['--dry-run', 'pc3', 'processing']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines).toContain(`+ install -D -m 644 ${REPO_ROOT}/systemd/tars.sysusers.conf /etc/sysusers.d/tars.conf`);
    expect(lines).toContain('+ systemd-sysusers /etc/sysusers.d/tars.conf');
    expect(lines).toContain(`+ install -m 644 ${REPO_ROOT}/systemd/tars@.service ${REPO_ROOT}/systemd/tars.target /etc/systemd/system/`);
    expect(lines).toContain(`+ install -m 600 ${REPO_ROOT}/systemd/env/processing.env /etc/tars/pc3.env`);
    expect(lines).toContain('+ systemctl enable tars@pc3.service');
    // This checkout is not /opt/tars: a drop-in points the unit here.
    expect(lines).toContain(`    ExecStart=${process.execPath} ${REPO_ROOT}/dist/cli/main.js serve`);
    expect(existsSync('/etc/tars/pc3.env')).toBe(false);
  });

  it('refuses an example that does not exist, naming the ones that do', async () => {
    const run = await runScript('install-systemd.sh', ['--dry-run', 'pc3', 'gpu']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no settings example systemd/env/gpu.env (examples: all cognitive processing');
  });
});
