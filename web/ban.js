// Banning an author: a rule appended to the active rule file, so the ban is
// an ordinary rules version (PUT /v1/admin/rules): audited (rules.put in the
// audit log), listed with its note under Rules → Versions, and undone by
// rolling back or deleting the rule. New comments from the e-mail address
// or IP are rejected by it; stored ones are not touched.
import * as api from './api.js';

// YAML-quoted (JSON strings are valid YAML flow scalars).
const quote = (s) => JSON.stringify(String(s));

// The rule text for `kind` ('email' | 'ip') and `value`; `id` is unique in
// the file.
export function banRule(kind, value, id) {
  const match = kind === 'email'
    ? `{field: author.email, equals: [${quote(value)}]}`
    : `{field: author.ip, cidr: [${quote(value)}]}`;
  return `  - id: ${id}\n    description: ${quote(`Banned ${kind === 'email' ? 'e-mail' : 'IP'} ${value} (console)`)}\n` +
    `    action: reject\n    match: ${match}\n`;
}

// The rule file `text` with the ban appended to its top-level `rules:`
// list; throws if `rules:` is not the file's last top-level key (then the
// rule must be added in the rules editor).
export function withBan(text, kind, value) {
  const lines = text.split('\n');
  const top = lines.map((l, i) => [l, i]).filter(([l]) => /^[A-Za-z_][\w-]*\s*:/.test(l));
  const last = top[top.length - 1];
  if (!last || !/^rules\s*:\s*(#.*)?$/.test(last[0])) {
    const err = new Error('rules: is not a block list at the end of the rule file');
    err.messageKey = 'author.ban_not_block';
    throw err;
  }
  const prefix = `ban.${kind}.`;
  let n = 1;
  while (text.includes(`id: ${prefix}${n}\n`) || text.includes(`id: ${prefix}${n} `)) n++;
  const body = text.endsWith('\n') ? text : `${text}\n`;
  return body + banRule(kind, value, `${prefix}${n}`);
}

export async function banAuthor(kind, value) {
  const active = await api.get('/v1/admin/rules');
  const text = withBan(active.text || '', kind, value);
  return api.put('/v1/admin/rules', {text, comment: `ban ${kind} ${value}`});
}
