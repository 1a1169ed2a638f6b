ALTER TABLE `packages` ADD `hook_token_sealed` blob;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `package_id` integer REFERENCES packages(id) ON DELETE cascade;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `refs` text;--> statement-breakpoint
CREATE INDEX `deliveries_package` ON `deliveries` (`package_id`,`received_at`);