CREATE INDEX `audit_log_org_id` ON `audit_log` (`org_id`,`id`);--> statement-breakpoint
CREATE INDEX `versions_package_ref` ON `versions` (`package_id`,`ref_kind`,`ref_name`);