PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_messages` (
	`id` integer PRIMARY KEY NOT NULL,
	`room_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`sender_id` integer NOT NULL,
	`txn` text NOT NULL,
	`sender_alias` text,
	`text` text,
	`reply_to` integer,
	`created_at` integer NOT NULL,
	`edited_at` integer,
	`deleted_at` integer,
	`deleted_by` integer,
	`rev` integer,
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`sender_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_messages`("id", "room_id", "seq", "sender_id", "txn", "sender_alias", "text", "reply_to", "created_at", "edited_at", "deleted_at", "deleted_by", "rev") SELECT "id", "room_id", "seq", "sender_id", "txn", "sender_alias", "text", "reply_to", "created_at", "edited_at", "deleted_at", "deleted_by", "rev" FROM `messages`;--> statement-breakpoint
DROP TABLE `messages`;--> statement-breakpoint
ALTER TABLE `__new_messages` RENAME TO `messages`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_room_seq_unique` ON `messages` (`room_id`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_room_sender_txn_unique` ON `messages` (`room_id`,`sender_id`,`txn`);--> statement-breakpoint
CREATE INDEX `messages_room_rev_idx` ON `messages` (`room_id`,`rev`) WHERE rev IS NOT NULL;