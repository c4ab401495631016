import type { QueuedEvent } from './records.js';

/**
 * The durable part of the asynchronous invocation queue. lowdb keeps it in the same document as
 * the metadata; a networked store (PostgreSQL) implements this interface when frontends multiply.
 */
export interface EventQueueStore {
  putEvent(event: QueuedEvent): Promise<void>;
  removeEvent(id: string): Promise<void>;
  /** Every event not yet finished, oldest first. */
  pendingEvents(): Promise<QueuedEvent[]>;
}
