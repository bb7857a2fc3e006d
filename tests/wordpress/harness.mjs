// Private servers for the WordPress plugin's end-to-end test, all from Debian
// packages and all inside one temporary directory:
//
//   MariaDB   mariadb-install-db + mariadbd, networking off, a Unix socket
//   WordPress a copy of /usr/share/wordpress (Debian's wp-config.php reads
//             /etc; the copy gets an ordinary one), served by PHP's built-in
//             server on a loopback port, installed in Russian
//   moderated the real daemon binary on a loopback port
//
// Nothing touches /etc or a system service. Each start function returns an
// object with stop().
import {spawn, execFileSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Waits until fn() returns a truthy value (or throws the last error) within ms.
export async function waitFor(what, fn, ms = 30_000, every = 100) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await sleep(every);
  }
}

// A TCP port that was free a moment ago.
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function which(name, dirs = ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
  for (const d of dirs) {
    const p = path.join(d, name);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`${name} not found; scripts/setup.sh installs it`);
}

// Every server started here is killed when this process exits, however it exits.
const children = new Set();
process.on('exit', () => {
  for (const {child, group} of children) {
    try {
      if (group) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
});
function track(child, group = false) {
  const entry = {child, group};
  children.add(entry);
  child.once('exit', () => {
    if (!group) children.delete(entry);
  });
  return child;
}

function exited(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

// Stops a child; with group = true the whole process group it leads (PHP's
// built-in server forks its workers, which outlive a parent killed alone).
async function stopChild(child, {group = false, ms = 20_000} = {}) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const signal = (sig) => {
    try {
      if (group) process.kill(-child.pid, sig);
      else child.kill(sig);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), ms);
  await exited(child);
  clearTimeout(timer);
  if (group) signal('SIGKILL'); // Workers that ignored SIGTERM.
}

// ------------------------------------------------------------------ MariaDB

export async function startMariaDB(dir) {
  const datadir = path.join(dir, 'mysql');
  const socket = path.join(dir, 'mysql.sock');
  const asRoot = process.getuid && process.getuid() === 0;
  const userArgs = asRoot ? ['--user=root'] : [];
  execFileSync(which('mariadb-install-db'), ['--no-defaults', ...userArgs, `--datadir=${datadir}`,
    '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve'],
  {stdio: ['ignore', 'pipe', 'pipe']});
  const init = path.join(dir, 'init.sql');
  fs.writeFileSync(init, [
    'CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;',
    "CREATE USER IF NOT EXISTS 'wp'@'localhost' IDENTIFIED BY 'wp';",
    "GRANT ALL ON wordpress.* TO 'wp'@'localhost';",
  ].join('\n') + '\n');
  const log = fs.openSync(path.join(dir, 'mariadb.log'), 'w');
  const child = track(spawn(which('mariadbd'), ['--no-defaults', ...userArgs, `--datadir=${datadir}`,
    `--socket=${socket}`, '--skip-networking', '--skip-name-resolve', `--pid-file=${path.join(dir, 'mariadb.pid')}`,
    `--init-file=${init}`, '--innodb-flush-log-at-trx-commit=0', '--innodb-buffer-pool-size=64M'],
  {stdio: ['ignore', log, log]}));
  const client = which('mariadb');
  const sql = (query) => execFileSync(client, ['--no-defaults', `--socket=${socket}`, '-uwp', '-pwp',
    '--default-character-set=utf8mb4', '-N', '-B', 'wordpress', '-e', query], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
    .split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
  await waitFor('MariaDB to accept connections', () => {
    if (child.exitCode !== null) throw new Error(fs.readFileSync(path.join(dir, 'mariadb.log'), 'utf8'));
    sql('SELECT 1');
    return true;
  }, 60_000, 200);
  return {socket, sql, stop: () => stopChild(child)};
}

// ---------------------------------------------------------------- WordPress

// Copies Debian's WordPress into dir/wordpress with the Russian and Arabic
// translations, writes wp-config.php, starts PHP's built-in server and installs
// the site in Russian. Returns {base, root, port, stop(), log()}.
export async function startWordPress(dir, {dbSocket, port, title = 'Новости', admin}) {
  const root = path.join(dir, 'wordpress');
  fs.mkdirSync(root);
  // -h: Debian links some files to other packages (underscore.js, getID3);
  // PHP's built-in server serves no link that leads out of the document root.
  execFileSync('tar', ['-h', '-C', '/usr/share/wordpress', '--exclude=./.htaccess', '--exclude=./wp-config.php',
    '--exclude=./wp-content/languages', '-cf', path.join(dir, 'wp.tar'), '.']);
  execFileSync('tar', ['-C', root, '-xf', path.join(dir, 'wp.tar')]);
  fs.rmSync(path.join(dir, 'wp.tar'));
  const languages = path.join(root, 'wp-content/languages');
  fs.mkdirSync(languages, {recursive: true});
  for (const f of fs.readdirSync('/usr/share/wordpress/wp-content/languages')) {
    if (/^(admin-|continents-cities-)?(ru_RU|ar)\.mo$/.test(f)) {
      fs.copyFileSync(path.join('/usr/share/wordpress/wp-content/languages', f), path.join(languages, f));
    }
  }
  const salt = () => Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  const keys = ['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT',
    'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'].map((k) => `define('${k}', '${salt()}');`);
  fs.writeFileSync(path.join(root, 'wp-config.php'), `<?php
// Written by tests/wordpress/harness.mjs: a private test site.
define('DB_NAME', 'wordpress');
define('DB_USER', 'wp');
define('DB_PASSWORD', 'wp');
define('DB_HOST', 'localhost:${dbSocket}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
${keys.join('\n')}
$table_prefix = 'wp_';
define('WP_DEBUG', true);
define('WP_DEBUG_LOG', '${path.join(dir, 'wp-debug.log')}');
define('WP_DEBUG_DISPLAY', false);
// No internet here: WordPress must not try to reach wordpress.org.
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('FS_METHOD', 'direct');
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
`);
  const log = fs.openSync(path.join(dir, 'php.log'), 'w');
  // Several workers: WordPress requests itself (cron, the install's checks),
  // and a webhook may arrive while a request waits for the daemon.
  const child = track(spawn(which('php'), ['-d', 'log_errors=1', '-d', `error_log=${path.join(dir, 'php-errors.log')}`,
    '-d', 'display_errors=0', '-d', 'upload_max_filesize=16M', '-d', 'post_max_size=16M',
    '-S', `127.0.0.1:${port}`, '-t', root],
  {stdio: ['ignore', log, log], env: {...process.env, PHP_CLI_SERVER_WORKERS: '8'}, detached: true}), true);
  const base = `http://127.0.0.1:${port}`;
  await waitFor('PHP to listen', async () => {
    if (child.exitCode !== null) throw new Error(fs.readFileSync(path.join(dir, 'php.log'), 'utf8'));
    const res = await fetch(`${base}/wp-admin/install.php`, {redirect: 'manual'});
    return res.status === 200;
  }, 30_000, 100);
  const form = new URLSearchParams({
    weblog_title: title, user_name: admin.user, admin_password: admin.password,
    admin_password2: admin.password, pw_weak: '1', admin_email: admin.email, blog_public: '0',
    language: 'ru_RU',
  });
  const res = await fetch(`${base}/wp-admin/install.php?step=2`, {method: 'POST', body: form});
  const html = await res.text();
  if (res.status !== 200 || !/wp-login\.php/.test(html)) {
    throw new Error(`WordPress install failed (${res.status}): ${html.slice(0, 2000)}`);
  }
  return {
    base, root, port,
    stop: () => stopChild(child, {group: true}),
    log: () => fs.readFileSync(path.join(dir, 'php-errors.log'), {encoding: 'utf8', flag: 'a+'}),
  };
}

// ---------------------------------------------------------------- moderated

export function moderatedCli(binary, ...args) {
  return execFileSync(binary, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']}).trim();
}

// Starts `moderated serve` on 127.0.0.1:port (0 = any) and resolves with
// {port, process, stop(), log()} once it listens.
export async function startDaemon(binary, dir, {port = 0, rules, config}) {
  const logPath = path.join(dir, 'moderated.log');
  const before = fs.existsSync(logPath) ? fs.statSync(logPath).size : 0;
  const log = fs.openSync(logPath, 'a');
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', path.join(dir, 'moderated'),
    '--socket', path.join(dir, 'moderated.sock'), '--threads', '2', '--rules', rules, '--config', config];
  const child = track(spawn(binary, args, {stdio: ['ignore', log, log]}));
  const text = () => fs.readFileSync(logPath, 'utf8').slice(before);
  const found = await waitFor('moderated to listen', () => {
    if (child.exitCode !== null) throw new Error(`moderated exited:\n${text()}`);
    return /event=listening transport=tcp addr=127\.0\.0\.1:(\d+)/.exec(text());
  }, 30_000, 20);
  return {
    port: Number(found[1]),
    process: child,
    stop: () => stopChild(child),
    log: () => fs.readFileSync(logPath, 'utf8'),
  };
}
