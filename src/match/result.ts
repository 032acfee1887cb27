/**
 * A search's result as every door renders it (the result shape of ../shared/DESIGN.md). No imports:
 * the web page type-checks against this file too.
 */

/** One matching stretch, in seconds on the query's and the library item's (master's) timeline. */
export interface MatchSegment {
  StartTime: number;
  EndTime: number;
  MasterStartTime: number;
  MasterEndTime: number;
  Similarity: number;
}

/** Times are seconds for subtitles and timed text, word positions for plain text. */
export interface TextMatchSegment {
  Start: number;
  End: number;
  MasterStart: number;
  MasterEnd: number;
  QueryText: string;
  MasterText: string;
  Similarity: number;
}

/** One library item the query shares content with (the result shape of ../shared/DESIGN.md). */
export interface Match {
  PrimaryKey: string;
  /** Duration-weighted mean similarity of the segments (0..1). */
  GlobalSimilarity: number;
  VideoMatchSegments: MatchSegment[];
  AudioMatchSegments: MatchSegment[];
  TextMatchSegments: TextMatchSegment[];
}
