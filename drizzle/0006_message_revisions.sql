ALTER TABLE `messages` ADD `rev` integer;--> statement-breakpoint
CREATE INDEX `messages_room_rev_idx` ON `messages` (`room_id`,`rev`) WHERE rev IS NOT NULL;