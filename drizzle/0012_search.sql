-- Full-text search (core/search): an FTS5 index of the messages' text, external content keyed by
-- messages.id, so that the index holds no second copy of the text. `room_id` is indexed as a token
-- too (never matched by a user's words), to narrow a search to a few rooms inside the index. Every
-- row is in it, a deleted one (text NULL) with its room token only, so that FTS5's own
-- 'integrity-check' can compare the index with the table. No `docsize` rows (columnsize=0):
-- results are ordered newest first, never by rank.
CREATE VIRTUAL TABLE `messages_search` USING fts5(
	`text`,
	`room_id`,
	content = 'messages',
	content_rowid = 'id',
	columnsize = 0,
	tokenize = 'unicode61 remove_diacritics 2'
);
--> statement-breakpoint
-- Messages up to `indexed_to` (by id) are in the index; newer ones are added in batches by the hub
-- (core/search/search-index.ts), and always before a search reads the index. Ids above it are never
-- handed out below it again: the delete trigger lowers it to the highest id left.
CREATE TABLE `messages_search_state` (
	`id` integer PRIMARY KEY NOT NULL CHECK (`id` = 1),
	`indexed_to` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `messages_search` (`rowid`, `text`, `room_id`) SELECT `id`, `text`, `room_id` FROM `messages`;
--> statement-breakpoint
INSERT INTO `messages_search_state` (`id`, `indexed_to`) SELECT 1, coalesce(max(`id`), 0) FROM `messages`;
--> statement-breakpoint
-- An edit replaces the indexed text and a delete (text set to NULL) removes it, in the transaction
-- that changes the message. The old values must be exactly what was indexed (external content).
CREATE TRIGGER `messages_search_update` AFTER UPDATE OF `text` ON `messages`
WHEN old.`id` <= (SELECT `indexed_to` FROM `messages_search_state`)
BEGIN
	INSERT INTO `messages_search` (`messages_search`, `rowid`, `text`, `room_id`)
		VALUES ('delete', old.`id`, old.`text`, old.`room_id`);
	INSERT INTO `messages_search` (`rowid`, `text`, `room_id`) VALUES (new.`id`, new.`text`, new.`room_id`);
END;
--> statement-breakpoint
-- Rows deleted for good (room purge, account removal, retention, any cascade) leave the index with
-- them. SQLite gives a new row max(id) + 1: keep `indexed_to` at most the highest id left, so that an
-- id handed out again is above it (and indexed by the next batch).
CREATE TRIGGER `messages_search_delete` AFTER DELETE ON `messages`
BEGIN
	INSERT INTO `messages_search` (`messages_search`, `rowid`, `text`, `room_id`)
		SELECT 'delete', old.`id`, old.`text`, old.`room_id`
		WHERE old.`id` <= (SELECT `indexed_to` FROM `messages_search_state`);
	UPDATE `messages_search_state` SET `indexed_to` = (SELECT coalesce(max(`id`), 0) FROM `messages`)
		WHERE `indexed_to` > (SELECT coalesce(max(`id`), 0) FROM `messages`);
END;
