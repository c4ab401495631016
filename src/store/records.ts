/**
 * What the store keeps about a function. Field names follow AWS's FunctionConfiguration where a
 * field is stored as AWS shows it; everything derivable (ARNs, the function name inside each
 * version, layer sizes) is derived by the control plane's views instead of stored.
 */
export interface VersionRecord {
  Version: string;
  Runtime?: string;
  Handler?: string;
  Role: string;
  Description: string;
  Timeout: number;
  MemorySize: number;
  Environment?: { Variables: Record<string, string> };
  Layers: string[];
  Architectures: string[];
  EphemeralStorage: { Size: number };
  TracingConfig: { Mode: string };
  LoggingConfig: {
    LogFormat: string;
    LogGroup: string;
    ApplicationLogLevel?: string;
    SystemLogLevel?: string;
  };
  PackageType: 'Zip';
  KMSKeyArn?: string;
  DeadLetterConfig?: { TargetArn?: string };
  VpcConfig?: { SubnetIds: string[]; SecurityGroupIds: string[]; Ipv6AllowedForDualStack: boolean };
  /** Base64 of the SHA-256 of the zip, as AWS reports it; the code store keys blobs by it. */
  CodeSha256: string;
  CodeSize: number;
  LastModified: string;
  RevisionId: string;
  State: 'Pending' | 'Active' | 'Failed' | 'Inactive';
  StateReason?: string;
  StateReasonCode?: string;
  LastUpdateStatus?: 'InProgress' | 'Successful' | 'Failed';
  LastUpdateStatusReason?: string;
  LastUpdateStatusReasonCode?: string;
}

export interface FunctionRecord {
  account: string;
  region: string;
  name: string;
  latest: VersionRecord;
  /** Published versions by number. */
  versions: Record<string, VersionRecord>;
  /** The last version number handed out; AWS never reuses one, even after a delete. */
  lastVersion: number;
  tags: Record<string, string>;
}
