-- drizzle-kit also wrote DROP TABLE for the tables of totp, bots and webhooks, which left the core's
-- schema list: they are their plugins' now (plugins/<name>/migrations), so those lines were removed.
CREATE TABLE `plugin_migrations` (
	`plugin` text NOT NULL,
	`name` text NOT NULL,
	`sha256` text NOT NULL,
	`applied_at` integer NOT NULL,
	PRIMARY KEY(`plugin`, `name`)
);
