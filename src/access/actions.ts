/**
 * Every vdna action a policy can name, one per operation, with the resource it is checked on.
 * Resources are relative to the caller's account: `library/films` is the caller's library films.
 * The cloud doors map their own actions (ice:*, vod:*, ci:*) onto these.
 */
export const RESOURCE_KINDS = ['library', 'queue', 'media', 'person', 'account', 'key', 's3', 'path', 'system'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface ActionInfo {
  /** What the action allows. */
  description: string;
  /** The kind of resource it is checked on: `<kind>/<name>`. */
  resource: ResourceKind;
  /** Whether it changes something (such calls go to the audit log). */
  mutating: boolean;
}

export const ACTIONS = {
  'vdna:CreateLibrary': { resource: 'library', mutating: true, description: 'create a library' },
  'vdna:ListLibraries': { resource: 'library', mutating: false, description: 'list libraries (those the policy allows)' },
  'vdna:GetLibrary': { resource: 'library', mutating: false, description: 'describe a library' },
  'vdna:DeleteLibrary': { resource: 'library', mutating: true, description: 'delete a library and its items' },
  'vdna:ListItems': { resource: 'library', mutating: false, description: "list a library's items" },
  'vdna:DeleteItems': { resource: 'library', mutating: true, description: "delete a library's items by key, and delete jobs" },
  'vdna:SubmitJob': { resource: 'library', mutating: true, description: 'submit a job on a library (a search; saving and deleting need AddItems and DeleteItems too; a queue other than default needs SubmitJob on queue/<name>); a tagging job without a library is checked on its queue (queue/<name>), as are reads and cancels of it' },
  'vdna:AddItems': { resource: 'library', mutating: true, description: 'store items in a library: save, forcesave and onlysave jobs, vdna add' },
  'vdna:GetJob': { resource: 'library', mutating: false, description: "read a job of a library, and its callback deliveries" },
  'vdna:ListJobs': { resource: 'library', mutating: false, description: 'list the jobs of a library' },
  'vdna:CancelJob': { resource: 'library', mutating: true, description: 'cancel a job of a library' },
  'vdna:GetJobResult': { resource: 'library', mutating: false, description: "read an ended job's result" },
  'vdna:ListQueues': { resource: 'queue', mutating: false, description: 'list queues (those the policy allows)' },
  'vdna:ConfigureQueue': { resource: 'queue', mutating: true, description: "create a queue or set its default callback (which receives every job's event: an admin's action)" },
  'vdna:PauseQueue': { resource: 'queue', mutating: true, description: 'pause a queue' },
  'vdna:ResumeQueue': { resource: 'queue', mutating: true, description: 'resume a queue' },
  'vdna:ListDeadLetters': { resource: 'account', mutating: false, description: "list the account's callback deliveries that failed every attempt" },
  'vdna:ReplayDelivery': { resource: 'account', mutating: true, description: 'send a failed callback delivery again' },
  'vdna:ReadObject': { resource: 's3', mutating: false, description: 'read an input from the S3-compatible store (s3/<bucket>/<key>)' },
  'vdna:ReadPath': { resource: 'path', mutating: false, description: 'read an input from a server path under --allow-path (path/<absolute path>)' },
  'vdna:RegisterMedia': { resource: 'media', mutating: true, description: 'register a media: upload a file or name a URL, S3 object or server path (media/<new id>)' },
  'vdna:GetMedia': { resource: 'media', mutating: false, description: 'describe a media' },
  'vdna:ListMedia': { resource: 'media', mutating: false, description: 'list media (those the policy allows)' },
  'vdna:DeleteMedia': { resource: 'media', mutating: true, description: 'delete a media (an uploaded file is removed)' },
  'vdna:AddPerson': { resource: 'person', mutating: true, description: 'register a person for smart tagging from face photos, or add photos to one (person/<name>)' },
  'vdna:ListPersons': { resource: 'person', mutating: false, description: 'list the registered persons (those the policy allows)' },
  'vdna:RemovePerson': { resource: 'person', mutating: true, description: 'remove a registered person' },
  'vdna:CreateAccount': { resource: 'account', mutating: true, description: 'create an account (root keys only)' },
  'vdna:ListAccounts': { resource: 'account', mutating: false, description: 'list accounts (root keys see all)' },
  'vdna:GetAccount': { resource: 'account', mutating: false, description: 'describe an account' },
  'vdna:GetCallbackSecret': { resource: 'account', mutating: false, description: "read an account's callback secret (it signs the account's events)" },
  'vdna:CreateKey': { resource: 'account', mutating: true, description: 'create a key in an account (only a key that may do everything in it)' },
  'vdna:ListKeys': { resource: 'account', mutating: false, description: "list an account's keys" },
  'vdna:RevokeKey': { resource: 'key', mutating: true, description: 'revoke a key' },
  'vdna:ReadAuditLog': { resource: 'account', mutating: false, description: "read an account's audit log" },
  'vdna:ReadMetrics': { resource: 'system', mutating: false, description: 'read the Prometheus metrics of the whole server (system/metrics; root keys)' },
} as const satisfies Record<string, ActionInfo>;

export type Action = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as Action[];

/**
 * The clouds' own action names (Alibaba RAM `ice:*`, `vod:*`; Tencent CAM `ci:*`) as a policy may write
 * them: each stands for the vdna actions its door's operation needs.
 */
export const CLOUD_ACTIONS: Record<string, Action[]> = {
  'ice:CreateDNADB': ['vdna:CreateLibrary'],
  'ice:ListDNADB': ['vdna:ListLibraries'],
  'ice:DeleteDNADB': ['vdna:DeleteLibrary'],
  'ice:SubmitDNAJob': ['vdna:SubmitJob', 'vdna:AddItems', 'vdna:ReadObject', 'vdna:GetMedia'],
  'ice:QueryDNAJobList': ['vdna:GetJob', 'vdna:GetJobResult'],
  'ice:CancelDNAJob': ['vdna:CancelJob'],
  'ice:ListDNAFiles': ['vdna:ListItems'],
  'ice:DeleteDNAFiles': ['vdna:DeleteItems'],
  'vod:SubmitAIJob': ['vdna:SubmitJob', 'vdna:AddItems', 'vdna:GetMedia', 'vdna:CreateLibrary'],
  'vod:ListAIJob': ['vdna:GetJob', 'vdna:GetJobResult'],
  'vod:GetMediaDNAResult': ['vdna:ListJobs', 'vdna:GetJobResult'],
  'vod:GetAIVideoTagResult': ['vdna:ListJobs', 'vdna:GetJobResult'],
  'ice:SubmitSmarttagJob': ['vdna:SubmitJob', 'vdna:ReadObject', 'vdna:GetMedia'],
  'ice:QuerySmarttagJob': ['vdna:GetJob', 'vdna:GetJobResult'],
  'vod:SubmitMediaDNADeleteJob': ['vdna:SubmitJob', 'vdna:DeleteItems', 'vdna:ListJobs'],
  'ci:CreateMediaJobs': ['vdna:SubmitJob', 'vdna:AddItems', 'vdna:DeleteItems', 'vdna:ReadObject'],
  'ci:DescribeMediaJob': ['vdna:GetJob', 'vdna:GetJobResult'],
  'ci:DescribeMediaJobs': ['vdna:ListJobs', 'vdna:GetJobResult'],
  'ci:CancelMediaJob': ['vdna:CancelJob'],
  'ci:DescribeMediaDnaDbs': ['vdna:ListLibraries'],
  'ci:DescribeMediaDnaDbFiles': ['vdna:ListItems'],
};
