/** "just now", "42 s ago", "12 min ago", "3 h ago", "2 d ago": how long before `now` an instant was. */
export function relativeTime(at: string | number, now: number): string {
  const then = typeof at === 'number' ? at : Date.parse(at);
  if (Number.isNaN(then)) return '—';
  const seconds = Math.max(0, Math.round((now - then) / 1_000));
  if (seconds < 2) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}
