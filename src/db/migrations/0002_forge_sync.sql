CREATE TABLE `deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`integration` text NOT NULL,
	`delivery_id` text NOT NULL,
	`event` text NOT NULL,
	`action` text,
	`received_at` integer NOT NULL,
	`status` text NOT NULL,
	`outcome` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_integration_delivery` ON `deliveries` (`integration`,`delivery_id`);--> statement-breakpoint
CREATE INDEX `deliveries_received` ON `deliveries` (`received_at`);--> statement-breakpoint
CREATE TABLE `forge_http_cache` (
	`integration` text NOT NULL,
	`url` text NOT NULL,
	`etag` text NOT NULL,
	`body` blob NOT NULL,
	`link` text,
	`stored_at` integer NOT NULL,
	PRIMARY KEY(`integration`, `url`)
);
--> statement-breakpoint
CREATE TABLE `forge_repos` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`integration` text NOT NULL,
	`external_id` text NOT NULL,
	`full_name` text NOT NULL,
	`default_branch` text NOT NULL,
	`visibility` text NOT NULL,
	`archived` integer NOT NULL,
	`deleted_at` integer,
	`clone_url` text NOT NULL,
	`pushed_at` text,
	`composer` text NOT NULL,
	`composer_checked_at` text,
	`package_id` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`package_id`) REFERENCES `packages`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `forge_repos_org_external` ON `forge_repos` (`org_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `forge_repos_package` ON `forge_repos` (`package_id`);--> statement-breakpoint
CREATE TABLE `integration_state` (
	`integration` text PRIMARY KEY NOT NULL,
	`webhook_secret` blob,
	`hooks` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sync_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`trigger` text NOT NULL,
	`status` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`summary` text,
	`error` text,
	`requests` integer,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sync_runs_org` ON `sync_runs` (`org_id`,`started_at`);--> statement-breakpoint
ALTER TABLE `packages` ADD `integration` text;--> statement-breakpoint
ALTER TABLE `packages` ADD `forge_status` text;