CREATE TABLE `bridge_ledger` (
	`network` text NOT NULL,
	`link` text NOT NULL,
	`remote_id` text NOT NULL,
	`sender` text NOT NULL,
	`room` text NOT NULL,
	`seq` integer NOT NULL,
	`direction` text NOT NULL,
	`text` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`network`, `link`, `remote_id`)
);
--> statement-breakpoint
CREATE INDEX `bridge_ledger_link_seq` ON `bridge_ledger` (`link`,`room`,`seq`);--> statement-breakpoint
CREATE INDEX `bridge_ledger_link_sender` ON `bridge_ledger` (`link`,`sender`,`created_at`);--> statement-breakpoint
CREATE TABLE `bridge_link_status` (
	`link` text PRIMARY KEY NOT NULL,
	`room` text NOT NULL,
	`target` text NOT NULL,
	`state` text NOT NULL,
	`last_error` text,
	`queue_length` integer DEFAULT 0 NOT NULL,
	`dropped` integer DEFAULT 0 NOT NULL,
	`hub_seq` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `bridge_links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`room` text NOT NULL,
	`target` text NOT NULL,
	`state` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bridge_links_room_target_unique` ON `bridge_links` (`room`,`target`);--> statement-breakpoint
CREATE TABLE `bridge_queue` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`link` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `bridge_queue_link_id` ON `bridge_queue` (`link`,`id`);--> statement-breakpoint
CREATE TABLE `bots_kv` (
	`bot` text NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	`size` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`bot`, `key`)
);
--> statement-breakpoint
CREATE TABLE `webhooks_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`room` text NOT NULL,
	`url` text NOT NULL,
	`seq` integer NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`http_status` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhooks_deliveries_room_id` ON `webhooks_deliveries` (`room`,`id`);--> statement-breakpoint
CREATE TABLE `webhooks_hooks` (
	`id` text PRIMARY KEY NOT NULL,
	`room` text NOT NULL,
	`name` text NOT NULL,
	`secret_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhooks_hooks_room_name_unique` ON `webhooks_hooks` (`room`,`name`);