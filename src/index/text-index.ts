import type { TextFingerprint } from '../fingerprint/text/shingles.js';

export interface TextItem {
  key: string;
  text: TextFingerprint;
}

/** Every shingle of a library's texts by hash: (item, word position). */
export class TextIndex {
  private readonly postings = new Map<number, number[]>();

  constructor(readonly items: TextItem[]) {
    items.forEach((item, n) => {
      item.text.shingles.forEach((h, pos) => {
        const list = this.postings.get(h);
        if (list) list.push(n, pos);
        else this.postings.set(h, [n, pos]);
      });
    });
  }

  lookup(hash: number): number[] {
    return this.postings.get(hash) ?? [];
  }
}
