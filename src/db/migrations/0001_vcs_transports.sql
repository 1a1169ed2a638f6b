CREATE TABLE `host_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`host` text NOT NULL,
	`key_type` text NOT NULL,
	`key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `host_keys_host_type` ON `host_keys` (`host`,`key_type`);--> statement-breakpoint
CREATE TABLE `locks` (
	`key` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `credentials` ADD `ca_pem` text;--> statement-breakpoint
ALTER TABLE `packages` ADD `vcs_options` text;