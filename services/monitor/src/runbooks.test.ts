import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { RULE_NAMES } from './policy/alert-rules.ts';
import { RUNBOOKS, runbookAnchor, runbooksHtml, runbooksMarkdown } from './runbooks.ts';

describe('runbooks', () => {
  it('one per alert, each with what it means, what to check and a command', () => {
    assert.deepEqual(RUNBOOKS.map((r) => r.kind).sort(), Object.keys(RULE_NAMES).sort());
    for (const r of RUNBOOKS) assert.ok(r.means && r.check.length > 0 && r.commands.length > 0, r.kind);
  });

  it('docs/runbooks.md is the generated text (regenerate: node -e "import(\'./services/monitor/src/runbooks.ts\').then(m => process.stdout.write(m.runbooksMarkdown()))" > docs/runbooks.md)', () => {
    assert.equal(readFileSync(new URL('../../../docs/runbooks.md', import.meta.url), 'utf8'), runbooksMarkdown());
  });

  it('the served page has an anchor per alert, as GitHub makes for the markdown headings', () => {
    const html = runbooksHtml();
    for (const name of Object.values(RULE_NAMES)) {
      assert.match(html, new RegExp(`<section id="${runbookAnchor(name)}"><h2>${name}</h2>`));
      assert.match(runbooksMarkdown(), new RegExp(`^## ${name}$`, 'm'));
    }
  });
});
