-- End-to-end encrypted rooms (core/e2e, docs/e2e.md): devices, KeyPackages, waiting Welcomes and
-- pending removals; an E2E room's MLS group on `rooms`; an MLS message on `messages` (`text` stays
-- NULL, so the search triggers of 0012_search.sql index nothing of it). Columns are only added to
-- `messages`, never by a rebuild, which would drop those triggers.
CREATE TABLE `devices` (
	`id` integer PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`device` text NOT NULL,
	`name` text NOT NULL,
	`signature_key` blob NOT NULL,
	`first` integer DEFAULT false NOT NULL,
	`vouch_by` text,
	`vouch_signature` blob,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `devices_user_device_unique` ON `devices` (`user_id`,`device`);--> statement-breakpoint
CREATE TABLE `e2e_pending_removals` (
	`room_id` integer NOT NULL,
	`user` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`room_id`, `user`),
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `e2e_welcomes` (
	`room_id` integer NOT NULL,
	`device_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`epoch` integer NOT NULL,
	`data` blob NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`room_id`, `device_id`),
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `e2e_welcomes_device_idx` ON `e2e_welcomes` (`device_id`);--> statement-breakpoint
CREATE TABLE `key_packages` (
	`id` integer PRIMARY KEY NOT NULL,
	`device_id` integer NOT NULL,
	`data` blob NOT NULL,
	`last_resort` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `key_packages_device_idx` ON `key_packages` (`device_id`,`last_resort`);--> statement-breakpoint
ALTER TABLE `messages` ADD `mls` blob;--> statement-breakpoint
ALTER TABLE `messages` ADD `mls_device` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `mls_epoch` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `mls_kind` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `mls_users` text;--> statement-breakpoint
ALTER TABLE `rooms` ADD `e2e_suite` integer;--> statement-breakpoint
ALTER TABLE `rooms` ADD `e2e_group` blob;--> statement-breakpoint
ALTER TABLE `rooms` ADD `e2e_epoch` integer;--> statement-breakpoint
ALTER TABLE `rooms` ADD `e2e_group_info` blob;