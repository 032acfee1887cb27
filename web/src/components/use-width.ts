/** The width an element is shown at, in CSS pixels, kept current as the window changes (drawings size their text by it). */
import { useEffect, useRef, useState } from 'preact/hooks';

export function useWidth<T extends HTMLElement>(): [{ current: T | null }, number | undefined] {
  const ref = useRef<T | null>(null);
  const [width, setWidth] = useState<number | undefined>();
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.round(entry.contentRect.width) || undefined));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}
