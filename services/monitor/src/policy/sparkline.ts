/**
 * An inline SVG line of a series (oldest first); gaps (null) break the line. Scaled between
 * the series' own minimum and maximum, or [min, max] when given (e.g. 0…1 for a ratio).
 */
export function sparkline(values: ReadonlyArray<number | null>, options: { width?: number; height?: number; min?: number; max?: number; label: string }): string {
  const width = options.width ?? 160;
  const height = options.height ?? 28;
  const present = values.filter((v): v is number => v !== null);
  const low = options.min ?? Math.min(0, ...present);
  const high = Math.max(options.max ?? -Infinity, ...present, low + 1e-9);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const segments: string[][] = [];
  let current: string[] = [];
  values.forEach((value, i) => {
    if (value === null) {
      if (current.length > 0) segments.push(current);
      current = [];
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (height - 1 - ((value - low) / (high - low)) * (height - 2)).toFixed(1);
    current.push(`${x},${y}`);
  });
  if (current.length > 0) segments.push(current);
  const lines = segments.map((points) => (points.length === 1 ? `${points[0]} ${points[0]}` : points.join(' '))).map((points) => `<polyline points="${points}" />`);
  const label = options.label.replace(/[&<>"']/g, '');
  return `<svg class="sparkline" role="img" aria-label="${label}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" data-points="${present.length}">${lines.join('')}</svg>`;
}
