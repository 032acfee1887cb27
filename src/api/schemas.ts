/** JSON Schemas of the API: they validate requests and make the OpenAPI document. */
import { MEDIA_TYPES } from '../store/store.js';
import { NAME as NAME_RULE } from '../services/names.js';
import { INPUT_TYPES, JOB_MODES, JOB_STATES, MAX_JOB_IDS_PER_QUERY, MAX_KEYS_PER_DELETE, PRIORITY_MAX } from '../jobs/types.js';

const NAME = { type: 'string', pattern: NAME_RULE.source } as const;

export const LIBRARY = {
  type: 'object',
  properties: {
    LibraryId: { type: 'string', description: 'unguessable id (the cloud doors call it DBId)' },
    Name: { type: 'string' },
    MediaType: { type: 'string', enum: MEDIA_TYPES },
    Description: { type: 'string' },
    CreateTime: { type: 'string', format: 'date-time' },
    ItemCount: { type: 'integer' },
    Duration: { type: 'number', description: 'seconds of media stored' },
  },
} as const;

export const CREATE_LIBRARY = {
  type: 'object',
  required: ['Name'],
  additionalProperties: false,
  properties: {
    Name: NAME,
    MediaType: { type: 'string', enum: MEDIA_TYPES, default: 'video' },
    Description: { type: 'string', maxLength: 1024, default: '' },
  },
} as const;

export const ITEM = {
  type: 'object',
  properties: {
    PrimaryKey: { type: 'string' },
    Source: { type: 'string' },
    Duration: { type: 'number' },
    Frames: { type: 'integer' },
    HasAudio: { type: 'boolean' },
    HasText: { type: 'boolean' },
    AddTime: { type: 'string', format: 'date-time' },
  },
} as const;

export const DELETE_ITEMS = {
  type: 'object',
  required: ['PrimaryKeys'],
  additionalProperties: false,
  properties: {
    PrimaryKeys: { type: 'array', minItems: 1, maxItems: MAX_KEYS_PER_DELETE, items: { type: 'string', minLength: 1, maxLength: 256 } },
  },
} as const;

const CALLBACK = {
  oneOf: [
    {
      type: 'object',
      required: ['Type', 'Url'],
      additionalProperties: false,
      properties: { Type: { const: 'HTTP' }, Url: { type: 'string' }, Format: { type: 'string', enum: ['json', 'xml'], description: 'default json' } },
    },
    {
      type: 'object',
      required: ['Type', 'Stream'],
      additionalProperties: false,
      properties: { Type: { const: 'Redis' }, Stream: { type: 'string', pattern: '^[\\w.:-]{1,128}$' } },
    },
  ],
} as const;

export const SUBMIT_JOB = {
  type: 'object',
  additionalProperties: false,
  description:
    'JSON for media at a URL, an S3 object or an allowed local path. To upload the media instead, send multipart/form-data with these fields as text (Callback as a JSON string) and the file in a part named Media.',
  properties: {
    Kind: {
      type: 'string',
      enum: ['dna', 'tag'],
      default: 'dna',
      description: 'dna: fingerprint, search and store by Mode (Library required). tag: smart tagging (who appears, text on screen, speech, objects; keywords and locations, with times); with a text Library, its text is also searched and stored as text DNA by Mode',
    },
    Types: { type: 'string', maxLength: 64, description: 'tag jobs: the analysers, comma-separated: ocr,asr,face,object (default all)' },
    Library: NAME,
    Mode: { type: 'string', enum: JOB_MODES, default: 'nosave' },
    Input: {
      type: 'object',
      required: ['Type', 'Source'],
      additionalProperties: false,
      properties: { Type: { type: 'string', enum: INPUT_TYPES.filter((t) => t !== 'Upload'), description: 'Media: Source is a MediaId' }, Source: { type: 'string', maxLength: 4096 } },
    },
    PrimaryKey: { type: 'string', minLength: 1, maxLength: 256 },
    Priority: { type: 'integer', minimum: 0, maximum: PRIORITY_MAX, default: 1 },
    UserData: { type: 'string', description: 'passed through to the result and the callback; at most 1 KiB' },
    Queue: NAME,
    Callback: CALLBACK,
  },
} as const;

export const JOB = {
  type: 'object',
  properties: {
    JobId: { type: 'string' },
    Kind: { type: 'string' },
    Types: { type: 'string' },
    Queue: { type: 'string' },
    Library: { type: 'string' },
    Mode: { type: 'string', enum: JOB_MODES },
    State: { type: 'string', enum: JOB_STATES },
    Progress: { type: 'number' },
    Priority: { type: 'integer' },
    PrimaryKey: { type: 'string' },
    Input: { type: 'object', properties: { Type: { type: 'string' }, Source: { type: 'string' } } },
    UserData: { type: 'string' },
    Callback: { type: 'object', additionalProperties: true },
    Code: { type: 'string' },
    Message: { type: 'string' },
    Attempts: { type: 'integer' },
    CreateTime: { type: 'string' },
    StartTime: { type: 'string' },
    CompleteTime: { type: 'string' },
    ResultUrl: { type: 'string' },
  },
} as const;

export const LIST_JOBS_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    JobIds: { type: 'string', description: `comma-separated, at most ${MAX_JOB_IDS_PER_QUERY}; the other filters are then ignored` },
    State: { type: 'string', description: `comma-separated states: ${JOB_STATES.join(', ')}` },
    Library: { type: 'string' },
    Queue: { type: 'string' },
    Since: { type: 'string', format: 'date-time' },
    Until: { type: 'string', format: 'date-time' },
    Limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    Cursor: { type: 'string' },
  },
} as const;

export const QUEUE = {
  type: 'object',
  properties: {
    Name: { type: 'string' },
    Paused: { type: 'boolean' },
    Callback: { type: 'object', additionalProperties: true },
    Counts: { type: 'object', additionalProperties: { type: 'integer' } },
  },
} as const;

export const CONFIGURE_QUEUE = {
  type: 'object',
  additionalProperties: false,
  properties: { Callback: { oneOf: [...CALLBACK.oneOf, { type: 'null' }] } },
} as const;

export const NAME_PARAM = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } as const;
export const ID_PARAM = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;

export const ACCOUNT = {
  type: 'object',
  properties: {
    Name: { type: 'string' },
    CreateTime: { type: 'string' },
    CallbackSecret: { type: 'string', description: 'the HMAC key of this account\'s callback signatures (creation and describe only)' },
  },
} as const;

export const KEY = {
  type: 'object',
  properties: {
    AccessKeyId: { type: 'string' },
    Account: { type: 'string' },
    Description: { type: 'string' },
    Policy: { type: 'object', additionalProperties: true },
    Root: { type: 'boolean' },
    RateLimit: { type: 'number' },
    CreateTime: { type: 'string' },
    RevokeTime: { type: 'string' },
    AccessKeySecret: { type: 'string', description: 'shown once, at creation' },
    Token: { type: 'string', description: 'the bearer token; shown once, at creation' },
  },
} as const;

export const CREATE_KEY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    Account: NAME,
    Description: { type: 'string', maxLength: 256 },
    Policy: { type: 'object', additionalProperties: true, description: 'RAM-style: {"Statement":[{"Effect":"Allow","Action":["vdna:SubmitJob"],"Resource":["library/films"]}]}' },
    Admin: { type: 'boolean', description: 'allow everything in the account' },
    Root: { type: 'boolean', description: 'also administer other accounts (root callers only)' },
    RateLimit: { type: 'number', minimum: 0, description: 'requests per second; 0 for none' },
  },
} as const;
