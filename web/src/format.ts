/** How numbers read on the page. */

/** 83.5 -> "1:23.5"; under a minute "23.5 s". */
export function seconds(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value < 60) return `${value.toFixed(1)} s`;
  const m = Math.floor(value / 60);
  const s = value - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
}

export const percent = (fraction: number) => `${Math.round(fraction * 100)} %`;

export function dateTime(iso: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / (1 << 30)).toFixed(2)} GiB`;
}
