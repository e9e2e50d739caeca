import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relativeTime } from './relative-time.ts';
import { sparkline } from './sparkline.ts';

describe('status page helpers', () => {
  it('relative times as people say them', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    assert.equal(relativeTime('2026-01-01T12:00:00Z', now), 'just now');
    assert.equal(relativeTime('2026-01-01T11:59:18Z', now), '42 s ago');
    assert.equal(relativeTime('2026-01-01T11:48:00Z', now), '12 min ago');
    assert.equal(relativeTime('2026-01-01T09:00:00Z', now), '3 h ago');
    assert.equal(relativeTime('2025-12-29T12:00:00Z', now), '3 d ago');
    assert.equal(relativeTime('not a time', now), '—');
  });

  it('sparklines: one polyline per run of values, scaled into the box', () => {
    const svg = sparkline([0, 1, null, 1, 0.5], { width: 40, height: 10, min: 0, max: 1, label: 'success' });
    assert.equal((svg.match(/<polyline/g) ?? []).length, 2, 'a gap breaks the line');
    assert.match(svg, /points="0\.0,9\.0 10\.0,1\.0"/);
    assert.match(svg, /data-points="4"/);
    assert.match(sparkline([], { label: 'empty' }), /data-points="0"/);
  });
});
