/** The API's documents as the page reads them (src/views/native.ts, src/views/video-tags.ts). */

import type { Match } from '../../src/match/result.js';

export type MediaType = 'video' | 'audio' | 'text' | 'image';

export interface Library {
  LibraryId: string;
  Name: string;
  MediaType: MediaType;
  Description: string;
  CreateTime: string;
  ItemCount: number;
  Duration: number;
}

export interface Item {
  PrimaryKey: string;
  Source: string;
  Duration: number;
  Frames: number;
  HasAudio: boolean;
  HasText: boolean;
  AddTime: string;
}

export type JobState = 'Queued' | 'Running' | 'Success' | 'Failed' | 'Paused' | 'Cancelled';
export const FINAL_STATES: JobState[] = ['Success', 'Failed', 'Cancelled'];

export interface Job {
  JobId: string;
  Kind?: string;
  /** A tagging job's analysers, comma-separated (ocr,asr,face,object). */
  Types?: string;
  Queue: string;
  Library?: string;
  Mode?: string;
  State: JobState;
  Progress: number;
  Priority: number;
  PrimaryKey?: string;
  Input?: { Type: string; Source: string };
  Code?: string;
  Message?: string;
  CreateTime: string;
  StartTime?: string;
  CompleteTime?: string;
  ResultUrl?: string;
}

export interface Queue {
  Name: string;
  Paused: boolean;
  Counts: Record<string, number>;
}

/** The search result shape is the server's own (one definition for both). */
export type { Match, MatchSegment, TextMatchSegment } from '../../src/match/result.js';

export interface DnaResult {
  JobId: string;
  Library: string;
  Mode: string;
  PrimaryKey?: string;
  Saved: boolean;
  MediaDuration?: number;
  Matches: Match[];
}

/** A tag with the times it was seen at, in milliseconds (as strings, the clouds' way). */
export interface TimedTag {
  Tag: string;
  Times: string[];
}

export interface PersonTag extends TimedTag {
  FaceId?: string;
  FaceUrl?: string;
}

export interface TimedText {
  Text: string;
  /** Milliseconds. */
  Start: number;
  End: number;
}

export interface VideoTagResult {
  JobId?: string;
  Kind?: string;
  /** Seconds. */
  MediaDuration?: number;
  Keyword: TimedTag[];
  Person: PersonTag[];
  Location: TimedTag[];
  Category: TimedTag[];
  Ocr: TimedText[];
  Asr: TimedText[];
  Unavailable?: { Type: string; Reason: string }[];
}

export interface Person {
  Name: string;
  Faces: number;
  CreateTime: string;
}

export const isTagResult = (r: unknown): r is VideoTagResult =>
  typeof r === 'object' && r !== null && Array.isArray((r as VideoTagResult).Keyword) && Array.isArray((r as VideoTagResult).Ocr);
