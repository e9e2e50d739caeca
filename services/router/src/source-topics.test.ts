import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { missingTopics } from './source-topics.ts';

describe('missingTopics', () => {
  it('names the source topics the broker does not have, in the order configured', () => {
    assert.deepEqual(missingTopics(['shop.events', 'crm.events', 'erp'], ['crm.events', 'hookrail.tier1']), ['shop.events', 'erp']);
    assert.deepEqual(missingTopics(['crm.events'], ['crm.events']), []);
  });
});
