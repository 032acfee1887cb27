/** The person registry's persistence contract: the people an account registered, each with face descriptors. */
export interface PersonRecord {
  account: string;
  /** Unique per account: the name a Person tag shows. */
  name: string;
  /** One face embedding per registered photo (or named face). */
  descriptors: number[][];
  createdAt: string;
}

export interface PersonStore {
  /** Registers a person, or adds descriptors to one already registered; the person as it is now. */
  addDescriptors(account: string, name: string, descriptors: number[][]): Promise<PersonRecord>;
  /** By name. */
  persons(account: string): Promise<PersonRecord[]>;
  remove(account: string, name: string): Promise<boolean>;
}
