import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useColour } from './output.ts';

describe('useColour', () => {
  it('colours a terminal only', () => {
    assert.equal(useColour({ isTTY: true }, {}), true);
    assert.equal(useColour({ isTTY: false }, {}), false);
    assert.equal(useColour({}, {}), false);
  });

  it('follows NO_COLOR and FORCE_COLOR', () => {
    assert.equal(useColour({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(useColour({ isTTY: false }, { FORCE_COLOR: '1' }), true);
    assert.equal(useColour({ isTTY: true }, { FORCE_COLOR: '0' }), true);
  });
});
