CREATE TABLE `reactions` (
	`message_id` integer NOT NULL,
	`emoji` text NOT NULL,
	`user_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`message_id`, `emoji`, `user_id`),
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `mentions` (
	`user_id` integer NOT NULL,
	`room_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`message_id` integer NOT NULL,
	PRIMARY KEY(`user_id`, `room_id`, `seq`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mentions_message_idx` ON `mentions` (`message_id`);--> statement-breakpoint
CREATE TABLE `read_markers` (
	`user_id` integer NOT NULL,
	`room_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `room_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `read_markers_room_idx` ON `read_markers` (`room_id`);--> statement-breakpoint
CREATE TABLE `thread_follows` (
	`user_id` integer NOT NULL,
	`room_id` integer NOT NULL,
	`root_seq` integer NOT NULL,
	PRIMARY KEY(`user_id`, `room_id`, `root_seq`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `thread_follows_thread_idx` ON `thread_follows` (`room_id`,`root_seq`);--> statement-breakpoint
ALTER TABLE `messages` ADD `thread_root` integer;--> statement-breakpoint
CREATE INDEX `messages_room_thread_idx` ON `messages` (`room_id`,`thread_root`,`seq`) WHERE thread_root IS NOT NULL;--> statement-breakpoint
ALTER TABLE `rooms` ADD `retention_days` integer;--> statement-breakpoint
ALTER TABLE `rooms` ADD `read_receipts` integer DEFAULT false NOT NULL;--> statement-breakpoint
-- Replies stored before threads: each joins the thread of the message it replies to (the first
-- message up its reply chain is the root).
WITH RECURSIVE `chain`(`id`, `room_id`, `root`) AS (
	SELECT `id`, `room_id`, `reply_to` FROM `messages` WHERE `reply_to` IS NOT NULL
	UNION ALL
	SELECT `chain`.`id`, `chain`.`room_id`, `p`.`reply_to` FROM `chain`
	JOIN `messages` `p` ON `p`.`room_id` = `chain`.`room_id` AND `p`.`seq` = `chain`.`root`
	WHERE `p`.`reply_to` IS NOT NULL AND `p`.`reply_to` < `chain`.`root`
)
UPDATE `messages` SET `thread_root` = (SELECT min(`root`) FROM `chain` WHERE `chain`.`id` = `messages`.`id`)
WHERE `reply_to` IS NOT NULL;
--> statement-breakpoint
-- Members of an older database start with their rooms read: unread counts begin with this version.
INSERT INTO `read_markers` (`user_id`, `room_id`, `seq`, `updated_at`)
SELECT `m`.`user_id`, `m`.`room_id`, coalesce((SELECT max(`seq`) FROM `messages` WHERE `room_id` = `m`.`room_id`), 0),
	CAST(strftime('%s', 'now') AS INTEGER) * 1000
FROM `room_members` `m`;
