// A private WordPress with the plugin, for trying it by hand:
//
//   node tests/wordpress/dev-site.mjs [build/daemon/moderated]
//
// Starts MariaDB, WordPress (Russian) and moderated in a temporary directory,
// links integrations/wordpress/moderated into wp-content/plugins (edits show at
// once), activates and configures it, registers the webhook, prints the URLs
// and tokens, and runs until Ctrl-C. The same servers as the end-to-end test
// (harness.mjs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {freePort, moderatedCli, startDaemon, startMariaDB, startWordPress} from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const binary = path.resolve(process.argv[2] || path.join(repo, 'build/daemon/moderated'));
const SITE = 'news.example';
const admin = {user: 'admin', password: 'admin-password-1', email: 'admin@news.example'};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderated-wp-dev-'));
fs.mkdirSync(path.join(dir, 'moderated'));
const config = path.join(dir, 'moderated.yaml');
fs.writeFileSync(config, 'classifier: {spam_weight: 0, abuse_weight: 0}\nwebhooks: {allow_networks: [127.0.0.0/8], poll_interval_ms: 200, initial_backoff_ms: 500}\n');
const dataDir = ['--data-dir', path.join(dir, 'moderated')];
const adminToken = moderatedCli(binary, 'token', 'create', ...dataDir, '--role', 'admin', '--name', 'ops');
const siteToken = moderatedCli(binary, 'token', 'create', ...dataDir, '--role', 'site', '--site', SITE, '--name', 'wordpress');
const modToken = moderatedCli(binary, 'token', 'create', ...dataDir, '--role', 'moderator', '--site', SITE, '--name', 'wordpress-editors');

const db = await startMariaDB(dir);
const wp = await startWordPress(dir, {dbSocket: db.socket, port: await freePort(), admin});
const daemon = await startDaemon(binary, dir, {rules: path.join(here, 'rules.yaml'), config});
fs.symlinkSync(path.join(repo, 'integrations/wordpress/moderated'), path.join(wp.root, 'wp-content/plugins/moderated'));
const php = `
require '${wp.root}/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
$r = activate_plugin('moderated/moderated.php');
if (is_wp_error($r)) { fwrite(STDERR, $r->get_error_message()); exit(1); }
Moderated_Settings::update(['url' => 'http://127.0.0.1:${daemon.port}', 'site' => '${SITE}',
  'site_token' => '${siteToken}', 'moderator_token' => '${modToken}']);
echo Moderated_Settings::webhook_secret(), "\\n", Moderated_Settings::webhook_url();`;
const [secret, hook] = execFileSync('php', ['-r', php], {encoding: 'utf8', env: {...process.env, HTTP_HOST: `127.0.0.1:${wp.port}`}}).trim().split('\n');
const res = await fetch(`http://127.0.0.1:${daemon.port}/v1/admin/sites/${SITE}`, {
  method: 'PUT', headers: {Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json'},
  body: JSON.stringify({webhook_url: hook, webhook_secret: secret}),
});
if (res.status !== 200) throw new Error(`site registration: ${res.status} ${await res.text()}`);

console.log(`WordPress  ${wp.base}/wp-admin/  (${admin.user} / ${admin.password})
moderated  http://127.0.0.1:${daemon.port}/  admin token ${adminToken}
site token ${siteToken}
moderator  ${modToken}
directory  ${dir}
Ctrl-C stops everything.`);
const stop = async () => {
  await daemon.stop();
  await wp.stop();
  await db.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
