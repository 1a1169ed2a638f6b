ALTER TABLE `organizations` ADD `sync_schedule` text;--> statement-breakpoint
ALTER TABLE `organizations` ADD `sync_auto_add_packages` integer;--> statement-breakpoint
ALTER TABLE `organizations` ADD `sync_install_webhooks` integer;