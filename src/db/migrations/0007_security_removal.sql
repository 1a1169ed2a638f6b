CREATE TABLE `removed_dists` (
	`org_id` integer NOT NULL,
	`package_name` text NOT NULL,
	`package_id` integer NOT NULL,
	`commit` text NOT NULL,
	`path` text NOT NULL,
	`size` integer NOT NULL,
	`sha1` text NOT NULL,
	`removed_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `package_name`, `commit`),
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `removed_dists_expires` ON `removed_dists` (`expires_at`);--> statement-breakpoint
ALTER TABLE `credentials` ADD `hosts` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `priority` integer DEFAULT 0 NOT NULL;