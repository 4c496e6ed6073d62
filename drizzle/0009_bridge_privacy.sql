ALTER TABLE `bridge_link_status` ADD `hub_rev` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `webhooks_deliveries` ADD `error_code` text;--> statement-breakpoint
ALTER TABLE `bridge_ledger` DROP COLUMN `text`;