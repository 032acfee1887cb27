/** Small pieces every view uses: an error as the API said it, a confirmed button, a progress bar. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';

/** An error shown plainly: a denial names itself as one, with the API's own message. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : undefined;
  const title = e?.code === 'ACCESS_DENIED' ? 'Not allowed' : e?.code === 'Throttling' ? 'Too many requests' : 'Error';
  return (
    <div class={`note note-error${e?.code === 'ACCESS_DENIED' ? ' note-denied' : ''}`} role="alert" data-code={e?.code ?? 'ERROR'}>
      <strong>{title}</strong>
      {e ? ` (${e.code})` : ''}: {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

export function Note({ children }: { children: ComponentChildren }) {
  return (
    <div class="note" role="status">
      {children}
    </div>
  );
}

/** A button that asks again before it acts (deleting): the question replaces it until answered. */
export function ConfirmButton(props: { label: string; question: string; confirmLabel?: string; onConfirm: () => void | Promise<void>; disabled?: boolean }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking) {
    return (
      <button type="button" class="danger" disabled={props.disabled} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <span class="confirm" role="group" aria-label={props.question}>
      <span>{props.question}</span>
      <button
        type="button"
        class="danger"
        disabled={busy}
        ref={(el) => el?.focus()}
        onClick={async () => {
          setBusy(true);
          try {
            await props.onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        {props.confirmLabel ?? 'Yes, delete'}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  const pct = Math.round(Math.min(Math.max(value, 0), 1) * 100);
  return (
    <div class="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
      <div class="progress-fill" style={{ width: `${pct}%` }} />
      <span class="progress-text">{pct} %</span>
    </div>
  );
}
