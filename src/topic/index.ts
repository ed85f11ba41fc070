// Topics: validation, matching one filter, and routing to many filters. Re-exports only.
export { validateTopicName, validateTopicFilter, isSharedFilter, parseSharedFilter } from './validate';
export type { SharedFilter } from './validate';
export { topicMatches } from './match';
export { TopicTrie } from './trie';
