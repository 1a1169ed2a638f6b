CREATE TABLE `forge_hooks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`integration` text NOT NULL,
	`source` text NOT NULL,
	`scope` text NOT NULL,
	`target` text NOT NULL,
	`url` text NOT NULL,
	`hook_id` text,
	`secret_fingerprint` text,
	`outcome` text NOT NULL,
	`detail` text,
	`checked_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `forge_hooks_target` ON `forge_hooks` (`integration`,`source`,`scope`,`target`,`url`);--> statement-breakpoint
-- The fingerprints of the org hooks' secrets, kept in settings until now under
-- webhook-secret-hmac:INTEGRATION:SOURCE:URL, become rows of forge_hooks (not checked since).
INSERT OR IGNORE INTO `forge_hooks` (`integration`, `source`, `scope`, `target`, `url`, `hook_id`, `secret_fingerprint`, `outcome`, `detail`, `checked_at`)
SELECT `integration`, `source`, 'source', `source`, `url`, NULL, `fp`, 'unknown', NULL, 0 FROM (
	SELECT substr(`rest`, 1, instr(`rest`, ':') - 1) AS `integration`,
		substr(`rest2`, 1, instr(`rest2`, ':') - 1) AS `source`,
		substr(`rest2`, instr(`rest2`, ':') + 1) AS `url`,
		`fp`
	FROM (
		SELECT `rest`, substr(`rest`, instr(`rest`, ':') + 1) AS `rest2`, `fp`
		FROM (SELECT substr(`key`, 21) AS `rest`, `value` AS `fp` FROM `settings` WHERE substr(`key`, 1, 20) = 'webhook-secret-hmac:')
	)
) WHERE `integration` <> '' AND `source` <> '' AND `url` <> '';
--> statement-breakpoint
DELETE FROM `settings` WHERE substr(`key`, 1, 20) = 'webhook-secret-hmac:';
