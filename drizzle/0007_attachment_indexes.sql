CREATE INDEX `attachments_uploader_idx` ON `attachments` (`uploader_id`);--> statement-breakpoint
CREATE INDEX `attachments_thumbnail_idx` ON `attachments` (`thumbnail_sha256`);