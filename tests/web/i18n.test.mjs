// The console's message catalogues (web/i18n/*.js), checked without a
// browser: the same keys in every language, every plural category that the
// language's Intl.PluralRules can choose, the same {parameters} as English,
// and every key the code asks for with a literal t('key') or data-i18n.
//
//   node --test tests/web/i18n.test.mjs
import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const web = path.resolve(here, '../../web');
const LANGS = ['en', 'ar', 'ru'];
const catalogues = {};
for (const lang of LANGS) catalogues[lang] = (await import(path.join(web, 'i18n', `${lang}.js`))).default;

const params = (msg) => [...new Set([...(typeof msg === 'object' ? Object.values(msg).join(' ') : msg)
  .matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();

test('every language has exactly the English keys', () => {
  const keys = Object.keys(catalogues.en).sort();
  for (const lang of LANGS) assert.deepEqual(Object.keys(catalogues[lang]).sort(), keys, lang);
});

test('plural messages cover every category the language uses', () => {
  for (const lang of LANGS) {
    const rules = new Intl.PluralRules(lang);
    const needed = rules.resolvedOptions().pluralCategories.sort();
    for (const [key, msg] of Object.entries(catalogues[lang])) {
      if (typeof msg !== 'object') continue;
      assert.deepEqual(Object.keys(msg).filter((k) => needed.includes(k)).sort(), needed, `${lang} ${key}`);
    }
  }
});

test('translations use the parameters of the English message (a plural form may leave out {n})', () => {
  for (const lang of ['ar', 'ru']) {
    for (const [key, msg] of Object.entries(catalogues[lang])) {
      const want = params(catalogues.en[key]).filter((p) => p !== 'n');
      const got = params(msg).filter((p) => p !== 'n');
      assert.deepEqual(got, want, `${lang} ${key}`);
    }
  }
});

test('every key the console asks for exists', () => {
  const used = new Set();
  for (const file of fs.readdirSync(web).filter((f) => f.endsWith('.js') || f.endsWith('.html'))) {
    const text = fs.readFileSync(path.join(web, file), 'utf8');
    for (const m of text.matchAll(/\bt\('([a-z0-9_.]+)'/g)) used.add(m[1]);
    for (const m of text.matchAll(/data-i18n(?:-label|-title|-placeholder)?="([a-z0-9_.]+)"/g)) used.add(m[1]);
  }
  assert.ok(used.size > 200, `only ${used.size} keys found`);
  const missing = [...used].filter((k) => !(k in catalogues.en));
  assert.deepEqual(missing, []);
});
