import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { renderReportHtml } from '../../analysis';
import { PROJECT_ROOT } from '../../services/paths';
import { demoReportInput } from './demoReport';
import { inspectPng } from './png';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = fs.existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install -y chromium) or set CHROMIUM_PATH`;

interface PageRun {
  /** Console messages and uncaught errors of the page, as Chromium logs them to stderr. */
  console: string[];
  png: Buffer;
}

/** Loads a file in headless Chromium, offline and with a fresh profile, and screenshots it. */
function loadPage(dir: string, name: string, html: string): Promise<PageRun> {
  const file = path.join(dir, `${name}.html`), png = path.join(dir, `${name}.png`);
  fs.writeFileSync(file, html);
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run',
    '--disable-sync', `--user-data-dir=${path.join(dir, `profile-${name}`)}`, '--enable-logging=stderr', '--v=0',
    '--hide-scrollbars', `--screenshot=${png}`, '--window-size=1400,2200', pathToFileURL(file).href,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // Chromium logs every console message and uncaught exception of the page as "…:CONSOLE:<line>] …"
      // (older builds "CONSOLE(<line>)"), whatever its level; its own D-Bus and GPU noise never matches.
      const consoleLines = stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l));
      if (!fs.existsSync(png)) reject(new Error(`Chromium exited with ${code} and no screenshot:\n${stderr.slice(-2000)}`));
      else resolve({ console: consoleLines, png: fs.readFileSync(png) });
    });
  });
}

describe('report.html in headless Chromium', { skip }, () => {
  let dir = '';
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-report-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('notices console errors (the check below is not vacuous)', async () => {
    const run = await loadPage(dir, 'broken', '<!doctype html><p>x</p><script>console.error("boom"); missingFunction();</script>');
    assert.ok(run.console.some((l) => l.includes('boom')), run.console.join('\n'));
    assert.ok(run.console.some((l) => l.includes('missingFunction')), run.console.join('\n'));
  });

  it('loads without console output and screenshots as a page of charts', async () => {
    const run = await loadPage(dir, 'report', renderReportHtml(demoReportInput()));
    assert.deepEqual(run.console, []);
    const png = inspectPng(run.png);
    assert.deepEqual([png.width, png.height], [1400, 2200]);
    assert.ok(png.colours > 200, `${png.colours} colours`);
    assert.ok(png.inked > 0.3, `${Math.round(png.inked * 100)} % of the page drawn`);
    if (process.env.TUNEFLOW_UPDATE_SCREENSHOT === '1') fs.writeFileSync(path.join(PROJECT_ROOT, 'docs', 'report-screenshot.png'), run.png);
  });
});
